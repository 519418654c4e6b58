import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CHANNELS, FlashSalePurchaseEvent, TOPICS } from '@app/contracts';
import { NsqEventPattern } from 'nestjs-transport-nsq';
import { setTimeout as delay } from 'node:timers/promises';
import { SaverConfig } from '../config/saver.config.js';
import { PurchaseRepository } from './purchase.repository.js';

/**
 * Flash-sale purchases, one message in flight (this handler's own
 * `maxInFlight`): the slow, steady side of peak shaving. The burst waits in
 * NSQ; the agent refuses purchases once this channel's backlog is full.
 */
@Controller()
export class PurchaseEvents {
  constructor(
    private readonly purchases: PurchaseRepository,
    private readonly config: SaverConfig,
  ) {}

  @NsqEventPattern(TOPICS.flashSalePurchase, { channel: CHANNELS.flashSale, maxInFlight: 1 })
  async onPurchase(@Payload() purchase: FlashSalePurchaseEvent): Promise<void> {
    // Stands for the real work (stock reservation, payment hold).
    if (this.config.flashSale.workMs > 0) await delay(this.config.flashSale.workMs);
    await this.purchases.save(purchase);
  }
}
