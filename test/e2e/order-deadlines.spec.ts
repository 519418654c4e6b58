import { TOPICS } from '@app/contracts';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor, waitForValue } from '../support/wait-for.js';
import { announceTargets, databaseTargets } from './support/database-targets.js';
import { getJson, postJson } from './support/http.js';
import { channelStats } from './support/nsqd-stats.js';
import { startAgent, startSaver, type RunningService } from './support/services.js';

const targets = databaseTargets();
announceTargets('payment deadlines across an nsqd restart', targets);

/** Far beyond the test: a timeout for such an order may only ever be re-deferred. */
const LONG_TIMEOUT_MS = 600_000;
/** Short enough to be cancelled during the test, long enough to arrive early after the restart. */
const SHORT_TIMEOUT_MS = 4_000;

interface StoredOrder {
  order: { status: string; customer_id: string | null; payment_due_at: string | null; cancelled_at: string | null };
}

describe.each(targets.map((target) => [target.name, target] as const))('payment deadlines across an nsqd restart on %s', (_name, target) => {
  let cluster: NsqCluster;
  let saver: RunningService;
  let patientAgent: RunningService;
  let hastyAgent: RunningService;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
    const nsqd = cluster.nsqds[0]!;
    // Dialled directly as well, so the saver is back on the restarted nsqd without waiting for a lookupd poll.
    saver = await startSaver({ ...(await target.env()), NSQLOOKUPD_HTTP_ADDRESSES: cluster.lookupd!.httpAddress, NSQD_TCP_ADDRESSES: nsqd.tcpAddress });
    const agentEnv = { NSQD_TCP_ADDRESSES: nsqd.tcpAddress, NSQD_HTTP_ADDRESSES: nsqd.httpAddress.replace(/^https?:\/\//, '') };
    patientAgent = await startAgent({ ...agentEnv, ORDER_PAYMENT_TIMEOUT_MS: String(LONG_TIMEOUT_MS) });
    hastyAgent = await startAgent({ ...agentEnv, ORDER_PAYMENT_TIMEOUT_MS: String(SHORT_TIMEOUT_MS) });
  });
  afterAll(async () => {
    await patientAgent?.close();
    await hastyAgent?.close();
    await saver?.close();
    await cluster?.close();
    await target.cleanup();
  });

  it('cancels nothing early when nsqd delivers every deferred timeout at once after a restart', async () => {
    const nsqd = cluster.nsqds[0]!;
    const body = { customerId: 'c-restart', amount: 10, items: [{ sku: 'MUG-1', quantity: 1 }] };
    const patient = await Promise.all([1, 2, 3].map(() => postJson<{ id: string }>(`${patientAgent.url}/orders`, body)));
    const hasty = await postJson<{ id: string }>(`${hastyAgent.url}/orders`, body);
    expect([...patient, hasty].map((p) => p.status)).toEqual([202, 202, 202, 202]);
    const order = async (id: string) => (await getJson<StoredOrder>(`${saver.url}/orders/${id}`)).body.order;
    for (const { body: posted } of [...patient, hasty]) {
      await waitFor(async () => (await order(posted.id))?.customer_id === 'c-restart', { timeoutMs: 10_000, message: `order ${posted.id} not stored` });
    }

    // The clean stop writes the deferred timeouts to disk; the restarted nsqd delivers them at once.
    await nsqd.stop();
    await nsqd.restart();

    // The one due in seconds is cancelled, and not before its deadline.
    const cancelled = await waitForValue(async () => {
      const o = await order(hasty.body.id);
      return o?.status === 'cancelled' ? o : undefined;
    }, { timeoutMs: SHORT_TIMEOUT_MS + 20_000, message: 'the order past its deadline was not cancelled' });
    expect(new Date(cancelled.cancelled_at!).getTime()).toBeGreaterThanOrEqual(new Date(cancelled.payment_due_at!).getTime());

    // The three due in ten minutes came early, went back deferred, and their orders are still pending.
    const stats = await waitForValue(async () => {
      const c = await channelStats(nsqd.httpAddress, TOPICS.orderPaymentTimeout, 'saver');
      return c !== undefined && c.requeue_count >= 3 && c.deferred_count === 3 && c.in_flight_count === 0 ? c : undefined;
    }, { timeoutMs: 20_000, message: 'the early timeouts were not deferred again' });
    expect(stats.deferred_count).toBe(3);
    for (const { body: posted } of patient) expect((await order(posted.id)).status).toBe('pending');
  });
});
