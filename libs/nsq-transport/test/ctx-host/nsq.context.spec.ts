import { jest } from '@jest/globals';
import type { Message } from 'nsqjs';
import { NsqContext } from '../../src/ctx-host/nsq.context.js';
import { NsqDelivery } from '../../src/nsq/nsq-delivery.js';

// 2023-11-14T22:13:20.123Z plus 456789 ns: more digits than a double holds exactly.
const TIMESTAMP_NS = 1_700_000_000_123_456_789n;

function contextFor() {
  const calls = { finish: jest.fn(), requeue: jest.fn(), touch: jest.fn() };
  const body = Buffer.from('{"orderId":1}');
  const message = { ...calls, id: '0a1b2c3d4e5f6789', attempts: 3, timestamp: TIMESTAMP_NS, body } as unknown as Message;
  const delivery = new NsqDelivery(message, 'orders', 'billing');
  return { calls, body, message, delivery, context: new NsqContext([delivery]) };
}

describe('NsqContext', () => {
  it('tells where the message came from', () => {
    const { context, body, message } = contextFor();
    expect(context.getTopic()).toBe('orders');
    expect(context.getChannel()).toBe('billing');
    expect(context.getMessageId()).toBe('0a1b2c3d4e5f6789');
    expect(context.getAttempts()).toBe(3);
    expect(context.getBody()).toBe(body);
    expect(context.getMessage()).toBe(message);
  });

  it('turns the nanosecond bigint timestamp into a Date', () => {
    const timestamp = contextFor().context.getTimestamp();
    expect(timestamp).toBeInstanceOf(Date);
    expect(timestamp.toISOString()).toBe('2023-11-14T22:13:20.123Z');
  });

  it('exposes the delivery as its only argument', () => {
    const { context, delivery } = contextFor();
    expect(context.getArgs()).toEqual([delivery]);
    expect(context.getArgByIndex(0)).toBe(delivery);
  });

  it('finish delegates to the delivery, which settles once', () => {
    const { context, delivery, calls } = contextFor();
    const finish = jest.spyOn(delivery, 'finish');
    expect(context.isSettled()).toBe(false);
    context.finish();
    context.finish();
    expect(finish).toHaveBeenCalledTimes(2);
    expect(calls.finish).toHaveBeenCalledTimes(1);
    expect(context.isSettled()).toBe(true);
  });

  it.each<[string, (context: NsqContext) => void, [number, boolean]]>([
    ['no arguments', (context) => context.requeue(), [0, false]],
    ['a delay', (context) => context.requeue(5000), [5000, false]],
    ['a delay and backoff', (context) => context.requeue(5000, true), [5000, true]],
  ])('requeue with %s delegates to the delivery', (_label, requeue, expected) => {
    const { context, delivery, calls } = contextFor();
    const spy = jest.spyOn(delivery, 'requeue');
    requeue(context);
    expect(spy).toHaveBeenCalledWith(...expected);
    expect(calls.requeue).toHaveBeenCalledWith(...expected);
    expect(context.isSettled()).toBe(true);
  });

  it('reject marks the delivery as poison without settling it', () => {
    const { delivery, context } = contextFor();
    context.reject('fails validation');
    expect(delivery.rejectedBecause).toBe('fails validation');
    expect(context.isSettled()).toBe(false);
    const other = contextFor();
    other.context.reject();
    expect(other.delivery.rejectedBecause).toBe('rejected by the handler');
  });

  it('touch delegates to the delivery and stops once settled', () => {
    const { context, delivery, calls } = contextFor();
    const touch = jest.spyOn(delivery, 'touch');
    context.touch();
    context.finish();
    context.touch();
    expect(touch).toHaveBeenCalledTimes(2);
    expect(calls.touch).toHaveBeenCalledTimes(1);
  });
});
