import { Module } from '@nestjs/common';
import { FlashSaleBacklog } from './flash-sale-backlog.service.js';
import { FlashSaleController } from './flash-sale.controller.js';

@Module({ controllers: [FlashSaleController], providers: [FlashSaleBacklog] })
export class FlashSaleModule {}
