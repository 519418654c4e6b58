import { lastValueFrom, toArray } from 'rxjs';
import { ClientNsq, NsqRecordBuilder, NsqRequestAbortedError, NsqRequestTimeoutError } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { RPC_TOPICS, startRpcResponder, type RpcResponder } from './support/rpc-responder-app.js';

describe('request-response: client.send and @MessagePattern over NSQ', () => {
  let cluster: NsqCluster;
  let responder: RpcResponder;
  let client: ClientNsq;
  const clients: ClientNsq[] = [];
  const address = () => cluster.nsqds[0]!.tcpAddress;
  const newClient = (extra: Partial<ConstructorParameters<typeof ClientNsq>[0]> = {}) => {
    const created = new ClientNsq({ nsqdTcpAddresses: [address()], ...extra });
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    // No `envelope: true`: request routes open envelopes whatever the option.
    responder = await startRpcResponder({ nsqdTcpAddresses: [address()], maxInFlight: 20 });
    client = newClient();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await responder?.close();
    await cluster?.close();
  });

  it('answers with a handler value', async () => {
    await expect(lastValueFrom(client.send(RPC_TOPICS.value, { n: 21 }))).resolves.toEqual({ doubled: 42 });
    expect(client.pendingRequests).toBe(0);
  });

  it('answers with what a handler Promise resolves to', async () => {
    await expect(lastValueFrom(client.send(RPC_TOPICS.promise, { n: 7 }))).resolves.toEqual({ n: 7, topic: RPC_TOPICS.promise });
  });

  it('streams every value of a handler Observable, in order, then completes', async () => {
    const values = await lastValueFrom(client.send(RPC_TOPICS.stream, { count: 25 }).pipe(toArray()));
    expect(values).toEqual(Array.from({ length: 25 }, (_, i) => ({ i })));
  });

  it('an RpcException reaches the caller as Nest RPC error (its error object)', async () => {
    await expect(lastValueFrom(client.send(RPC_TOPICS.rpcException, {}))).rejects.toEqual({ status: 'error', message: 'quote refused', code: 'E_QUOTE' });
  });

  it('a plain Error reaches the caller as Nest generic RPC error', async () => {
    await expect(lastValueFrom(client.send(RPC_TOPICS.plainError, {}))).rejects.toEqual({ status: 'error', message: 'Internal server error' });
  });

  it('a request nobody consumes fails with NsqRequestTimeoutError (per-request timeout from the record builder)', async () => {
    const error: unknown = await lastValueFrom(client.send('rpc.nobody-home', new NsqRecordBuilder({ q: 1 }).setRequestTimeout(300).build())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NsqRequestTimeoutError);
    expect(error).toMatchObject({ pattern: 'rpc.nobody-home', timeoutMs: 300 });
    expect(client.pendingRequests).toBe(0);
  });

  it('the client default requestTimeoutMs bounds a request too', async () => {
    const short = newClient({ requestTimeoutMs: 250 });
    await expect(lastValueFrom(short.send('rpc.nobody-home', { q: 2 }))).rejects.toBeInstanceOf(NsqRequestTimeoutError);
    expect(short.pendingRequests).toBe(0);
  });

  it('unsubscribing cancels the wait and frees its state; the reply that comes later is dropped and counted', async () => {
    const own = newClient();
    const before = responder.gate.arrived.length;
    const received: unknown[] = [];
    const subscription = own.send(RPC_TOPICS.gated, { cancel: 1 }).subscribe({ next: (v) => received.push(v), error: (e: unknown) => received.push(e) });
    await waitFor(() => responder.gate.arrived.length > before, { timeoutMs: 15_000, message: 'the gated handler never ran' });
    expect(own.pendingRequests).toBe(1);
    subscription.unsubscribe();
    expect(own.pendingRequests).toBe(0);
    responder.gate.open();
    await waitFor(() => own.lateReplies === 1, { timeoutMs: 15_000, message: () => `late replies: ${own.lateReplies}` });
    expect(received).toEqual([]);
  });

  it('a reply after the timeout is dropped silently and counted', async () => {
    const own = newClient({ requestTimeoutMs: 400 });
    const before = responder.gate.arrived.length;
    const outcome = lastValueFrom(own.send(RPC_TOPICS.gated, { late: 1 })).catch((e: unknown) => e);
    await waitFor(() => responder.gate.arrived.length > before, { timeoutMs: 15_000, message: 'the gated handler never ran' });
    expect(await outcome).toBeInstanceOf(NsqRequestTimeoutError);
    responder.gate.open();
    await waitFor(() => own.lateReplies === 1, { timeoutMs: 15_000, message: () => `late replies: ${own.lateReplies}` });
    expect(own.pendingRequests).toBe(0);
  });

  it('close() fails pending requests at once with NsqRequestAbortedError', async () => {
    const own = newClient({ requestTimeoutMs: 60_000 });
    const before = responder.gate.arrived.length;
    const outcomes = [1, 2, 3].map((i) => lastValueFrom(own.send(RPC_TOPICS.gated, { closing: i })).catch((e: unknown) => e));
    await waitFor(() => responder.gate.arrived.length >= before + 3, { timeoutMs: 15_000, message: 'the gated handlers never ran' });
    await own.close();
    for (const outcome of await Promise.all(outcomes)) expect(outcome).toBeInstanceOf(NsqRequestAbortedError);
    expect(own.pendingRequests).toBe(0);
    await expect(lastValueFrom(own.send(RPC_TOPICS.value, { n: 1 }))).rejects.toThrow(/closed/);
    responder.gate.open();
  });

  it('1,000 concurrent requests from three client instances each get their own replies', async () => {
    const callers = [newClient(), newClient(), newClient()];
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => {
        const caller = callers[i % 3]!;
        const payload = { caller: i % 3, i };
        return lastValueFrom(caller.send(RPC_TOPICS.echo, payload)).then((reply) => ({ payload, reply }));
      }),
    );
    for (const { payload, reply } of results) expect(reply).toEqual(payload);
    for (const caller of callers) {
      expect(caller.pendingRequests).toBe(0);
      expect(caller.lateReplies).toBe(0);
    }
  });
});
