import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** The order row knows its payment deadline, so an early `order.payment-timeout` (after an nsqd restart) cancels nothing. */
export const orderPaymentDeadlineMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('orders').addColumn('payment_due_at', 'timestamptz').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('orders').dropColumn('payment_due_at').execute();
  },
};
