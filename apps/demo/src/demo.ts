import 'reflect-metadata'; // the contracts' decorators need it before they load
import { rmSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EXAMPLE_SCENARIOS } from '../../../test/e2e/scenarios/example-scenarios.js';
import type { ScenarioEnv } from '../../../test/e2e/scenarios/scenario.js';
import { ScenarioFailure } from '../../../test/e2e/scenarios/scenario-failure.error.js';
import { http, nsqdChannels, waitUntil } from '../../../test/e2e/scenarios/scenario-steps.js';
import { freePorts, LOOPBACK } from '../../../test/support/free-port.js';
import { startNsqCluster, type NsqCluster } from '../../../test/support/nsq-cluster.js';
import { startOnFreePorts, type NsqProcess } from '../../../test/support/nsq-process.js';
import { NsqLookupdNode } from '../../../test/support/nsqlookupd-node.js';
import { SCALE_OUT_NSQD_ARGS, scaleOutScenario } from '../../../test/e2e/scenarios/scale-out-scenario.js';
import { bold, ConsoleLog, dim, green, red } from './console-log.js';
import { ServiceProcess } from './service-process.js';

const PAYMENT_TIMEOUT_MS = 3_000;
const FLASH_SALE_MAX_BACKLOG = 10;

export interface DemoOptions {
  /** Run the scenarios, print the summary and return (non-zero when one failed) instead of running until Ctrl-C. */
  readonly once: boolean;
  /**
   * 1: the example scenarios on one nsqd. More: that many nsqds, two nsqlookupds and two saver
   * replicas, and the scale-out scenario (one nsqd SIGKILLed mid-run, nothing acknowledged lost).
   */
  readonly nodes: number;
  /** The repository (the apps run from its dist/). */
  readonly root: string;
}

/**
 * The demo: NSQ from the test harness (test/support), the compiled agent and
 * saver, and the scenarios the e2e suite runs (test/e2e/scenarios), with
 * progress while anything is awaited. Resolves with the exit code.
 */
