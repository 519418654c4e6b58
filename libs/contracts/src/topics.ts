/**
 * Topics of the example system, declared once for the publisher (agent) and
 * the subscriber (saver).
 */
export const TOPICS = {
  reportCreated: 'report.created',
  orderCreated: 'order.created',
  /** Published deferred (DPUB) with every order; due at the order's `paymentDueAt`. */
  orderPaymentTimeout: 'order.payment-timeout',
  orderPaid: 'order.paid',
  flashSalePurchase: 'flash-sale.purchase',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * Topics the seed's Go (Kratos) services publish: its `topic.EventReportData`
 * (bodies are `RealTimeWarehousingData`) and `topic.UserReportData`
 * (bodies are `AcceptStatusReportData`). Change them here if your Go
 * services name them differently.
 */
export const SEED_TOPICS = {
  eventReport: 'logger.report.event',
  userReport: 'logger.report.user',
} as const;
export type SeedTopic = (typeof SEED_TOPICS)[keyof typeof SEED_TOPICS];

/** Channels on `order.created` besides the saver's own: each gets a copy of every order and does its own work. */
export const ORDER_FANOUT_CHANNELS = ['points', 'coupons', 'notifications'] as const;
export type OrderFanoutChannel = (typeof ORDER_FANOUT_CHANNELS)[number];

/** Channels of the saver. */
export const CHANNELS = {
  /** Default channel of the saver's handlers (SAVER_CHANNEL overrides it). */
  saver: 'saver',
  /** The saver's flash-sale handler (one message in flight); the agent watches this channel's backlog. */
  flashSale: 'flash-sale',
} as const;
