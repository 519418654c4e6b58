import { IsString, Length, MaxLength } from 'class-validator';

/**
 * What an author writes: the body of the agent's `POST /reports` and part of
 * `report.created`, validated by the same decorators on both sides.
 */
export class ReportContent {
  @IsString()
  @Length(1, 200)
  title!: string;

  @IsString()
  @Length(1, 100)
  author!: string;

  @IsString()
  @MaxLength(10_000)
  content!: string;
}
