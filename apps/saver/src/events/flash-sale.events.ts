import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { NsqContext, NsqEventPattern } from 'nestjs-transport-nsq';
import { setTimeout as delay } from 'node:timers/promises';
import { SAVER_CONFIG, type SaverConfig } from '../config/saver.config.js';
import { SaverStore } from '../store/saver.store.js';
import { FLASH_SALE_TRANSPORT, TOPICS } from '../topics.js';
import { rejectMalformed } from './reject-malformed.js';
import { isFlashSalePurchase } from './event-payloads.js';

/**
 * Flash-sale purchases, consumed by a second ServerNsq with one message in
 * flight: the slow, steady side of peak shaving. The burst waits in NSQ.
 */
@Controller()
export class FlashSaleEvents {
  private readonly logger = new Logger(FlashSaleEvents.name);

  constructor(
    private readonly store: SaverStore,
    @Inject(SAVER_CONFIG) private readonly config: SaverConfig,
  ) {}

  @NsqEventPattern(TOPICS.flashSalePurchase, { transportId: FLASH_SALE_TRANSPORT })
  async onPurchase(@Payload() purchase: unknown, @Ctx() ctx: NsqContext): Promise<void> {
    if (!isFlashSalePurchase(purchase)) return rejectMalformed(this.logger, ctx);
    // Stands for the real work (stock reservation, payment hold).
    if (this.config.flashSale.workMs > 0) await delay(this.config.flashSale.workMs);
    await this.store.savePurchase(purchase);
  }
}
