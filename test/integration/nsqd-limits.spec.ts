import { ClientNsq, InvalidNsqMessageError, NsqEventType, NsqRecordBuilder, NsqTransportError } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import type { NsqdNode } from '../support/nsqd-node.js';
import { emit, startClient } from '../support/nest-harness.js';

/**
 * nsqd's real limits, not the client's configuration, decide: nsqd 1.3 does
 * not announce --max-msg-size / --max-body-size in IDENTIFY, and answers an
 * oversize PUB or MPUB with a fatal error that closes the connection and
 * loses every publish pipelined behind it. The client must make that cost one
 * emit, not hundreds.
 */
describe('nsqd limits smaller than the client thinks', () => {
  const MAX_MSG = 2_000;
  let cluster: NsqCluster;
  let nsqd: NsqdNode;
  const clients: ClientNsq[] = [];

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 0, lookupd: false });
    nsqd = await cluster.addNsqd([`--max-msg-size=${MAX_MSG}`]);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await cluster?.close();
  });

  /** A client configured with nsqd's default limits (1 MiB / 5 MiB), far above this nsqd's. */
  const client = async (batching = true, node = nsqd) => {
    const c = await startClient({ nsqdTcpAddresses: [node.tcpAddress], ...(batching ? { batching: { lingerMs: 5 } } : {}) });
    clients.push(c);
    return c;
  };
  const depth = async (topic: string, node = nsqd) => (await node.topicStats(topic))?.message_count ?? 0;

  it.each([true, false])('an oversize emit fails alone with InvalidNsqMessageError; the emits coalesced with it and on other topics succeed (batching %p)', async (batching) => {
    const c = await client(batching);
    const errors: Error[] = [];
    c.on(NsqEventType.ERROR, (error) => errors.push(error));
    const topic = `limits.first.${batching}`;
    const other = `limits.other.${batching}`;
    await Promise.all([nsqd.createTopic(topic), nsqd.createTopic(other)]);
    const small = Array.from({ length: 200 }, (_, i) => emit(c, topic, { i, pad: 'x'.repeat(100) }));
    const oversize = emit(c, topic, { pad: 'y'.repeat(MAX_MSG * 2) });
    const after = Array.from({ length: 200 }, (_, i) => emit(c, i % 2 ? other : topic, { i, pad: 'z'.repeat(100) }));
    const results = await Promise.allSettled([...small, oversize, ...after]);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidNsqMessageError);
    expect((failed[0] as PromiseRejectedResult).reason.message).toMatch(new RegExp(`--max-msg-size ${MAX_MSG}`));
    expect(results.indexOf(failed[0]!)).toBe(200);
    expect(await depth(topic)).toBe(300);
    expect(await depth(other)).toBe(100);

    // Now known: the next oversize emit is refused before anything is written (the connection stays up).
    const before = errors.length;
    await expect(emit(c, topic, { pad: 'y'.repeat(MAX_MSG * 2) })).rejects.toBeInstanceOf(InvalidNsqMessageError);
    await expect(emit(c, topic, { ok: true })).resolves.toBeUndefined();
    expect(errors.length).toBe(before);
    expect(await depth(topic)).toBe(301);
  });

  it("a caller's atomic batch over nsqd's --max-body-size fails whole, nothing of it is stored, and emits around it succeed", async () => {
    const small = await cluster.addNsqd(['--max-body-size=20000']);
    const c = await client(false, small);
    const topic = 'limits.batch';
    await small.createTopic(topic);
    const batch = new NsqRecordBuilder().setBatch(Array.from({ length: 30 }, (_, i) => ({ i, pad: 'b'.repeat(1_000) }))).build();
    const around = Array.from({ length: 50 }, (_, i) => emit(c, topic, { i }));
    // nsqd refuses the MPUB by its size before reading it, then resets the connection: its answer may be
    // lost with it, so the error is InvalidNsqMessageError when it was read, a NsqPublishError otherwise.
    await expect(emit(c, topic, batch)).rejects.toBeInstanceOf(NsqTransportError);
    const after = Array.from({ length: 50 }, (_, i) => emit(c, topic, { i }));
    expect((await Promise.allSettled([...around, ...after])).filter((r) => r.status === 'rejected')).toEqual([]);
    await expect(emit(c, topic, new NsqRecordBuilder().setBatch([{ a: 1 }, { a: 2 }]).build())).resolves.toBeUndefined();
    expect(await depth(topic, small)).toBe(102);
  });
});
