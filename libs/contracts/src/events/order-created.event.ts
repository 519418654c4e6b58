import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsInt, IsISO8601, IsNumber, IsPositive, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';

export class OrderItem {
  @IsString()
  @Length(1, 64)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;
}

/** Body of `order.created`. */
export class OrderCreatedEvent {
  @IsUUID()
  eventId!: string;

  @IsUUID()
  orderId!: string;

  @IsString()
  @Length(1, 100)
  customerId!: string;

  @IsNumber({ maxDecimalPlaces: 2 })
  @IsPositive()
  amount!: number;

  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderItem)
  items!: OrderItem[];

  @IsISO8601({ strict: true })
  createdAt!: string;

  /** When the order is cancelled if still unpaid: the order row keeps it, so a timeout delivered early changes nothing. */
  @IsISO8601({ strict: true })
  paymentDueAt!: string;
}
