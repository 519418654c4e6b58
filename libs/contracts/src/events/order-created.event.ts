import { IsISO8601, IsUUID } from 'class-validator';
import { OrderRequest } from './order-request.js';

/** Body of `order.created`: the customer's {@link OrderRequest} plus what the agent adds. */
export class OrderCreatedEvent extends OrderRequest {
  @IsUUID()
  eventId!: string;

  @IsUUID()
  orderId!: string;

  @IsISO8601({ strict: true })
  createdAt!: string;

  /** When the order is cancelled if still unpaid: the order row keeps it, so a timeout delivered early changes nothing. */
  @IsISO8601({ strict: true })
  paymentDueAt!: string;
}
