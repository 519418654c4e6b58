import { SEED_TOPICS } from '@app/contracts';
import { randomUUID } from 'node:crypto';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor, waitForValue } from '../support/wait-for.js';
import { announceTargets, databaseTargets } from './support/database-targets.js';
import { getJson } from './support/http.js';
import { channelStats, publishedCount } from './support/nsqd-stats.js';
import { buildSeedPublisher, type SeedPublisher } from './support/seed-publisher.js';
import { startSaver, type RunningService } from './support/services.js';

const targets = databaseTargets();
announceTargets('seed Go publisher → NSQ → Nest saver', targets);

const DEAD_LETTER_TOPIC = 'saver.dead-letter';

interface SeedEventRow {
  nsq_message_id: string;
  event_name: string;
  report_data: string | null;
  create_time: string | null;
}
interface SeedStatusRow {
  data_name: string;
  report_type: string | null;
  status: number | null;
  part_date: string | null;
}

let publisher: SeedPublisher;

beforeAll(async () => {
  publisher = await buildSeedPublisher();
}, 240_000);
afterAll(async () => {
  await publisher?.remove();
});

describe.each(targets.map((target) => [target.name, target] as const))('the seed Go publisher feeding the Nest saver on %s', (_name, target) => {
  let cluster: NsqCluster;
  let saver: RunningService;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
    saver = await startSaver({ ...(await target.env()), NSQLOOKUPD_HTTP_ADDRESSES: cluster.lookupd!.httpAddress });
  });
  afterAll(async () => {
    await saver?.close();
    await cluster?.close();
    await target.cleanup();
  });

  it("stores the seed's RealTimeWarehousingData and AcceptStatusReportData as its go-nsq service publishes them", async () => {
    const nsqd = cluster.nsqds[0]!;
    const eventName = `page_view_${randomUUID().slice(0, 8)}`;
    const dataName = `daily_${randomUUID().slice(0, 8)}`;
    const output = await publisher.publish({ nsqd: nsqd.tcpAddress, eventTopic: SEED_TOPICS.eventReport, statusTopic: SEED_TOPICS.userReport, eventName, count: 5, dataName });
    expect(output).toContain('published 5');

    const events = await waitForValue(async () => {
      const { body } = await getJson<SeedEventRow[]>(`${saver.url}/seed/event-reports?eventName=${eventName}`);
      return body.length === 5 ? body : undefined;
    }, { timeoutMs: 15_000, message: 'the seed event reports were not all stored' });
    expect(events.map((e) => JSON.parse(e.report_data!).seq).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(events.every((e) => /^\d{13}$/.test(e.create_time ?? ''))).toBe(true);

    const statuses = await waitForValue(async () => {
      const { body } = await getJson<SeedStatusRow[]>(`${saver.url}/seed/accept-status-reports?dataName=${dataName}`);
      return body.length === 1 ? body : undefined;
    }, { timeoutMs: 15_000, message: 'the seed status report was not stored' });
    expect(statuses[0]).toMatchObject({ data_name: dataName, report_type: 'event', status: 1 });
    expect(statuses[0]!.part_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // Nothing was refused: every message was stored on its first delivery.
    expect(await publishedCount(nsqd.httpAddress, DEAD_LETTER_TOPIC)).toBe(0);
    expect((await channelStats(nsqd.httpAddress, SEED_TOPICS.eventReport, 'saver'))?.requeue_count).toBe(0);
  });

  it('dead-letters a seed-shaped report the contract refuses at once, without retrying it', async () => {
    const nsqd = cluster.nsqds[0]!;
    const before = await publishedCount(nsqd.httpAddress, DEAD_LETTER_TOPIC);
    await nsqd.publish(SEED_TOPICS.eventReport, JSON.stringify({ reportData: 'no eventName', createTime: 42 }));
    await waitFor(async () => (await publishedCount(nsqd.httpAddress, DEAD_LETTER_TOPIC)) === before + 1, { timeoutMs: 15_000, message: 'the invalid report was not dead-lettered' });
    await waitFor(async () => {
      const c = await channelStats(nsqd.httpAddress, SEED_TOPICS.eventReport, 'saver');
      return c !== undefined && c.depth === 0 && c.in_flight_count === 0;
    }, { timeoutMs: 10_000, message: 'the invalid report is still on its channel' });
    expect((await channelStats(nsqd.httpAddress, SEED_TOPICS.eventReport, 'saver'))?.requeue_count).toBe(0);
  });
});
