import type { ClientNsq } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { emit, startClient, startConsumer } from '../support/nest-harness.js';
import { waitFor } from '../support/wait-for.js';

describe('ServerNsq.close() with handlers in flight', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress] });
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.close();
  });

  it('lets running handlers finish, FINs them, starts none after close, and loses nothing', async () => {
    const topic = 'close.drain';
    const count = 30;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const finished: number[] = [];
    let closeStarted = false;
    const startedAfterClose: number[] = [];
    const consumer = await startConsumer(
      [
        {
          topic,
          channel: 'c',
          behavior: async (payload) => {
            if (closeStarted) startedAfterClose.push((payload as { i: number }).i);
            await gate;
            finished.push((payload as { i: number }).i);
          },
        },
      ],
      { nsqdTcpAddresses: [nsqd().tcpAddress], maxInFlight: 10, drainTimeoutMs: 10_000 },
    );
    await Promise.all(Array.from({ length: count }, (_, i) => emit(client, topic, { i })));
    await consumer.waitForDeliveries(10);
    closeStarted = true;
    const closing = consumer.close();
    release();
    await closing;
    expect(startedAfterClose).toEqual([]);
    expect(finished.length).toBeGreaterThanOrEqual(10);
    // Every message is either finished (FIN) or back in the channel for the next consumer.
    await waitFor(async () => {
      const c = await nsqd().channelStats(topic, 'c');
      return c !== undefined && c.in_flight_count === 0 && c.depth === count - finished.length;
    }, { timeoutMs: 10_000, message: 'in-flight messages were not settled' });

    const next = await startConsumer([{ topic, channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress], maxInFlight: 10 });
    try {
      await next.waitForDeliveries(count - finished.length);
      const all = new Set([...finished, ...next.deliveries.map((d) => (d.payload as { i: number }).i)]);
      expect(all.size).toBe(count);
    } finally {
      await next.close();
    }
  });

  it('requeues a handler slower than the drain timeout instead of losing it', async () => {
    const topic = 'close.slow';
    let release!: () => void;
    const never = new Promise<void>((resolve) => (release = resolve));
    const consumer = await startConsumer([{ topic, channel: 'c', behavior: () => never }], {
      nsqdTcpAddresses: [nsqd().tcpAddress],
      drainTimeoutMs: 200,
    });
    await emit(client, topic, { slow: true });
    await consumer.waitForDeliveries(1);
    await consumer.close();
    release();
    await waitFor(async () => {
      const c = await nsqd().channelStats(topic, 'c');
      return c !== undefined && c.in_flight_count === 0 && c.depth === 1;
    }, { timeoutMs: 10_000, message: 'slow message not requeued' });
  });

  it('is idempotent', async () => {
    const consumer = await startConsumer([{ topic: 'close.twice', channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress] });
    await Promise.all([consumer.server.close(), consumer.server.close()]);
    await consumer.close();
  });
});
