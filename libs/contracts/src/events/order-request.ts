import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsInt, IsNumber, IsPositive, IsString, Length, Max, Min, ValidateNested } from 'class-validator';

export class OrderItem {
  @IsString()
  @Length(1, 64)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;
}

/** What a customer orders: the body of the agent's `POST /orders` and part of `order.created`. */
export class OrderRequest {
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
}
