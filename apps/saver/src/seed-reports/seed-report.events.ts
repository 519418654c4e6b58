import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AcceptStatusReportData, RealTimeWarehousingData, SEED_TOPICS } from '@app/contracts';
import { NsqContext, NsqEventPattern } from 'nestjs-transport-nsq';
import { SeedReportRepository } from './seed-report.repository.js';

/**
 * The seed's own topics and shapes, as its Go (Kratos) services publish them
 * with kratos-transport's json codec: a Go agent can feed this saver as it is.
 */
@Controller()
export class SeedReportEvents {
  constructor(private readonly reports: SeedReportRepository) {}

  @NsqEventPattern(SEED_TOPICS.eventReport)
  async onEventReport(@Payload() report: RealTimeWarehousingData, @Ctx() ctx: NsqContext): Promise<void> {
    await this.reports.saveEventReport(report, ctx.getMessageId());
  }

  @NsqEventPattern(SEED_TOPICS.userReport)
  async onAcceptStatus(@Payload() report: AcceptStatusReportData, @Ctx() ctx: NsqContext): Promise<void> {
    await this.reports.saveAcceptStatus(report, ctx.getMessageId());
  }
}
