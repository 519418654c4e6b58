import { IsISO8601, IsUUID } from 'class-validator';

/** Body of `order.paid`. */
export class OrderPaidEvent {
  @IsUUID()
  eventId!: string;

  @IsUUID()
  orderId!: string;

  @IsISO8601({ strict: true })
  paidAt!: string;
}
