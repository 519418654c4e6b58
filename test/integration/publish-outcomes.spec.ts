import {
  ClientNsq,
  NsqEventType,
  NsqPublishError,
  NsqRecordBuilder,
  NsqUnavailableError,
  NsqUnconfirmedError,
} from 'nestjs-transport-nsq';
import { freePort } from '../support/free-port.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { emit, startClient } from '../support/nest-harness.js';
import { waitFor } from '../support/wait-for.js';

const reasons = (results: PromiseSettledResult<unknown>[]) => results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
const names = (errors: Error[]) => [...new Set(errors.map((e) => e.constructor.name))].sort();

/**
 * One meaning per publish error: NsqUnavailableError = nothing was written
 * (safe to retry); NsqUnconfirmedError = written, no answer (may be stored);
 * NsqPublishError = nsqd refused it (not stored).
 */
describe('what an emit tells about its message', () => {
  let cluster: NsqCluster;
  const clients: ClientNsq[] = [];
  const track = (client: ClientNsq) => (clients.push(client), client);

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 0, lookupd: false });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('never connected: every emit fails with NsqUnavailableError, bounded by maxPendingPublishes from the start', async () => {
    const client = track(new ClientNsq({ nsqdTcpAddresses: [`127.0.0.1:${await freePort()}`], publishTimeoutMs: 500, maxPendingPublishes: 100 }));
    const results = await Promise.allSettled(Array.from({ length: 150 }, (_, i) => emit(client, 'outcome.never', { i })));
    const errors = reasons(results);
    expect(errors).toHaveLength(150);
    expect(names(errors)).toEqual(['NsqUnavailableError']);
    // The 50 beyond the bound are refused at once, before the first connection ever existed.
    expect(errors.filter((e) => /maxPendingPublishes 100/.test(e.message))).toHaveLength(50);
    expect(errors.slice(100).every((e) => /maxPendingPublishes/.test(e.message))).toBe(true);
  });

  it('nsqd paused: written emits fail with NsqUnconfirmedError (timeout); the silent connection is dropped and later emits are not written', async () => {
    const nsqd = await cluster.addNsqd();
    const client = track(await startClient({ nsqdTcpAddresses: [nsqd.tcpAddress], publishTimeoutMs: 600, reconnectMinDelayMs: 50, reconnectMaxDelayMs: 100 }));
    // Warmed with a burst like the one below, so nsqd has accepted such an MPUB and nothing is held back as a size probe.
    await Promise.all(Array.from({ length: 20 }, (_, i) => emit(client, 'outcome.paused', { warm: i })));
    nsqd.pause();
    try {
      const written = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => emit(client, 'outcome.paused', { i })));
      const errors = reasons(written);
      expect(errors).toHaveLength(20);
      expect(errors.every((e) => e instanceof NsqUnconfirmedError && e.reason === 'timeout')).toBe(true);
      const later = reasons(await Promise.allSettled([emit(client, 'outcome.paused', { later: true })]));
      expect(names(later)).toEqual(['NsqUnavailableError']);
    } finally {
      nsqd.resume();
    }
  });

  it('connection lost with emits outstanding: those fail with NsqUnconfirmedError (connection-lost)', async () => {
    const nsqd = await cluster.addNsqd();
    const client = track(await startClient({ nsqdTcpAddresses: [nsqd.tcpAddress], publishTimeoutMs: 30_000, reconnectMinDelayMs: 50, reconnectMaxDelayMs: 100 }));
    await Promise.all(Array.from({ length: 20 }, (_, i) => emit(client, 'outcome.lost', { warm: i })));
    nsqd.pause();
    const outstanding = Promise.allSettled(Array.from({ length: 20 }, (_, i) => emit(client, 'outcome.lost', { i })));
    await nsqd.kill();
    const errors = reasons(await outstanding);
    expect(errors).toHaveLength(20);
    expect(errors.every((e) => e instanceof NsqUnconfirmedError && e.reason === 'connection-lost')).toBe(true);
  });

  it('nsqd refuses one (a DPUB beyond its --max-req-timeout): that emit fails with NsqPublishError; those pipelined behind it are sent again and stored', async () => {
    const nsqd = await cluster.addNsqd(['--max-req-timeout=1s']);
    const client = track(await startClient({ nsqdTcpAddresses: [nsqd.tcpAddress] }));
    const errors: Error[] = [];
    client.on(NsqEventType.ERROR, (error) => errors.push(error));
    await nsqd.createTopic('outcome.refused');
    await emit(client, 'outcome.refused', { warm: true });
    const refused = emit(client, 'outcome.refused', new NsqRecordBuilder({ late: true }).setDelay(5_000).build());
    const behind = Array.from({ length: 50 }, (_, i) => emit(client, 'outcome.refused', { i }));
    const [refusal, ...rest] = await Promise.allSettled([refused, ...behind]);
    expect(refusal!.status).toBe('rejected');
    expect((refusal as PromiseRejectedResult).reason).toBeInstanceOf(NsqPublishError);
    expect((refusal as PromiseRejectedResult).reason.message).toMatch(/E_INVALID/);
    expect(reasons(rest)).toEqual([]);
    await waitFor(async () => (await nsqd.topicStats('outcome.refused'))?.message_count === 51, { message: 'the emits behind the refused one were not all stored' });
  });

  it('a closed client refuses at once with NsqUnavailableError', async () => {
    const nsqd = await cluster.addNsqd();
    const client = await startClient({ nsqdTcpAddresses: [nsqd.tcpAddress] });
    await client.close();
    await expect(emit(client, 'outcome.closed', { x: 1 })).rejects.toBeInstanceOf(NsqUnavailableError);
  });
});
