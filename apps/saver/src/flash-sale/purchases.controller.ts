import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { PurchaseRepository } from './purchase.repository.js';

/** `GET /flash-sale/purchases/:id`. */
@Controller('flash-sale/purchases')
export class PurchasesController {
  constructor(private readonly purchases: PurchaseRepository) {}

  @Get(':id')
  async purchase(@Param('id', new ParseUUIDPipe()) id: string) {
    const purchase = await this.purchases.find(id);
    if (!purchase) throw new NotFoundException(`purchase ${id} not stored (yet)`);
    return purchase;
  }
}
