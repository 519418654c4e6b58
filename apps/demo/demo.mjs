#!/usr/bin/env node
// The one-command demo: `npm run demo` (runs until Ctrl-C) or `npm run demo -- --once`
// (runs the scenarios, prints the summary, exits 1 if anything is missing).
//
// It builds the library and both apps with tsc, makes sure the NSQ programs are
// installed (test/scripts/install-nsq.sh), starts nsqlookupd, nsqd and nsqadmin on free
// loopback ports, starts the saver and the agent from their compiled output, and
// drives every scenario of the seed through them. Plain Node, no dependencies:
// it must run on a fresh clone right after `npm ci`.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOST = '127.0.0.1';
const { values: args } = parseArgs({ options: { once: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
if (args.help) {
  console.log('Usage: npm run demo [-- --once]\n  --once  run the scenarios, print the summary and exit (non-zero if anything is missing)');
  process.exit(0);
}

const DATA_DIR = join(ROOT, '.data', 'demo');
const LOG_DIR = join(DATA_DIR, 'logs');
const PAYMENT_TIMEOUT_MS = 3000;
const FLASH_SALE_MAX_BACKLOG = 10;
const tty = process.stdout.isTTY;
const paint = (code, text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const ok = (text) => paint('32', text);
const bad = (text) => paint('31', text);
const dim = (text) => paint('2', text);
const bold = (text) => paint('1', text);

/** Every process we started, stopped in reverse order. */
const children = [];
let stopping;

// ---------------------------------------------------------------- steps
function step(text) {
  console.log(`\n${bold('▸')} ${bold(text)}`);
}
function info(text) {
  console.log(`  ${text}`);
}

function run(command, commandArgs, label) {
  const started = Date.now();
  const result = spawnSync(command, commandArgs, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(bad(`  ✗ ${label} failed (exit ${result.status ?? result.signal})`));
    console.error((result.stdout ?? '') + (result.stderr ?? ''));
    throw new DemoError(`${label} failed`);
  }
  info(`${ok('✓')} ${label} ${dim(`(${((Date.now() - started) / 1000).toFixed(1)} s)`)}`);
  return result.stdout;
}

class DemoError extends Error {}

async function freePort() {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts a program in its own process group (Ctrl-C reaches only us; we stop it in order), output to a log file. */
function start(name, command, commandArgs, env = {}) {
  const logPath = join(LOG_DIR, `${name}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(command, commandArgs, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const entry = { name, child, logPath, exited: false };
  child.once('exit', (code, signal) => {
    entry.exited = true;
    if (!stopping) console.error(bad(`  ✗ ${name} exited unexpectedly (${signal ?? code}); see ${relative(ROOT, logPath)}`));
  });
  children.push(entry);
  return entry;
}

async function waitUntil(what, check, timeoutMs = 30_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await delay(intervalMs);
  }
  throw new DemoError(`${what} (waited ${timeoutMs / 1000} s${lastError ? `; last error: ${lastError.message}` : ''})`);
}

async function http(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, body: json };
}
const get = (url) => http('GET', url);
const post = (url, body) => http('POST', url, body);

async function healthy(name, url, entry) {
  await waitUntil(`${name} did not become healthy; see ${relative(ROOT, entry.logPath)}`, async () => {
    if (entry.exited) throw new DemoError(`${name} exited`);
    return (await get(url)).status === 200;
  });
}

// ---------------------------------------------------------------- scenarios
const results = [];
async function scenario(title, body) {
  step(title);
  const started = Date.now();
  try {
    const detail = await body();
    results.push({ title, ok: true, detail });
    info(`${ok('✓')} ${detail} ${dim(`(${((Date.now() - started) / 1000).toFixed(1)} s)`)}`);
  } catch (error) {
    results.push({ title, ok: false, detail: error.message });
    info(`${bad('✗')} ${error.message}`);
  }
}

async function scenarios({ agent, saver, nsqdHttp }) {
  await scenario('Reports: agent → report.created → saver → database', async () => {
    const titles = ['Daily sales', 'Warehouse stock', 'Support tickets', 'Site traffic', 'Refunds'];
    const ids = [];
    for (const title of titles) {
      const { status, body } = await post(`${agent}/reports`, { title, author: 'demo', content: `${title}: all numbers look fine.` });
      if (status !== 202) throw new DemoError(`POST /reports answered ${status}`);
      ids.push(body.id);
      info(`POST /reports "${title}" → 202 ${dim(body.id)}`);
    }
    await waitUntil('not every report reached the database', async () => (await Promise.all(ids.map((id) => get(`${saver}/reports/${id}`)))).every((r) => r.status === 200), 15_000);
    const invalid = await post(`${agent}/reports`, { title: '', author: 7 });
    info(`POST /reports with an invalid body → ${invalid.status} ${dim(JSON.stringify(invalid.body.message))}`);
    if (invalid.status !== 400) throw new DemoError(`an invalid report got ${invalid.status}, expected 400`);
    return `${ids.length} reports stored once each; the invalid one was refused with 400 and never published`;
  });

  const orders = [];
  await scenario('Fan-out: order.created reaches the saver and the points, coupons, notifications channels', async () => {
    const customers = [
      ['alice', 120, [{ sku: 'BOOK-42', quantity: 2 }]],
      ['bob', 35.5, [{ sku: 'PEN-7', quantity: 5 }]],
      ['carol', 18, [{ sku: 'MUG-1', quantity: 1 }]],
    ];
    for (const [customerId, amount, items] of customers) {
      const { status, body } = await post(`${agent}/orders`, { customerId, amount, items });
      if (status !== 202) throw new DemoError(`POST /orders answered ${status}`);
      orders.push(body.id);
      info(`POST /orders ${customerId} ${amount} → 202 ${dim(body.id)}`);
    }
    const stored = await waitUntil(
      'not every order reached every channel',
      async () => {
        const all = await Promise.all(orders.map((id) => get(`${saver}/orders/${id}`)));
        return all.every((r) => r.status === 200 && r.body.order.customer_id !== null && r.body.effects.length === 3) && all;
      },
      15_000,
    );
    for (const { body } of stored) info(`${body.order.customer_id}: ${body.effects.map((e) => `${e.channel}: ${e.detail}`).join(' | ')}`);
    return `${orders.length} orders × 4 channels (order row, points, coupons, notifications)`;
  });

  await scenario(`Delayed messages: unpaid orders are cancelled after ${PAYMENT_TIMEOUT_MS / 1000} s, a paid one is not`, async () => {
    if (orders.length < 3) throw new DemoError('no orders from the previous scenario');
    const [paid, ...unpaid] = orders;
    const pay = await post(`${agent}/orders/${paid}/pay`);
    if (pay.status !== 202) throw new DemoError(`POST /orders/:id/pay answered ${pay.status}`);
    info(`POST /orders/${paid}/pay → 202; waiting for the deferred order.payment-timeout messages…`);
    await waitUntil('unpaid orders were not cancelled', async () => (await Promise.all(unpaid.map((id) => get(`${saver}/orders/${id}`)))).every((r) => r.body.order?.status === 'cancelled'), PAYMENT_TIMEOUT_MS + 15_000);
    await waitUntil('payment timeouts still pending in nsqd', async () => {
      const channel = (await nsqdChannels(nsqdHttp)).find((c) => c.topic === 'order.payment-timeout' && c.channel === 'saver');
      return channel && channel.deferred === 0 && channel.depth === 0 && channel.inFlight === 0;
    }, 15_000);
    const paidOrder = await get(`${saver}/orders/${paid}`);
    if (paidOrder.body.order.status !== 'paid') throw new DemoError(`the paid order is ${paidOrder.body.order.status}`);
    return `${unpaid.length} unpaid orders cancelled by their deferred timeout; the paid order stayed paid`;
  });

  await scenario(`Peak shaving: 40 flash-sale purchases at once, backlog limit ${FLASH_SALE_MAX_BACKLOG}`, async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`${agent}/flash-sale/PHONE-X`, { customerId: `buyer-${i}` })));
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 429);
    info(`${accepted.length} × 202 (queued in NSQ), ${refused.length} × 429 (backlog full)`);
    if (refused.length === 0) throw new DemoError('no purchase was refused: the backlog limit did not apply');
    if (accepted.length === 0) throw new DemoError('every purchase was refused');
    info('the saver works through the queue one purchase at a time…');
    await waitUntil('not every accepted purchase was stored', async () => (await Promise.all(accepted.map((a) => get(`${saver}/flash-sale/purchases/${a.body.id}`)))).every((r) => r.status === 200), 30_000);
    return `${accepted.length} purchases stored one at a time, ${refused.length} refused at the door`;
  });

  await scenario('Health: both services report NSQ and the database', async () => {
    const [a, s] = await Promise.all([get(`${agent}/health`), get(`${saver}/health`)]);
    if (a.status !== 200 || s.status !== 200) throw new DemoError(`health: agent ${a.status}, saver ${s.status}`);
    return `agent: nsq ${a.body.details.nsq.status}; saver: nsq ${s.body.details.nsq.status}, database ${s.body.details.database.status} (${s.body.details.database.kind})`;
  });
}

async function nsqdChannels(nsqdHttp) {
  const { body } = await get(`${nsqdHttp}/stats?format=json`);
  return (body.topics ?? []).flatMap((t) =>
    t.channels.map((c) => ({ topic: t.topic_name, channel: c.channel_name, messages: c.message_count, depth: c.depth, inFlight: c.in_flight_count, deferred: c.deferred_count, clients: c.clients.length })),
  );
}

// ---------------------------------------------------------------- main
async function main() {
  console.log(bold(`NSQ transport for NestJS: demo${args.once ? ' (--once)' : ''}`));

  step('Building the library and the apps (tsc)');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) throw new DemoError('node_modules is missing: run `npm ci` first');
  for (const [project, label] of [
    ['libs/nsq-transport/tsconfig.lib.json', 'nestjs-transport-nsq → libs/nsq-transport/dist'],
    ['libs/contracts/tsconfig.lib.json', '@app/contracts → libs/contracts/dist'],
    ['apps/agent/tsconfig.app.json', 'agent → dist/apps/agent'],
    ['apps/saver/tsconfig.app.json', 'saver → dist/apps/saver'],
  ]) {
    run(process.execPath, [tsc, '-p', project], label);
  }

  step('NSQ programs (test/scripts/install-nsq.sh)');
  run('bash', ['test/scripts/install-nsq.sh'], 'nsqd, nsqlookupd, nsqadmin v1.3.0 in .nsq/bin');
  const bin = (name) => join(ROOT, '.nsq', 'bin', name);

  rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(join(DATA_DIR, 'nsqd'), { recursive: true });
  mkdirSync(LOG_DIR, { recursive: true });

  step('Starting NSQ on loopback');
  const [lookupdTcp, lookupdHttp, nsqdTcp, nsqdHttpPort, adminHttp, saverPort, agentPort] = await Promise.all(Array.from({ length: 7 }, freePort));
  const lookupd = start('nsqlookupd', bin('nsqlookupd'), [`--tcp-address=${HOST}:${lookupdTcp}`, `--http-address=${HOST}:${lookupdHttp}`, `--broadcast-address=${HOST}`]);
  await healthy('nsqlookupd', `http://${HOST}:${lookupdHttp}/ping`, lookupd);
  info(`${ok('✓')} nsqlookupd  tcp ${HOST}:${lookupdTcp}  http ${HOST}:${lookupdHttp}`);
  const nsqd = start('nsqd', bin('nsqd'), [
    `--tcp-address=${HOST}:${nsqdTcp}`,
    `--http-address=${HOST}:${nsqdHttpPort}`,
    `--broadcast-address=${HOST}`,
    `--lookupd-tcp-address=${HOST}:${lookupdTcp}`,
    `--data-path=${join(DATA_DIR, 'nsqd')}`,
  ]);
  const nsqdHttp = `http://${HOST}:${nsqdHttpPort}`;
  await healthy('nsqd', `${nsqdHttp}/ping`, nsqd);
  info(`${ok('✓')} nsqd        tcp ${HOST}:${nsqdTcp}  http ${HOST}:${nsqdHttpPort}`);
  const admin = start('nsqadmin', bin('nsqadmin'), [`--http-address=${HOST}:${adminHttp}`, `--lookupd-http-address=${HOST}:${lookupdHttp}`]);
  const nsqadminUrl = `http://${HOST}:${adminHttp}`;
  await healthy('nsqadmin', `${nsqadminUrl}/ping`, admin);
  info(`${ok('✓')} nsqadmin    ${nsqadminUrl}`);

  step('Starting the saver and the agent');
  const database = process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: process.env.DATABASE_SCHEMA ?? 'nsq_demo' } : { SAVER_DATA_DIR: join(DATA_DIR, 'saver') };
  const saverProcess = start('saver', process.execPath, ['dist/apps/saver/main.js'], {
    SAVER_HOST: HOST,
    SAVER_PORT: String(saverPort),
    NSQLOOKUPD_HTTP_ADDRESSES: `${HOST}:${lookupdHttp}`,
    NSQD_TCP_ADDRESSES: '',
    FLASH_SALE_WORK_MS: '100',
    ...database,
  });
  const saver = `http://${HOST}:${saverPort}`;
  await healthy('saver', `${saver}/health`, saverProcess);
  info(`${ok('✓')} saver       ${saver}  ${dim(process.env.DATABASE_URL ? `PostgreSQL (DATABASE_URL), schema ${database.DATABASE_SCHEMA}` : `PGlite in ${relative(ROOT, database.SAVER_DATA_DIR)}`)}`);
  const agentProcess = start('agent', process.execPath, ['dist/apps/agent/main.js'], {
    AGENT_HOST: HOST,
    AGENT_PORT: String(agentPort),
    NSQD_TCP_ADDRESSES: `${HOST}:${nsqdTcp}`,
    NSQD_HTTP_ADDRESSES: `${HOST}:${nsqdHttpPort}`,
    ORDER_PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS),
    FLASH_SALE_MAX_BACKLOG: String(FLASH_SALE_MAX_BACKLOG),
  });
  const agent = `http://${HOST}:${agentPort}`;
  await healthy('agent', `${agent}/health`, agentProcess);
  info(`${ok('✓')} agent       ${agent}`);
  info(dim(`logs (JSON lines): ${relative(ROOT, LOG_DIR)}/`));

  await scenarios({ agent, saver, nsqdHttp });

  // ---------------------------------------------------------------- summary
  step('What NSQ carried (nsqd /stats)');
  const channels = await nsqdChannels(nsqdHttp);
  const width = Math.max(...channels.map((c) => `${c.topic}/${c.channel}`.length), 20);
  info(dim(`${'topic/channel'.padEnd(width)}  messages  depth  in-flight  deferred`));
  for (const c of channels.sort((a, b) => `${a.topic}/${a.channel}`.localeCompare(`${b.topic}/${b.channel}`))) {
    info(`${`${c.topic}/${c.channel}`.padEnd(width)}  ${String(c.messages).padStart(8)}  ${String(c.depth).padStart(5)}  ${String(c.inFlight).padStart(9)}  ${String(c.deferred).padStart(8)}`);
  }
  step('What arrived in the database (saver GET /stats)');
  const stats = (await get(`${saver}/stats`)).body;
  info(`database ${stats.database}: ${stats.reports} reports; orders ${stats.orders.paid} paid, ${stats.orders.cancelled} cancelled, ${stats.orders.pending} pending;`);
  info(`order effects ${Object.entries(stats.orderEffects).map(([k, v]) => `${k} ${v}`).join(', ')}; ${stats.flashSalePurchases} flash-sale purchases; ${stats.duplicatesIgnored} duplicate deliveries ignored`);

  step('Summary');
  for (const r of results) info(`${r.ok ? ok('✓') : bad('✗')} ${r.title}${r.ok ? '' : `: ${bad(r.detail)}`}`);
  const failed = results.filter((r) => !r.ok).length;
  info(failed === 0 ? ok(bold(`all ${results.length} scenarios passed`)) : bad(bold(`${failed} of ${results.length} scenarios failed`)));
  console.log(`
  nsqadmin (watch topics, channels, depth): ${bold(nsqadminUrl)}
  agent  POST ${agent}/reports | /orders | /orders/:id/pay | /flash-sale/:sku   GET /health
  saver  GET  ${saver}/stats | /reports/:id | /orders/:id | /flash-sale/purchases/:id | /health
  logs   ${relative(ROOT, LOG_DIR)}/{agent,saver,nsqd,nsqlookupd,nsqadmin}.log`);

  if (args.once) return failed === 0 ? 0 : 1;
  console.log(`\n  try: curl -s -XPOST ${agent}/reports -H 'content-type: application/json' -d '{"title":"hello","author":"me","content":"from curl"}'`);
  console.log(bold('\n  Running. Press Ctrl-C to stop.'));
  await new Promise(() => undefined);
}

/** Stops everything we started, newest first (agent, saver, nsqadmin, nsqd, nsqlookupd): SIGTERM, then SIGKILL after 10 s. */
async function stopAll() {
  stopping ??= (async () => {
    for (const entry of [...children].reverse()) {
      if (entry.exited) continue;
      const exited = once(entry.child, 'exit');
      entry.child.kill('SIGTERM');
      const timer = setTimeout(() => entry.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      info(dim(`stopped ${entry.name}`));
    }
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.log(`\n${bold('▸')} ${bold(`${signal}: shutting down`)}`);
    stopAll().then(() => process.exit(0));
  });
}
// Never leave a process behind, whatever happens to us.
process.on('exit', () => {
  for (const entry of children) if (!entry.exited) entry.child.kill('SIGKILL');
});

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(bad(`\n✗ ${error instanceof DemoError ? error.message : error.stack}`));
  for (const entry of children) console.error(dim(`  ${entry.name} log: ${relative(ROOT, entry.logPath)}`));
}
if (args.once || code !== 0) {
  step('Shutting down');
  await stopAll();
  process.exit(code);
}
