import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { NsqEventPattern, NsqEventType, NsqHandlerConfigError, NsqStatus, NsqTimeoutError, ServerNsq, type ClientNsq, type ServerNsqOptions } from 'nestjs-transport-nsq';
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

  it.each([
    ['direct nsqd addresses', () => ({ nsqdTcpAddresses: [cluster.nsqds[0]!.tcpAddress] })],
    ['nsqlookupd', () => ({ lookupdHttpAddresses: [cluster.lookupd!.httpAddress] })],
  ])('through %s, resolves as soon as the subscription is acknowledged: no fixed wait after it', async (label, sources) => {
    const topic = `listen.prompt.${label.replace(/\W+/g, '-')}`;
    @Controller()
    class PromptController {
      @NsqEventPattern(topic, { channel: 'c' })
      handle(@Payload() _payload: unknown): void {}
    }
    @Module({ controllers: [PromptController] })
    class PromptModule {}
    const server = new ServerNsq(sources() as ServerNsqOptions);
    // Counts event-loop turns from the first SUB acknowledged until listen() resolves: a timer
    // waited on in between (the old 1 s lookupd sleep) shows as hundreds of turns, whatever the load.
    let turns = 0;
    let started = false;
    let counting = false;
    const tick = () => {
      if (!counting) return;
      turns += 1;
      setImmediate(tick);
    };
    server.on(NsqEventType.CONNECTED, () => {
      // Once: the second nsqd may subscribe after listen() resolved.
      if (started) return;
      started = counting = true;
      setImmediate(tick);
    });
    const app = await NestFactory.createMicroservice(PromptModule, { strategy: server, logger: false });
    try {
      await app.listen();
      const turnsAtListen = turns;
      counting = false;
      expect(turnsAtListen).toBeLessThanOrEqual(5);
    } finally {
      counting = false;
      await app.close();
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

  it('subscribes through lookupd to an nsqd that registers only after listen() started', async () => {
    const late = await startNsqCluster({ nsqds: 0, lookupd: true });
    try {
      const topic = 'listen.late-nsqd';
      const listening = startConsumer([{ topic, channel: 'c' }], { lookupdHttpAddresses: [late.lookupd!.httpAddress], readyTimeoutMs: 20_000 });
      const node = await late.addNsqd();
      const consumer = await listening;
      try {
        const client = await startClient({ nsqdTcpAddresses: [node.tcpAddress] });
        await emit(client, topic, { late: true });
        await client.close();
        const [delivery] = await consumer.waitForDeliveries(1);
        expect(delivery!.payload).toEqual({ late: true });
      } finally {
        await consumer.close();
      }
    } finally {
      await late.close();
    }
  });

  it('takes maxInFlight per handler from its extras', async () => {
    const topic = 'listen.max-in-flight';
    const node = cluster.nsqds[0]!;
    const consumer = await startConsumer(
      [
        { topic, channel: 'wide', maxInFlight: 7 },
        { topic, channel: 'narrow' },
      ],
      { nsqdTcpAddresses: [node.tcpAddress], maxInFlight: 3 },
    );
    try {
      const rdy = async (channel: string) => (await node.channelStats(topic, channel))?.clients[0]?.ready_count;
      await waitFor(async () => (await rdy('wide')) === 7 && (await rdy('narrow')) === 3, { timeoutMs: 10_000, message: 'RDY counts not as configured' });
    } finally {
      await consumer.close();
    }
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
