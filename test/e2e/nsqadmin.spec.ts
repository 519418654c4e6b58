import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../support/free-port.js';
import { nsqBinary, repoRoot } from '../support/nsq-binaries.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { OutputTail } from '../support/output-tail.js';
import { reapOnExit } from '../support/process-reaper.js';
import { waitFor } from '../support/wait-for.js';
import { databaseTargets } from './support/database-targets.js';
import { getJson, postJson } from './support/http.js';
import { startAgent, startSaver, type RunningService } from './support/services.js';

const CHROMIUM = '/usr/bin/chromium';
// The README's picture is refreshed only on request (UPDATE_DOCS=1), so test
// runs leave the working tree clean; otherwise the shot goes to .tmp/.
const SCREENSHOT_DIR = process.env.UPDATE_DOCS === '1' ? join(repoRoot(), 'apps', 'demo') : join(repoRoot(), '.tmp');
const SCREENSHOT = join(SCREENSHOT_DIR, 'nsqadmin.png');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DEMO_TOPICS = ['report.created', 'order.created', 'order.paid', 'order.payment-timeout', 'flash-sale.purchase'];
const ORDER_CHANNELS = ['saver', 'points', 'coupons', 'notifications'];
const ORDERS = 3;

/**
 * nsqadmin, started against the suite's lookupd as the demo starts it, shows
 * the demo's topics, channels and message counts in a real (headless) browser.
 */
describe('nsqadmin shows the demo traffic', () => {
  let cluster: NsqCluster;
  let nsqadmin: ChildProcess | undefined;
  let nsqadminUrl: string;
  let saver: RunningService;
  let agent: RunningService;
  let browser: Browser | undefined;
  const pglite = databaseTargets()[0]!;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: this test drives Debian's chromium. Run \`bash test/scripts/e2e-setup.sh\` (installs it with apt-get) and try again.`);
    }
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
    const port = await freePort();
    const output = new OutputTail();
    nsqadmin = spawn(nsqBinary('nsqadmin'), [`--http-address=127.0.0.1:${port}`, `--lookupd-http-address=${cluster.lookupd!.httpAddress}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    reapOnExit(nsqadmin);
    nsqadmin.stdout!.on('data', (chunk: Buffer) => output.push(chunk));
    nsqadmin.stderr!.on('data', (chunk: Buffer) => output.push(chunk));
    nsqadminUrl = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${nsqadminUrl}/ping`)).ok, { timeoutMs: 10_000, message: () => `nsqadmin did not start:\n${output.text()}` });

    const nsqd = cluster.nsqds[0]!;
    saver = await startSaver({ ...(await pglite.env()), NSQLOOKUPD_HTTP_ADDRESSES: cluster.lookupd!.httpAddress, FLASH_SALE_WORK_MS: '0' });
    agent = await startAgent({ NSQD_TCP_ADDRESSES: nsqd.tcpAddress, NSQD_HTTP_ADDRESSES: nsqd.httpAddress, ORDER_PAYMENT_TIMEOUT_MS: '500' });
    // A little of every scenario, as the demo drives it.
    for (let i = 0; i < 4; i++) await postJson(`${agent.url}/reports`, { title: `report ${i}`, author: 'demo', content: 'numbers' });
    const orders = [];
    for (let i = 0; i < ORDERS; i++) orders.push((await postJson<{ id: string }>(`${agent.url}/orders`, { customerId: `c${i}`, amount: 50 + i, items: [{ sku: 'A', quantity: 1 }] })).body.id);
    await postJson(`${agent.url}/orders/${orders[0]}/pay`);
    for (let i = 0; i < 2; i++) await postJson(`${agent.url}/flash-sale/PHONE-X`, { customerId: `b${i}` });
    await waitFor(async () => {
      const { body } = await getJson<{ reports: number; orders: { cancelled: number }; flashSalePurchases: number }>(`${saver.url}/stats`);
      return body.reports === 4 && body.orders.cancelled === ORDERS - 1 && body.flashSalePurchases === 2;
    }, { timeoutMs: 15_000, message: 'demo traffic not stored' });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.close();
    await saver?.close();
    nsqadmin?.kill('SIGTERM');
    await cluster?.close();
    await pglite.cleanup();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${nsqadminUrl}${path}`, { waitUntil: 'networkidle' });
    return page;
  }

  it('lists every demo topic', async () => {
    const page = await open('/');
    try {
      for (const topic of DEMO_TOPICS) await page.getByRole('link', { name: topic, exact: true }).waitFor({ timeout: 10_000 });
    } finally {
      await page.close();
    }
  });

  it('shows order.created fanned out to every channel with its message count, and saves the README screenshot', async () => {
    const page = await open('/topics/order.created');
    try {
      const table = page.locator('table', { has: page.locator('th', { hasText: /^\s*Channel\s*$/ }) });
      await table.waitFor({ timeout: 10_000 });
      const headers = (await table.locator('th').allInnerTexts()).map((text) => text.trim());
      const messagesColumn = headers.indexOf('Messages');
      expect(messagesColumn).toBeGreaterThan(0);
      for (const channel of ORDER_CHANNELS) {
        const row = table.locator('tr', { has: page.getByRole('link', { name: channel, exact: true }) });
        const cells = (await row.locator('th, td').allInnerTexts()).map((text) => text.trim());
        expect({ channel, messages: cells[messagesColumn] }).toEqual({ channel, messages: String(ORDERS) });
      }
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
    } finally {
      await page.close();
    }
  });
});
