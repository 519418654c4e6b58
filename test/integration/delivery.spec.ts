import { AsyncLocalStorage } from 'node:async_hooks';
import { defer, throwError } from 'rxjs';
import { NsqRecordBuilder, type ClientNsq, type NsqContext } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { emit, startClient, startConsumer, type TestConsumer } from '../support/nest-harness.js';

// Each test uses its own topic so earlier tests' messages never leak in.
let topicSeq = 0;
const newTopic = (name: string) => `delivery.${name}.${++topicSeq}`;

describe('delivery through a real nsqd', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;
  const consumers: TestConsumer[] = [];
  const fastRetry = { requeueDelayMs: 0, backoff: false } as const;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
    client = await startClient({ nsqdTcpAddresses: [cluster.nsqds[0]!.tcpAddress] });
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.close();
  });
  const consume = async (...args: Parameters<typeof startConsumer>) => {
    const consumer = await startConsumer(...args);
    consumers.push(consumer);
    return consumer;
  };
  const nsqd = () => cluster.nsqds[0]!;

  it('delivers a JSON payload end to end, decoded, with its context', async () => {
    const topic = newTopic('json');
    const consumer = await consume([{ topic, channel: 'saver' }], { lookupdHttpAddresses: [cluster.lookupd!.httpAddress] });
    const payload = { id: 'r-1', amount: 12.5, tags: ['a', 'b'], nested: { ok: true } };
    const before = Date.now();
    await emit(client, topic, payload);
    const [delivery] = await consumer.waitForDeliveries(1);
    expect(delivery).toMatchObject({ topic, channel: 'saver', attempts: 1, payload });
    expect(delivery!.id).toMatch(/^[0-9a-f]{16}$/);
    // The body is the payload's JSON alone: no Nest {pattern, data} envelope.
    expect(JSON.parse(delivery!.body.toString('utf8'))).toEqual(payload);
    await waitForChannel(topic, 'saver', (c) => c.depth === 0 && c.in_flight_count === 0 && c.message_count === 1);
    expect(before).toBeLessThanOrEqual(Date.now());
  });

  it('copies every message to each channel while consumers on one channel split them', async () => {
    const topic = newTopic('fanout');
    const lookupd = [cluster.lookupd!.httpAddress];
    const a = await consume([{ topic, channel: 'a' }], { lookupdHttpAddresses: lookupd, maxInFlight: 5 });
    const b1 = await consume([{ topic, channel: 'b' }], { lookupdHttpAddresses: lookupd, maxInFlight: 5 });
    const b2 = await consume([{ topic, channel: 'b' }], { lookupdHttpAddresses: lookupd, maxInFlight: 5 });
    const count = 200;
    await Promise.all(Array.from({ length: count }, (_, i) => emit(client, topic, { i })));
    await a.waitForDeliveries(count);
    await waitForCondition(() => b1.deliveries.length + b2.deliveries.length >= count);
    const idsOf = (c: TestConsumer) => c.deliveries.map((d) => (d.payload as { i: number }).i);
    expect(new Set(idsOf(a)).size).toBe(count);
    const bIds = [...idsOf(b1), ...idsOf(b2)];
    expect(new Set(bIds).size).toBe(count);
    expect(bIds).toHaveLength(count); // each message once on channel b
    expect(b1.deliveries.length).toBeGreaterThan(0);
    expect(b2.deliveries.length).toBeGreaterThan(0);
  });

  it('redelivers a message whose handler threw, with attempts + 1, then finishes it', async () => {
    const topic = newTopic('retry');
    const consumer = await consume(
      [{ topic, channel: 'c', behavior: (_p, _ctx, call) => { if (call === 1) throw new Error('transient'); } }],
      { nsqdTcpAddresses: [nsqd().tcpAddress], ...fastRetry },
    );
    await emit(client, topic, { n: 1 });
    const deliveries = await consumer.waitForDeliveries(2);
    expect(deliveries.map((d) => d.attempts)).toEqual([1, 2]);
    expect(deliveries[0]!.id).toBe(deliveries[1]!.id);
    await waitForChannel(topic, 'c', (c) => c.depth === 0 && c.in_flight_count === 0 && c.requeue_count === 1);
  });

  it('requeues when the handler returns an Observable that errors, finishes when it completes', async () => {
    const topic = newTopic('observable');
    const consumer = await consume(
      [{ topic, channel: 'c', behavior: (_p, _ctx, call) => (call === 1 ? throwError(() => new Error('stream failed')) : defer(async () => 'done')) }],
      { nsqdTcpAddresses: [nsqd().tcpAddress], ...fastRetry },
    );
    await emit(client, topic, { n: 1 });
    const deliveries = await consumer.waitForDeliveries(2);
    expect(deliveries.map((d) => d.attempts)).toEqual([1, 2]);
    await waitForChannel(topic, 'c', (c) => c.depth === 0 && c.in_flight_count === 0 && c.requeue_count === 1);
  });

  it('leaves settlement to the handler when it finishes through the context', async () => {
    const topic = newTopic('manual');
    const consumer = await consume(
      [{ topic, channel: 'c', behavior: (_p, ctx) => { ctx.finish(); throw new Error('after finish: must not requeue'); } }],
      { nsqdTcpAddresses: [nsqd().tcpAddress], ...fastRetry },
    );
    await emit(client, topic, { n: 1 });
    await consumer.waitForDeliveries(1);
    await waitForChannel(topic, 'c', (c) => c.depth === 0 && c.in_flight_count === 0 && c.message_count === 1);
    const channel = await nsqd().channelStats(topic, 'c');
    expect(channel!.requeue_count).toBe(0);
    expect(consumer.deliveries).toHaveLength(1);
  });

  it('requeues by hand through the context with a delay', async () => {
    const topic = newTopic('manual-requeue');
    const consumer = await consume(
      [{ topic, channel: 'c', behavior: (_p, ctx, call) => { if (call === 1) ctx.requeue(300); } }],
      { nsqdTcpAddresses: [nsqd().tcpAddress], ...fastRetry },
    );
    await emit(client, topic, { n: 1 });
    const [first, second] = await consumer.waitForDeliveries(2);
    expect(second!.attempts).toBe(first!.attempts + 1);
  });

  it('delivers a deferred message no earlier than its delay', async () => {
    const topic = newTopic('deferred');
    const receivedAt: number[] = [];
    const consumer = await consume([{ topic, channel: 'c', behavior: () => void receivedAt.push(Date.now()) }], { nsqdTcpAddresses: [nsqd().tcpAddress] });
    const delayMs = 1500;
    const sentAt = Date.now();
    await emit(client, topic, new NsqRecordBuilder({ late: true }).setDelay(delayMs).build());
    await waitForChannel(topic, 'c', (c) => c.deferred_count === 1);
    await consumer.waitForDeliveries(1);
    expect(receivedAt[0]! - sentAt).toBeGreaterThanOrEqual(delayMs);
    expect(consumer.deliveries[0]!.payload).toEqual({ late: true });
  });

  it('publishes a batch as one MPUB and delivers every message', async () => {
    const topic = newTopic('batch');
    const consumer = await consume([{ topic, channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress], maxInFlight: 10 });
    const items = Array.from({ length: 50 }, (_, i) => ({ i }));
    await emit(client, topic, new NsqRecordBuilder().setBatch(items).build());
    const deliveries = await consumer.waitForDeliveries(50);
    expect(deliveries.map((d) => d.payload).sort((x, y) => (x as { i: number }).i - (y as { i: number }).i)).toEqual(items);
  });

  it('runs several handlers on one topic and channel once each per message', async () => {
    const topic = newTopic('multi');
    const consumer = await consume(
      [
        { topic, channel: 'c', name: 'first' },
        { topic, channel: 'c', name: 'second' },
      ],
      { nsqdTcpAddresses: [nsqd().tcpAddress] },
    );
    await emit(client, topic, { n: 1 });
    await consumer.waitForDeliveries(2);
    await waitForChannel(topic, 'c', (c) => c.in_flight_count === 0 && c.message_count === 1);
    expect(consumer.deliveries.map((d) => d.handler).sort()).toEqual(['first', 'second']);
  });

  it('runs handlers inside Nest processing hooks (trace context) and closes each span once', async () => {
    const topic = newTopic('hooks');
    const storage = new AsyncLocalStorage<string>();
    const seenInHandler: Array<string | undefined> = [];
    const ended: string[] = [];
    const consumer = await consume([{ topic, channel: 'c', behavior: () => void seenInHandler.push(storage.getStore()) }], { nsqdTcpAddresses: [nsqd().tcpAddress] });
    consumer.server.setOnProcessingStartHook((_transport, context, done) => {
      void storage.run(`trace-${(context as NsqContext).getMessageId()}`, done);
    });
    consumer.server.setOnProcessingEndHook((_transport, context) => ended.push((context as NsqContext).getMessageId()));
    await emit(client, topic, { traced: true });
    const [delivery] = await consumer.waitForDeliveries(1);
    await waitFor(() => ended.length === 1, { timeoutMs: 5_000, message: 'end hook not called' });
    expect(seenInHandler).toEqual([`trace-${delivery!.id}`]);
    expect(ended).toEqual([delivery!.id]);
  });

  async function waitForChannel(topic: string, channel: string, check: (c: NonNullable<Awaited<ReturnType<NsqCluster['nsqds'][number]['channelStats']>>>) => boolean) {
    await waitForCondition(async () => {
      const stats = await nsqd().channelStats(topic, channel);
      return stats !== undefined && check(stats);
    });
  }
});

function waitForCondition(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  return waitFor(condition, { timeoutMs, message: 'condition not met' });
}
