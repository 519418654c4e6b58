import { Injectable } from '@nestjs/common';
import type { ReportCreatedEvent } from '@app/contracts';
import { SaverDatabase } from '../database/saver-database.js';
import { WriteTally } from '../database/write-tally.js';

/** `reports`: one row per report id, whatever the number of deliveries. */
@Injectable()
export class ReportRepository {
  constructor(
    private readonly database: SaverDatabase,
    private readonly tally: WriteTally,
  ) {}

  /** `false` when the report was already stored (a redelivery). */
  async save(report: ReportCreatedEvent, nsq: { messageId: string; attempts: number }): Promise<boolean> {
    const result = await this.database.db
      .insertInto('reports')
      .values({
        id: report.id,
        title: report.title,
        author: report.author,
        content: report.content,
        priority: report.priority,
        created_at: report.createdAt,
        nsq_message_id: nsq.messageId,
        nsq_attempts: nsq.attempts,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return this.tally.written(result.numInsertedOrUpdatedRows);
  }

  find(id: string) {
    return this.database.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
