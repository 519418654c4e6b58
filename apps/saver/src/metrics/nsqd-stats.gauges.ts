import { Logger } from '@nestjs/common';
import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';

/** The parts of nsqd's `/stats?format=json` read here. */
interface NsqdChannelStats {
  readonly channel_name: string;
  readonly depth: number;
  readonly in_flight_count: number;
  readonly deferred_count: number;
  readonly requeue_count: number;
  readonly timeout_count: number;
}
interface NsqdTopicStats {
  readonly topic_name: string;
  readonly depth: number;
  readonly channels: readonly NsqdChannelStats[];
}
interface LookupdNode {
  readonly broadcast_address: string;
  readonly http_port: number;
}

/** Bound of one HTTP call to nsqlookupd or nsqd during a scrape. */
const HTTP_TIMEOUT_MS = 2_000;

/**
 * What NSQ operators watch per channel, read from every nsqd's `/stats` at
 * each scrape (nsqds found through nsqlookupd's `/nodes`): depth, in flight,
 * deferred, requeues and timeouts. Labels are the topic, the channel and the
 * nsqd (all bounded by the cluster's topology). An nsqd that does not answer
 * in time is left out of that scrape.
 */
export class NsqdStatsGauges {
  private readonly logger = new Logger(NsqdStatsGauges.name);
  private failures = 0;

  constructor(private readonly lookupdHttpAddresses: readonly string[]) {}

  register(meter: Meter): void {
    const depth = meter.createObservableGauge('nsqd.channel.depth', { unit: '{message}', description: "Messages queued in the channel (memory and disk), from nsqd's /stats" });
    const inFlight = meter.createObservableGauge('nsqd.channel.in_flight', { unit: '{message}', description: 'Messages sent to clients and not yet finished or requeued' });
    const deferred = meter.createObservableGauge('nsqd.channel.deferred', { unit: '{message}', description: 'Messages deferred (DPUB, REQ with delay)' });
    const requeued = meter.createObservableCounter('nsqd.channel.requeued', { unit: '{message}', description: 'Requeues since nsqd started' });
    const timedOut = meter.createObservableCounter('nsqd.channel.timed_out', { unit: '{message}', description: 'Messages whose timeout passed in flight since nsqd started' });
    const topicDepth = meter.createObservableGauge('nsqd.topic.depth', { unit: '{message}', description: 'Messages queued in the topic, not yet copied to channels' });
    const all: Observable[] = [depth, inFlight, deferred, requeued, timedOut, topicDepth];
    meter.addBatchObservableCallback(async (result: BatchObservableResult) => {
      for (const [server, topics] of await this.read()) {
        for (const topic of topics) {
          result.observe(topicDepth, topic.depth, { 'messaging.destination.name': topic.topic_name, 'server.address': server });
          for (const channel of topic.channels) {
            const labels: Attributes = { 'messaging.destination.name': topic.topic_name, 'messaging.consumer.group.name': channel.channel_name, 'server.address': server };
            result.observe(depth, channel.depth, labels);
            result.observe(inFlight, channel.in_flight_count, labels);
            result.observe(deferred, channel.deferred_count, labels);
            result.observe(requeued, channel.requeue_count, labels);
            result.observe(timedOut, channel.timeout_count, labels);
          }
        }
      }
    }, all);
  }

  /** Every reachable nsqd's topics, by its HTTP address. */
  private async read(): Promise<Array<[string, readonly NsqdTopicStats[]]>> {
    const nsqds = new Set<string>();
    for (const lookupd of this.lookupdHttpAddresses) {
      const body = await this.getJson<{ producers?: LookupdNode[]; data?: { producers?: LookupdNode[] } }>(`${lookupd}/nodes`);
      for (const node of body?.producers ?? body?.data?.producers ?? []) nsqds.add(`${node.broadcast_address}:${node.http_port}`);
    }
    const stats = await Promise.all(
      [...nsqds].map(async (nsqd) => {
        const body = await this.getJson<{ topics?: NsqdTopicStats[]; data?: { topics?: NsqdTopicStats[] } }>(`${nsqd}/stats?format=json`);
        return [nsqd, body?.topics ?? body?.data?.topics ?? []] as [string, readonly NsqdTopicStats[]];
      }),
    );
    return stats;
  }

  private async getJson<T>(address: string): Promise<T | undefined> {
    const url = /^https?:\/\//.test(address) ? address : `http://${address}`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return (await response.json()) as T;
    } catch (error) {
      // One line per outage (and at powers of two while it lasts), not one per scrape.
      this.failures += 1;
      if ((this.failures & (this.failures - 1)) === 0) this.logger.warn(`metrics: ${url.replace(/\?.*/, '')} did not answer (${(error as Error).message}); its figures are left out`);
      return undefined;
    }
  }
}
