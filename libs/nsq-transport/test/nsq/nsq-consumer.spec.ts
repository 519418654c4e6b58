import { jest } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { NsqPoisonMessageError } from '../../src/errors/nsq-poison-message.error.js';
import { NsqTimeoutError } from '../../src/errors/nsq-timeout.error.js';
import type { NsqDeadLetterInfo } from '../../src/events/nsq.events.js';
import { NsqConsumer, type NsqConsumerHooks, type NsqDeadLetterPublisher, type NsqSubscriptionSpec } from '../../src/nsq/nsq-consumer.js';
import type { NsqDelivery } from '../../src/nsq/nsq-delivery.js';
import { resolveServerOptions } from '../../src/options/resolve-server-options.js';
import type { ServerNsqOptions } from '../../src/options/server-nsq-options.interface.js';
import { FakeSubscription } from '../support/fake-subscription.js';

/** A handler the test ends by hand. */
class Pending {
  readonly calls: NsqDelivery[] = [];
  private readonly settle: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];

  readonly handle = (delivery: NsqDelivery): Promise<void> => {
    this.calls.push(delivery);
    return new Promise<void>((resolve, reject) => this.settle.push({ resolve, reject }));
  };

  succeed(index = 0): Promise<void> {
    this.settle[index]!.resolve();
    return flush();
  }

  fail(error: unknown, index = 0): Promise<void> {
    this.settle[index]!.reject(error);
    return flush();
  }
}

/** Lets promise callbacks and nsqjs's next-tick responses run (fake timers leave microtasks alone). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function setup(options: Partial<ServerNsqOptions> = {}, routes: NsqSubscriptionSpec[] = [{ topic: 'orders', channel: 'billing' }]) {
  const subscriptions: FakeSubscription[] = [];
  const published: Array<{ topic: string; bodies: readonly Buffer[] }> = [];
  const publisher = {
    fail: undefined as Error | undefined,
    closed: false,
    async publish(topic: string, bodies: readonly Buffer[]) {
      if (publisher.fail) throw publisher.fail;
      published.push({ topic, bodies });
    },
    async close() {
      publisher.closed = true;
    },
  } satisfies NsqDeadLetterPublisher & Record<string, unknown>;
  const pending = new Pending();
  const lines: string[] = [];
  const logger = {
    log: (message: unknown) => void lines.push(`log ${String(message)}`),
    warn: (message: unknown) => void lines.push(`warn ${String(message)}`),
    error: (message: unknown) => void lines.push(`error ${String(message)}`),
  };
  const deadLetters: NsqDeadLetterInfo[] = [];
  const errors: Error[] = [];
  const hooks: NsqConsumerHooks<NsqSubscriptionSpec> = {
    handle: (delivery) => pending.handle(delivery),
    onSubscribed: jest.fn(),
    onUnsubscribed: jest.fn(),
    onError: (error) => void errors.push(error),
    onDeadLetter: (info) => void deadLetters.push(info),
  };
  const resolved = resolveServerOptions({ nsqdTcpAddresses: ['127.0.0.1:4150'], requeueDelayMs: 700, maxAttempts: 3, drainTimeoutMs: 1_000, ...options });
  const consumer = new NsqConsumer(routes, resolved, hooks, logger, {
    subscription: (spec, _config, subscriptionHooks) => {
      const sub = new FakeSubscription(spec.topic, spec.channel, subscriptionHooks);
      subscriptions.push(sub);
      return sub;
    },
    deadLetterPublisher: () => publisher,
  });
  const sub = subscriptions[0]!;
  /** listen() with every subscription acknowledged. */
  const listening = async () => {
    const listen = consumer.listen();
    await flush();
    for (const s of subscriptions) s.subscribe();
    await listen;
  };
  return { consumer, subscriptions, sub, published, publisher, pending, lines, deadLetters, errors, hooks, listening };
}

