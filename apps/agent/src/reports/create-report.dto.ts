import { REPORT_PRIORITIES, type ReportPriority } from '@app/contracts';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

/** Body of `POST /reports`. */
export class CreateReportDto {
  @IsString()
  @Length(1, 200)
  title!: string;

  @IsString()
  @Length(1, 100)
  author!: string;

  @IsString()
  @MaxLength(10_000)
  content!: string;

  @IsOptional()
  @IsIn(REPORT_PRIORITIES)
  priority?: ReportPriority;
}
