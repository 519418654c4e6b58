import { IsIn, IsISO8601, IsUUID } from 'class-validator';
import { ReportContent } from './report-content.js';

export const REPORT_PRIORITIES = ['low', 'normal', 'high'] as const;
export type ReportPriority = (typeof REPORT_PRIORITIES)[number];

/** Body of `report.created`: the author's {@link ReportContent} plus what the agent adds. */
export class ReportCreatedEvent extends ReportContent {
  /** The report's id, chosen by the agent: a redelivery carries the same one. */
  @IsUUID()
  id!: string;

  @IsIn(REPORT_PRIORITIES)
  priority!: ReportPriority;

  @IsISO8601({ strict: true })
  createdAt!: string;
}
