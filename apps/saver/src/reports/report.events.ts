import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { ReportCreatedEvent, TOPICS } from '@app/contracts';
import { NsqContext, NsqEventPattern } from 'nestjs-transport-nsq';
import { ReportRepository } from './report.repository.js';

/** `report.created` on the saver's channel. */
@Controller()
export class ReportEvents {
  private readonly logger = new Logger(ReportEvents.name);

  constructor(private readonly reports: ReportRepository) {}

  @NsqEventPattern(TOPICS.reportCreated)
  async onReportCreated(@Payload() report: ReportCreatedEvent, @Ctx() ctx: NsqContext): Promise<void> {
    const written = await this.reports.save(report, { messageId: ctx.getMessageId(), attempts: ctx.getAttempts() });
    this.logger.debug(`report ${report.id} ${written ? 'stored' : 'already stored'} (message ${ctx.getMessageId()}, attempt ${ctx.getAttempts()})`);
  }
}
