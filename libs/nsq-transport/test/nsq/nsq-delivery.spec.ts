import { jest } from '@jest/globals';
import type { Message } from 'nsqjs';
import { NsqDelivery } from '../../src/nsq/nsq-delivery.js';
import { nsqjsMessage } from '../support/nsqjs-message.js';

function fakeMessage() {
  const calls = { finish: jest.fn(), requeue: jest.fn(), touch: jest.fn() };
  return { calls, message: calls as unknown as Message };
}

/** A real nsqjs Message whose FIN / REQ / TOUCH are recorded. */
function spiedMessage(spec: Parameters<typeof nsqjsMessage>[0] = {}) {
  const message = nsqjsMessage(spec);
  return { message, finish: jest.spyOn(message, 'finish'), requeue: jest.spyOn(message, 'requeue'), touch: jest.spyOn(message, 'touch') };
}

function openDelivery() {
  const { calls, message } = fakeMessage();
  return { calls, message, delivery: new NsqDelivery(message, 'orders', 'billing') };
}

describe('NsqDelivery', () => {
  it('knows its message, topic and channel, and starts open', () => {
    const { message, delivery } = openDelivery();
    expect(delivery).toMatchObject({ message, topic: 'orders', channel: 'billing', isSettled: false, settledAs: undefined });
  });

  it('reject records the first reason without settling or sending anything', () => {
    const { calls, delivery } = openDelivery();
    expect(delivery.reject('bad payload')).toBe(true);
    delivery.reject('second reason');
    expect(delivery.rejectedBecause).toBe('bad payload');
    expect(delivery.isSettled).toBe(false);
    expect(calls.finish).not.toHaveBeenCalled();
    expect(calls.requeue).not.toHaveBeenCalled();
  });

  it('reject after settlement is ignored', () => {
    const { delivery } = openDelivery();
    delivery.finish();
    expect(delivery.reject('too late')).toBe(false);
    expect(delivery.rejectedBecause).toBeUndefined();
  });

  it('finish sends FIN once and records it', () => {
    const { calls, delivery } = openDelivery();
    expect(delivery.finish()).toBe(true);
    expect(calls.finish).toHaveBeenCalledTimes(1);
    expect(delivery).toMatchObject({ isSettled: true, settledAs: 'finished' });
  });

  it('requeue sends REQ with the delay and backoff and records it', () => {
    const { calls, delivery } = openDelivery();
    expect(delivery.requeue(1500, true)).toBe(true);
    expect(calls.requeue).toHaveBeenCalledWith(1500, true);
    expect(delivery).toMatchObject({ isSettled: true, settledAs: 'requeued' });
  });

  it('finish then requeue in the same tick sends only FIN', () => {
    const { calls, delivery } = openDelivery();
    delivery.finish();
    expect(delivery.requeue(0, false)).toBe(false);
    expect(calls.finish).toHaveBeenCalledTimes(1);
    expect(calls.requeue).not.toHaveBeenCalled();
    expect(delivery.settledAs).toBe('finished');
  });

  it('requeue then finish sends only REQ', () => {
    const { calls, delivery } = openDelivery();
    delivery.requeue(0, false);
    expect(delivery.finish()).toBe(false);
    expect(calls.requeue).toHaveBeenCalledTimes(1);
    expect(calls.finish).not.toHaveBeenCalled();
    expect(delivery.settledAs).toBe('requeued');
  });

  it('settling twice the same way sends one command', () => {
    const { calls, delivery } = openDelivery();
    delivery.finish();
    delivery.finish();
    expect(calls.finish).toHaveBeenCalledTimes(1);
    const other = openDelivery();
    other.delivery.requeue(1, false);
    other.delivery.requeue(2, true);
    expect(other.calls.requeue).toHaveBeenCalledTimes(1);
    expect(other.calls.requeue).toHaveBeenCalledWith(1, false);
  });

  it.each([
    [0, 0],
    [-1, 0],
    [Number.NEGATIVE_INFINITY, 0],
    [1.4, 1],
    [1.5, 2],
    [3_600_000, 3_600_000],
    [3_600_000.4, 3_600_000],
    [3_600_001, 3_600_000],
    [5e9, 3_600_000],
    [Number.POSITIVE_INFINITY, 3_600_000],
  ])('requeue(%p) sends a delay of %p ms', (requested, sent) => {
    const { calls, delivery } = openDelivery();
    delivery.requeue(requested, false);
    expect(calls.requeue).toHaveBeenCalledWith(sent, false);
  });

  it('requeue(NaN) sends a delay nsqd accepts, not NaN', () => {
    // nsqjs writes "REQ <id> NaN"; nsqd answers E_INVALID, a fatal error that
    // closes the connection and every other message in flight on it.
    const { calls, delivery } = openDelivery();
    delivery.requeue(Number.NaN, false);
    const [delay] = calls.requeue.mock.calls[0] as [number, boolean];
    expect(delay).not.toBeNaN();
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(3_600_000);
  });

  it('touch sends TOUCH while open, as often as asked', () => {
    const { calls, delivery } = openDelivery();
    expect(delivery.touch()).toBe(true);
    expect(delivery.touch()).toBe(true);
    expect(calls.touch).toHaveBeenCalledTimes(2);
    expect(delivery.isSettled).toBe(false);
  });

  it.each(['finish', 'requeue'] as const)('touch after %s is a no-op', (settle) => {
    const { calls, delivery } = openDelivery();
    if (settle === 'finish') delivery.finish();
    else delivery.requeue(0, false);
    expect(delivery.touch()).toBe(false);
    expect(calls.touch).not.toHaveBeenCalled();
  });

  it("knows the message's id, attempts and negotiated timeout, and when it arrived", () => {
    const { message } = spiedMessage({ id: 'aaaaaaaaaaaaaaaa', attempts: 3, msgTimeoutMs: 5_000 });
    const delivery = new NsqDelivery(message, 'orders', 'billing', 1_000);
    expect(delivery).toMatchObject({ id: 'aaaaaaaaaaaaaaaa', attempts: 3, msgTimeoutMs: 5_000, receivedAt: 1_000, lastTouchedAt: 1_000, copiesReceived: 1 });
  });

  it('touch records when it kept the message alive', () => {
    const { message, touch } = spiedMessage();
    const delivery = new NsqDelivery(message, 'orders', 'billing', 1_000);
    delivery.touch(4_000);
    expect(touch).toHaveBeenCalledTimes(1);
    expect(delivery.lastTouchedAt).toBe(4_000);
  });

  describe('redelivered', () => {
    it('moves every later settlement, TOUCH and attempt count to the new copy, and returns the stale one untouched', () => {
      const first = spiedMessage({ id: 'aaaaaaaaaaaaaaaa', attempts: 1, msgTimeoutMs: 1_000 });
      const second = spiedMessage({ id: 'aaaaaaaaaaaaaaaa', attempts: 2, msgTimeoutMs: 2_000 });
      const delivery = new NsqDelivery(first.message, 'orders', 'billing', 0);
      expect(delivery.redelivered(second.message, 1_500)).toBe(first.message);
      expect(delivery).toMatchObject({ message: second.message, attempts: 2, msgTimeoutMs: 2_000, copiesReceived: 2, lastTouchedAt: 1_500, receivedAt: 0 });
      delivery.touch();
      delivery.finish();
      expect(second.touch).toHaveBeenCalledTimes(1);
      expect(second.finish).toHaveBeenCalledTimes(1);
      expect(first.touch).not.toHaveBeenCalled();
      expect(first.finish).not.toHaveBeenCalled();
    });

    it('keeps a rejection made before the redelivery', () => {
      const delivery = new NsqDelivery(spiedMessage().message, 'orders', 'billing');
      delivery.reject('poison');
      delivery.redelivered(spiedMessage({ attempts: 2 }).message);
      expect(delivery.rejectedBecause).toBe('poison');
    });
  });
});
