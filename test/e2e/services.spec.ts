import { freePort } from '../support/free-port.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor, waitForValue } from '../support/wait-for.js';
import { announceTargets, databaseTargets } from './support/database-targets.js';
import { getJson, postJson } from './support/http.js';
import { channelStats, publishedCount } from './support/nsqd-stats.js';
import { EXAMPLE_SCENARIOS } from './scenarios/example-scenarios.js';
import { SILENT_LOG } from './scenarios/scenario.js';
import { startAgent, startSaver, type RunningService } from './support/services.js';

const targets = databaseTargets();
announceTargets('agent → NSQ → saver', targets);

const PAYMENT_TIMEOUT_MS = 1500;
const FLASH_SALE_MAX_BACKLOG = 5;

interface StoredOrder {
  order: { status: string; customer_id: string | null };
  effects: Array<{ channel: string }>;
}
interface Stats {
  database: string;
  reports: number;
  flashSalePurchases: number;
}

describe.each(targets.map((target) => [target.name, target] as const))('agent → NSQ → saver on %s', (_name, target) => {
  let cluster: NsqCluster;
  let agent: RunningService;
  let saver: RunningService;
  let nsqdHttp: string;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
    const nsqd = cluster.nsqds[0]!;
    nsqdHttp = nsqd.httpAddress;
    saver = await startSaver({
      ...(await target.env()),
      NSQLOOKUPD_HTTP_ADDRESSES: cluster.lookupd!.httpAddress,
      FLASH_SALE_WORK_MS: '150',
    });
    agent = await startAgent({
      NSQD_TCP_ADDRESSES: nsqd.tcpAddress,
      NSQD_HTTP_ADDRESSES: nsqd.httpAddress.replace(/^https?:\/\//, ''),
      ORDER_PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS),
      FLASH_SALE_MAX_BACKLOG: String(FLASH_SALE_MAX_BACKLOG),
      FLASH_SALE_STATS_CACHE_MS: '200',
    });
  });

  afterAll(async () => {
    await agent?.close();
    await saver?.close();
    await cluster?.close();
    await target.cleanup();
  });

  // The demo's scenarios, one list for both (test/e2e/scenarios).
  it.each(EXAMPLE_SCENARIOS.map((scenario) => [scenario.title, scenario] as const))('%s', async (_title, scenario) => {
    await scenario.run({ agentUrl: agent.url, saverUrl: saver.url, nsqdHttp, paymentTimeoutMs: PAYMENT_TIMEOUT_MS, flashSaleMaxBacklog: FLASH_SALE_MAX_BACKLOG }, SILENT_LOG);
  });

  it('stores into the database it was given', async () => {
    const stats = await getJson<Stats>(`${saver.url}/stats`);
    expect(stats.body.database).toBe(target.name);
    expect(stats.body.reports).toBeGreaterThanOrEqual(5);
  });

  it('answers 400 with field errors to an invalid report and publishes nothing', async () => {
    const before = await publishedCount(nsqdHttp, 'report.created');
    const response = await postJson<{ message: string[] }>(`${agent.url}/reports`, { title: '', author: 42, extra: true });
    expect(response.status).toBe(400);
    expect(response.body.message).toEqual(
      expect.arrayContaining([expect.stringMatching(/^title/), expect.stringMatching(/^author/), expect.stringMatching(/^content/), expect.stringMatching(/extra/)]),
    );
    expect(await publishedCount(nsqdHttp, 'report.created')).toBe(before);
  });

  it('stores one order for a POST /orders retried with the same Idempotency-Key', async () => {
    const body = { customerId: 'c-retry', amount: 45, items: [{ sku: 'LAMP-1', quantity: 1 }] };
    const post = (key: string, customerId = body.customerId) =>
      fetch(`${agent.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ ...body, customerId }) }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { id: string } }),
      );
    const key = `retry-${Date.now()}`;
    const [first, retry, other, otherCustomer] = await Promise.all([post(key), post(key), post(`${key}-other`), post(key, 'c-someone-else')]);
    expect([first.status, retry.status, other.status, otherCustomer.status]).toEqual([202, 202, 202, 202]);
    expect(retry.body.id).toBe(first.body.id);
    expect(new Set([first.body.id, other.body.id, otherCustomer.body.id]).size).toBe(3);
    const stored = await waitForValue(async () => {
      const r = await getJson<StoredOrder>(`${saver.url}/orders/${first.body.id}`);
      return r.status === 200 && r.body.order.customer_id !== null && r.body.effects.length === 3 ? r.body : undefined;
    }, { timeoutMs: 10_000, message: 'retried order not stored' });
    expect(stored.effects.map((e) => e.channel)).toEqual(['coupons', 'notifications', 'points']);
    // Both attempts reached every channel; the second wrote nothing (one row per order, one effect per channel).
    await waitFor(async () => (await channelStats(nsqdHttp, 'order.created', 'points'))?.depth === 0 && (await channelStats(nsqdHttp, 'order.created', 'points'))?.in_flight_count === 0, {
      timeoutMs: 10_000,
      message: 'order.created not drained',
    });
    expect((await getJson<StoredOrder>(`${saver.url}/orders/${first.body.id}`)).body.effects).toHaveLength(3);
    expect((await postJson<{ message: string[] }>(`${agent.url}/orders`, body)).status).toBe(202);
    const bad = await fetch(`${agent.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'x'.repeat(201) }, body: JSON.stringify(body) });
    expect(bad.status).toBe(400);
  });

});

describe('agent without NSQ', () => {
  let agent: RunningService;

  beforeAll(async () => {
    const [tcp, http] = [await freePort(), await freePort()];
    agent = await startAgent({ NSQD_TCP_ADDRESSES: `127.0.0.1:${tcp}`, NSQD_HTTP_ADDRESSES: `127.0.0.1:${http}`, NSQ_PUBLISH_TIMEOUT_MS: '500' });
  });
  afterAll(async () => {
    await agent?.close();
  });

  it('answers 503 when nsqd cannot be reached, and /health says so', async () => {
    const response = await postJson(`${agent.url}/reports`, { title: 't', author: 'a', content: 'c' });
    expect(response.status).toBe(503);
    expect((await postJson(`${agent.url}/flash-sale/X`, { customerId: 'c' })).status).toBe(503);
    const health = await getJson<{ status: string }>(`${agent.url}/health`);
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('error');
  });
});
