import { IsString, Length } from 'class-validator';

/** Body of `POST /flash-sale/:sku`. */
export class PurchaseDto {
  @IsString()
  @Length(1, 100)
  customerId!: string;
}
