import { jest } from '@jest/globals';
import { decideAfterHandling, decideOnArrival, type NsqSettlementPolicy } from '../../src/nsq/nsq-settlement-policy.js';

const policy = (overrides: Partial<NsqSettlementPolicy> = {}): NsqSettlementPolicy => ({
  maxAttempts: 3,
  requeueDelayMs: (attempts) => attempts * 100,
  backoff: true,
  ...overrides,
});

describe('decideOnArrival', () => {
  it.each([1, 2, 3])('lets attempt %p of 3 run', (attempts) => {
    expect(decideOnArrival(attempts, policy())).toBeUndefined();
  });

  it.each([4, 65_535])('gives up on attempt %p of 3 without running it', (attempts) => {
    expect(decideOnArrival(attempts, policy())).toEqual({ kind: 'dead-letter', reason: 'max-attempts' });
  });

  it('never gives up when maxAttempts is 0', () => {
    expect(decideOnArrival(65_535, policy({ maxAttempts: 0 }))).toBeUndefined();
  });
});

describe('decideAfterHandling', () => {
  it.each([
    [true, 1],
    [false, 1],
    [false, 3], // even on the last attempt
  ])('does nothing when the handler already settled (ok: %p, attempt %p)', (ok, attempts) => {
    expect(decideAfterHandling({ ok, alreadySettled: true, attempts }, policy())).toEqual({ kind: 'none' });
  });

  it.each([1, 3, 10])('finishes after a success on attempt %p', (attempts) => {
    expect(decideAfterHandling({ ok: true, alreadySettled: false, attempts }, policy())).toEqual({ kind: 'finish' });
  });

  it.each([true, false])('requeues a failure before the last attempt with the policy delay and backoff %p', (backoff) => {
    const requeueDelayMs = jest.fn((attempts: number) => attempts * 100);
    expect(decideAfterHandling({ ok: false, alreadySettled: false, attempts: 2 }, policy({ requeueDelayMs, backoff }))).toEqual({
      kind: 'requeue',
      delayMs: 200,
      backoff,
    });
    expect(requeueDelayMs).toHaveBeenCalledWith(2);
  });

  it.each([3, 4])('gives up on a failure at attempt %p of 3', (attempts) => {
    expect(decideAfterHandling({ ok: false, alreadySettled: false, attempts }, policy())).toEqual({ kind: 'dead-letter', reason: 'max-attempts' });
  });

  it('keeps requeueing when maxAttempts is 0', () => {
    expect(decideAfterHandling({ ok: false, alreadySettled: false, attempts: 65_535 }, policy({ maxAttempts: 0 }))).toMatchObject({ kind: 'requeue' });
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -5000])('turns a delay of %p from a user function into 0', (delay) => {
    const action = decideAfterHandling({ ok: false, alreadySettled: false, attempts: 1 }, policy({ requeueDelayMs: () => delay }));
    expect(action).toEqual({ kind: 'requeue', delayMs: 0, backoff: true });
  });

  it('passes a valid delay of 0 through', () => {
    expect(decideAfterHandling({ ok: false, alreadySettled: false, attempts: 1 }, policy({ requeueDelayMs: () => 0 }))).toMatchObject({ delayMs: 0 });
  });
  it('dead-letters a message the handler rejected, even on its first attempt and after a failure', () => {
    const policy = { maxAttempts: 5, requeueDelayMs: () => 1000, backoff: true };
    expect(decideAfterHandling({ ok: true, alreadySettled: false, attempts: 1, rejected: true }, policy)).toEqual({ kind: 'dead-letter', reason: 'rejected' });
    expect(decideAfterHandling({ ok: false, alreadySettled: false, attempts: 1, rejected: true }, policy)).toEqual({ kind: 'dead-letter', reason: 'rejected' });
    expect(decideAfterHandling({ ok: true, alreadySettled: true, attempts: 1, rejected: true }, policy)).toEqual({ kind: 'none' });
  });
});
