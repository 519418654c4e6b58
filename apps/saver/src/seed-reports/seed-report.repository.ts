import { Injectable } from '@nestjs/common';
import type { AcceptStatusReportData, RealTimeWarehousingData } from '@app/contracts';
import { SaverDatabase } from '../database/saver-database.js';
import { WriteTally } from '../database/write-tally.js';

/**
 * The seed's report shapes. Their bodies carry no id of their own (`id` is
 * the seed's database key, unset when published), so a row is keyed by the
 * NSQ message id: a redelivery of the same message writes nothing.
 */
@Injectable()
export class SeedReportRepository {
  constructor(
    private readonly database: SaverDatabase,
    private readonly tally: WriteTally,
  ) {}

  async saveEventReport(report: RealTimeWarehousingData, messageId: string): Promise<boolean> {
    const result = await this.database.db
      .insertInto('seed_event_reports')
      .values({ nsq_message_id: messageId, seed_id: report.id ?? null, event_name: report.eventName, report_data: report.reportData ?? null, create_time: report.createTime ?? null })
      .onConflict((oc) => oc.column('nsq_message_id').doNothing())
      .executeTakeFirst();
    return this.tally.written(result.numInsertedOrUpdatedRows);
  }

  async saveAcceptStatus(report: AcceptStatusReportData, messageId: string): Promise<boolean> {
    const result = await this.database.db
      .insertInto('seed_accept_status_reports')
      .values({
        nsq_message_id: messageId,
        seed_id: report.id ?? null,
        data_name: report.dataName ?? null,
        report_type: report.reportType ?? null,
        report_data: report.reportData ?? null,
        status: report.status ?? null,
        error_reason: report.errorReason ?? null,
        error_handling: report.errorHandling ?? null,
        part_event: report.partEvent ?? null,
        part_date: report.partDate ?? null,
      })
      .onConflict((oc) => oc.column('nsq_message_id').doNothing())
      .executeTakeFirst();
    return this.tally.written(result.numInsertedOrUpdatedRows);
  }

  /** Event reports by event name (the seed has no id to look one up by). */
  findEventReports(eventName: string) {
    return this.database.db.selectFrom('seed_event_reports').selectAll().where('event_name', '=', eventName).orderBy('stored_at').execute();
  }

  findAcceptStatusReports(dataName: string) {
    return this.database.db.selectFrom('seed_accept_status_reports').selectAll().where('data_name', '=', dataName).orderBy('stored_at').execute();
  }
}
