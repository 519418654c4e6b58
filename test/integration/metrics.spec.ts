import { metrics } from '@opentelemetry/api';
import { ClientNsq, NsqEventType, NsqRecordBuilder, type ServerNsqOptions } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { emit, startClient, startConsumer, type TestConsumer } from '../support/nest-harness.js';
import { recordMetrics, type MetricRecorder } from '../support/otel.js';
import { waitFor } from '../support/wait-for.js';

// The metrics catalog against a real nsqd: a scripted run whose counts are known.
describe('metrics with OpenTelemetry', () => {
  let cluster: NsqCluster;
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  describe('a scripted run', () => {
    const topic = 'metrics.scripted';
    const deadLetterTopic = 'metrics.scripted.dead';
    let recorder: MetricRecorder;
    let consumer: TestConsumer;
    let client: ClientNsq;
    const given: unknown[] = [];
    const labels = { 'messaging.destination.name': topic, 'messaging.consumer.group.name': 'worker' };

    beforeAll(async () => {
      recorder = recordMetrics();
      await nsqd().createTopic(deadLetterTopic);
      const options: ServerNsqOptions = { nsqdTcpAddresses: [nsqd().tcpAddress], metrics: { meterProvider: recorder.provider }, maxAttempts: 2, requeueDelayMs: 0, deadLetterTopic };
      // ok: handled at once; flaky: fails its first attempt; bad: fails both, then is dead-lettered.
      consumer = await startConsumer(
        [
          {
            topic,
            channel: 'worker',
            behavior: (payload, ctx) => {
              const kind = (payload as { kind: string }).kind;
              if (kind === 'bad' || (kind === 'flaky' && ctx.getAttempts() === 1)) throw new RangeError(kind);
            },
          },
        ],
        options,
      );
      consumer.server.on(NsqEventType.DEAD_LETTER, (info) => given.push(info));
      client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], metrics: { meterProvider: recorder.provider } });
      for (let i = 0; i < 4; i += 1) await emit(client, topic, { kind: 'ok' });
      await emit(client, topic, new NsqRecordBuilder().setBatch([{ kind: 'ok' }, { kind: 'flaky' }, { kind: 'flaky' }]).build());
      await emit(client, topic, { kind: 'bad' });
      // 5 ok + 2 flaky (twice) + 1 bad (twice): 11 deliveries, all settled.
      await consumer.waitForDeliveries(11);
      await waitFor(() => given.length === 1, { timeoutMs: 15_000, message: 'the bad message was not dead-lettered' });
      await waitFor(async () => (await recorder.sum('nsq.messages.finished', labels)) + (await recorder.sum('nsq.messages.dead_lettered', labels)) === 8, {
        timeoutMs: 15_000,
        message: 'not every message settled',
      });
    });
    afterAll(async () => {
      await consumer?.close();
      await client?.close();
      await recorder?.close();
    });

    it('counts the messages sent, per topic, and times each publish', async () => {
      expect(await recorder.sum('messaging.client.sent.messages', { 'messaging.destination.name': topic, 'messaging.system': 'nsq', 'messaging.operation.name': 'publish' })).toBe(8);
      // One publish per emit: the batch is one.
      expect(await recorder.histogramCount('messaging.client.operation.duration', { 'messaging.destination.name': topic })).toBe(6);
    });

    it('counts consumed, finished, requeued and dead-lettered messages as the run made them', async () => {
      expect(await recorder.sum('messaging.client.consumed.messages', labels)).toBe(11);
      expect(await recorder.sum('nsq.messages.finished', labels)).toBe(7);
      expect(await recorder.sum('nsq.messages.requeued', labels)).toBe(3);
      expect(await recorder.sum('nsq.messages.dead_lettered', { ...labels, 'messaging.nsq.dead_letter.reason': 'max-attempts' })).toBe(1);
    });

    it('times every handler run, labelled with its outcome and error type', async () => {
      expect(await recorder.histogramCount('messaging.process.duration', labels)).toBe(11);
      expect(await recorder.histogramCount('messaging.process.duration', { ...labels, 'messaging.nsq.outcome': 'finished' })).toBe(7);
      expect(await recorder.histogramCount('messaging.process.duration', { ...labels, 'messaging.nsq.outcome': 'requeued', 'error.type': 'RangeError' })).toBe(3);
      expect(await recorder.histogramCount('messaging.process.duration', { ...labels, 'messaging.nsq.outcome': 'dead_lettered', 'error.type': 'RangeError' })).toBe(1);
    });

    it('reports in-flight messages and open connections as gauges', async () => {
      expect(await recorder.sum('nsq.messages.in_flight', labels)).toBe(0);
      expect(await recorder.sum('nsq.connections', { 'nsq.role': 'consumer', ...labels })).toBe(1);
      expect(await recorder.sum('nsq.connections', { 'nsq.role': 'producer' })).toBe(1);
    });

    it('never labels with message ids: every label is from the bounded catalog', async () => {
      const keys = new Set<string>();
      for (const scope of (await recorder.collect()).scopeMetrics) {
        for (const metric of scope.metrics) for (const point of metric.dataPoints) for (const key of Object.keys(point.attributes)) keys.add(key);
      }
      expect([...keys].sort()).toEqual([
        'error.type',
        'messaging.consumer.group.name',
        'messaging.destination.name',
        'messaging.nsq.dead_letter.reason',
        'messaging.nsq.outcome',
        'messaging.operation.name',
        'messaging.system',
        'nsq.role',
      ]);
    });
  });

  it('keeps the counts and durations of each subscription apart when their messages interleave', async () => {
    const topics = ['metrics.interleaved.a', 'metrics.interleaved.b'] as const;
    const recorder = recordMetrics();
    const meterProvider = recorder.provider;
    const server = await startConsumer(
      topics.map((topic) => ({ topic, channel: 'worker' })),
      { nsqdTcpAddresses: [nsqd().tcpAddress], metrics: { meterProvider } },
    );
    const client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], metrics: { meterProvider } });
    try {
      // a, b, a, b, a: 3 to one subscription, 2 to the other, one at a time so arrivals alternate between them.
      for (let i = 0; i < 5; i += 1) {
        await emit(client, topics[i % 2]!, { n: i });
        await server.waitForDeliveries(i + 1);
      }
      const expected = [3, 2];
      for (const [i, topic] of topics.entries()) {
        const labels = { 'messaging.destination.name': topic, 'messaging.consumer.group.name': 'worker' };
        await waitFor(async () => (await recorder.sum('nsq.messages.finished', labels)) === expected[i], { timeoutMs: 10_000, message: `${topic} not finished` });
        expect(await recorder.sum('messaging.client.consumed.messages', labels)).toBe(expected[i]);
        expect(await recorder.histogramCount('messaging.process.duration', { ...labels, 'messaging.nsq.outcome': 'finished' })).toBe(expected[i]);
      }
    } finally {
      await server.close();
      await client.close();
      await recorder.close();
    }
  });

  it('uses the global meter provider with metrics: true, as it is when the server listens', async () => {
    const topic = 'metrics.global';
    const recorder = recordMetrics();
    metrics.setGlobalMeterProvider(recorder.provider);
    try {
      const server = await startConsumer([{ topic, channel: 'worker' }], { nsqdTcpAddresses: [nsqd().tcpAddress], metrics: true });
      const client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], metrics: true });
      await emit(client, topic, { n: 1 });
      await server.waitForDeliveries(1);
      await waitFor(async () => (await recorder.sum('nsq.messages.finished', { 'messaging.destination.name': topic })) === 1, { timeoutMs: 10_000, message: 'not finished' });
      expect(await recorder.sum('messaging.client.sent.messages', { 'messaging.destination.name': topic })).toBe(1);
      await server.close();
      await client.close();
    } finally {
      metrics.disable();
      await recorder.close();
    }
  });

  it('asks no meter for anything when metrics are off, even with a global meter provider registered', async () => {
    const topic = 'metrics.off';
    const asked: string[] = [];
    const getMeter = (name: string) => {
      asked.push(name);
      throw new Error('no meter may be asked for');
    };
    metrics.setGlobalMeterProvider({ getMeter } as never);
    try {
      const server = await startConsumer([{ topic, channel: 'worker' }], { nsqdTcpAddresses: [nsqd().tcpAddress] });
      const client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress] });
      await emit(client, topic, { n: 1 });
      await server.waitForDeliveries(1);
      await server.close();
      await client.close();
      expect(asked).toEqual([]);
    } finally {
      metrics.disable();
    }
  });
});
