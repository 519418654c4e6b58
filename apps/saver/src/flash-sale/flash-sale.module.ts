import { Module } from '@nestjs/common';
import { PurchaseEvents } from './purchase.events.js';
import { PurchaseRepository } from './purchase.repository.js';
import { PurchasesController } from './purchases.controller.js';

/** The flash sale's consuming side. */
@Module({ controllers: [PurchaseEvents, PurchasesController], providers: [PurchaseRepository] })
export class FlashSaleModule {}
