import { NsqHandlerConfigError, NsqStatus, NsqTimeoutError, type ClientNsq } from 'nestjs-transport-nsq';
import { freePort } from '../support/free-port.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { emit, startClient, startConsumer } from '../support/nest-harness.js';
import { waitFor } from '../support/wait-for.js';

describe('ServerNsq.listen()', () => {
  let cluster: NsqCluster;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 2, lookupd: true });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it.each([
    ['direct nsqd addresses', () => ({ nsqdTcpAddresses: cluster.nsqds.map((n) => n.tcpAddress) })],
    ['nsqlookupd', () => ({ lookupdHttpAddresses: [cluster.lookupd!.httpAddress] })],
  ])('subscribes on both nsqds through %s and consumes from each', async (label, sources) => {
    const topic = `listen.two.${label.replace(/\W+/g, '-')}`;
    const consumer = await startConsumer([{ topic, channel: 'c' }], sources());
    const clients: ClientNsq[] = [];
    try {
      const statuses: NsqStatus[] = [];
      consumer.server.status.subscribe((s) => statuses.push(s));
      expect(statuses.at(-1)).toBe(NsqStatus.CONNECTED);
      for (const node of cluster.nsqds) {
        await waitFor(async () => ((await node.channelStats(topic, 'c'))?.clients.length ?? 0) === 1, {
          timeoutMs: 10_000,
          message: `not subscribed on ${node.tcpAddress}`,
        });
        const client = await startClient({ nsqdTcpAddresses: [node.tcpAddress] });
        clients.push(client);
        await emit(client, topic, { from: node.tcpAddress });
      }
      const deliveries = await consumer.waitForDeliveries(2);
      expect(deliveries.map((d) => (d.payload as { from: string }).from).sort()).toEqual(cluster.nsqds.map((n) => n.tcpAddress).sort());
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await consumer.close();
    }
  });

  it('keeps messages published before the first consumer (topology created at start through lookupd)', async () => {
    const topic = 'listen.backlog';
    // The topic exists (a producer published) but has no channel yet for our consumer.
    const producer = await startClient({ nsqdTcpAddresses: [cluster.nsqds[0]!.tcpAddress] });
    await emit(producer, topic, { early: 1 });
    const consumer = await startConsumer([{ topic, channel: 'late-joiner' }], { lookupdHttpAddresses: [cluster.lookupd!.httpAddress] });
    try {
      const [delivery] = await consumer.waitForDeliveries(1);
      expect(delivery!.payload).toEqual({ early: 1 });
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('rejects with a clear error after readyTimeoutMs when no nsqd can be reached', async () => {
    const port = await freePort();
    const error = await startConsumer([{ topic: 'listen.nowhere', channel: 'c' }], { nsqdTcpAddresses: [`127.0.0.1:${port}`], readyTimeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NsqTimeoutError);
    expect((error as Error).message).toContain('listen.nowhere/c');
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('fails naming the handler when it has no channel and the server none either', async () => {
    const error = await startConsumer([{ topic: 'listen.no-channel' }], { nsqdTcpAddresses: [cluster.nsqds[0]!.tcpAddress] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NsqHandlerConfigError);
    expect((error as Error).message).toContain("@EventPattern('listen.no-channel')");
  });

  it('uses the server channel for handlers without one', async () => {
    const topic = 'listen.default-channel';
    const consumer = await startConsumer([{ topic }], { nsqdTcpAddresses: [cluster.nsqds[0]!.tcpAddress], channel: 'fallback' });
    try {
      expect((await cluster.nsqds[0]!.channelStats(topic, 'fallback'))?.clients.length).toBe(1);
    } finally {
      await consumer.close();
    }
  });
});
