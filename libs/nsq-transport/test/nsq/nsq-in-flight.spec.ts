import { jest } from '@jest/globals';
import { NsqDelivery } from '../../src/nsq/nsq-delivery.js';
import { NsqInFlight } from '../../src/nsq/nsq-in-flight.js';
import { nsqjsMessage } from '../support/nsqjs-message.js';

const delivery = (id: string) => new NsqDelivery(nsqjsMessage({ id }), 'orders', 'billing');

describe('NsqInFlight', () => {
  afterEach(() => jest.useRealTimers());

  it('finds a delivery by subscription and message id, and counts what it holds', () => {
    const registry = new NsqInFlight(2);
    const a = delivery('aaaaaaaaaaaaaaaa');
    const b = delivery('aaaaaaaaaaaaaaaa');
    registry.add(0, a);
    registry.add(1, b);
    expect(registry.get(0, 'aaaaaaaaaaaaaaaa')).toBe(a);
    expect(registry.get(1, 'aaaaaaaaaaaaaaaa')).toBe(b);
    expect(registry.get(0, 'bbbbbbbbbbbbbbbb')).toBeUndefined();
    expect(registry.size).toBe(2);
    expect([...registry.values()]).toEqual([a, b]);
  });

  it('counts a delivery once, and an unknown delete not at all', () => {
    const registry = new NsqInFlight(1);
    const a = delivery('aaaaaaaaaaaaaaaa');
    registry.add(0, a);
    registry.add(0, a);
    registry.delete(0, delivery('bbbbbbbbbbbbbbbb'));
    expect(registry.size).toBe(1);
    registry.delete(0, a);
    registry.delete(0, a);
    expect(registry.size).toBe(0);
  });

  it('deletes only the entry of that delivery, never a later one of the same id', () => {
    const registry = new NsqInFlight(2);
    const first = delivery('aaaaaaaaaaaaaaaa');
    const later = delivery('aaaaaaaaaaaaaaaa');
    registry.add(0, first);
    registry.delete(0, first);
    registry.add(0, later);
    registry.delete(0, first);
    expect(registry.get(0, 'aaaaaaaaaaaaaaaa')).toBe(later);
  });

  it('whenEmpty resolves true at once when empty, and when the last delivery leaves', async () => {
    const registry = new NsqInFlight(2);
    await expect(registry.whenEmpty(1_000)).resolves.toBe(true);
    const a = delivery('aaaaaaaaaaaaaaaa');
    registry.add(0, a);
    const emptied = registry.whenEmpty(60_000);
    registry.delete(0, a);
    await expect(emptied).resolves.toBe(true);
  });

  it('whenEmpty resolves false at its deadline, or at once with no time to wait', async () => {
    jest.useFakeTimers();
    const registry = new NsqInFlight(2);
    registry.add(0, delivery('aaaaaaaaaaaaaaaa'));
    await expect(registry.whenEmpty(0)).resolves.toBe(false);
    const waiting = registry.whenEmpty(500);
    jest.advanceTimersByTime(500);
    await expect(waiting).resolves.toBe(false);
  });
});