export async function runDemo({ once, root, nodes }: DemoOptions): Promise<number> {
  const log = new ConsoleLog();
  const dataDir = join(root, '.data', 'demo');
  const logDir = join(dataDir, 'logs');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });

  let cluster: NsqCluster | undefined;
  let secondLookupd: NsqLookupdNode | undefined;
  let nsqadmin: NsqProcess | undefined;
  const services: ServiceProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      // The harness unrefs the NSQ processes (it must never keep a test alive): hold the loop open until they are gone.
      const keepAlive = setInterval(() => undefined, 1_000);
      log.step('Shutting down');
      for (const service of [...services].reverse()) {
        await service.stop();
        log.info(dim(`stopped ${service.name}`));
      }
      await nsqadmin?.stop();
      await cluster?.close();
      await secondLookupd?.kill();
      log.info(dim('stopped nsqadmin, nsqd, nsqlookupd'));
      clearInterval(keepAlive);
    })());
  const onUnexpectedExit = (name: string, how: string) => log.fail(`${name} exited unexpectedly (${how}); see ${relative(root, join(logDir, `${name}.log`))}`);

  try {
    log.step(`Starting NSQ on loopback (the test harness: test/support)${nodes > 1 ? `: ${nodes} nsqds, 2 nsqlookupds` : ''}`);
    if (nodes > 1) secondLookupd = await NsqLookupdNode.start();
    cluster = await startNsqCluster({ nsqds: nodes, lookupd: true, nsqdArgs: secondLookupd ? [...SCALE_OUT_NSQD_ARGS, `--lookupd-tcp-address=${secondLookupd.tcpAddress}`] : [] });
    const lookupd = cluster.lookupd!;
    const nsqd = cluster.nsqds[0]!;
    for (const l of [lookupd, ...(secondLookupd ? [secondLookupd] : [])]) log.ok(`nsqlookupd  tcp ${l.tcpAddress}  http ${l.httpAddress}`);
    for (const n of cluster.nsqds) log.ok(`nsqd        tcp ${n.tcpAddress}  http ${n.httpAddress}`);
    const lookupdHttpAddresses = [lookupd.httpAddress, ...(secondLookupd ? [secondLookupd.httpAddress] : [])].join(',');
    const admin = await startOnFreePorts(1, ([port]) => ({
      program: 'nsqadmin',
      args: [`--http-address=${LOOPBACK}:${port}`, ...[lookupd, ...(secondLookupd ? [secondLookupd] : [])].map((l) => `--lookupd-http-address=${l.httpAddress}`)],
      httpAddress: `${LOOPBACK}:${port}`,
      label: 'nsqadmin',
    }));
    nsqadmin = admin.process;
    const nsqadminUrl = `http://${LOOPBACK}:${admin.ports[0]}`;
    log.ok(`nsqadmin    ${nsqadminUrl}`);

    if (nodes > 1) {
      const code = await scaleOut(log, { root, dataDir, logDir, cluster, lookupdHttpAddresses, services, onUnexpectedExit, nsqadminUrl });
      if (once || code !== 0) {
        await stopAll();
        return code;
      }
      await untilSignal(log);
      await stopAll();
      return 0;
    }

    log.step('Starting the saver and the agent (dist/apps)');
    const [saverPort, agentPort] = await freePorts(2);
    const schema = process.env.DATABASE_SCHEMA ?? 'nsq_demo';
    const database: Record<string, string> = process.env.DATABASE_URL
      ? { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: schema }
      : { DATABASE_URL: '', SAVER_DATA_DIR: join(dataDir, 'saver') };
    const saver = new ServiceProcess('saver', join(logDir, 'saver.log'), root, 'saver', {
      SAVER_HOST: LOOPBACK,
      SAVER_PORT: String(saverPort),
      NSQLOOKUPD_HTTP_ADDRESSES: lookupdHttpAddresses,
      NSQD_TCP_ADDRESSES: '',
      FLASH_SALE_WORK_MS: '100',
      ...database,
    }, onUnexpectedExit);
    services.push(saver);
    const saverUrl = `http://${LOOPBACK}:${saverPort}`;
    await healthy(log, saver, `${saverUrl}/health`);
    log.ok(`saver       ${saverUrl}  ${dim(process.env.DATABASE_URL ? `PostgreSQL (DATABASE_URL), schema ${schema}` : `PGlite in ${relative(root, join(dataDir, 'saver'))}`)}`);
    const agent = new ServiceProcess('agent', join(logDir, 'agent.log'), root, 'agent', {
      AGENT_HOST: LOOPBACK,
      AGENT_PORT: String(agentPort),
      NSQD_TCP_ADDRESSES: nsqd.tcpAddress,
      NSQD_HTTP_ADDRESSES: nsqd.httpAddress.replace(/^https?:\/\//, ''),
      ORDER_PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS),
      FLASH_SALE_MAX_BACKLOG: String(FLASH_SALE_MAX_BACKLOG),
    }, onUnexpectedExit);
    services.push(agent);
    const agentUrl = `http://${LOOPBACK}:${agentPort}`;
    await healthy(log, agent, `${agentUrl}/health`);
    log.ok(`agent       ${agentUrl}`);
    log.info(dim(`logs (JSON lines): ${relative(root, logDir)}/`));

    const env: ScenarioEnv = { agentUrl, saverUrl, nsqdHttp: nsqd.httpAddress, paymentTimeoutMs: PAYMENT_TIMEOUT_MS, flashSaleMaxBacklog: FLASH_SALE_MAX_BACKLOG };
    const results: Array<{ title: string; ok: boolean; detail: string }> = [];
    for (const scenario of EXAMPLE_SCENARIOS) {
      log.step(scenario.title);
      const started = Date.now();
      try {
        const detail = await scenario.run(env, log);
        results.push({ title: scenario.title, ok: true, detail });
        log.ok(detail, started);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        results.push({ title: scenario.title, ok: false, detail });
        log.fail(detail);
        if (!(error instanceof ScenarioFailure)) log.info(dim(String(error instanceof Error ? error.stack : error)));
      }
    }

    log.step('What NSQ carried (nsqd /stats)');
    const channels = (await nsqdChannels(nsqd.httpAddress)).sort((a, b) => `${a.topic}/${a.channel}`.localeCompare(`${b.topic}/${b.channel}`));
    const width = Math.max(...channels.map((c) => `${c.topic}/${c.channel}`.length), 20);
    log.info(dim(`${'topic/channel'.padEnd(width)}  messages  depth  in-flight  deferred`));
    for (const c of channels) {
      log.info(`${`${c.topic}/${c.channel}`.padEnd(width)}  ${String(c.messages).padStart(8)}  ${String(c.depth).padStart(5)}  ${String(c.inFlight).padStart(9)}  ${String(c.deferred).padStart(8)}`);
    }
    log.step('What arrived in the database (saver GET /stats)');
    const stats = (await http('GET', `${saverUrl}/stats`)).body;
    log.info(`database ${stats.database}: ${stats.reports} reports; orders ${stats.orders.paid} paid, ${stats.orders.cancelled} cancelled, ${stats.orders.pending} pending;`);
    log.info(
      `order effects ${Object.entries(stats.orderEffects as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ')}; ${stats.flashSalePurchases} flash-sale purchases; ${stats.duplicatesIgnored} duplicate deliveries ignored`,
    );

    log.step('Summary');
    for (const r of results) log.info(`${r.ok ? green('✓') : red('✗')} ${r.title}${r.ok ? '' : `: ${red(r.detail)}`}`);
    const failed = results.filter((r) => !r.ok).length;
    log.info(failed === 0 ? green(bold(`all ${results.length} scenarios passed`)) : red(bold(`${failed} of ${results.length} scenarios failed`)));
    console.log(`
  nsqadmin (watch topics, channels, depth): ${bold(nsqadminUrl)}
  agent  POST ${agentUrl}/reports | /orders | /orders/:id/pay | /flash-sale/:sku   GET /health
  saver  GET  ${saverUrl}/stats | /reports/:id | /orders/:id | /flash-sale/purchases/:id | /seed/event-reports?eventName= | /health
  logs   ${relative(root, logDir)}/{agent,saver}.log`);

    if (once || failed > 0) {
      await stopAll();
      return failed === 0 ? 0 : 1;
    }
    console.log(`\n  try: curl -s -XPOST ${agentUrl}/reports -H 'content-type: application/json' -d '{"title":"hello","author":"me","content":"from curl"}'`);
    await untilSignal(log);
    await stopAll();
    return 0;
  } catch (error) {
    log.fail(error instanceof Error ? error.message : String(error));
    for (const service of services) log.info(dim(`${service.name} log: ${relative(root, service.logPath)}`));
    await stopAll();
    return 1;
  }
}

