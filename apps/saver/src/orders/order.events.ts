import { Controller, Logger } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { OrderCreatedEvent, OrderPaidEvent, OrderPaymentTimeoutEvent, TOPICS } from '@app/contracts';
import { NsqContext, NsqEventPattern } from 'nestjs-transport-nsq';
import { OrderRepository } from './order.repository.js';

/**
 * A re-deferred timeout comes back this much after its deadline, so that a
 * clock read a hair early does not send it round once more.
 */
const REDEFER_MARGIN_MS = 250;

/**
 * Orders. `order.created` is consumed on four channels: the saver's own
 * (the order row) and points, coupons, notifications — NSQ copies every
 * message to each channel, so each does its own work independently.
 */
@Controller()
export class OrderEvents {
  private readonly logger = new Logger(OrderEvents.name);

  constructor(private readonly orders: OrderRepository) {}

  @NsqEventPattern(TOPICS.orderCreated)
  async onOrderCreated(@Payload() order: OrderCreatedEvent): Promise<void> {
    await this.orders.save(order);
  }

  @NsqEventPattern(TOPICS.orderCreated, { channel: 'points' })
  async awardPoints(@Payload() order: OrderCreatedEvent): Promise<void> {
    await this.orders.saveEffect(order, 'points', `+${Math.floor(order.amount)} points for ${order.customerId}`);
  }

  @NsqEventPattern(TOPICS.orderCreated, { channel: 'coupons' })
  async issueCoupon(@Payload() order: OrderCreatedEvent): Promise<void> {
    await this.orders.saveEffect(order, 'coupons', order.amount >= 100 ? 'coupon THANKYOU10 issued (order of 100 or more)' : 'no coupon (order under 100)');
  }

  @NsqEventPattern(TOPICS.orderCreated, { channel: 'notifications' })
  async notifyCustomer(@Payload() order: OrderCreatedEvent): Promise<void> {
    await this.orders.saveEffect(order, 'notifications', `order confirmation queued for ${order.customerId}`);
  }

  @NsqEventPattern(TOPICS.orderPaid)
  async onOrderPaid(@Payload() event: OrderPaidEvent): Promise<void> {
    const changed = await this.orders.markPaid(event);
    this.logger.debug(`order ${event.orderId} ${changed ? 'paid' : 'payment ignored (not pending)'}`);
  }

  /**
   * The deferred message published with the order: cancels it unless it was
   * paid first, and only once its deadline has really passed. nsqd delivers a
   * deferred message at once after a restart; such an early one goes back to
   * nsqd deferred for the time left (REQ; nsqd caps it at --max-req-timeout,
   * after which it simply comes round again).
   */
  @NsqEventPattern(TOPICS.orderPaymentTimeout)
  async onPaymentTimeout(@Payload() event: OrderPaymentTimeoutEvent, @Ctx() ctx: NsqContext): Promise<void> {
    const outcome = await this.orders.cancelIfDue(event);
    if (outcome.kind === 'not-due') {
      // debug, not log: after an nsqd restart every pending order passes here at once.
      this.logger.debug(`Payment timeout of order ${event.orderId} arrived ${outcome.remainingMs} ms early: deferred again`);
      ctx.requeue(outcome.remainingMs + REDEFER_MARGIN_MS);
      return;
    }
    this.logger.debug(`order ${event.orderId} ${outcome.kind === 'cancelled' ? 'cancelled: unpaid at its deadline' : `timeout ignored (${outcome.status})`}`);
  }
}
