import { IsISO8601, IsUUID, Matches } from 'class-validator';
import { PurchaseRequest } from './purchase-request.js';

export const SKU_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Body of `flash-sale.purchase`: the buyer's {@link PurchaseRequest} plus what the agent adds. */
export class FlashSalePurchaseEvent extends PurchaseRequest {
  @IsUUID()
  eventId!: string;

  @Matches(SKU_PATTERN)
  sku!: string;

  @IsISO8601({ strict: true })
  requestedAt!: string;
}
