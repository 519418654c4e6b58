import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { lastValueFrom } from 'rxjs';
import {
  encodeNsqEnvelope,
  InvalidNsqHeaderError,
  NsqEventType,
  NsqRecordBuilder,
  openNsqBody,
  type ClientNsq,
  type NsqDeadLetterInfo,
} from 'nestjs-transport-nsq';
import { nsqBinary } from '../support/nsq-binaries.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { emit, startClient, startConsumer, type TestConsumer } from '../support/nest-harness.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);

// WIRE.md §2: the opt-in envelope, end to end through a real nsqd.
describe('envelope mode: headers next to the payload', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;
  let rawClient: ClientNsq;
  const consumers: TestConsumer[] = [];
  const nsqd = () => cluster.nsqds[0]!;
  const consume = async (...args: Parameters<typeof startConsumer>) => {
    const consumer = await startConsumer(...args);
    consumers.push(consumer);
    return consumer;
  };

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], envelope: true });
    rawClient = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress] });
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await client?.close();
    await rawClient?.close();
    await cluster?.close();
  });

  it('carries a record builder\'s headers to ctx.getHeaders(), the payload decoded as before', async () => {
    const topic = 'env.headers';
    const consumer = await consume([{ topic, channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress], envelope: true });
    await emit(client, topic, new NsqRecordBuilder({ id: 7, text: 'héllo' }).setHeaders({ 'X-Request-Id': 'req-1', tenant: 'açme ✓' }).build());
    const [delivery] = await consumer.waitForDeliveries(1);
    expect(delivery!.payload).toEqual({ id: 7, text: 'héllo' });
    expect(delivery!.headers).toEqual({ 'x-request-id': 'req-1', tenant: 'açme ✓' });
  });

  it('carries a Nest 12 dispatch hook\'s metadata as headers (ctx.getMetadata())', async () => {
    const topic = 'env.metadata';
    const hooked = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], envelope: true });
    const seen: Array<Record<string, string> | undefined> = [];
    const consumer = await consume(
      [{ topic, channel: 'c', behavior: (_payload, ctx) => void seen.push(ctx.getMetadata()) }],
      { nsqdTcpAddresses: [nsqd().tcpAddress], envelope: true },
    );
    try {
      hooked.setOnDispatchHook((packet) => {
        packet.metadata = { 'trace-id': 'abc123', locale: 'de-CH' };
      });
      await emit(hooked, topic, new NsqRecordBuilder({ n: 1 }).setHeaders({ locale: 'fr-CH' }).build());
      const [delivery] = await consumer.waitForDeliveries(1);
      // The record's own header wins over the hook's.
      expect(delivery!.headers).toEqual({ 'trace-id': 'abc123', locale: 'fr-CH' });
      expect(seen).toEqual([{ 'trace-id': 'abc123', locale: 'fr-CH' }]);
    } finally {
      await hooked.close();
    }
  });

  it('refuses bad names, reserved names, oversize values and headers on a raw client locally: nothing reaches nsqd', async () => {
    const topic = 'env.refused';
    await nsqd().createTopic(topic);
    const hooked = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], envelope: true });
    try {
      hooked.setOnDispatchHook((packet) => {
        packet.metadata = { 'bad name': 'x' };
      });
      await expect(emit(hooked, topic, { n: 1 })).rejects.toBeInstanceOf(InvalidNsqHeaderError);
      expect(() => new NsqRecordBuilder({ n: 1 }).setHeaders({ 'nsq-deliver-at': '0' })).toThrow(InvalidNsqHeaderError);
      expect(() => new NsqRecordBuilder({ n: 1 }).setHeaders({ big: 'x'.repeat(16_385) })).toThrow(InvalidNsqHeaderError);
      await expect(emit(rawClient, topic, new NsqRecordBuilder({ n: 1 }).setHeaders({ a: '1' }).build())).rejects.toBeInstanceOf(InvalidNsqHeaderError);
      expect((await nsqd().topicStats(topic))!.message_count).toBe(0);
    } finally {
      await hooked.close();
    }
  });

  it('leaves raw mode byte-identical: nsq_tail (go-nsq) prints the JSON alone, and a raw client drops hook metadata', async () => {
    const topic = 'env.raw-unchanged';
    await nsqd().createTopic(topic);
    await nsqd().createChannel(topic, 'tail');
    rawClient.setOnDispatchHook((packet) => {
      packet.metadata = { 'trace-id': 'abc' };
    });
    try {
      await emit(rawClient, topic, { id: 'evt-1', amount: 3 });
    } finally {
      rawClient.setOnDispatchHook(() => undefined);
    }
    const { stdout } = await run(nsqBinary('nsq_tail'), [`--nsqd-tcp-address=${nsqd().tcpAddress}`, `--topic=${topic}`, '--channel=tail', '-n', '1'], { timeout: 15_000 });
    expect(stdout.trim()).toBe('{"id":"evt-1","amount":3}');
  });

  it('an envelope server still consumes raw messages from curl /pub and from a raw client, with no headers', async () => {
    const topic = 'env.accepts-raw';
    const consumer = await consume([{ topic, channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress], envelope: true });
    await nsqd().publish(topic, '{"from":"curl"}');
    await emit(rawClient, topic, { from: 'raw client' });
    const deliveries = await consumer.waitForDeliveries(2);
    expect(deliveries.map((d) => d.payload)).toEqual(expect.arrayContaining([{ from: 'curl' }, { from: 'raw client' }]));
    expect(deliveries.map((d) => d.headers)).toEqual([{}, {}]);
  });

  it('dead-letters a malformed envelope as undecodable, without running the handler', async () => {
    const topic = 'env.malformed';
    const consumer = await consume([{ topic, channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress], envelope: true });
    const given: NsqDeadLetterInfo[] = [];
    consumer.server.on(NsqEventType.DEAD_LETTER, (info) => given.push(info));
    const version2 = encodeNsqEnvelope({}, Buffer.from('{}'));
    version2[4] = 2;
    await nsqd().publish(topic, version2);
    await waitFor(() => given.length === 1, { timeoutMs: 10_000, message: 'no dead-letter event' });
    expect(given[0]).toMatchObject({ reason: 'undecodable', attempts: 1 });
    expect(given[0]!.detail).toMatch(/version 2 is not known/);
    expect(consumer.deliveries).toHaveLength(0);
  });

  describe('dead letters keep their provenance', () => {
    async function deadLetterOnce(topic: string, envelope: boolean) {
      const dlq = `${topic}.dead`;
      await nsqd().createTopic(dlq);
      await nsqd().createChannel(dlq, 'inspect');
      const consumer = await consume(
        [
          {
            topic,
            channel: 'worker',
            behavior: () => {
              throw new Error('permanent failure');
            },
          },
        ],
        { nsqdTcpAddresses: [nsqd().tcpAddress], envelope, maxAttempts: 2, requeueDelayMs: 0, deadLetterTopic: dlq },
      );
      const given: NsqDeadLetterInfo[] = [];
      consumer.server.on(NsqEventType.DEAD_LETTER, (info) => given.push(info));
      const before = Date.now();
      await emit(envelope ? client : rawClient, topic, envelope ? new NsqRecordBuilder({ order: 42 }).setHeaders({ tenant: 'acme' }).build() : { order: 42 });
      await waitFor(() => given.length === 1, { timeoutMs: 15_000, message: 'no dead-letter event' });
      const reader = await consume([{ topic: dlq, channel: 'inspect' }], { nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'raw' });
      const [dead] = await reader.waitForDeliveries(1);
      return { consumer, info: given[0]!, body: dead!.body, before };
    }

    it('envelope mode: the original headers and payload plus source topic, channel, id, attempts, reason and time', async () => {
      const topic = 'env.dlq';
      const { consumer, info, body, before } = await deadLetterOnce(topic, true);
      const opened = openNsqBody(body);
      expect(opened.payload.toString()).toBe('{"order":42}');
      expect({ ...opened.headers }).toEqual({
        tenant: 'acme',
        'nsq-dl-topic': topic,
        'nsq-dl-channel': 'worker',
        'nsq-dl-message-id': consumer.deliveries[0]!.id,
        'nsq-dl-attempts': '2',
        'nsq-dl-reason': 'max-attempts',
        'nsq-dl-detail': 'Error: permanent failure',
        'nsq-dl-at': String(info.at),
      });
      expect(info.at).toBeGreaterThanOrEqual(before);
      expect(info.headers).toEqual({ tenant: 'acme' });
    });

    it('raw mode: the dead letter is the original body byte for byte; the provenance is in the event', async () => {
      const topic = 'env.dlq-raw';
      const { consumer, info, body } = await deadLetterOnce(topic, false);
      expect(body.equals(consumer.deliveries[0]!.body)).toBe(true);
      expect(body.toString()).toBe('{"order":42}');
      expect(info).toMatchObject({ id: consumer.deliveries[0]!.id, topic, channel: 'worker', attempts: 2, reason: 'max-attempts', headers: {} });
    });
  });

  // Crossed with the consumer's compression (an nsqd restart under deflate used to crash the process):
  // one consumer per compression, one restart for all three.
  it('a deferred message survives an nsqd SIGTERM + restart under every compression: not handled early, its early delivery not counted as an attempt', async () => {
    const delayMs = 8_000;
    const compressions = ['none', 'deflate', 'snappy'] as const;
    const consumers = await Promise.all(
      compressions.map((compression) =>
        consume([{ topic: `env.deferred-${compression}`, channel: 'c' }], {
          nsqdTcpAddresses: [nsqd().tcpAddress],
          envelope: true,
          compression,
          maxAttempts: 1,
          lookupdPollIntervalMs: 1_000,
        }),
      ),
    );
    const resubscribed = consumers.map((c) => new Promise<number>((resolve) => c.server.on(NsqEventType.CONNECTED, () => resolve(Date.now()))));
    const sentAt = Date.now();
    for (const compression of compressions) {
      await lastValueFrom(client.emit(`env.deferred-${compression}`, new NsqRecordBuilder({ order: 1 }).setDelay(delayMs).build()), { defaultValue: undefined });
    }
    // nsqd writes its deferred queue to disk on SIGTERM and, restarted, delivers it at once.
    await nsqd().stop();
    await nsqd().restart();
    // The proof needs the consumers back before the messages are due (nsqd then delivers them early).
    expect(Math.max(...(await Promise.all(resubscribed)))).toBeLessThan(sentAt + delayMs);
    for (const consumer of consumers) {
      const [delivery] = await consumer.waitForDeliveries(1, undefined, delayMs + 20_000);
      expect(delivery!.handledAt).toBeGreaterThanOrEqual(sentAt + delayMs);
      // nsqd delivered it before it was due (its own count says so), the transport deferred it again:
      // with maxAttempts 1 it would have been given up on had that delivery counted.
      expect(delivery!.nsqdAttempts).toBeGreaterThanOrEqual(2);
      expect(delivery!.attempts).toBe(1);
      expect(consumer.deliveries).toHaveLength(1);
    }
  });
});
