import { NsqRecordBuilder, type ClientNsq } from 'nestjs-transport-nsq';
import { randomUUID } from 'node:crypto';
import { emit, startClient } from '../support/nest-harness.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor, waitForValue } from '../support/wait-for.js';
import { buildApps } from './support/build-apps.js';
import { announceTargets, databaseTargets } from './support/database-targets.js';
import { getJson } from './support/http.js';
import { channelStats } from './support/nsqd-stats.js';
import { spawnSaver } from './support/saver-process.js';

const targets = databaseTargets();
announceTargets('saver killed mid-stream', targets);

const REPORTS = 1000;

interface Stats {
  reports: number;
  duplicatesIgnored: number;
}

beforeAll(async () => {
  await buildApps();
}, 120_000);

describe.each(targets.map((target) => [target.name, target] as const))('saver killed mid-stream on %s', (_name, target) => {
  let cluster: NsqCluster;
  let client: ClientNsq;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
    client = await startClient({ nsqdTcpAddresses: [cluster.nsqds[0]!.tcpAddress] });
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.close();
    await target.cleanup();
  });

  it('stores every report exactly once after SIGKILL and a restart', async () => {
    const nsqdHttp = cluster.nsqds[0]!.httpAddress;
    const env = {
      ...(await target.env()),
      NSQLOOKUPD_HTTP_ADDRESSES: cluster.lookupd!.httpAddress,
      SAVER_MAX_IN_FLIGHT: '5',
      // In-flight messages of the killed saver come back after this.
      SAVER_MSG_TIMEOUT_MS: '1000',
    };
    const first = await spawnSaver(env);

    const reports = Array.from({ length: REPORTS }, (_, i) => ({
      id: randomUUID(),
      title: `report ${i}`,
      author: 'crash-test',
      content: 'x'.repeat(200),
      priority: 'normal',
      createdAt: new Date().toISOString(),
    }));
    for (let i = 0; i < reports.length; i += 250) {
      await emit(client, 'report.created', new NsqRecordBuilder().setBatch(reports.slice(i, i + 250)).build());
    }

    // Mid-stream: some stored, most not.
    const storedAtKill = await waitForValue(async () => {
      const { body } = await getJson<Stats>(`${first.url}/stats`);
      return body.reports >= 50 ? body.reports : undefined;
    }, { timeoutMs: 20_000, intervalMs: 10, message: 'saver stored nothing' });
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(storedAtKill).toBeLessThan(REPORTS);

    const second = await spawnSaver(env);
    try {
      await waitFor(async () => (await getJson<Stats>(`${second.url}/stats`)).body.reports === REPORTS, {
        timeoutMs: 30_000,
        intervalMs: 100,
        message: () => `not every report stored after the restart:\n${second.output.text()}`,
      });
      // Nothing left to redeliver, and still one row per report.
      await waitFor(async () => {
        const c = await channelStats(nsqdHttp, 'report.created', 'saver');
        return c !== undefined && c.depth === 0 && c.in_flight_count === 0 && c.deferred_count === 0;
      }, { timeoutMs: 10_000, message: 'channel not drained' });
      const { body } = await getJson<Stats>(`${second.url}/stats`);
      expect(body.reports).toBe(REPORTS);
      const channel = await channelStats(nsqdHttp, 'report.created', 'saver');
      process.stdout.write(
        `[e2e] ${target.name}: killed after ${storedAtKill}/${REPORTS} stored; nsqd timed out ${channel?.timeout_count ?? 0} in-flight message(s); ` +
          `the restarted saver ignored ${body.duplicatesIgnored} duplicate(s)\n`,
      );
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });
});
