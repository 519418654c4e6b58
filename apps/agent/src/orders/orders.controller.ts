import { Body, Controller, HttpCode, HttpStatus, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { NsqRecordBuilder } from 'nestjs-transport-nsq';
import { randomUUID } from 'node:crypto';
import { AGENT_CONFIG, type AgentConfig } from '../config/agent.config.js';
import { EventPublisher } from '../nsq/event-publisher.service.js';
import { TOPICS } from '../topics.js';
import { CreateOrderDto } from './create-order.dto.js';

/**
 * Orders: `order.created` fans out to every channel of the saver (points,
 * coupons, notifications, …), and a deferred `order.payment-timeout` cancels
 * the order if `order.paid` did not come first.
 */
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly events: EventPublisher,
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async create(@Body() order: CreateOrderDto): Promise<{ id: string; paymentDueAt: string }> {
    const id = randomUUID();
    const createdAt = new Date();
    const paymentDueAt = new Date(createdAt.getTime() + this.config.paymentTimeoutMs).toISOString();
    // Both or the caller sees an error; nsqd keeps the deferred one (on disk on a clean stop).
    await Promise.all([
      this.events.publish(TOPICS.orderCreated, { eventId: randomUUID(), orderId: id, ...order, createdAt: createdAt.toISOString() }),
      this.events.publish(TOPICS.orderPaymentTimeout, new NsqRecordBuilder({ eventId: randomUUID(), orderId: id, paymentDueAt }).setDelay(this.config.paymentTimeoutMs).build()),
    ]);
    return { id, paymentDueAt };
  }

  @Post(':id/pay')
  @HttpCode(HttpStatus.ACCEPTED)
  async pay(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ id: string }> {
    await this.events.publish(TOPICS.orderPaid, { eventId: randomUUID(), orderId: id, paidAt: new Date().toISOString() });
    return { id };
  }
}
