import type { ColumnType, Generated } from 'kysely';

/** timestamptz: read as a Date, written as an ISO string (or `now()` through `sql`). */
type Timestamp = ColumnType<Date, string, string>;
type NullableTimestamp = ColumnType<Date | null, string | null | undefined, string | null>;

export interface ReportsTable {
  id: string;
  title: string;
  author: string;
  content: string;
  priority: string;
  created_at: Timestamp;
  stored_at: Generated<Date>;
  nsq_message_id: string;
  nsq_attempts: number;
}

export interface OrdersTable {
  order_id: string;
  customer_id: string | null;
  /** numeric(12, 2): PostgreSQL hands it back as a string. */
  amount: ColumnType<string | null, number | null | undefined, number | null>;
  items: ColumnType<unknown, string | null | undefined, string | null>;
  status: 'pending' | 'paid' | 'cancelled';
  created_at: NullableTimestamp;
  /** Set from `order.created`: a payment timeout is acted on only once this has passed. */
  payment_due_at: NullableTimestamp;
  paid_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  updated_at: Generated<Date>;
}

export interface OrderEffectsTable {
  order_id: string;
  channel: string;
  event_id: string;
  detail: string;
  stored_at: Generated<Date>;
}

export interface FlashSalePurchasesTable {
  id: string;
  sku: string;
  customer_id: string;
  requested_at: Timestamp;
  stored_at: Generated<Date>;
}

/** The seed's `RealTimeWarehousingData`, keyed by the NSQ message id (the seed's bodies carry no id of their own). */
export interface SeedEventReportsTable {
  nsq_message_id: string;
  seed_id: number | null;
  event_name: string;
  report_data: string | null;
  create_time: string | null;
  stored_at: Generated<Date>;
}

/** The seed's `AcceptStatusReportData`, keyed like {@link SeedEventReportsTable}. */
export interface SeedAcceptStatusReportsTable {
  nsq_message_id: string;
  seed_id: number | null;
  data_name: string | null;
  report_type: string | null;
  report_data: string | null;
  status: number | null;
  error_reason: string | null;
  error_handling: string | null;
  part_event: string | null;
  part_date: string | null;
  stored_at: Generated<Date>;
}

/** Every table of the saver, as Kysely types its queries. */
export interface SaverTables {
  reports: ReportsTable;
  orders: OrdersTable;
  order_effects: OrderEffectsTable;
  flash_sale_purchases: FlashSalePurchasesTable;
  seed_event_reports: SeedEventReportsTable;
  seed_accept_status_reports: SeedAcceptStatusReportsTable;
}
