import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsInt, IsNumber, IsPositive, IsString, Length, Max, Min, ValidateNested } from 'class-validator';

export class OrderItemDto {
  @IsString()
  @Length(1, 64)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;
}

/** Body of `POST /orders`. */
export class CreateOrderDto {
  @IsString()
  @Length(1, 100)
  customerId!: string;

  @IsNumber({ maxDecimalPlaces: 2 })
  @IsPositive()
  amount!: number;

  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}
