import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The four tables of the first release. `ifNotExists`: a database created by
 * the saver before it had migrations is adopted as it is. Every event table
 * is keyed by something the event carries, so a redelivery writes nothing.
 */
export const initialMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('reports')
      .ifNotExists()
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('nsq_message_id', 'text', (c) => c.notNull())
      .addColumn('nsq_attempts', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('orders')
      .ifNotExists()
      .addColumn('order_id', 'uuid', (c) => c.primaryKey())
      .addColumn('customer_id', 'text')
      .addColumn('amount', 'numeric(12, 2)')
      .addColumn('items', 'jsonb')
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('pending', 'paid', 'cancelled')`))
      .addColumn('created_at', 'timestamptz')
      .addColumn('paid_at', 'timestamptz')
      .addColumn('cancelled_at', 'timestamptz')
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('order_effects')
      .ifNotExists()
      .addColumn('order_id', 'uuid', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('event_id', 'uuid', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('order_effects_pkey', ['order_id', 'channel'])
      .execute();
    await db.schema
      .createTable('flash_sale_purchases')
      .ifNotExists()
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'timestamptz', (c) => c.notNull())
      .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};
