import { type LoggerService } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ClientNsq, InvalidNsqNameError, NsqEventType, NsqRecordBuilder, NsqTransportError, type ServerNsqOptions } from 'nestjs-transport-nsq';
import { FakeNsqd } from '../support/fake-nsqd.js';
import { freePort } from '../support/free-port.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { emit, startClient, startConsumer, type HandlerBehavior, type TestConsumer } from '../support/nest-harness.js';
import { inActiveSpan, installGlobalOpenTelemetry, recordSpans, type SpanRecorder } from '../support/otel.js';
import { waitFor } from '../support/wait-for.js';

// OpenTelemetry tracing across a real nsqd: the PRODUCER span of each emit,
// the CONSUMER span of each handler run, W3C trace context in the envelope.
describe('tracing with OpenTelemetry', () => {
  let cluster: NsqCluster;
  let global: SpanRecorder;
  let uninstall: () => void;
  const clients: ClientNsq[] = [];
  const consumers: TestConsumer[] = [];
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    global = recordSpans();
    uninstall = installGlobalOpenTelemetry(global.provider);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close()));
    await Promise.all(clients.splice(0).map((c) => c.close()));
    global.exporter.reset();
  });
  afterAll(async () => {
    uninstall?.();
    await cluster?.close();
  });

  async function client(options: { envelope?: boolean; tracing?: unknown } = {}): Promise<ClientNsq> {
    const c = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], envelope: options.envelope ?? true, tracing: (options.tracing ?? true) as boolean });
    clients.push(c);
    return c;
  }

  async function consumer(topic: string, behavior: HandlerBehavior, options: Partial<ServerNsqOptions> = {}): Promise<TestConsumer> {
    const c = await startConsumer([{ topic, channel: 'worker', behavior }], {
      nsqdTcpAddresses: [nsqd().tcpAddress],
      envelope: true,
      tracing: true,
      requeueDelayMs: 0,
      ...options,
    });
    consumers.push(c);
    return c;
  }

  const ids = (span: ReadableSpan) => span.spanContext();
  const endedSpans = async (recorder: SpanRecorder, name: string, count: number) => {
    await waitFor(() => recorder.named(name).length >= count, { timeoutMs: 15_000, message: () => `expected ${count} "${name}" spans, saw ${recorder.named(name).length}` });
    return recorder.named(name);
  };

  it('makes the handler span a child of the emit span, which is a child of the span active at emit()', async () => {
    const topic = 'trace.parent';
    const handled = await consumer(topic, () => undefined);
    const publisher = await client();
    const { span: request } = await inActiveSpan(global.provider, 'POST /orders', () => emit(publisher, topic, { order: 1 }));
    const [send] = await endedSpans(global, `publish ${topic}`, 1);
    const [process] = await endedSpans(global, `process ${topic}`, 1);
    expect(ids(send!).traceId).toBe(request.spanContext().traceId);
    expect(send!.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(ids(process!).traceId).toBe(request.spanContext().traceId);
    expect(process!.parentSpanContext?.spanId).toBe(ids(send!).spanId);
    expect(process!.parentSpanContext?.isRemote).toBe(true);
    // The headers the handler sees are the W3C ones the propagator wrote.
    expect(handled.deliveries).toHaveLength(1);
  });

  it('writes the attributes of the catalog, exactly', async () => {
    const topic = 'trace.attributes';
    const handled = await consumer(topic, () => undefined);
    const publisher = await client();
    await emit(publisher, topic, { order: 2 });
    const [send] = await endedSpans(global, `publish ${topic}`, 1);
    const [process] = await endedSpans(global, `process ${topic}`, 1);
    expect(send!.kind).toBe(SpanKind.PRODUCER);
    expect(send!.attributes).toEqual({
      'messaging.system': 'nsq',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': topic,
    });
    expect(send!.status.code).toBe(SpanStatusCode.UNSET);
    expect(process!.kind).toBe(SpanKind.CONSUMER);
    const delivery = handled.deliveries[0]!;
    expect(process!.attributes).toEqual({
      'messaging.system': 'nsq',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': topic,
      'messaging.consumer.group.name': 'worker',
      'messaging.message.id': delivery.id,
      'messaging.nsq.message.attempts': 1,
      'messaging.message.body.size': Buffer.byteLength(JSON.stringify({ order: 2 })),
      'messaging.nsq.outcome': 'finished',
    });
    expect(process!.status.code).toBe(SpanStatusCode.UNSET);
    expect(process!.instrumentationScope.name).toBe('nestjs-transport-nsq');
  });

  it('makes one producer span per batch record, with its size; each message of it is a child of that span', async () => {
    const topic = 'trace.batch';
    await consumer(topic, () => undefined);
    const publisher = await client();
    await emit(publisher, topic, new NsqRecordBuilder<number>().setBatch([1, 2, 3]).build());
    const sends = await endedSpans(global, `publish ${topic}`, 1);
    const processes = await endedSpans(global, `process ${topic}`, 3);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.attributes['messaging.batch.message_count']).toBe(3);
    expect(processes.map((p) => p.parentSpanContext?.spanId)).toEqual([1, 2, 3].map(() => ids(sends[0]!).spanId));
  });

  it('marks a failing handler run with error status, the exception and a requeue event; the retry is the next span', async () => {
    const topic = 'trace.failing';
    const failing = await consumer(topic, (_payload, _ctx, call) => {
      if (call === 1) throw new TypeError('database down');
    });
    const publisher = await client();
    await emit(publisher, topic, { order: 3 });
    await failing.waitForDeliveries(2);
    const spans = await endedSpans(global, `process ${topic}`, 2);
    const [first, second] = spans.sort((a, b) => (a.attributes['messaging.nsq.message.attempts'] as number) - (b.attributes['messaging.nsq.message.attempts'] as number));
    expect(first!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'database down' });
    expect(first!.attributes['error.type']).toBe('TypeError');
    expect(first!.attributes['messaging.nsq.outcome']).toBe('requeued');
    expect(first!.events.map((e) => e.name)).toEqual(['exception', 'nsq.requeue']);
    expect(first!.events[0]!.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'database down' });
    expect(first!.events[1]!.attributes).toEqual({ 'messaging.nsq.requeue.delay_ms': 0, 'messaging.nsq.message.attempts': 1 });
    expect(second!.attributes).toMatchObject({ 'messaging.nsq.message.attempts': 2, 'messaging.nsq.outcome': 'finished' });
    expect(second!.status.code).toBe(SpanStatusCode.UNSET);
    // Both runs continue the emit's trace.
    const [send] = global.named(`publish ${topic}`);
    expect(spans.map((s) => s.parentSpanContext?.spanId)).toEqual([ids(send!).spanId, ids(send!).spanId]);
  });

  it("ends a failed emit's span with error status and the typed error, and the emit errors with it: refused at once, or unanswered", async () => {
    const publisher = await client();
    const refused = await emit(publisher, 'not a topic!', { order: 4 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidNsqNameError);
    const [bad] = await endedSpans(global, 'publish _invalid', 1);
    expect(bad!.status.code).toBe(SpanStatusCode.ERROR);
    expect(bad!.attributes['error.type']).toBe('InvalidNsqNameError');
    expect(bad!.events.map((e) => e.name)).toEqual(['exception']);

    // Nothing listens there: the emit waits for a connection, then gives up.
    const nowhere = new ClientNsq({ nsqdTcpAddresses: [`127.0.0.1:${await freePort()}`], envelope: true, tracing: true, publishTimeoutMs: 300, connectTimeoutMs: 300 });
    clients.push(nowhere);
    const unanswered = await emit(nowhere, 'trace.nowhere', { order: 5 }).catch((error: unknown) => error);
    expect(unanswered).toBeInstanceOf(NsqTransportError);
    const [lost] = await endedSpans(global, 'publish trace.nowhere', 1);
    expect(lost!.status).toEqual({ code: SpanStatusCode.ERROR, message: (unanswered as Error).message });
    expect(lost!.attributes['error.type']).toBe((unanswered as Error).name);
  });

  it('says so on the span of a message given up on (dead-lettered)', async () => {
    const topic = 'trace.dead';
    const deadLetterTopic = 'trace.dead.letters';
    await nsqd().createTopic(deadLetterTopic);
    const failing = await consumer(
      topic,
      () => {
        throw new Error('permanent');
      },
      { maxAttempts: 2, deadLetterTopic },
    );
    const given: unknown[] = [];
    failing.server.on(NsqEventType.DEAD_LETTER, (info) => given.push(info));
    const publisher = await client();
    await emit(publisher, topic, { order: 4 });
    await waitFor(() => given.length === 1, { timeoutMs: 15_000, message: 'no dead-letter' });
    const spans = await endedSpans(global, `process ${topic}`, 2);
    const last = spans.find((s) => s.attributes['messaging.nsq.message.attempts'] === 2)!;
    expect(last.attributes['messaging.nsq.outcome']).toBe('dead_lettered');
    expect(last.status.code).toBe(SpanStatusCode.ERROR);
    expect(last.events.map((e) => e.name)).toEqual(['exception', 'nsq.dead_letter']);
    expect(last.events[1]!.attributes).toEqual({ 'messaging.nsq.dead_letter.reason': 'max-attempts', 'messaging.nsq.dead_letter.topic': deadLetterTopic });
  });

  it('in raw mode makes the spans but cannot carry the trace across: the handler span starts a new trace', async () => {
    const topic = 'trace.raw';
    await consumer(topic, () => undefined, { envelope: false });
    const publisher = await client({ envelope: false });
    const { span: request } = await inActiveSpan(global.provider, 'POST /raw', () => emit(publisher, topic, { order: 5 }));
    const [send] = await endedSpans(global, `publish ${topic}`, 1);
    const [process] = await endedSpans(global, `process ${topic}`, 1);
    expect(ids(send!).traceId).toBe(request.spanContext().traceId);
    expect(ids(process!).traceId).not.toBe(request.spanContext().traceId);
    expect(process!.parentSpanContext).toBeUndefined();
  });

  it('honours tracerProvider and propagator given as options (seed style) instead of the global ones', async () => {
    const topic = 'trace.seed-style';
    const own = recordSpans();
    const propagator = new W3CTraceContextPropagator();
    const injected: string[] = [];
    const spying = {
      inject: (ctx: unknown, carrier: unknown, setter: unknown) => {
        injected.push('inject');
        propagator.inject(ctx as never, carrier, setter as never);
      },
      extract: (ctx: unknown, carrier: unknown, getter: unknown) => propagator.extract(ctx as never, carrier, getter as never),
      fields: () => propagator.fields(),
    };
    const tracing = { tracerProvider: own.provider, propagator: spying };
    await consumer(topic, () => undefined, { tracing });
    const publisher = await client({ tracing });
    await emit(publisher, topic, { order: 6 });
    const [send] = await endedSpans(own, `publish ${topic}`, 1);
    const [process] = await endedSpans(own, `process ${topic}`, 1);
    expect(process!.parentSpanContext?.spanId).toBe(ids(send!).spanId);
    expect(injected).toEqual(['inject']);
    expect(global.named(`publish ${topic}`)).toHaveLength(0);
    expect(global.named(`process ${topic}`)).toHaveLength(0);
  });

  it("gives a user's propagator every header of the message, by name and all names, as the header map has them", async () => {
    const topic = 'trace.propagator-reads';
    const own = recordSpans();
    const propagator = new W3CTraceContextPropagator();
    const read: Array<{ keys: string[]; tenant: unknown; traceparent: unknown; missing: unknown; upper: unknown }> = [];
    const reading = {
      inject: (ctx: unknown, carrier: unknown, setter: unknown) => propagator.inject(ctx as never, carrier, setter as never),
      extract: (ctx: unknown, carrier: unknown, getter: { get(c: unknown, k: string): unknown; keys(c: unknown): string[] }) => {
        read.push({
          keys: [...getter.keys(carrier)].sort(),
          tenant: getter.get(carrier, 'x-tenant'),
          traceparent: getter.get(carrier, 'traceparent'),
          missing: getter.get(carrier, 'baggage'),
          upper: getter.get(carrier, 'X-Tenant'),
        });
        return propagator.extract(ctx as never, carrier, getter as never);
      },
      fields: () => propagator.fields(),
    };
    const tracing = { tracerProvider: own.provider, propagator: reading };
    const seen = await consumer(topic, () => undefined, { tracing });
    const publisher = await client({ tracing });
    await emit(publisher, topic, new NsqRecordBuilder({ order: 10 }).setHeaders({ 'X-Tenant': 'acme' }).build());
    const [send] = await endedSpans(own, `publish ${topic}`, 1);
    const [process] = await endedSpans(own, `process ${topic}`, 1);
    expect(process!.parentSpanContext?.spanId).toBe(ids(send!).spanId);
    expect(read).toHaveLength(1);
    const headers = seen.deliveries[0]!.headers;
    expect(read[0]).toEqual({ keys: Object.keys(headers).sort(), tenant: 'acme', traceparent: headers['traceparent'], missing: undefined, upper: undefined });
    expect(read[0]!.keys).toEqual(['traceparent', 'x-tenant']);
  });

  it("ends the consumer's log lines about a message with the trace and span ids of its span", async () => {
    const topic = 'trace.logs';
    const failing = await consumer(topic, (_payload, _ctx, call) => {
      if (call === 1) throw new Error('once');
    });
    const lines: string[] = [];
    const capture: LoggerService = {
      log: () => undefined,
      warn: (message: unknown) => lines.push(String(message)),
      error: (message: unknown) => lines.push(String(message)),
    };
    failing.app.useLogger(capture);
    const publisher = await client();
    await emit(publisher, topic, { order: 7 });
    await failing.waitForDeliveries(2);
    const [first] = (await endedSpans(global, `process ${topic}`, 2)).filter((s) => s.attributes['messaging.nsq.message.attempts'] === 1);
    const requeueLine = lines.find((line) => line.includes('requeued in'));
    expect(requeueLine).toContain(`[trace_id=${ids(first!).traceId} span_id=${ids(first!).spanId}]`);
  });

  it("keeps Nest's processing hooks and dispatch hook working: the hook runs inside the handler span, the metadata travels beside the trace context", async () => {
    const topic = 'trace.nest-hooks';
    const seen: Array<Record<string, string>> = [];
    const handled = await consumer(topic, (_payload, ctx) => void seen.push({ ...ctx.getHeaders() }));
    const inHook: Array<string | undefined> = [];
    handled.server.setOnProcessingStartHook((_transport, _ctx, done) => {
      inHook.push(trace.getActiveSpan()?.spanContext().spanId);
      void done();
    });
    const publisher = await client();
    publisher.setOnDispatchHook((packet) => {
      (packet as { metadata?: Record<string, string> }).metadata = { 'x-request-id': 'r-42' };
    });
    await emit(publisher, topic, { order: 9 });
    const [process] = await endedSpans(global, `process ${topic}`, 1);
    expect(inHook).toEqual([ids(process!).spanId]);
    const headers = seen[0]!;
    expect(headers['x-request-id']).toBe('r-42');
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it('makes no spans when tracing is off, even with a global tracer provider registered', async () => {
    const topic = 'trace.off';
    const off = await startConsumer([{ topic, channel: 'worker' }], { nsqdTcpAddresses: [nsqd().tcpAddress], envelope: true });
    consumers.push(off);
    const publisher = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], envelope: true });
    clients.push(publisher);
    await inActiveSpan(global.provider, 'POST /off', () => emit(publisher, topic, { order: 8 }));
    await off.waitForDeliveries(1);
    await waitFor(async () => (await nsqd().channelStats(topic, 'worker'))?.in_flight_count === 0, { timeoutMs: 10_000, message: 'message not finished' });
    expect(global.spans().map((s) => s.name)).toEqual(['POST /off']);
    // Nothing traced crossed the wire either: the body has no trace context.
    expect(off.deliveries[0]!.body.includes('traceparent')).toBe(false);
  });
  it('keeps coalescing emits under tracing and metrics: a burst made while one is outstanding leaves as one MPUB, each message with its own span and traceparent', async () => {
    // A scripted nsqd shows the commands as written: the instrumented publish must not serialise emits into one PUB each.
    const fake = await FakeNsqd.start();
    try {
      const publisher = await startClient({ nsqdTcpAddresses: [fake.address], envelope: true, tracing: true, metrics: true });
      clients.push(publisher);
      const topic = 'trace.coalesced';
      await Promise.all(Array.from({ length: 10 }, (_, i) => emit(publisher, topic, { i })));
      const publishes = fake.connections.flatMap((c) => c.commands).filter((c) => c.name === 'PUB' || c.name === 'MPUB');
      // The first emit leaves alone; the nine made while it is outstanding are one MPUB (as with tracing off).
      expect(publishes.map((c) => c.name)).toEqual(['PUB', 'MPUB']);
      const sends = await endedSpans(global, `publish ${topic}`, 10);
      expect(new Set(sends.map((s) => ids(s).spanId)).size).toBe(10);
      // Every body carries its own span's traceparent.
      const bodies = publishes.map((c) => c.body!.toString('latin1')).join('');
      for (const send of sends) expect(bodies).toContain(`00-${ids(send).traceId}-${ids(send).spanId}-01`);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await fake.close();
    }
  });
});
