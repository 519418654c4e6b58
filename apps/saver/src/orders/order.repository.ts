import { Injectable } from '@nestjs/common';
import type { OrderCreatedEvent, OrderFanoutChannel, OrderPaidEvent, OrderPaymentTimeoutEvent } from '@app/contracts';
import { sql } from 'kysely';
import { SaverDatabase } from '../database/saver-database.js';
import { WriteTally } from '../database/write-tally.js';
import type { PaymentTimeoutOutcome } from './payment-timeout-outcome.js';

/**
 * `orders` and `order_effects`. Every write is idempotent and tolerates any
 * arrival order: a payment or a timeout may come before the order itself.
 * Deadlines are compared with the database's clock (`now()`), one clock for
 * every saver replica.
 */
@Injectable()
export class OrderRepository {
  constructor(
    private readonly database: SaverDatabase,
    private readonly tally: WriteTally,
  ) {}

  /** The order row; fills in the details if a payment or timeout arrived first, never touches its status. */
  async save(order: OrderCreatedEvent): Promise<boolean> {
    const result = await this.database.db
      .insertInto('orders')
      .values({
        order_id: order.orderId,
        customer_id: order.customerId,
        amount: order.amount,
        items: JSON.stringify(order.items),
        status: 'pending',
        created_at: order.createdAt,
        payment_due_at: order.paymentDueAt,
      })
      .onConflict((oc) =>
        oc
          .column('order_id')
          .doUpdateSet((eb) => ({
            customer_id: eb.ref('excluded.customer_id'),
            amount: eb.ref('excluded.amount'),
            items: eb.ref('excluded.items'),
            created_at: eb.ref('excluded.created_at'),
            payment_due_at: eb.ref('excluded.payment_due_at'),
            updated_at: sql<Date>`now()`,
          }))
          .where('orders.customer_id', 'is', null),
      )
      .executeTakeFirst();
    return this.tally.written(result.numInsertedOrUpdatedRows);
  }

  async saveEffect(order: OrderCreatedEvent, channel: OrderFanoutChannel, detail: string): Promise<boolean> {
    const result = await this.database.db
      .insertInto('order_effects')
      .values({ order_id: order.orderId, channel, event_id: order.eventId, detail })
      .onConflict((oc) => oc.columns(['order_id', 'channel']).doNothing())
      .executeTakeFirst();
    return this.tally.written(result.numInsertedOrUpdatedRows);
  }

  /** pending → paid; true if this call changed it. A payment that finds no order creates it as paid. */
  async markPaid(event: OrderPaidEvent): Promise<boolean> {
    const result = await this.database.db
      .insertInto('orders')
      .values({ order_id: event.orderId, status: 'paid', paid_at: event.paidAt })
      .onConflict((oc) =>
        oc
          .column('order_id')
          .doUpdateSet((eb) => ({ status: 'paid', paid_at: eb.ref('excluded.paid_at'), updated_at: sql<Date>`now()` }))
          .where('orders.status', '=', 'pending'),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * Cancels a pending order whose deadline has passed. The deadline is the
   * row's own (from `order.created`), else the timeout event's: a timeout
   * delivered early (nsqd restarted, dropping the deferral) changes nothing
   * and says how long is left.
   */
  async cancelIfDue(event: OrderPaymentTimeoutEvent): Promise<PaymentTimeoutOutcome> {
    const db = this.database.db;
    const eventDue = sql<Date>`${event.paymentDueAt}::timestamptz`;
    const cancelled = await db
      .updateTable('orders')
      .set({ status: 'cancelled', cancelled_at: sql<string>`now()`, updated_at: sql<Date>`now()` })
      .where('order_id', '=', event.orderId)
      .where('status', '=', 'pending')
      .where(sql<boolean>`coalesce(payment_due_at, ${eventDue}) <= now()`)
      .executeTakeFirst();
    if (Number(cancelled.numUpdatedRows) > 0) return { kind: 'cancelled' };

    const row = await db
      .selectFrom('orders')
      .select(['status', sql<string>`ceil(extract(epoch from (coalesce(payment_due_at, ${eventDue}) - now())) * 1000)`.as('remaining_ms')])
      .where('order_id', '=', event.orderId)
      .executeTakeFirst();
    if (row) return row.status === 'pending' ? { kind: 'not-due', remainingMs: Math.max(0, Number(row.remaining_ms)) } : { kind: 'settled', status: row.status };

    // No order yet (its `order.created` is late): act on the event's own deadline.
    const { remaining_ms } = await db.selectNoFrom(sql<string>`ceil(extract(epoch from (${eventDue} - now())) * 1000)`.as('remaining_ms')).executeTakeFirstOrThrow();
    if (Number(remaining_ms) > 0) return { kind: 'not-due', remainingMs: Number(remaining_ms) };
    const inserted = await db
      .insertInto('orders')
      .values({ order_id: event.orderId, status: 'cancelled', cancelled_at: sql<string>`now()`, payment_due_at: event.paymentDueAt })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .executeTakeFirst();
    // Lost a race with `order.created` or `order.paid`: decide again on the row they wrote.
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 ? { kind: 'cancelled' } : this.cancelIfDue(event);
  }

  async find(orderId: string) {
    const order = await this.database.db.selectFrom('orders').selectAll().where('order_id', '=', orderId).executeTakeFirst();
    if (!order) return undefined;
    const effects = await this.database.db
      .selectFrom('order_effects')
      .select(['channel', 'detail', 'event_id', 'stored_at'])
      .where('order_id', '=', orderId)
      .orderBy('channel')
      .execute();
    return { order, effects };
  }
}
