import { NsqEventType, type ClientNsq, type NsqDeadLetterInfo } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { emit, startClient, startConsumer, type TestConsumer } from '../support/nest-harness.js';
import { waitFor } from '../support/wait-for.js';

describe('giving up on messages', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;
  const consumers: TestConsumer[] = [];
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress] });
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.close();
  });

  async function consumeWithDeadLetters(topic: string, deadLetterTopic: string | undefined, behavior: () => unknown, codec?: 'json' | 'text') {
    const consumer = await startConsumer([{ topic, channel: 'worker', behavior }], {
      nsqdTcpAddresses: [nsqd().tcpAddress],
      maxAttempts: 3,
      requeueDelayMs: 0,
      backoff: false,
      ...(deadLetterTopic ? { deadLetterTopic } : {}),
      ...(codec ? { codec } : {}),
    });
    consumers.push(consumer);
    const given: NsqDeadLetterInfo[] = [];
    consumer.server.on(NsqEventType.DEAD_LETTER, (info) => given.push(info));
    return { consumer, given };
  }

  it('moves a message that keeps failing to the dead-letter topic after maxAttempts, body unchanged', async () => {
    const topic = 'dlq.always-fails';
    const dlq = 'dlq.always-fails.dead';
    await nsqd().createTopic(dlq);
    await nsqd().createChannel(dlq, 'inspect');
    const { consumer, given } = await consumeWithDeadLetters(topic, dlq, () => {
      throw new Error('permanent');
    });
    const original = { order: 42, note: 'ünïcode ✓' };
    await emit(client, topic, original);
    await waitFor(() => given.length === 1, { timeoutMs: 15_000, message: 'no dead-letter event' });
    expect(consumer.deliveries.map((d) => d.attempts)).toEqual([1, 2, 3]);
    expect(given[0]).toMatchObject({ topic, channel: 'worker', attempts: 3, reason: 'max-attempts', deadLetterTopic: dlq });
    await waitFor(async () => (await nsqd().channelStats(dlq, 'inspect'))?.depth === 1, { timeoutMs: 10_000, message: 'dead-letter topic empty' });
    const bodies = await drainBodies(dlq, 'inspect', 1);
    expect(bodies[0]!.equals(consumer.deliveries[0]!.body)).toBe(true);
    expect(JSON.parse(bodies[0]!.toString('utf8'))).toEqual(original);
    // The original channel is empty: the message was finished after being copied.
    await waitFor(async () => {
      const c = await nsqd().channelStats(topic, 'worker');
      return c !== undefined && c.depth === 0 && c.in_flight_count === 0;
    }, { timeoutMs: 10_000, message: 'original message still in the channel' });
  });

  it('dead-letters a body that cannot be decoded at once, without running the handler or retrying', async () => {
    const topic = 'dlq.poison';
    const dlq = 'dlq.poison.dead';
    await nsqd().createTopic(dlq);
    await nsqd().createChannel(dlq, 'inspect');
    const { consumer, given } = await consumeWithDeadLetters(topic, dlq, () => undefined);
    const poison = Buffer.from('{"not": json', 'utf8');
    await nsqd().publish(topic, poison);
    await waitFor(() => given.length === 1, { timeoutMs: 10_000, message: 'no dead-letter event' });
    expect(given[0]).toMatchObject({ reason: 'undecodable', attempts: 1 });
    expect(consumer.deliveries).toHaveLength(0);
    const bodies = await drainBodies(dlq, 'inspect', 1);
    expect(bodies[0]!.equals(poison)).toBe(true);
    const channel = await nsqd().channelStats(topic, 'worker');
    expect(channel!.requeue_count).toBe(0);
  });

  it('dead-letters at once a message the handler rejects as poison through the context', async () => {
    const topic = 'dlq.rejected';
    const dlq = 'dlq.rejected.dead';
    await nsqd().createTopic(dlq);
    await nsqd().createChannel(dlq, 'inspect');
    const consumer = await startConsumer(
      [{ topic, channel: 'worker', behavior: (_payload, ctx) => ctx.reject('fails validation') }],
      { nsqdTcpAddresses: [nsqd().tcpAddress], maxAttempts: 3, requeueDelayMs: 0, backoff: false, deadLetterTopic: dlq },
    );
    consumers.push(consumer);
    const given: NsqDeadLetterInfo[] = [];
    consumer.server.on(NsqEventType.DEAD_LETTER, (info) => given.push(info));
    await emit(client, topic, { invalid: true });
    await waitFor(() => given.length === 1, { timeoutMs: 10_000, message: 'no dead-letter event' });
    expect(given[0]).toMatchObject({ reason: 'rejected', attempts: 1, deadLetterTopic: dlq });
    expect(consumer.deliveries).toHaveLength(1);
    const bodies = await drainBodies(dlq, 'inspect', 1);
    expect(JSON.parse(bodies[0]!.toString())).toEqual({ invalid: true });
    expect((await nsqd().channelStats(topic, 'worker'))!.requeue_count).toBe(0);
  });

  it('logs and finishes a message past maxAttempts when no dead-letter topic is configured', async () => {
    const topic = 'dlq.none';
    const { consumer, given } = await consumeWithDeadLetters(topic, undefined, () => {
      throw new Error('permanent');
    });
    await emit(client, topic, { x: 1 });
    await waitFor(() => given.length === 1, { timeoutMs: 15_000, message: 'message was not given up on' });
    expect(given[0]!.deadLetterTopic).toBeUndefined();
    expect(consumer.deliveries).toHaveLength(3);
    await waitFor(async () => {
      const c = await nsqd().channelStats(topic, 'worker');
      return c !== undefined && c.depth === 0 && c.in_flight_count === 0;
    }, { timeoutMs: 10_000, message: 'message not finished' });
  });

  /** Reads `count` bodies from a channel with a raw consumer so the test sees the exact bytes. */
  async function drainBodies(topic: string, channel: string, count: number): Promise<Buffer[]> {
    const reader = await startConsumer([{ topic, channel }], { nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'raw' });
    consumers.push(reader);
    const deliveries = await reader.waitForDeliveries(count);
    return deliveries.map((d) => d.body);
  }
});
