import { Controller, Get } from '@nestjs/common';
import { sql } from 'kysely';
import { SaverDatabase } from '../database/saver-database.js';
import { WriteTally } from '../database/write-tally.js';

export interface SaverStats {
  readonly database: SaverDatabase['kind'];
  readonly reports: number;
  readonly orders: { readonly pending: number; readonly paid: number; readonly cancelled: number };
  readonly orderEffects: Record<string, number>;
  readonly flashSalePurchases: number;
  readonly seed: { readonly eventReports: number; readonly acceptStatusReports: number };
  /** Redelivered events that found their row already written (since this process started). */
  readonly duplicatesIgnored: number;
}

/** `GET /stats`: row counts of every table, for people, the demo and the tests. */
@Controller('stats')
export class StatsController {
  constructor(
    private readonly database: SaverDatabase,
    private readonly tally: WriteTally,
  ) {}

  @Get()
  async stats(): Promise<SaverStats> {
    const db = this.database.db;
    const count = sql<string>`count(*)`.as('n');
    const [reports, statuses, effects, purchases, seedEvents, seedStatuses] = await Promise.all([
      db.selectFrom('reports').select(count).executeTakeFirstOrThrow(),
      db.selectFrom('orders').select(['status', count]).groupBy('status').execute(),
      db.selectFrom('order_effects').select(['channel', count]).groupBy('channel').orderBy('channel').execute(),
      db.selectFrom('flash_sale_purchases').select(count).executeTakeFirstOrThrow(),
      db.selectFrom('seed_event_reports').select(count).executeTakeFirstOrThrow(),
      db.selectFrom('seed_accept_status_reports').select(count).executeTakeFirstOrThrow(),
    ]);
    const byStatus: Record<string, number> = Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)]));
    return {
      database: this.database.kind,
      reports: Number(reports.n),
      orders: { pending: byStatus.pending ?? 0, paid: byStatus.paid ?? 0, cancelled: byStatus.cancelled ?? 0 },
      orderEffects: Object.fromEntries(effects.map((r) => [r.channel, Number(r.n)])),
      flashSalePurchases: Number(purchases.n),
      seed: { eventReports: Number(seedEvents.n), acceptStatusReports: Number(seedStatuses.n) },
      duplicatesIgnored: this.tally.duplicatesIgnored,
    };
  }
}
