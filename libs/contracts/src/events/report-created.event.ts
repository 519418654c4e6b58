import { IsIn, IsISO8601, IsString, IsUUID, Length, MaxLength } from 'class-validator';

export const REPORT_PRIORITIES = ['low', 'normal', 'high'] as const;
export type ReportPriority = (typeof REPORT_PRIORITIES)[number];

/** Body of `report.created`. */
export class ReportCreatedEvent {
  /** The report's id, chosen by the agent: a redelivery carries the same one. */
  @IsUUID()
  id!: string;

  @IsString()
  @Length(1, 200)
  title!: string;

  @IsString()
  @Length(1, 100)
  author!: string;

  @IsString()
  @MaxLength(10_000)
  content!: string;

  @IsIn(REPORT_PRIORITIES)
  priority!: ReportPriority;

  @IsISO8601({ strict: true })
  createdAt!: string;
}
