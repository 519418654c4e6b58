import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import type { NsqdNode } from '../support/nsqd-node.js';
import { waitFor } from '../support/wait-for.js';
import { startConsumer, type HandlerBehavior, type TestConsumer } from '../support/nest-harness.js';

const CHANNEL = 'c';
let topicSeq = 0;
const newTopic = (name: string) => `max-in-flight.${name}.${++topicSeq}`;

/** Counts handler runs that are under way at once; each run waits until the test releases it. */
class HandlerGate {
  running = 0;
  maxRunning = 0;
  private readonly waiting: Array<() => void> = [];

  readonly behavior: HandlerBehavior = () => {
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise<void>((resolve) =>
      this.waiting.push(() => {
        this.running -= 1;
        resolve();
      }),
    );
  };

  releaseOne(): void {
    this.waiting.shift()?.();
  }

  releaseAll(): void {
    for (const release of this.waiting.splice(0)) release();
  }
}

/**
 * The transport's maxInFlight is one budget per (topic, channel) over every
 * nsqd it consumes from: the RDY it gives the nsqds adds up to it, no nsqd
 * starves when there are more nsqds than the budget, and no more handlers run
 * at once than it allows. Judged by nsqd's own stats and by counting handler
 * runs, never by time.
 */
describe('maxInFlight over several nsqds', () => {
  let cluster: NsqCluster;
  const consumers: TestConsumer[] = [];
  const gates: HandlerGate[] = [];

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 5, lookupd: false });
  });
  afterEach(async () => {
    // Held handlers would make the drain wait for its whole timeout.
    for (const gate of gates.splice(0)) gate.releaseAll();
    await Promise.all(consumers.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const consume = async (topic: string, nsqds: readonly NsqdNode[], maxInFlight: number, behavior?: HandlerBehavior) => {
    const consumer = await startConsumer([{ topic, channel: CHANNEL, ...(behavior ? { behavior } : {}) }], {
      nsqdTcpAddresses: nsqds.map((nsqd) => nsqd.tcpAddress),
      maxInFlight,
    });
    consumers.push(consumer);
    return consumer;
  };

  /** Creates topic and channel on each nsqd (so nothing is lost before we subscribe) and queues `perNsqd` messages there. */
  const queueOnEvery = async (topic: string, nsqds: readonly NsqdNode[], perNsqd: number) => {
    await Promise.all(
      nsqds.map(async (nsqd, node) => {
        await nsqd.createChannel(topic, CHANNEL);
        await nsqd.publishMany(topic, Array.from({ length: perNsqd }, (_, i) => JSON.stringify({ node, i })));
      }),
    );
  };

  /** Each nsqd's `ready_count` per client of our channel. */
  const readyCounts = (topic: string, nsqds: readonly NsqdNode[]) =>
    Promise.all(nsqds.map(async (nsqd) => (await nsqd.channelStats(topic, CHANNEL))?.clients.map((client) => client.ready_count) ?? []));

  it.each([
    [2, 5],
    [3, 7],
    [5, 8],
    [5, 5],
  ])('%d nsqds, maxInFlight %d: the RDY of all connections adds up to maxInFlight, spread evenly', async (nodes, maxInFlight) => {
    const topic = newTopic('split');
    const nsqds = cluster.nsqds.slice(0, nodes);
    await consume(topic, nsqds, maxInFlight);
    let counts: number[][] = [];
    await waitFor(
      async () => {
        counts = await readyCounts(topic, nsqds);
        return counts.every((clients) => clients.length === 1) && sum(counts.flat()) === maxInFlight;
      },
      { timeoutMs: 10_000, message: () => `ready_count per nsqd ${JSON.stringify(counts)}: total ${sum(counts.flat())}, expected ${maxInFlight}` },
    );
    // Sorted, so which connections hold the remainder does not matter.
    const even = Array.from({ length: nodes }, (_, i) => Math.floor(maxInFlight / nodes) + (i < maxInFlight % nodes ? 1 : 0));
    expect(counts.flat().sort((x, y) => y - x)).toEqual(even);
  });

  it('5 nsqds, maxInFlight 2: RDY rotates so the messages waiting on every nsqd are all consumed', async () => {
    const topic = newTopic('rotate');
    const nsqds = cluster.nsqds.slice(0, 5);
    const perNsqd = 4;
    await queueOnEvery(topic, nsqds, perNsqd);
    // Each run lasts until the next macrotask, so runs that were let in together overlap.
    let running = 0;
    let maxRunning = 0;
    const consumer = await consume(topic, nsqds, 2, async () => {
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
    });
    await waitFor(() => consumer.deliveries.length >= nsqds.length * perNsqd, {
      timeoutMs: 40_000,
      message: () => `consumed per nsqd: ${JSON.stringify(perNode(consumer, nsqds.length))} of ${perNsqd} each`,
    });
    expect(perNode(consumer, nsqds.length)).toEqual(nsqds.map(() => perNsqd));
    expect(maxRunning).toBeLessThanOrEqual(2);
    for (const nsqd of nsqds) {
      await waitFor(async () => {
        const channel = await nsqd.channelStats(topic, CHANNEL);
        return channel !== undefined && channel.depth === 0 && channel.in_flight_count === 0;
      });
    }
  }, 60_000);

  it.each([
    [2, 3],
    [3, 4],
    [5, 2],
  ])('%d nsqds, maxInFlight %d: never more handler runs at once than maxInFlight, from the start on', async (nodes, maxInFlight) => {
    const topic = newTopic('concurrency');
    const nsqds = cluster.nsqds.slice(0, nodes);
    // Messages wait on every nsqd before the consumer starts: each connection
    // is sent as many as its RDY allows the moment it subscribes.
    await queueOnEvery(topic, nsqds, 3 * maxInFlight + 2);
    const gate = new HandlerGate();
    gates.push(gate);
    await consume(topic, nsqds, maxInFlight, gate.behavior);
    // Each round: wait for the budget to be used up, then let one handler
    // finish, which lets exactly one more message in.
    for (let round = 0; round < 3 * maxInFlight; round++) {
      await waitFor(() => gate.running >= maxInFlight, {
        timeoutMs: 10_000,
        message: () => `round ${round}: ${gate.running} handler(s) running (at most ${gate.maxRunning} so far), expected ${maxInFlight}`,
      });
      gate.releaseOne();
    }
    expect(gate.maxRunning).toBe(maxInFlight);
  });
});

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** How many deliveries came from each nsqd (its index is in the payload). */
function perNode(consumer: TestConsumer, nodes: number): number[] {
  const counts = Array.from({ length: nodes }, () => 0);
  const seen = new Set<string>();
  for (const delivery of consumer.deliveries) {
    const { node, i } = delivery.payload as { node: number; i: number };
    if (seen.has(`${node}/${i}`)) continue;
    seen.add(`${node}/${i}`);
    counts[node] = (counts[node] ?? 0) + 1;
  }
  return counts;
}
