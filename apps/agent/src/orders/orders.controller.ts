import { type OrderCreatedEvent, type OrderPaidEvent, type OrderPaymentTimeoutEvent, OrderRequest, TOPICS } from '@app/contracts';
import { Body, Controller, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { NsqRecordBuilder } from 'nestjs-transport-nsq';
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { AgentConfig } from '../config/agent.config.js';
import { EventPublisher } from '../nsq/event-publisher.service.js';
import { IdempotencyKey } from './idempotency-key.decorator.js';
import { IdempotencyKeyPipe } from './idempotency-key.pipe.js';

/** Namespace of the name-based (v5) ids derived from an Idempotency-Key. */
const IDEMPOTENCY_NAMESPACE = '5f0c1a3e-9b7d-4c52-8e61-2d4a7b9c0e13';

/**
 * Orders: `order.created` fans out to every channel of the saver (points,
 * coupons, notifications, …), and a deferred `order.payment-timeout` cancels
 * the order if `order.paid` did not come first.
 */
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly events: EventPublisher,
    private readonly config: AgentConfig,
  ) {}

  /**
   * With an `Idempotency-Key` header, a retry (after a timeout or a 503) is
   * the same order: the order id and event ids are derived from the key and
   * the customer, so the saver's idempotent writes store one order, whatever
   * the number of attempts. The first attempt's deadline is the one kept.
   */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async create(@Body() order: OrderRequest, @IdempotencyKey(IdempotencyKeyPipe) idempotencyKey?: string): Promise<{ id: string; paymentDueAt: string }> {
    const idFor = (purpose: string) => (idempotencyKey === undefined ? randomUUID() : uuidv5(`${order.customerId}\n${idempotencyKey}\n${purpose}`, IDEMPOTENCY_NAMESPACE));
    const id = idFor('order');
    const createdAt = new Date();
    const paymentDueAt = new Date(createdAt.getTime() + this.config.paymentTimeoutMs).toISOString();
    const created: OrderCreatedEvent = { eventId: idFor('order.created'), orderId: id, ...order, createdAt: createdAt.toISOString(), paymentDueAt };
    const timeout: OrderPaymentTimeoutEvent = { eventId: idFor('order.payment-timeout'), orderId: id, paymentDueAt };
    // Both or the caller sees an error (and may retry with the same key); nsqd keeps the deferred one on disk on a clean stop.
    await Promise.all([
      this.events.publish(TOPICS.orderCreated, created),
      this.events.publish(TOPICS.orderPaymentTimeout, new NsqRecordBuilder(timeout).setDelay(this.config.paymentTimeoutMs).build()),
    ]);
    return { id, paymentDueAt };
  }

  @Post(':id/pay')
  @HttpCode(HttpStatus.ACCEPTED)
  async pay(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ id: string }> {
    const paid: OrderPaidEvent = { eventId: randomUUID(), orderId: id, paidAt: new Date().toISOString() };
    await this.events.publish(TOPICS.orderPaid, paid);
    return { id };
  }
}
