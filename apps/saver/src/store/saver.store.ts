import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, type Database } from '../database/database.js';
import type { FlashSalePurchase, OrderCreated, OrderPaid, OrderPaymentTimeout, ReportCreated } from '../events/event-payloads.js';
import type { OrderFanoutChannel } from '../topics.js';

/** Outcome of an idempotent write: `false` when the row was already there (a redelivery). */
export type Written = boolean;

export interface SaverStats {
  readonly database: Database['kind'];
  readonly reports: number;
  readonly orders: { readonly pending: number; readonly paid: number; readonly cancelled: number };
  readonly orderEffects: Record<string, number>;
  readonly flashSalePurchases: number;
  /** Redelivered events that found their row already written (since this process started). */
  readonly duplicatesIgnored: number;
}

/**
 * Every write the saver does, each idempotent: keyed by the event (or the
 * order and channel), `ON CONFLICT` turns a redelivery into a no-op.
 */
@Injectable()
export class SaverStore {
  private duplicates = 0;

  constructor(@Inject(DATABASE) private readonly db: Database) {}

  get databaseKind(): Database['kind'] {
    return this.db.kind;
  }

  async saveReport(report: ReportCreated, nsq: { messageId: string; attempts: number }): Promise<Written> {
    const { rowCount } = await this.db.query(
      `INSERT INTO reports (id, title, author, content, priority, created_at, nsq_message_id, nsq_attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [report.id, report.title, report.author, report.content, report.priority, report.createdAt, nsq.messageId, nsq.attempts],
    );
    return this.counted(rowCount);
  }

  /** The order row; fills in the details if a payment or timeout arrived first, never touches its status. */
  async saveOrder(order: OrderCreated): Promise<Written> {
    const { rowCount } = await this.db.query(
      `INSERT INTO orders (order_id, customer_id, amount, items, status, created_at)
       VALUES ($1, $2, $3, $4, 'pending', $5)
       ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, amount = EXCLUDED.amount,
         items = EXCLUDED.items, created_at = EXCLUDED.created_at, updated_at = now()
       WHERE orders.customer_id IS NULL`,
      [order.orderId, order.customerId, order.amount, JSON.stringify(order.items), order.createdAt],
    );
    return this.counted(rowCount);
  }

  async saveOrderEffect(order: OrderCreated, channel: OrderFanoutChannel, detail: string): Promise<Written> {
    const { rowCount } = await this.db.query(
      `INSERT INTO order_effects (order_id, channel, event_id, detail) VALUES ($1, $2, $3, $4) ON CONFLICT (order_id, channel) DO NOTHING`,
      [order.orderId, channel, order.eventId, detail],
    );
    return this.counted(rowCount);
  }

  /** pending → paid; true if this call changed it. A payment that finds no order creates it as paid. */
  async markPaid(event: OrderPaid): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO orders (order_id, status, paid_at) VALUES ($1, 'paid', $2)
       ON CONFLICT (order_id) DO UPDATE SET status = 'paid', paid_at = EXCLUDED.paid_at, updated_at = now()
       WHERE orders.status = 'pending'`,
      [event.orderId, event.paidAt],
    );
    return rowCount > 0;
  }

  /** pending → cancelled; true if this call changed it. A paid (or already cancelled) order is left alone. */
  async cancelIfUnpaid(event: OrderPaymentTimeout): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO orders (order_id, status, cancelled_at) VALUES ($1, 'cancelled', now())
       ON CONFLICT (order_id) DO UPDATE SET status = 'cancelled', cancelled_at = now(), updated_at = now()
       WHERE orders.status = 'pending'`,
      [event.orderId],
    );
    return rowCount > 0;
  }

  async savePurchase(purchase: FlashSalePurchase): Promise<Written> {
    const { rowCount } = await this.db.query(
      `INSERT INTO flash_sale_purchases (id, sku, customer_id, requested_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
      [purchase.eventId, purchase.sku, purchase.customerId, purchase.requestedAt],
    );
    return this.counted(rowCount);
  }

  async findReport(id: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await this.db.query(`SELECT * FROM reports WHERE id = $1`, [id]);
    return rows[0];
  }

  async findOrder(orderId: string): Promise<{ order: Record<string, unknown>; effects: Record<string, unknown>[] } | undefined> {
    const { rows } = await this.db.query(`SELECT * FROM orders WHERE order_id = $1`, [orderId]);
    if (rows.length === 0) return undefined;
    const effects = await this.db.query(`SELECT channel, detail, event_id, stored_at FROM order_effects WHERE order_id = $1 ORDER BY channel`, [orderId]);
    return { order: rows[0]!, effects: effects.rows };
  }

  async findPurchase(id: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await this.db.query(`SELECT * FROM flash_sale_purchases WHERE id = $1`, [id]);
    return rows[0];
  }

  async stats(): Promise<SaverStats> {
    const count = async (sql: string) => Number((await this.db.query<{ n: string | number }>(sql)).rows[0]?.n ?? 0);
    const statuses = await this.db.query<{ status: string; n: string | number }>(`SELECT status, count(*) AS n FROM orders GROUP BY status`);
    const effects = await this.db.query<{ channel: string; n: string | number }>(`SELECT channel, count(*) AS n FROM order_effects GROUP BY channel ORDER BY channel`);
    const byStatus = Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)]));
    return {
      database: this.db.kind,
      reports: await count(`SELECT count(*) AS n FROM reports`),
      orders: { pending: byStatus.pending ?? 0, paid: byStatus.paid ?? 0, cancelled: byStatus.cancelled ?? 0 },
      orderEffects: Object.fromEntries(effects.rows.map((r) => [r.channel, Number(r.n)])),
      flashSalePurchases: await count(`SELECT count(*) AS n FROM flash_sale_purchases`),
      duplicatesIgnored: this.duplicates,
    };
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  private counted(rowCount: number): Written {
    if (rowCount === 0) this.duplicates++;
    return rowCount > 0;
  }
}
