import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { NSQ_TRANSPORT, NsqContext, NsqEventPattern } from 'nestjs-transport-nsq';
import { SaverStore } from '../store/saver.store.js';
import { TOPICS } from '../topics.js';
import { rejectMalformed } from './reject-malformed.js';
import { isOrderCreated, isOrderPaid, isOrderPaymentTimeout, type OrderCreated } from './event-payloads.js';

/**
 * Orders. `order.created` is consumed on four channels: the saver's own
 * (the order row) and points, coupons, notifications — NSQ copies every
 * message to each channel, so each does its own work independently.
 */
@Controller()
export class OrderEvents {
  private readonly logger = new Logger(OrderEvents.name);

  constructor(private readonly store: SaverStore) {}

  @NsqEventPattern(TOPICS.orderCreated, { transportId: NSQ_TRANSPORT })
  async onOrderCreated(@Payload() order: unknown, @Ctx() ctx: NsqContext): Promise<void> {
    if (!isOrderCreated(order)) return rejectMalformed(this.logger, ctx);
    await this.store.saveOrder(order);
  }

  @NsqEventPattern(TOPICS.orderCreated, { channel: 'points', transportId: NSQ_TRANSPORT })
  async awardPoints(@Payload() order: unknown, @Ctx() ctx: NsqContext): Promise<void> {
    if (!isOrderCreated(order)) return rejectMalformed(this.logger, ctx);
    await this.store.saveOrderEffect(order, 'points', `+${Math.floor(order.amount)} points for ${order.customerId}`);
  }

  @NsqEventPattern(TOPICS.orderCreated, { channel: 'coupons', transportId: NSQ_TRANSPORT })
  async issueCoupon(@Payload() order: unknown, @Ctx() ctx: NsqContext): Promise<void> {
    if (!isOrderCreated(order)) return rejectMalformed(this.logger, ctx);
    await this.store.saveOrderEffect(order, 'coupons', couponFor(order));
  }

  @NsqEventPattern(TOPICS.orderCreated, { channel: 'notifications', transportId: NSQ_TRANSPORT })
  async notifyCustomer(@Payload() order: unknown, @Ctx() ctx: NsqContext): Promise<void> {
    if (!isOrderCreated(order)) return rejectMalformed(this.logger, ctx);
    await this.store.saveOrderEffect(order, 'notifications', `order confirmation queued for ${order.customerId}`);
  }

  @NsqEventPattern(TOPICS.orderPaid, { transportId: NSQ_TRANSPORT })
  async onOrderPaid(@Payload() event: unknown, @Ctx() ctx: NsqContext): Promise<void> {
    if (!isOrderPaid(event)) return rejectMalformed(this.logger, ctx);
    const changed = await this.store.markPaid(event);
    this.logger.debug(`order ${event.orderId} ${changed ? 'paid' : 'payment ignored (not pending)'}`);
  }

  /** The deferred message published with the order: cancels it unless it was paid first. */
  @NsqEventPattern(TOPICS.orderPaymentTimeout, { transportId: NSQ_TRANSPORT })
  async onPaymentTimeout(@Payload() event: unknown, @Ctx() ctx: NsqContext): Promise<void> {
    if (!isOrderPaymentTimeout(event)) return rejectMalformed(this.logger, ctx);
    const cancelled = await this.store.cancelIfUnpaid(event);
    this.logger.debug(`order ${event.orderId} ${cancelled ? 'cancelled: unpaid at its deadline' : 'timeout ignored (not pending)'}`);
  }
}

function couponFor(order: OrderCreated): string {
  return order.amount >= 100 ? 'coupon THANKYOU10 issued (order of 100 or more)' : 'no coupon (order under 100)';
}
