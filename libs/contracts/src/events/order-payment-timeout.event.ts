import { IsISO8601, IsUUID } from 'class-validator';

/**
 * Body of `order.payment-timeout`, published deferred until `paymentDueAt`.
 * nsqd does not keep a deferral across a restart (the message then comes at
 * once), so a consumer must compare `paymentDueAt` with the clock, not trust
 * the delivery time.
 */
export class OrderPaymentTimeoutEvent {
  @IsUUID()
  eventId!: string;

  @IsUUID()
  orderId!: string;

  @IsISO8601({ strict: true })
  paymentDueAt!: string;
}
