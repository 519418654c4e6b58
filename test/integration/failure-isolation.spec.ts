import type { ServerNsqOptions } from 'nestjs-transport-nsq';
import { startConsumer, type TestConsumer } from '../support/nest-harness.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';

const CHANNEL = 'worker';
const MAX_IN_FLIGHT = 5;
const HEALTHY = 300;
const BAD = 10;

/**
 * One failing message must not hold up the healthy ones: by default a failure
 * delays only that message (REQ with its delay) and the subscription keeps its
 * whole RDY. Channel-wide backoff (RDY 0, then probes) stays available as an
 * option. Judged by counts and by nsqd's own view of our RDY, never by time.
 */
describe('a failing message and the healthy ones around it', () => {
  let cluster: NsqCluster;
  const consumers: TestConsumer[] = [];
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await cluster?.close();
  });

  /** A consumer whose handler fails every message marked bad, forever (maxAttempts 0), and records the RDY nsqd sees. */
  async function consumeMixed(topic: string, options: Partial<ServerNsqOptions>) {
    await nsqd().createChannel(topic, CHANNEL);
    const consumer = await startConsumer(
      [
        {
          topic,
          channel: CHANNEL,
          behavior: (payload) => {
            if ((payload as { bad?: boolean }).bad) throw new Error('this one always fails');
          },
        },
      ],
      // Bad messages come back quickly and fail again and again: the worst case for channel-wide backoff.
      { nsqdTcpAddresses: [nsqd().tcpAddress], maxInFlight: MAX_IN_FLIGHT, maxAttempts: 0, requeueDelayMs: 50, ...options },
    );
    consumers.push(consumer);
    const healthy = () => consumer.deliveries.filter((d) => !(d.payload as { bad?: boolean }).bad).length;
    const failures = () => consumer.deliveries.filter((d) => (d.payload as { bad?: boolean }).bad).length;
    return { consumer, healthy, failures };
  }

  /** The RDY nsqd holds for our one connection (undefined before it subscribed). */
  const readyCount = async (topic: string) => (await nsqd().channelStats(topic, CHANNEL))?.clients[0]?.ready_count;

  it('by default, healthy messages are all handled while failing ones are retried, and the RDY never drops', async () => {
    const topic = 'isolation.default';
    const { healthy, failures } = await consumeMixed(topic, {});
    // Every 31st message is bad: 0, 31, … 279, among 300 healthy ones.
    await nsqd().publishMany(topic, Array.from({ length: HEALTHY + BAD }, (_, i) => JSON.stringify(i % 31 === 0 ? { i, bad: true } : { i })));
    const seen: number[] = [];
    await waitFor(
      async () => {
        const rdy = await readyCount(topic);
        if (rdy !== undefined) seen.push(rdy);
        return healthy() >= HEALTHY && failures() >= 3 * BAD;
      },
      { timeoutMs: 30_000, intervalMs: 10, message: () => `healthy handled ${healthy()}, failures ${failures()}, RDY seen ${JSON.stringify([...new Set(seen)])}` },
    );
    expect(healthy()).toBe(HEALTHY);
    // Failures went on (each bad message retried several times) without the subscription ever slowing down.
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([MAX_IN_FLIGHT]));
  });

  it('with backoff: true, a failure pauses the whole subscription (RDY 0), as go-nsq does', async () => {
    const topic = 'isolation.backoff';
    const { failures } = await consumeMixed(topic, { backoff: true, maxBackoffDurationMs: 2_000 });
    await waitFor(async () => (await readyCount(topic)) === MAX_IN_FLIGHT, { timeoutMs: 10_000, message: 'never got its full RDY' });
    await nsqd().publish(topic, JSON.stringify({ bad: true }));
    await waitFor(async () => failures() >= 1 && (await readyCount(topic)) === 0, { timeoutMs: 10_000, intervalMs: 10, message: 'RDY did not drop to 0 after a failure' });
  });
});
