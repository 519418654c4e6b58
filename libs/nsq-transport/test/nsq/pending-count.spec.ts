import { jest } from '@jest/globals';
import { PendingCount } from '../../src/nsq/pending-count.js';

describe('PendingCount', () => {
  it('counts what was added and is not yet done', () => {
    const pending = new PendingCount();
    pending.add();
    pending.add(3);
    pending.done(2);
    expect(pending.size).toBe(2);
  });

  it('resolves whenZero at once when nothing is pending', async () => {
    await expect(new PendingCount().whenZero(1_000)).resolves.toBe(true);
  });

  it('resolves whenZero with true once the count drains', async () => {
    const pending = new PendingCount();
    pending.add(2);
    const drained = pending.whenZero(10_000);
    pending.done();
    pending.done();
    await expect(drained).resolves.toBe(true);
  });

  it('resolves whenZero with false at the deadline, and not at all with no time', async () => {
    jest.useFakeTimers();
    try {
      const pending = new PendingCount();
      pending.add();
      await expect(pending.whenZero(0)).resolves.toBe(false);
      const waiting = pending.whenZero(500);
      jest.advanceTimersByTime(500);
      await expect(waiting).resolves.toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });
});
