import type { ClientNsq } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { emit, startClient, startConsumer, type TestConsumer } from '../support/nest-harness.js';
import { waitFor } from '../support/wait-for.js';

describe('nsqd stopped (SIGTERM) and restarted', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;
  let consumer: TestConsumer;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
  });
  afterAll(async () => {
    await consumer?.close();
    await client?.close();
    await cluster?.close();
  });

  it('producer and consumer recover and every acknowledged message is consumed', async () => {
    const nsqd = cluster.nsqds[0]!;
    const topic = 'restart.orders';
    client = await startClient({ nsqdTcpAddresses: [nsqd.tcpAddress], publishTimeoutMs: 1_000, reconnectMaxDelayMs: 500 });
    consumer = await startConsumer([{ topic, channel: 'c' }], { nsqdTcpAddresses: [nsqd.tcpAddress], maxInFlight: 20, lookupdPollIntervalMs: 1_000 });

    const acknowledged = new Set<number>();
    let failed = 0;
    let next = 0;
    let running = true;
    // Continuous emits across the restart: each is either acknowledged or fails with an error.
    const producer = (async () => {
      while (running) {
        const i = next++;
        try {
          await emit(client, topic, { i });
          acknowledged.add(i);
        } catch {
          failed++;
        }
      }
    })();

    await waitFor(() => acknowledged.size >= 200, { timeoutMs: 10_000, message: 'no traffic before the restart' });
    await nsqd.stop();
    await nsqd.restart();
    const afterRestart = acknowledged.size;
    await waitFor(() => acknowledged.size >= afterRestart + 200, { timeoutMs: 20_000, message: 'producer did not recover' });
    running = false;
    await producer;

    const consumed = () => new Set(consumer.deliveries.map((d) => (d.payload as { i: number }).i));
    await waitFor(() => [...acknowledged].every((i) => consumed().has(i)), {
      timeoutMs: 30_000,
      message: () => `lost: ${[...acknowledged].filter((i) => !consumed().has(i)).slice(0, 10).join(', ')}`,
    });
    expect([...acknowledged].filter((i) => !consumed().has(i))).toEqual([]);
    // Figures for the record: how many emits failed during the outage (never lost: they errored).
    console.info(`restart: ${acknowledged.size} acknowledged, ${failed} failed during the outage, ${consumer.deliveries.length} deliveries`);
  });
});
