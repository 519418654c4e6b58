import 'reflect-metadata';
import { jest } from '@jest/globals';
import { BadRequestException, Controller, Module, type INestMicroservice, type PipeTransform, UsePipes } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { defer, throwError } from 'rxjs';
import { NsqContext } from '../../src/ctx-host/nsq.context.js';
import { NsqEventPattern } from '../../src/decorators/nsq-event-pattern.decorator.js';
import { NsqHandlerConfigError } from '../../src/errors/nsq-handler-config.error.js';
import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import { NsqEventType, NsqStatus, type NsqDeadLetterInfo } from '../../src/events/nsq.events.js';
import { NsqConsumer } from '../../src/nsq/nsq-consumer.js';
import type { ServerNsqOptions } from '../../src/options/server-nsq-options.interface.js';
import { ServerNsq } from '../../src/server/server-nsq.js';
import { FakeSubscription } from '../support/fake-subscription.js';

/** ServerNsq with scripted subscriptions in place of nsqjs Readers: the test plays nsqd. */
class TestServerNsq extends ServerNsq {
  readonly subscriptions: FakeSubscription[] = [];

  protected override createNsqConsumer(routes: ConstructorParameters<typeof NsqConsumer>[0]): NsqConsumer<never> {
    const consumer = new NsqConsumer(routes, this.options, this.bindEvents() as never, this.logger, {
      subscription: (spec, _config, hooks) => {
        const sub = new FakeSubscription(spec.topic, spec.channel, hooks);
        this.subscriptions.push(sub);
        return sub;
      },
    });
    return consumer as NsqConsumer<never>;
  }

  sub(topic: string, channel = 'c'): FakeSubscription {
    return this.subscriptions.find((s) => s.topic === topic && s.channel === channel)!;
  }
}

/** What the test handlers do, per topic; set by each test. */
const behaviors = new Map<string, (payload: unknown, ctx: NsqContext) => unknown>();
const calls: Array<{ handler: string; payload: unknown; ctx: NsqContext }> = [];

class RefusingPipe implements PipeTransform {
  transform(): never {
    throw new BadRequestException(['amount must be an integer number']);
  }
}

@Controller()
class TestController {
  @NsqEventPattern('orders', { channel: 'c' })
  orders(@Payload() payload: unknown, @Ctx() ctx: NsqContext): unknown {
    calls.push({ handler: 'orders', payload, ctx });
    return behaviors.get('orders')?.(payload, ctx);
  }

  @NsqEventPattern('multi', { channel: 'c' })
  multiA(@Payload() payload: unknown, @Ctx() ctx: NsqContext): unknown {
    calls.push({ handler: 'multiA', payload, ctx });
    return behaviors.get('multiA')?.(payload, ctx);
  }

  @NsqEventPattern('multi', { channel: 'c' })
  multiB(@Payload() payload: unknown, @Ctx() ctx: NsqContext): unknown {
    calls.push({ handler: 'multiB', payload, ctx });
    return behaviors.get('multiB')?.(payload, ctx);
  }

  @NsqEventPattern('validated', { channel: 'c' })
  @UsePipes(RefusingPipe)
  validated(@Payload() payload: unknown): void {
    calls.push({ handler: 'validated', payload, ctx: undefined as never });
  }
}

@Module({ controllers: [TestController] })
class TestModule {}