describe('NsqConsumer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  describe('listen', () => {
    it('resolves as soon as every subscription is acknowledged, with no timer in between', async () => {
      const { consumer, subscriptions } = setup({}, [
        { topic: 'orders', channel: 'billing' },
        { topic: 'payments', channel: 'billing', maxInFlight: 4 },
      ]);
      const listened = jest.fn();
      void consumer.listen().then(listened);
      await flush();
      expect(subscriptions.map((s) => s.calls)).toEqual([['start'], ['start']]);
      subscriptions[0]!.subscribe();
      await flush();
      expect(listened).not.toHaveBeenCalled();
      subscriptions[1]!.subscribe();
      await flush();
      expect(listened).toHaveBeenCalled();
      expect(consumer.isSubscribed).toBe(true);
      expect(consumer.readers).toEqual([{ fake: 'reader' }, { fake: 'reader' }]);
    });

    it('rejects with NsqTimeoutError naming what is missing after readyTimeoutMs, and closes', async () => {
      const { consumer, subscriptions } = setup({ readyTimeoutMs: 3_000 }, [
        { topic: 'orders', channel: 'billing' },
        { topic: 'payments', channel: 'billing' },
      ]);
      subscriptions[0]!.subscribe();
      const failed = consumer.listen().catch((error: unknown) => error);
      await flush();
      await jest.advanceTimersByTimeAsync(3_000);
      const error = await failed;
      expect(error).toBeInstanceOf(NsqTimeoutError);
      expect((error as Error).message).toContain('payments/billing');
      expect((error as Error).message).not.toContain('orders/billing');
      expect((error as Error).message).toContain('127.0.0.1:4150');
      expect(subscriptions[1]!.calls).toContain('close');
    });

    it('through lookupd, asks again every second while a subscription waits', async () => {
      const { consumer, sub } = setup({ nsqdTcpAddresses: [], lookupdHttpAddresses: ['127.0.0.1:1'], createTopology: false, readyTimeoutMs: 10_000 });
      const listen = consumer.listen();
      await jest.advanceTimersByTimeAsync(3_500);
      // discoverNsqds' fetch to a closed port fails fast; its retries are reported as errors.
      sub.subscribe();
      await listen;
      expect(sub.calls.filter((c) => c === 'queryLookupd').length).toBeGreaterThanOrEqual(1);
      await consumer.close();
    });
  });

  describe('settling', () => {
    it('FINs after the handler succeeds, and hands it the delivery and its route', async () => {
      const { sub, pending, listening } = setup();
      await listening();
      const { finish, requeue } = sub.deliver({ id: 'aaaaaaaaaaaaaaaa' });
      expect(pending.calls.map((d) => [d.id, d.topic, d.channel])).toEqual([['aaaaaaaaaaaaaaaa', 'orders', 'billing']]);
      await pending.succeed();
      expect(finish).toHaveBeenCalledTimes(1);
      expect(requeue).not.toHaveBeenCalled();
    });

    it('REQs a failure with the policy delay and no channel backoff, logging one line with the error', async () => {
      const { sub, pending, lines, consumer, listening } = setup();
      await listening();
      const { requeue, finish } = sub.deliver({ id: 'aaaaaaaaaaaaaaaa', attempts: 1 });
      expect(consumer.inFlightCount).toBe(1);
      await pending.fail(new Error('db busy'));
      expect(requeue).toHaveBeenCalledWith(700, false);
      expect(finish).not.toHaveBeenCalled();
      expect(consumer.inFlightCount).toBe(0);
      expect(lines.filter((l) => l.startsWith('warn'))).toEqual(['warn Message aaaaaaaaaaaaaaaa on orders/billing failed on attempt 1 (Error: db busy); requeued in 700 ms']);
    });

    it('REQs with channel backoff when configured', async () => {
      const { sub, pending, listening } = setup({ backoff: true });
      await listening();
      const { requeue } = sub.deliver();
      await pending.fail(new Error('x'));
      expect(requeue).toHaveBeenCalledWith(700, true);
    });

    it.each([
      ['NsqPoisonMessageError', new NsqPoisonMessageError('unknown currency'), 'unknown currency'],
      ['a BadRequestException', new BadRequestException(['amount must be an integer number']), 'BadRequestException: amount must be an integer number'],
    ])('dead-letters %s at once: the body to deadLetterTopic, then FIN, one line, one event', async (_label, error, detail) => {
      const { sub, pending, published, lines, deadLetters, listening } = setup({ deadLetterTopic: 'orders.dead' });
      await listening();
      const { finish, requeue } = sub.deliver({ id: 'aaaaaaaaaaaaaaaa', body: '{"amount":"x"}' });
      await pending.fail(error);
      expect(published).toEqual([{ topic: 'orders.dead', bodies: [Buffer.from('{"amount":"x"}')] }]);
      expect(finish).toHaveBeenCalledTimes(1);
      expect(requeue).not.toHaveBeenCalled();
      expect(deadLetters).toEqual([
        { id: 'aaaaaaaaaaaaaaaa', topic: 'orders', channel: 'billing', attempts: 1, reason: 'rejected', detail, deadLetterTopic: 'orders.dead', at: expect.any(Number), headers: {} },
      ]);
      expect(lines.filter((l) => l.startsWith('warn'))).toEqual([
        `warn Giving up on message aaaaaaaaaaaaaaaa on orders/billing after 1 attempt(s) (rejected: ${detail}); copied to orders.dead`,
      ]);
    });

    it('dead-letters what the handler rejected through its context', async () => {
      const { sub, pending, deadLetters, listening } = setup();
      await listening();
      sub.deliver();
      pending.calls[0]!.reject('fails validation');
      await pending.succeed();
      expect(deadLetters[0]).toMatchObject({ reason: 'rejected', detail: 'fails validation' });
      expect(deadLetters[0]!.deadLetterTopic).toBeUndefined();
    });

    it('gives up on the last attempt: without a dead-letter topic, logs it as dropped and FINs', async () => {
      const { sub, pending, lines, deadLetters, listening } = setup({ maxAttempts: 3 });
      await listening();
      const { finish } = sub.deliver({ attempts: 3 });
      await pending.fail(new Error('permanent'));
      expect(finish).toHaveBeenCalledTimes(1);
      expect(deadLetters[0]).toMatchObject({ reason: 'max-attempts', attempts: 3, detail: 'Error: permanent' });
      expect(lines.some((l) => l.includes('dropped (no deadLetterTopic)'))).toBe(true);
    });

    it('gives up on a message that arrives past maxAttempts without running the handler', async () => {
      const { sub, pending, deadLetters, published, listening } = setup({ maxAttempts: 3, deadLetterTopic: 'orders.dead' });
      await listening();
      const { finish } = sub.deliver({ attempts: 4 });
      await flush();
      expect(pending.calls).toEqual([]);
      expect(published).toHaveLength(1);
      expect(finish).toHaveBeenCalledTimes(1);
      expect(deadLetters[0]).toMatchObject({ reason: 'max-attempts', attempts: 4 });
    });

    it('requeues (never FINs) when the dead-letter publish fails, with no dead-letter event', async () => {
      const { sub, pending, publisher, deadLetters, lines, listening } = setup({ deadLetterTopic: 'orders.dead' });
      await listening();
      publisher.fail = new Error('nsqd unreachable');
      const { finish, requeue } = sub.deliver({ attempts: 2 });
      await pending.fail(new NsqPoisonMessageError('bad'));
      expect(requeue).toHaveBeenCalledWith(700, false);
      expect(finish).not.toHaveBeenCalled();
      expect(deadLetters).toEqual([]);
      expect(lines.some((l) => l.startsWith('error Dead-letter publish to orders.dead failed'))).toBe(true);
    });

    it('does nothing more when the handler settled through its context, even if it then failed', async () => {
      const { sub, pending, listening } = setup();
      await listening();
      const { finish, requeue } = sub.deliver();
      pending.calls[0]!.finish();
      await pending.fail(new Error('after finish'));
      expect(finish).toHaveBeenCalledTimes(1);
      expect(requeue).not.toHaveBeenCalled();
    });

    it('reports a throwing dead-letter listener instead of leaving an unhandled rejection', async () => {
      const { sub, pending, errors, hooks, listening, consumer } = setup();
      hooks.onDeadLetter = () => {
        throw new Error('listener bug');
      };
      await listening();
      sub.deliver();
      await pending.fail(new NsqPoisonMessageError('bad'));
      expect(errors.map((e) => e.message)).toEqual(['listener bug']);
      expect(consumer.inFlightCount).toBe(0);
    });
  });

  describe('one run per message', () => {
    it('a copy nsqd delivers while the handler runs joins that run: not handled again, the stale copy forgotten, the new one settled', async () => {
      const { sub, pending, lines, consumer, listening } = setup({ maxAttempts: 2 });
      await listening();
      const first = sub.deliver({ id: 'aaaaaaaaaaaaaaaa', attempts: 1 });
      const second = sub.deliver({ id: 'aaaaaaaaaaaaaaaa', attempts: 2 });
      const third = sub.deliver({ id: 'aaaaaaaaaaaaaaaa', attempts: 3 });
      expect(pending.calls).toHaveLength(1);
      expect(sub.forgotten).toEqual([first.message, second.message]);
      expect(pending.calls[0]!.attempts).toBe(3);
      expect(consumer.inFlightCount).toBe(1);
      expect(lines.filter((l) => l.includes('redelivered by nsqd'))).toHaveLength(1);
      // A success stands, past maxAttempts too: the newest copy is FINed, never dead-lettered.
      await pending.succeed();
      expect(third.finish).toHaveBeenCalledTimes(1);
      expect(first.finish).not.toHaveBeenCalled();
      expect(second.finish).not.toHaveBeenCalled();
      expect(consumer.inFlightCount).toBe(0);
    });

    it('the same id on another subscription is another message', async () => {
      const { subscriptions, pending, listening } = setup({}, [
        { topic: 'orders', channel: 'billing' },
        { topic: 'orders', channel: 'audit' },
      ]);
      await listening();
      subscriptions[0]!.deliver({ id: 'aaaaaaaaaaaaaaaa' });
      subscriptions[1]!.deliver({ id: 'aaaaaaaaaaaaaaaa' });
      expect(pending.calls.map((d) => d.channel)).toEqual(['billing', 'audit']);
    });

    it('a copy of a message its still-running handler requeued by hand waits its turn (REQ with delay)', async () => {
      const { sub, pending, listening } = setup();
      await listening();
      sub.deliver({ id: 'aaaaaaaaaaaaaaaa' });
      pending.calls[0]!.requeue(0, false);
      const copy = sub.deliver({ id: 'aaaaaaaaaaaaaaaa', attempts: 2 });
      expect(pending.calls).toHaveLength(1);
      expect(copy.requeue).toHaveBeenCalledWith(700, false);
    });

    it('a message handled to the end is handled again when nsqd delivers it again', async () => {
      const { sub, pending, listening } = setup();
      await listening();
      sub.deliver({ id: 'aaaaaaaaaaaaaaaa' });
      await pending.fail(new Error('x'));
      sub.deliver({ id: 'aaaaaaaaaaaaaaaa', attempts: 2 });
      expect(pending.calls).toHaveLength(2);
    });
  });

  describe('TOUCH', () => {
    it('touches a held message every third of its negotiated timeout while the handler runs, and never after', async () => {
      const { sub, pending, listening } = setup();
      await listening();
      const { touch } = sub.deliver({ msgTimeoutMs: 3_000 });
      await jest.advanceTimersByTimeAsync(900);
      expect(touch).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(600); // 1.5 s: past a third, at a sweep
      expect(touch).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(4_500); // 6 s
      // Never more than half the timeout between two TOUCHes.
      expect(touch.mock.calls.length).toBeGreaterThanOrEqual(4);
      await pending.succeed();
      const before = touch.mock.calls.length;
      await jest.advanceTimersByTimeAsync(10_000);
      expect(touch).toHaveBeenCalledTimes(before);
    });

    it('stops at maxHandlerTimeMs and says so once', async () => {
      const { sub, lines, listening } = setup({ maxHandlerTimeMs: 5_000 });
      await listening();
      const { touch } = sub.deliver({ id: 'aaaaaaaaaaaaaaaa', msgTimeoutMs: 3_000 });
      await jest.advanceTimersByTimeAsync(5_000);
      const touches = touch.mock.calls.length;
      expect(touches).toBeGreaterThanOrEqual(3);
      await jest.advanceTimersByTimeAsync(20_000);
      expect(touch).toHaveBeenCalledTimes(touches);
      expect(lines.filter((l) => l.includes('maxHandlerTimeMs'))).toEqual([
        'warn Message aaaaaaaaaaaaaaaa on orders/billing still held after maxHandlerTimeMs (5000 ms): no longer touching it, so nsqd will deliver it again when its timeout passes (the copy waits for this handler)',
      ]);
    });

    it('never touches with autoTouch off', async () => {
      const { sub, listening } = setup({ autoTouch: false });
      await listening();
      const { touch } = sub.deliver({ msgTimeoutMs: 3_000 });
      await jest.advanceTimersByTimeAsync(30_000);
      expect(touch).not.toHaveBeenCalled();
    });

    it('touches the newest copy after a redelivery', async () => {
      const { sub, listening } = setup();
      await listening();
      const first = sub.deliver({ id: 'aaaaaaaaaaaaaaaa', msgTimeoutMs: 3_000 });
      const second = sub.deliver({ id: 'aaaaaaaaaaaaaaaa', attempts: 2, msgTimeoutMs: 3_000 });
      await jest.advanceTimersByTimeAsync(1_500);
      expect(second.touch).toHaveBeenCalled();
      expect(first.touch).not.toHaveBeenCalled();
    });
  });

  describe('close', () => {
    it('pauses, lets running handlers finish and FINs them, then closes the subscriptions and the dead-letter producer', async () => {
      const { consumer, sub, pending, publisher, listening } = setup({ deadLetterTopic: 'orders.dead' });
      await listening();
      const { finish } = sub.deliver();
      sub.deliver({ id: 'bbbbbbbbbbbbbbbb' });
      await pending.fail(new NsqPoisonMessageError('x'), 1); // creates the dead-letter producer
      const closed = jest.fn();
      void consumer.close().then(closed);
      await flush();
      expect(sub.calls).toEqual(['start', 'pause']);
      await pending.succeed(0);
      await jest.advanceTimersByTimeAsync(0);
      await flush();
      expect(finish).toHaveBeenCalledTimes(1);
      expect(closed).toHaveBeenCalled();
      expect(sub.calls).toEqual(['start', 'pause', 'close']);
      expect(publisher.closed).toBe(true);
    });

    it('requeues at once a message arriving after close began, without handling it', async () => {
      const { consumer, sub, pending, listening } = setup();
      await listening();
      const closing = consumer.close();
      const { requeue } = sub.deliver();
      expect(requeue).toHaveBeenCalledWith(0, false);
      expect(pending.calls).toEqual([]);
      await jest.advanceTimersByTimeAsync(0);
      await closing;
    });

    it('requeues (REQ 0) what still runs at the drain deadline, once; a late success changes nothing', async () => {
      const { consumer, sub, pending, lines, listening } = setup({ drainTimeoutMs: 1_000 });
      await listening();
      const { requeue, finish } = sub.deliver();
      const closing = consumer.close();
      await jest.advanceTimersByTimeAsync(1_000);
      await closing;
      expect(requeue).toHaveBeenCalledWith(0, false);
      expect(lines).toContain('warn Drain timeout: requeueing 1 message(s) whose handlers are still running');
      await pending.succeed();
      expect(finish).not.toHaveBeenCalled();
      expect(requeue).toHaveBeenCalledTimes(1);
    });

    it('is idempotent', async () => {
      const { consumer, listening } = setup();
      await listening();
      const first = consumer.close();
      expect(consumer.close()).toBe(first);
      await jest.advanceTimersByTimeAsync(0);
      await first;
    });
  });

  it('reports errors to its owner every time, and logs them once per outage then at powers of two', async () => {
    const { sub, errors, lines } = setup();
    for (let failures = 1; failures <= 5; failures++) sub.hooks.onError(new Error(`refused ${failures}`), failures);
    expect(errors).toHaveLength(5);
    expect(lines.filter((l) => l.startsWith('error'))).toEqual([
      'error orders/billing: refused 1',
      'error orders/billing: refused 2 (2 errors in this outage)',
      'error orders/billing: refused 4 (4 errors in this outage)',
    ]);
  });

  it('logs each subscription and each loss, and tells its owner', () => {
    const { sub, hooks, lines } = setup();
    sub.subscribe('127.0.0.1:4150');
    sub.lose('127.0.0.1:4150');
    expect(hooks.onSubscribed).toHaveBeenCalledWith({ address: '127.0.0.1:4150', topic: 'orders', channel: 'billing' });
    expect(hooks.onUnsubscribed).toHaveBeenCalledWith({ address: '127.0.0.1:4150', topic: 'orders', channel: 'billing' });
    expect(lines).toEqual(['log Subscribed to orders/billing on nsqd 127.0.0.1:4150', 'warn Lost nsqd 127.0.0.1:4150 for orders/billing; reconnecting']);
  });
});
