import { lastValueFrom } from 'rxjs';
import {
  ClientNsq,
  InvalidNsqMessageError,
  InvalidNsqNameError,
  NsqRecordBuilder,
  NsqRequestTimeoutError,
  NsqStatus,
  NsqUnconfirmedError,
  NsqUnavailableError,
  NsqTransportError,
} from 'nestjs-transport-nsq';
import { freePort } from '../support/free-port.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import type { NsqdNode } from '../support/nsqd-node.js';
import { waitFor } from '../support/wait-for.js';
import { emit, startClient, startConsumer } from '../support/nest-harness.js';

describe('ClientNsq publishing', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], maxMessageSize: 1024 });
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.close();
  });

  it('refuses a bad topic, an empty body and an oversize body locally while concurrent valid emits succeed', async () => {
    const topic = 'client.valid';
    await nsqd().createTopic(topic);
    const valid = Array.from({ length: 20 }, (_, i) => emit(client, topic, { i }));
    const bad = [
      emit(client, 'bad topic\nPUB x', { x: 1 }),
      emit(client, 'x'.repeat(65), { x: 1 }),
      emit(client, topic, new NsqRecordBuilder().setBatch([]).build()),
      emit(client, topic, ''), // JSON "" is two bytes, so use the text client below for a true empty body
      emit(client, topic, 'y'.repeat(2000)),
      emit(client, topic, new NsqRecordBuilder({ x: 1 }).setDelay(-5).build()),
      emit(client, topic, new NsqRecordBuilder({ x: 1 }).setDelay(3_600_001).build()),
    ];
    const results = await Promise.allSettled([...valid, ...bad]);
    expect(results.slice(0, 20).every((r) => r.status === 'fulfilled')).toBe(true);
    const errors = results.slice(20).map((r) => (r.status === 'rejected' ? r.reason : undefined));
    expect(errors[0]).toBeInstanceOf(InvalidNsqNameError);
    expect(errors[1]).toBeInstanceOf(InvalidNsqNameError);
    expect(errors[2]).toBeInstanceOf(InvalidNsqMessageError);
    expect(errors[3]).toBeUndefined(); // '""' is a valid, non-empty JSON body
    expect(errors[4]).toBeInstanceOf(InvalidNsqMessageError);
    expect(errors[5]).toBeInstanceOf(InvalidNsqMessageError);
    expect(errors[6]).toBeInstanceOf(InvalidNsqMessageError);
    const stats = await nsqd().stats();
    expect(stats.topics.map((t) => t.topic_name).sort()).toEqual([topic]);
    expect((await nsqd().topicStats(topic))!.message_count).toBe(21);
    // The connection survived: nothing fatal reached nsqd.
    await emit(client, topic, { after: true });
    expect((await nsqd().topicStats(topic))!.message_count).toBe(22);
  });

  it('refuses an empty body with the text codec before writing anything', async () => {
    const text = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'text' });
    try {
      await expect(emit(text, 'client.text', '')).rejects.toBeInstanceOf(InvalidNsqMessageError);
      await expect(emit(text, 'client.text', 42)).rejects.toBeInstanceOf(InvalidNsqMessageError);
      expect(await nsqd().topicStats('client.text')).toBeUndefined();
      await emit(text, 'client.text', 'plain words');
      expect((await nsqd().topicStats('client.text'))!.message_count).toBe(1);
    } finally {
      await text.close();
    }
  });

  // Bodies of 16 KiB and more are written by reference next to their frame's header (corked), not copied into it.
  it.each([
    ['a plain connection', undefined],
    ['a deflate connection', 'deflate'],
    ['a snappy connection', 'snappy'],
  ] as const)('delivers coalesced big and small bodies intact over %s', async (_, codec) => {
    const topic = `client.big.${codec ?? 'plain'}`;
    await nsqd().createTopic(topic);
    const compression = codec ? { compression: codec } : {};
    const consumer = await startConsumer([{ topic, channel: 'check' }], { nsqdTcpAddresses: [nsqd().tcpAddress], ...compression });
    const big = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], ...compression });
    try {
      const payloads = Array.from({ length: 12 }, (_, i) => ({ i, pad: String.fromCharCode(97 + i).repeat(i % 3 === 0 ? 100 : 40_000 + i) }));
      // Emitted together: the first leaves alone, the rest are coalesced into MPUBs mixing referenced and copied bodies.
      await Promise.all(payloads.map((payload) => emit(big, topic, payload)));
      const deliveries = await consumer.waitForDeliveries(payloads.length);
      expect(deliveries.map((d) => d.payload).sort((a, b) => (a as { i: number }).i - (b as { i: number }).i)).toEqual(payloads);
    } finally {
      await big.close();
      await consumer.close();
    }
  });

  it('routes a numeric pattern to its decimal topic, as Nest\'s own clients do (@EventPattern(4242) subscribes to "4242")', async () => {
    await emit(client, 4242 as unknown as string, { n: 1 });
    expect((await nsqd().topicStats('4242'))?.message_count).toBe(1);
  });

  it('pipelines concurrent emits and completes each on its own acknowledgement', async () => {
    const topic = 'client.pipelined';
    await Promise.all(Array.from({ length: 500 }, (_, i) => emit(client, topic, { i })));
    expect((await nsqd().topicStats(topic))!.message_count).toBe(500);
  });

  it('fails an emit in bounded time when no nsqd is reachable, and connect() too', async () => {
    const port = await freePort();
    const lonely = new ClientNsq({ nsqdTcpAddresses: [`127.0.0.1:${port}`], publishTimeoutMs: 300, connectTimeoutMs: 300 });
    try {
      await expect(lonely.connect()).rejects.toBeInstanceOf(NsqUnavailableError);
      const error = await emit(lonely, 'client.nowhere', { x: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NsqTransportError);
    } finally {
      await lonely.close();
    }
  });

  it('closes safely when it never connected, and refuses emits afterwards', async () => {
    const never = new ClientNsq({ nsqdTcpAddresses: [nsqd().tcpAddress] });
    await expect(never.close()).resolves.toBeUndefined();
    await expect(never.close()).resolves.toBeUndefined();
    await expect(emit(never, 'client.closed', { x: 1 })).rejects.toBeInstanceOf(NsqUnavailableError);
  });

  it('waits for pending publishes on close', async () => {
    const closing = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress] });
    const topic = 'client.close-flush';
    const pending = Array.from({ length: 200 }, (_, i) => lastValueFrom(closing.emit(topic, { i }), { defaultValue: undefined }));
    await closing.close();
    const results = await Promise.allSettled(pending);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(200);
    expect((await nsqd().topicStats(topic))!.message_count).toBe(200);
  });

  it('a request nobody answers fails with a typed timeout', async () => {
    await expect(lastValueFrom(client.send('client.rpc', new NsqRecordBuilder({ x: 1 }).setRequestTimeout(200).build()))).rejects.toBeInstanceOf(NsqRequestTimeoutError);
  });

  it('publishes status changes', async () => {
    const statuses: NsqStatus[] = [];
    const watched = new ClientNsq({ nsqdTcpAddresses: [nsqd().tcpAddress] });
    const sub = watched.status.subscribe((s) => statuses.push(s));
    await watched.connect();
    await watched.close();
    sub.unsubscribe();
    expect(statuses).toEqual([NsqStatus.RECONNECTING, NsqStatus.CONNECTED, NsqStatus.DISCONNECTED]);
  });

  it('fails over to the other nsqd when one goes away, and uses it again when it returns', async () => {
    const pair = await startNsqCluster({ nsqds: 2, lookupd: false });
    const [first, second] = pair.nsqds as [NsqdNode, NsqdNode];
    const both = await startClient({ nsqdTcpAddresses: [first.tcpAddress, second.tcpAddress], publishTimeoutMs: 1_000, reconnectMaxDelayMs: 300 });
    const topic = 'client.failover';
    const count = async (node: NsqdNode) => (await node.topicStats(topic))?.message_count ?? 0;
    try {
      // Round-robin over the ready connections (the second may still be connecting at first).
      await waitFor(async () => {
        await emit(both, topic, { spread: true });
        return (await count(first)) > 0 && (await count(second)) > 0;
      }, { timeoutMs: 5_000, message: 'publishes were not spread over both nsqds' });
      await first.kill();
      // Publishes on the lost connection may fail (their outcome is unknown); later ones go to the survivor.
      await waitFor(async () => (await Promise.allSettled([emit(both, topic, { probe: true })]))[0]!.status === 'fulfilled', { timeoutMs: 5_000, message: 'no failover' });
      const before = await count(second);
      await Promise.all(Array.from({ length: 20 }, (_, i) => emit(both, topic, { after: i })));
      expect(await count(second)).toBe(before + 20);
      await first.restart();
      await waitFor(async () => {
        await emit(both, topic, { back: true });
        return (await count(first)) > 0;
      }, { timeoutMs: 10_000, message: 'the restarted nsqd was not used again' });
    } finally {
      await both.close();
      await pair.close();
    }
  });

  it('times out publishes to a paused nsqd in bounded time', async () => {
    const paused = await startNsqCluster({ nsqds: 1, lookupd: false });
    const target = paused.nsqds[0]!;
    const slow = await startClient({ nsqdTcpAddresses: [target.tcpAddress], publishTimeoutMs: 500 });
    try {
      target.pause();
      const started = Date.now();
      const error = await emit(slow, 'client.paused', { x: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NsqUnconfirmedError);
      expect((error as NsqUnconfirmedError).reason).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      target.resume();
      await slow.close();
      await paused.close();
    }
  });
});