/** Waits for promise callbacks and nsqjs's next-tick responses. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ServerNsq', () => {
  let app: INestMicroservice | undefined;
  let server: TestServerNsq;

  async function start(options: Partial<ServerNsqOptions> = {}) {
    server = new TestServerNsq({ nsqdTcpAddresses: ['127.0.0.1:4150'], requeueDelayMs: 500, ...options });
    app = await NestFactory.createMicroservice(TestModule, { strategy: server, logger: false });
    const listening = app.listen();
    await settle();
    for (const sub of server.subscriptions) sub.subscribe();
    await listening;
    return server;
  }

  afterEach(async () => {
    behaviors.clear();
    calls.length = 0;
    await app?.close();
    app = undefined;
  });

  it('subscribes each (topic, channel) and resolves listen() once all are acknowledged, CONNECTED', async () => {
    await start();
    const statuses: NsqStatus[] = [];
    server.status.subscribe((s) => statuses.push(s));
    expect(server.subscriptions.map((s) => `${s.topic}/${s.channel}`).sort()).toEqual(['multi/c', 'orders/c', 'validated/c']);
    expect(statuses).toEqual([NsqStatus.CONNECTED]);
    expect(server.unwrap<unknown[]>()).toHaveLength(3);
  });

  it('emits CONNECTED / DISCONNECTED per nsqd and goes RECONNECTING while a subscription has none', async () => {
    const connected: unknown[] = [];
    await start();
    server.on(NsqEventType.CONNECTED, (info) => connected.push(info));
    const statuses: NsqStatus[] = [];
    server.status.subscribe((s) => statuses.push(s));
    server.sub('orders').lose('127.0.0.1:4150');
    server.sub('orders').subscribe('127.0.0.1:4250');
    expect(statuses).toEqual([NsqStatus.CONNECTED, NsqStatus.RECONNECTING, NsqStatus.CONNECTED]);
    expect(connected).toEqual([{ address: '127.0.0.1:4250', topic: 'orders', channel: 'c' }]);
  });

  it('decodes the body, runs the handler with the payload and an NsqContext, and FINs after it', async () => {
    await start();
    const { finish } = server.sub('orders').deliver({ id: 'aaaaaaaaaaaaaaaa', body: '{"n":1}' });
    await settle();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.payload).toEqual({ n: 1 });
    expect(calls[0]!.ctx).toBeInstanceOf(NsqContext);
    expect(calls[0]!.ctx.getMessageId()).toBe('aaaaaaaaaaaaaaaa');
    expect(calls[0]!.ctx.getTopic()).toBe('orders');
    expect(finish).toHaveBeenCalledTimes(1);
  });

  it('awaits an Observable result: FIN once it completes, REQ when it errors', async () => {
    await start();
    let complete!: () => void;
    behaviors.set('orders', (payload) =>
      (payload as { fail?: boolean }).fail ? throwError(() => new Error('stream failed')) : defer(() => new Promise<void>((resolve) => (complete = resolve))),
    );
    const ok = server.sub('orders').deliver({ id: 'aaaaaaaaaaaaaaaa', body: '{}' });
    const bad = server.sub('orders').deliver({ id: 'bbbbbbbbbbbbbbbb', body: '{"fail":true}' });
    await settle();
    expect(ok.finish).not.toHaveBeenCalled();
    expect(bad.requeue).toHaveBeenCalledWith(500, false);
    complete();
    await settle();
    expect(ok.finish).toHaveBeenCalledTimes(1);
  });

  it('settles on what a handler registered by hand returns or throws: a plain value, an Observable, a synchronous throw', async () => {
    server = new TestServerNsq({ nsqdTcpAddresses: ['127.0.0.1:4150'], requeueDelayMs: 500 });
    app = await NestFactory.createMicroservice(TestModule, { strategy: server, logger: false });
    // Not Nest's async wrapper: the result comes back synchronously.
    let complete!: () => void;
    const byBody: Record<string, () => unknown> = {
      plain: () => 42,
      stream: () => defer(() => new Promise<void>((resolve) => (complete = resolve))),
      throws: () => {
        throw new Error('sync failure');
      },
    };
    server.addHandler('handmade', ((data: { kind: string }) => byBody[data.kind]!()) as never, true, { channel: 'c' });
    const listening = app.listen();
    await settle();
    for (const sub of server.subscriptions) sub.subscribe();
    await listening;
    const plain = server.sub('handmade').deliver({ id: 'aaaaaaaaaaaaaaaa', body: '{"kind":"plain"}' });
    const stream = server.sub('handmade').deliver({ id: 'bbbbbbbbbbbbbbbb', body: '{"kind":"stream"}' });
    const throws = server.sub('handmade').deliver({ id: 'cccccccccccccccc', body: '{"kind":"throws"}' });
    await settle();
    expect(plain.finish).toHaveBeenCalledTimes(1);
    expect(throws.requeue).toHaveBeenCalledWith(500, false);
    expect(stream.finish).not.toHaveBeenCalled();
    complete();
    await settle();
    expect(stream.finish).toHaveBeenCalledTimes(1);
  });

  it('dead-letters a body the deserializer refuses, without running the handler, and names only the error class', async () => {
    await start();
    const given: NsqDeadLetterInfo[] = [];
    server.on(NsqEventType.DEAD_LETTER, (info) => given.push(info));
    const { finish } = server.sub('orders').deliver({ body: 'SECRET-BODY not json' });
    await settle();
    expect(calls).toEqual([]);
    expect(finish).toHaveBeenCalledTimes(1);
    expect(given).toEqual([expect.objectContaining({ reason: 'undecodable', detail: 'the body cannot be decoded by NsqJsonDeserializer (SyntaxError)' })]);
  });

  it("dead-letters what a pipe refuses with BadRequestException (Nest's default filter lets it through for NSQ)", async () => {
    await start();
    const given: NsqDeadLetterInfo[] = [];
    server.on(NsqEventType.DEAD_LETTER, (info) => given.push(info));
    server.sub('validated').deliver({ body: '{}' });
    await settle();
    expect(given).toEqual([expect.objectContaining({ reason: 'rejected', detail: 'BadRequestException: amount must be an integer number' })]);
  });

  it('runs every handler of a (topic, channel) once; a failure of one requeues after all are done', async () => {
    await start();
    let releaseB!: () => void;
    behaviors.set('multiA', () => {
      throw new Error('A failed');
    });
    behaviors.set('multiB', () => new Promise<void>((resolve) => (releaseB = resolve)));
    const { requeue } = server.sub('multi').deliver({ body: '{}' });
    await settle();
    expect(calls.map((c) => c.handler).sort()).toEqual(['multiA', 'multiB']);
    expect(requeue).not.toHaveBeenCalled();
    releaseB();
    await settle();
    expect(requeue).toHaveBeenCalledTimes(1);
  });

  describe('processing hooks', () => {
    it('runs each handler inside the start hook and calls the end hook once, after success and after failure', async () => {
      await start();
      const events: string[] = [];
      server.setOnProcessingStartHook((_transport, context, done) => {
        events.push(`start ${(context as NsqContext).getMessageId()}`);
        return done();
      });
      server.setOnProcessingEndHook((_transport, context) => void events.push(`end ${(context as NsqContext).getMessageId()}`));
      behaviors.set('orders', (payload) => {
        events.push('handler');
        if ((payload as { fail?: boolean }).fail) throw new Error('x');
      });
      server.sub('orders').deliver({ id: 'aaaaaaaaaaaaaaaa', body: '{}' });
      await settle();
      server.sub('orders').deliver({ id: 'bbbbbbbbbbbbbbbb', body: '{"fail":true}' });
      await settle();
      expect(events).toEqual(['start aaaaaaaaaaaaaaaa', 'handler', 'end aaaaaaaaaaaaaaaa', 'start bbbbbbbbbbbbbbbb', 'handler', 'end bbbbbbbbbbbbbbbb']);
    });

    it('settles a failure even when the start hook drops the promise done() returns (no unhandled rejection)', async () => {
      await start();
      const unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
      try {
        server.setOnProcessingStartHook((_transport, _context, done) => {
          void done();
        });
        behaviors.set('orders', () => {
          throw new Error('x');
        });
        const { requeue } = server.sub('orders').deliver({ body: '{}' });
        await settle();
        await settle();
        expect(requeue).toHaveBeenCalledTimes(1);
        expect(unhandled).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });
  });

  it('refuses unknown option keys at construction, naming the closest valid one', () => {
    expect(() => new ServerNsq({ nsqdTcpAddresses: ['127.0.0.1:4150'], maxInflight: 5 } as ServerNsqOptions)).toThrow(UnknownNsqOptionError);
  });

  it("fails listen() for a handler on its own dead-letter topic, before touching nsqd", async () => {
    server = new TestServerNsq({ nsqdTcpAddresses: ['127.0.0.1:4150'], deadLetterTopic: 'orders' });
    app = await NestFactory.createMicroservice(TestModule, { strategy: server, logger: false });
    await expect(app.listen()).rejects.toBeInstanceOf(NsqHandlerConfigError);
    expect(server.subscriptions).toEqual([]);
  });

  it('unwrap() before listen() throws as Nest servers do', () => {
    expect(() => new ServerNsq({ nsqdTcpAddresses: ['127.0.0.1:4150'] }).unwrap()).toThrow(/Not initialized/);
  });

  it('close() is idempotent, closes the consumer and reports DISCONNECTED; close() before listen() is fine', async () => {
    await start();
    const statuses: NsqStatus[] = [];
    server.status.subscribe((s) => statuses.push(s));
    await Promise.all([server.close(), server.close()]);
    expect(server.subscriptions.every((s) => s.calls.includes('close'))).toBe(true);
    expect(statuses.at(-1)).toBe(NsqStatus.DISCONNECTED);
    await expect(new ServerNsq({ nsqdTcpAddresses: ['127.0.0.1:4150'] }).close()).resolves.toBeUndefined();
  });
});
