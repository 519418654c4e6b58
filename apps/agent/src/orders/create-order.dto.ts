import { OrderItem } from '@app/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsNumber, IsPositive, IsString, Length, ValidateNested } from 'class-validator';

/** Body of `POST /orders`. Items are the contract's own class, validated the same on both sides. */
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
  @Type(() => OrderItem)
  items!: OrderItem[];
}
