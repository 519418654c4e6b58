import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { NSQ_TRANSPORT, NsqContext, NsqEventPattern } from 'nestjs-transport-nsq';
import { SaverStore } from '../store/saver.store.js';
import { TOPICS } from '../topics.js';
import { isReportCreated } from './event-payloads.js';
import { rejectMalformed } from './reject-malformed.js';

/** `report.created` on the saver's channel: one row per report, whatever the number of deliveries. */
@Controller()
export class ReportEvents {
  private readonly logger = new Logger(ReportEvents.name);

  constructor(private readonly store: SaverStore) {}

  @NsqEventPattern(TOPICS.reportCreated, { transportId: NSQ_TRANSPORT })
  async onReportCreated(@Payload() report: unknown, @Ctx() ctx: NsqContext): Promise<void> {
    if (!isReportCreated(report)) return rejectMalformed(this.logger, ctx);
    const written = await this.store.saveReport(report, { messageId: ctx.getMessageId(), attempts: ctx.getAttempts() });
    this.logger.debug(`report ${report.id} ${written ? 'stored' : 'already stored'} (message ${ctx.getMessageId()}, attempt ${ctx.getAttempts()})`);
  }
}
