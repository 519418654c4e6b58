import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { databaseTargets } from './support/database-targets.js';
import { getJson, postJson } from './support/http.js';
import { startAgent, startSaver, type RunningService } from './support/services.js';

/** One Prometheus sample: `name{labels} value`. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

// The saver's GET /metrics: the transport's catalog and nsqd's channel figures, in Prometheus's format.
describe('the saver serves its metrics to Prometheus', () => {
  const target = databaseTargets()[0]!;
  let cluster: NsqCluster;
  let agent: RunningService;
  let saver: RunningService;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
    const nsqd = cluster.nsqds[0]!;
    saver = await startSaver({ ...(await target.env()), NSQLOOKUPD_HTTP_ADDRESSES: cluster.lookupd!.httpAddress });
    agent = await startAgent({ NSQD_TCP_ADDRESSES: nsqd.tcpAddress, NSQD_HTTP_ADDRESSES: nsqd.httpAddress.replace(/^https?:\/\//, '') });
  });
  afterAll(async () => {
    await agent?.close();
    await saver?.close();
    await cluster?.close();
    await target.cleanup();
  });

  async function scrape(): Promise<{ contentType: string | null; samples: Sample[] }> {
    const response = await fetch(`${saver.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    return { contentType: response.headers.get('content-type'), samples: parsePrometheus(await response.text()) };
  }

  it('counts what it consumed and finished, and reads depth, in-flight, requeues and timeouts from nsqd', async () => {
    const reports = 3;
    for (let i = 0; i < reports; i += 1) {
      const { status } = await postJson(`${agent.url}/reports`, { title: `metrics ${i}`, author: 'e2e', content: 'figures' });
      expect(status).toBe(202);
    }
    await waitFor(async () => (await getJson<{ reports: number }>(`${saver.url}/stats`)).body.reports === reports, { timeoutMs: 15_000, message: 'reports not stored' });
    const onReports = (s: Sample) => s.labels.messaging_destination_name === 'report.created' && s.labels.messaging_consumer_group_name === 'saver';
    let samples: Sample[] = [];
    await waitFor(
      async () => {
        samples = (await scrape()).samples;
        return samples.some((s) => s.name === 'nsq_messages_finished_total' && onReports(s) && s.value === reports);
      },
      { timeoutMs: 10_000, message: () => `finished count not ${reports}: ${samples.filter((s) => s.name.startsWith('nsq_messages')).map((s) => `${s.name}=${s.value}`).join(', ')}` },
    );
    const value = (name: string) => samples.find((s) => s.name === name && onReports(s))?.value;
    expect(value('messaging_client_consumed_messages_total')).toBe(reports);
    expect(value('nsq_messages_finished_total')).toBe(reports);
    expect(value('messaging_process_duration_count')).toBe(reports);
    expect(value('nsq_messages_in_flight')).toBe(0);
    expect(value('nsq_connections')).toBe(1);
    // nsqd's own figures for the same channel.
    expect(value('nsqd_channel_depth')).toBe(0);
    expect(value('nsqd_channel_in_flight')).toBe(0);
    expect(value('nsqd_channel_requeued_total')).toBe(0);
    expect(value('nsqd_channel_timed_out_total')).toBe(0);
  });

  it('serves every name of the catalog, with no message id among the labels', async () => {
    const { contentType, samples } = await scrape();
    expect(contentType).toContain('text/plain');
    const names = new Set(samples.map((s) => s.name));
    for (const name of [
      'messaging_client_consumed_messages_total',
      'messaging_process_duration_bucket',
      'messaging_process_duration_sum',
      'nsq_messages_finished_total',
      'nsq_messages_in_flight',
      'nsq_connections',
      'nsqd_channel_depth',
      'nsqd_channel_in_flight',
      'nsqd_channel_deferred',
      'nsqd_channel_requeued_total',
      'nsqd_channel_timed_out_total',
      'nsqd_topic_depth',
    ]) {
      expect(names).toContain(name);
    }
    const labelNames = new Set(samples.flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].filter((l) => /message_id/.test(l))).toEqual([]);
  });
});
