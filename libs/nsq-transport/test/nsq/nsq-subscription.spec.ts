import { jest } from '@jest/globals';
import type { Message } from 'nsqjs';
import type { NsqjsReaderConfig, NsqjsSubscriberHooks } from '../../src/nsq/nsqjs/index.js';
import { NsqSubscription, type NsqReaderFactory, type NsqSubscriptionHooks, type NsqSubscriptionReader } from '../../src/nsq/nsq-subscription.js';
import { nsqjsMessage } from '../support/nsqjs-message.js';

/** An nsqjs-like reader: records what the subscription asks of it; the test plays nsqd through `hooks`. */
class FakeReader implements NsqSubscriptionReader {
  hooks!: NsqjsSubscriberHooks;
  readonly calls: string[] = [];
  readonly forgotten: Message[] = [];

  connect(): void {
    this.calls.push('connect');
  }
  connectTo(host: string, port: number): void {
    this.calls.push(`connectTo ${host}:${port}`);
  }
  queryLookupd(): void {
    this.calls.push('queryLookupd');
  }
  pause(): void {
    this.calls.push('pause');
  }
  closeGracefully(): Promise<void> {
    this.calls.push('closeGracefully');
    return Promise.resolve();
  }
  forget(message: Message): void {
    this.forgotten.push(message);
  }
}

function subscription(addresses: { nsqd?: string[]; lookupd?: string[] } = { nsqd: ['127.0.0.1:4150'] }) {
  const reader = new FakeReader();
  const factory: NsqReaderFactory = (_topic, _channel, _config, hooks) => {
    reader.hooks = hooks;
    return reader;
  };
  const hooks = {
    onMessage: jest.fn<NsqSubscriptionHooks['onMessage']>(),
    onSubscribed: jest.fn<NsqSubscriptionHooks['onSubscribed']>(),
    onUnsubscribed: jest.fn<NsqSubscriptionHooks['onUnsubscribed']>(),
    onError: jest.fn<NsqSubscriptionHooks['onError']>(),
  };
  const config = { nsqdTCPAddresses: addresses.nsqd ?? [], lookupdHTTPAddresses: addresses.lookupd ?? [] } as unknown as NsqjsReaderConfig;
  const sub = new NsqSubscription('orders', 'billing', config, hooks, 5_000, factory);
  return { sub, reader, hooks };
}

describe('NsqSubscription', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('connects its reader on start and passes messages on', () => {
    const { sub, reader, hooks } = subscription();
    sub.start();
    expect(reader.calls).toEqual(['connect']);
    const message = nsqjsMessage();
    reader.hooks.onMessage(message);
    expect(hooks.onMessage).toHaveBeenCalledWith(message);
  });

  it('whenSubscribed resolves once an nsqd acknowledged the SUB, and tracks the addresses', async () => {
    const { sub, reader, hooks } = subscription({ nsqd: ['127.0.0.1:4150', '127.0.0.1:4250'] });
    sub.start();
    const subscribed = jest.fn();
    void sub.whenSubscribed().then(subscribed);
    await Promise.resolve();
    expect(subscribed).not.toHaveBeenCalled();
    reader.hooks.onSubscribed('127.0.0.1:4150');
    await Promise.resolve();
    expect(subscribed).toHaveBeenCalled();
    expect(sub.isSubscribed).toBe(true);
    expect(sub.subscribedAddresses).toEqual(['127.0.0.1:4150']);
    expect(hooks.onSubscribed).toHaveBeenCalledWith('127.0.0.1:4150');
    await expect(sub.whenSubscribed()).resolves.toBeUndefined();
  });

  it('retries a missing direct nsqd with backoff until it subscribes, then stops', () => {
    const { sub, reader } = subscription({ nsqd: ['127.0.0.1:4150', '127.0.0.1:4250'] });
    sub.start();
    reader.hooks.onSubscribed('127.0.0.1:4150');
    jest.advanceTimersByTime(400);
    expect(reader.calls).toContain('connectTo 127.0.0.1:4250');
    expect(reader.calls).not.toContain('connectTo 127.0.0.1:4150');
    reader.hooks.onSubscribed('127.0.0.1:4250');
    reader.calls.length = 0;
    jest.advanceTimersByTime(60_000);
    expect(reader.calls).toEqual([]);
  });

  it('reconnects a lost nsqd and reports the loss', () => {
    const { sub, reader, hooks } = subscription();
    sub.start();
    reader.hooks.onSubscribed('127.0.0.1:4150');
    jest.advanceTimersByTime(60_000);
    reader.calls.length = 0;
    reader.hooks.onUnsubscribed('127.0.0.1:4150');
    expect(hooks.onUnsubscribed).toHaveBeenCalledWith('127.0.0.1:4150');
    expect(sub.isSubscribed).toBe(false);
    jest.advanceTimersByTime(400);
    expect(reader.calls).toEqual(['connectTo 127.0.0.1:4150']);
  });

  it('asks lookupd again while nothing is subscribed', () => {
    const { sub, reader } = subscription({ lookupd: ['127.0.0.1:4161'] });
    sub.start();
    jest.advanceTimersByTime(400);
    expect(reader.calls.filter((c) => c === 'queryLookupd').length).toBeGreaterThanOrEqual(1);
  });

  it('counts errors per outage: the count restarts once subscribed again', () => {
    const { sub, reader, hooks } = subscription();
    sub.start();
    reader.hooks.onError(new Error('a'));
    reader.hooks.onError(new Error('b'));
    reader.hooks.onSubscribed('127.0.0.1:4150');
    reader.hooks.onError(new Error('c'));
    expect(hooks.onError.mock.calls.map(([, failures]) => failures)).toEqual([1, 2, 1]);
  });

  it('pause stops the retries and sets RDY 0 through the reader', () => {
    const { sub, reader } = subscription({ nsqd: ['127.0.0.1:4150'] });
    sub.start();
    sub.pause();
    jest.advanceTimersByTime(60_000);
    expect(reader.calls).toEqual(['connect', 'pause']);
  });

  it('close closes the reader gracefully (resolving once its connections closed); a waiter never resolves after it', async () => {
    const { sub, reader } = subscription();
    sub.start();
    const subscribed = jest.fn();
    void sub.whenSubscribed().then(subscribed);
    await sub.close();
    expect(reader.calls).toEqual(['connect', 'closeGracefully']);
    reader.hooks.onSubscribed('127.0.0.1:4150');
    await Promise.resolve();
    expect(subscribed).not.toHaveBeenCalled();
  });

  it('forget hands the stale copy to the reader', () => {
    const { sub, reader } = subscription();
    const message = nsqjsMessage();
    sub.forget(message);
    expect(reader.forgotten).toEqual([message]);
  });
});
