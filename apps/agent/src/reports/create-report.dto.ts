import { REPORT_PRIORITIES, ReportContent, type ReportPriority } from '@app/contracts';
import { IsIn, IsOptional } from 'class-validator';

/** Body of `POST /reports`: the contract's {@link ReportContent}, and a priority the agent defaults to `normal`. */
export class CreateReportDto extends ReportContent {
  @IsOptional()
  @IsIn(REPORT_PRIORITIES)
  priority?: ReportPriority;
}
