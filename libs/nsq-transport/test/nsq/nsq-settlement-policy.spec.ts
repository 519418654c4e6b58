import { jest } from '@jest/globals';
import { BadRequestException, HttpException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { NsqDecodeError } from '../../src/errors/nsq-decode.error.js';
import { NsqPoisonMessageError } from '../../src/errors/nsq-poison-message.error.js';
import {
  decideAfterHandling,
  decideOnArrival,
  describeFailure,
  poisonOf,
  type NsqHandlingOutcome,
  type NsqSettlementPolicy,
} from '../../src/nsq/nsq-settlement-policy.js';

const policy = (overrides: Partial<NsqSettlementPolicy> = {}): NsqSettlementPolicy => ({
  maxAttempts: 3,
  requeueDelayMs: (attempts) => attempts * 100,
  backoff: false,
  ...overrides,
});

const ok = (attempts: number, extra: Partial<NsqHandlingOutcome> = {}): NsqHandlingOutcome => ({ failed: false, alreadySettled: false, attempts, ...extra });
const failed = (attempts: number, error: unknown = new Error('boom'), extra: Partial<NsqHandlingOutcome> = {}): NsqHandlingOutcome => ({
  failed: true,
  error,
  alreadySettled: false,
  attempts,
  ...extra,
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
    [false, 1],
    [true, 1],
    [true, 3], // even on the last attempt
  ])('does nothing when the handler already settled (failed: %p, attempt %p)', (didFail, attempts) => {
    const outcome = didFail ? failed(attempts) : ok(attempts);
    expect(decideAfterHandling({ ...outcome, alreadySettled: true }, policy())).toEqual({ kind: 'none' });
  });

  it.each([1, 3, 10])('finishes after a success on attempt %p', (attempts) => {
    expect(decideAfterHandling(ok(attempts), policy())).toEqual({ kind: 'finish' });
  });

  it('requeues a failure before the last attempt with the delay of that message alone, by default', () => {
    const requeueDelayMs = jest.fn((attempts: number) => attempts * 100);
    expect(decideAfterHandling(failed(2, new TypeError('db down')), policy({ requeueDelayMs }))).toEqual({
      kind: 'requeue',
      delayMs: 200,
      backoff: false,
      detail: 'TypeError: db down',
    });
    expect(requeueDelayMs).toHaveBeenCalledWith(2);
  });

  it('asks for channel-wide backoff only when the policy does', () => {
    expect(decideAfterHandling(failed(1), policy({ backoff: true }))).toMatchObject({ kind: 'requeue', backoff: true });
  });

  it.each([3, 4])('gives up on a failure at attempt %p of 3, with the last error as detail', (attempts) => {
    expect(decideAfterHandling(failed(attempts, new Error('permanent')), policy())).toEqual({ kind: 'dead-letter', reason: 'max-attempts', detail: 'Error: permanent' });
  });

  it('keeps requeueing when maxAttempts is 0', () => {
    expect(decideAfterHandling(failed(65_535), policy({ maxAttempts: 0 }))).toMatchObject({ kind: 'requeue' });
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, -5000])('turns a delay of %p from a user function into 0', (delay) => {
    expect(decideAfterHandling(failed(1), policy({ requeueDelayMs: () => delay }))).toMatchObject({ kind: 'requeue', delayMs: 0 });
  });

  it('passes a valid delay of 0 through', () => {
    expect(decideAfterHandling(failed(1), policy({ requeueDelayMs: () => 0 }))).toMatchObject({ delayMs: 0 });
  });

  it('dead-letters a message the handler rejected, even on its first attempt and after a failure', () => {
    const p = policy({ maxAttempts: 5 });
    expect(decideAfterHandling(ok(1, { rejected: 'fails validation' }), p)).toEqual({ kind: 'dead-letter', reason: 'rejected', detail: 'fails validation' });
    expect(decideAfterHandling(failed(1, new Error('x'), { rejected: 'bad' }), p)).toEqual({ kind: 'dead-letter', reason: 'rejected', detail: 'bad' });
    expect(decideAfterHandling(ok(1, { rejected: 'bad', alreadySettled: true }), p)).toEqual({ kind: 'none' });
  });

  it.each([
    ['an undecodable body', new NsqDecodeError('the body cannot be decoded by NsqJsonDeserializer (SyntaxError)'), 'undecodable'],
    ['NsqPoisonMessageError', new NsqPoisonMessageError('unknown currency'), 'rejected'],
    ["a ValidationPipe's BadRequestException", new BadRequestException(['amount must be a number']), 'rejected'],
    ['a 422 (ValidationPipe with errorHttpStatusCode 422)', new UnprocessableEntityException(['name should not be empty']), 'rejected'],
  ] as const)('dead-letters poison at once, on its first attempt, never retried: %s', (_label, error, reason) => {
    expect(decideAfterHandling(failed(1, error), policy({ maxAttempts: 0 }))).toMatchObject({ kind: 'dead-letter', reason });
  });

  it.each([
    ['a 404', new NotFoundException('order 7 not found')],
    ['a 503', new HttpException('busy', 503)],
    ["Nest's filter shape", { status: 'error', message: 'Internal server error' }],
    ['a string', 'plain failure'],
  ])('retries what is not poison: %s', (_label, error) => {
    expect(decideAfterHandling(failed(1, error), policy())).toMatchObject({ kind: 'requeue' });
  });
});

describe('poisonOf / describeFailure', () => {
  it("keeps a ValidationPipe's field errors in the detail", () => {
    const error = new BadRequestException(['amount must be a number conforming to the specified constraints', 'customer should not be empty']);
    expect(poisonOf(error)).toEqual({
      reason: 'rejected',
      detail: 'BadRequestException: amount must be a number conforming to the specified constraints; customer should not be empty',
    });
  });

  it('describes an HttpException with a string response, an Error, a filter object and anything else on one line', () => {
    expect(describeFailure(new BadRequestException('bad id'))).toBe('BadRequestException: bad id');
    expect(describeFailure(new Error('line one\n  line two'))).toBe('Error: line one line two');
    expect(describeFailure({ status: 'error', message: 'Internal server error' })).toBe('Internal server error');
    expect(describeFailure(42)).toBe('42');
  });

  it('clips a huge message', () => {
    expect(describeFailure(new Error('x'.repeat(5_000))).length).toBeLessThanOrEqual(1_001 + 'Error: '.length);
  });
});
