import { type FlashSalePurchaseEvent, PurchaseRequest, SKU_PATTERN, TOPICS } from '@app/contracts';
import { Body, Controller, HttpCode, HttpException, HttpStatus, Param, Post, ServiceUnavailableException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventPublisher } from '../nsq/event-publisher.service.js';
import { BacklogUnknownError } from './backlog-unknown.error.js';
import { FlashSaleBacklog } from './flash-sale-backlog.service.js';

/** The seed's peak shaving: purchases queue in NSQ; beyond the backlog limit they are refused at once. */
@Controller('flash-sale')
export class FlashSaleController {
  constructor(
    private readonly events: EventPublisher,
    private readonly backlog: FlashSaleBacklog,
  ) {}

  @Post(':sku')
  @HttpCode(HttpStatus.ACCEPTED)
  async purchase(@Param('sku') sku: string, @Body() body: PurchaseRequest): Promise<{ id: string; backlog: number }> {
    if (!SKU_PATTERN.test(sku)) throw new HttpException({ statusCode: 400, message: ['sku must match [A-Za-z0-9_-]{1,64}'], error: 'Bad Request' }, HttpStatus.BAD_REQUEST);
    let admission: { admitted: boolean; backlog: number };
    try {
      admission = await this.backlog.admit();
    } catch (error) {
      if (error instanceof BacklogUnknownError) throw new ServiceUnavailableException('NSQ backlog unknown, try again later');
      throw error;
    }
    if (!admission.admitted) {
      throw new HttpException({ statusCode: 429, error: 'Too Many Requests', message: 'sold out for now: too many purchases waiting', backlog: admission.backlog }, HttpStatus.TOO_MANY_REQUESTS);
    }
    const id = randomUUID();
    try {
      const purchase: FlashSalePurchaseEvent = { eventId: id, sku, customerId: body.customerId, requestedAt: new Date().toISOString() };
      await this.events.publish(TOPICS.flashSalePurchase, purchase);
    } catch (error) {
      this.backlog.release();
      throw error;
    }
    return { id, backlog: admission.backlog };
  }
}
