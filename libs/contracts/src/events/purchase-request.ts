import { IsString, Length } from 'class-validator';

/** Who buys: the body of the agent's `POST /flash-sale/:sku` and part of `flash-sale.purchase`. */
export class PurchaseRequest {
  @IsString()
  @Length(1, 100)
  customerId!: string;
}