async function untilSignal(log: ConsoleLog): Promise<void> {
  console.log(bold('\n  Running. Press Ctrl-C to stop.'));
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info(`${signal} received`);
}

interface ScaleOutSetup {
  readonly root: string;
  readonly dataDir: string;
  readonly logDir: string;
  readonly cluster: NsqCluster;
  readonly lookupdHttpAddresses: string;
  readonly services: ServiceProcess[];
  readonly onUnexpectedExit: (name: string, how: string) => void;
  readonly nsqadminUrl: string;
}

/** `--nodes N`: two saver replicas and an agent over N nsqds, then the scale-out scenario. */
async function scaleOut(log: ConsoleLog, setup: ScaleOutSetup): Promise<number> {
  const { root, dataDir, logDir, cluster, lookupdHttpAddresses, services, onUnexpectedExit, nsqadminUrl } = setup;
  log.step('Starting two saver replicas and the agent (dist/apps)');
  const ports = await freePorts(3);
  const saverUrls: string[] = [];
  for (const replica of [1, 2]) {
    const port = ports[replica - 1]!;
    // With DATABASE_URL both replicas share one schema; PGlite cannot be shared, so each has its own.
    const database: Record<string, string> = process.env.DATABASE_URL
      ? { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: process.env.DATABASE_SCHEMA ?? 'nsq_demo' }
      : { DATABASE_URL: '', SAVER_DATA_DIR: join(dataDir, `saver-${replica}`) };
    const saver = new ServiceProcess(`saver-${replica}`, join(logDir, `saver-${replica}.log`), root, 'saver', {
      SAVER_HOST: LOOPBACK,
      SAVER_PORT: String(port),
      NSQLOOKUPD_HTTP_ADDRESSES: lookupdHttpAddresses,
      NSQD_TCP_ADDRESSES: '',
      SAVER_LOOKUPD_POLL_INTERVAL_MS: '1000',
      ...database,
    }, onUnexpectedExit);
    services.push(saver);
    const url = `http://${LOOPBACK}:${port}`;
    await healthy(log, saver, `${url}/health`);
    saverUrls.push(url);
    log.ok(`saver-${replica}     ${url}`);
  }
  const agent = new ServiceProcess('agent', join(logDir, 'agent.log'), root, 'agent', {
    AGENT_HOST: LOOPBACK,
    AGENT_PORT: String(ports[2]),
    NSQD_TCP_ADDRESSES: cluster.nsqds.map((n) => n.tcpAddress).join(','),
    NSQD_HTTP_ADDRESSES: cluster.nsqds.map((n) => n.httpAddress.replace(/^https?:\/\//, '')).join(','),
    NSQ_PUBLISH_TIMEOUT_MS: '2000',
  }, onUnexpectedExit);
  services.push(agent);
  const agentUrl = `http://${LOOPBACK}:${ports[2]}`;
  await healthy(log, agent, `${agentUrl}/health`);
  log.ok(`agent       ${agentUrl}  ${dim(`publishing to ${cluster.nsqds.length} nsqds`)}`);

  log.step(scaleOutScenario.title);
  const started = Date.now();
  let code = 0;
  try {
    log.ok(await scaleOutScenario.run({ agentUrl, saverUrls, nsqds: cluster.nsqds, reports: 600 }, log), started);
  } catch (error) {
    log.fail(error instanceof Error ? error.message : String(error));
    code = 1;
  }
  log.step('What NSQ carried (report.created on every nsqd; a restarted nsqd counts from its restart)');
  for (const n of cluster.nsqds) {
    const figures = (await nsqdChannels(n.httpAddress)).filter((c) => c.topic === 'report.created');
    log.info(`nsqd ${n.tcpAddress}: ${figures.map((c) => `${c.channel} ${c.messages} messages, depth ${c.depth}, ${c.inFlight} in flight`).join('; ') || 'nothing'}`);
  }
  log.step('Summary');
  log.info(code === 0 ? green(bold('the scale-out scenario passed')) : red(bold('the scale-out scenario failed')));
  console.log(`\n  nsqadmin: ${bold(nsqadminUrl)}\n  logs     ${relative(root, logDir)}/`);
  return code;
}

async function healthy(log: ConsoleLog, service: ServiceProcess, url: string): Promise<void> {
  await waitUntil(
    log,
    `${service.name} to answer ${url} with 200`,
    async () => {
      if (service.exited) throw new ScenarioFailure(`${service.name} exited; see ${service.logPath}`);
      return (await http('GET', url)).status === 200;
    },
    60_000,
  );
}
