/** What the agent publishes, as the saver reads it. Checked by the guards below before anything is written. */
export interface ReportCreated {
  readonly id: string;
  readonly title: string;
  readonly author: string;
  readonly content: string;
  readonly priority: string;
  readonly createdAt: string;
}

export interface OrderCreated {
  readonly eventId: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>;
  readonly createdAt: string;
}

export interface OrderPaid {
  readonly eventId: string;
  readonly orderId: string;
  readonly paidAt: string;
}

export interface OrderPaymentTimeout {
  readonly eventId: string;
  readonly orderId: string;
  readonly paymentDueAt: string;
}

export interface FlashSalePurchase {
  readonly eventId: string;
  readonly sku: string;
  readonly customerId: string;
  readonly requestedAt: string;
}

type Shape = Record<string, 'string' | 'number' | 'object'>;

function hasShape(value: unknown, shape: Shape): boolean {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return Object.entries(shape).every(([key, type]) => typeof record[key] === type && record[key] !== null);
}

export const isReportCreated = (v: unknown): v is ReportCreated =>
  hasShape(v, { id: 'string', title: 'string', author: 'string', content: 'string', priority: 'string', createdAt: 'string' });
export const isOrderCreated = (v: unknown): v is OrderCreated =>
  hasShape(v, { eventId: 'string', orderId: 'string', customerId: 'string', amount: 'number', items: 'object', createdAt: 'string' });
export const isOrderPaid = (v: unknown): v is OrderPaid => hasShape(v, { eventId: 'string', orderId: 'string', paidAt: 'string' });
export const isOrderPaymentTimeout = (v: unknown): v is OrderPaymentTimeout => hasShape(v, { eventId: 'string', orderId: 'string', paymentDueAt: 'string' });
export const isFlashSalePurchase = (v: unknown): v is FlashSalePurchase => hasShape(v, { eventId: 'string', sku: 'string', customerId: 'string', requestedAt: 'string' });
