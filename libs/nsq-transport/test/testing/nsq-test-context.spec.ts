import { NsqContext } from '../../src/ctx-host/nsq.context.js';
import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import { NsqTestContext, type NsqTestContextInit } from '../../src/testing/nsq-test-context.js';
import { catchError } from '../support/catch-error.js';

describe('NsqTestContext', () => {
  it('is an NsqContext describing the delivery it was given', () => {
    const timestamp = new Date('2026-11-24T21:13:30.123Z');
    const ctx = new NsqTestContext({ topic: 'orders.created', channel: 'billing', attempts: 3, id: '0a1b2c3d4e5f6789', body: 'raw text', timestamp });
    expect(ctx).toBeInstanceOf(NsqContext);
    expect([ctx.getTopic(), ctx.getChannel(), ctx.getAttempts(), ctx.getMessageId()]).toEqual(['orders.created', 'billing', 3, '0a1b2c3d4e5f6789']);
    expect(ctx.getBody()).toEqual(Buffer.from('raw text'));
    expect(ctx.getTimestamp()).toEqual(timestamp);
    expect(ctx.isSettled()).toBe(false);
  });

  it('has defaults for everything, and a fresh id each time', () => {
    const [a, b] = [new NsqTestContext(), new NsqTestContext()];
    expect([a.getTopic(), a.getChannel(), a.getAttempts(), a.getBody().length]).toEqual(['test-topic', 'test-channel', 1, 0]);
    expect(a.getMessageId()).toMatch(/^\d{16}$/);
    expect(a.getMessageId()).not.toBe(b.getMessageId());
    expect(a.outcome).toEqual({ finished: false, requeued: undefined, rejected: undefined, touched: 0 });
  });

  it.each<[string, unknown, string]>([
    ['an object as JSON', { id: 1 }, '{"id":1}'],
    ['a Buffer as it is', Buffer.from([0x68, 0x69]), 'hi'],
    ['a Uint8Array as it is', new Uint8Array([0x68, 0x69]), 'hi'],
    ['a number as JSON', 42, '42'],
  ])('takes %s as the body', (_, body, text) => {
    expect(new NsqTestContext({ body }).getBody().toString()).toBe(text);
  });

  it('records a finish', () => {
    const ctx = new NsqTestContext();
    ctx.finish();
    expect(ctx.outcome).toEqual({ finished: true, requeued: undefined, rejected: undefined, touched: 0 });
    expect(ctx.isSettled()).toBe(true);
  });

  it('records a requeue with the delay nsqd would get (clamped to 0..1 h)', () => {
    const later = new NsqTestContext();
    later.requeue(5_000, true);
    expect(later.outcome.requeued).toEqual({ delayMs: 5_000, backoff: true });
    const tooLate = new NsqTestContext();
    tooLate.requeue(2 * 60 * 60_000);
    expect(tooLate.outcome.requeued).toEqual({ delayMs: 60 * 60_000, backoff: false });
    const negative = new NsqTestContext();
    negative.requeue(-5);
    expect(negative.outcome.requeued).toEqual({ delayMs: 0, backoff: false });
  });

  it('settles once, as in production: what comes after the first settlement is ignored', () => {
    const ctx = new NsqTestContext();
    ctx.finish();
    ctx.requeue(1_000);
    ctx.reject('too late');
    ctx.touch();
    expect(ctx.outcome).toEqual({ finished: true, requeued: undefined, rejected: undefined, touched: 0 });
  });

  it('records a rejection and touches', () => {
    const ctx = new NsqTestContext();
    ctx.touch();
    ctx.touch();
    ctx.reject('not a valid order');
    ctx.reject('second reason');
    expect(ctx.outcome).toEqual({ finished: false, requeued: undefined, rejected: 'not a valid order', touched: 2 });
  });

  it.each<[string, Record<string, unknown>]>([
    ['topic', { topic: 'orders created' }],
    ['channel', { channel: '' }],
    ['attempts', { attempts: 0 }],
    ['attempts', { attempts: 65_536 }],
    ['id', { id: '' }],
    ['timestamp', { timestamp: new Date(Number.NaN) }],
    ['timestamp', { timestamp: 1_700_000_000_000 }],
  ])('refuses a delivery nsqd could not make: bad %s', (option, init) => {
    expect(catchError(InvalidNsqOptionError, () => new NsqTestContext(init as NsqTestContextInit)).option).toBe(option);
  });

  it('refuses an unknown key, naming the closest', () => {
    const init = { topic: 'orders', attempt: 2 } as NsqTestContextInit;
    expect(catchError(UnknownNsqOptionError, () => new NsqTestContext(init))).toMatchObject({ option: 'attempt', suggestion: 'attempts' });
  });
});
