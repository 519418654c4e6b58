/**
 * Created on start (idempotent). Every event table is keyed by something the
 * event carries, so a redelivered message hits ON CONFLICT and writes nothing.
 */
export const SCHEMA_STATEMENTS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS reports (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    author text NOT NULL,
    content text NOT NULL,
    priority text NOT NULL,
    created_at timestamptz NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    nsq_message_id text NOT NULL,
    nsq_attempts integer NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS orders (
    order_id uuid PRIMARY KEY,
    customer_id text,
    amount numeric(12, 2),
    items jsonb,
    status text NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled')),
    created_at timestamptz,
    paid_at timestamptz,
    cancelled_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS order_effects (
    order_id uuid NOT NULL,
    channel text NOT NULL,
    event_id uuid NOT NULL,
    detail text NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, channel)
  )`,
  `CREATE TABLE IF NOT EXISTS flash_sale_purchases (
    id uuid PRIMARY KEY,
    sku text NOT NULL,
    customer_id text NOT NULL,
    requested_at timestamptz NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
  )`,
];
