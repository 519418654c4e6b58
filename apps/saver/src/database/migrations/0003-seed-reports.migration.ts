import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Tables for the seed's report shapes, published by its Go (Kratos) services. */
export const seedReportsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('seed_event_reports')
      .addColumn('nsq_message_id', 'text', (c) => c.primaryKey())
      .addColumn('seed_id', 'bigint')
      .addColumn('event_name', 'text', (c) => c.notNull())
      .addColumn('report_data', 'text')
      .addColumn('create_time', 'text')
      .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('seed_accept_status_reports')
      .addColumn('nsq_message_id', 'text', (c) => c.primaryKey())
      .addColumn('seed_id', 'bigint')
      .addColumn('data_name', 'text')
      .addColumn('report_type', 'text')
      .addColumn('report_data', 'text')
      .addColumn('status', 'integer')
      .addColumn('error_reason', 'text')
      .addColumn('error_handling', 'text')
      .addColumn('part_event', 'text')
      .addColumn('part_date', 'text')
      .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('seed_accept_status_reports').execute();
    await db.schema.dropTable('seed_event_reports').execute();
  },
};
