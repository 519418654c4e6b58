import { IsISO8601, IsString, IsUUID, Length, Matches } from 'class-validator';

export const SKU_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Body of `flash-sale.purchase`. */
export class FlashSalePurchaseEvent {
  @IsUUID()
  eventId!: string;

  @Matches(SKU_PATTERN)
  sku!: string;

  @IsString()
  @Length(1, 100)
  customerId!: string;

  @IsISO8601({ strict: true })
  requestedAt!: string;
}
