import { CHANNELS, TOPICS } from '@app/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { AgentConfig } from '../config/agent.config.js';
import { BacklogUnknownError } from './backlog-unknown.error.js';

interface NsqdChannelStats {
  channel_name: string;
  depth: number;
}
interface NsqdTopicStats {
  topic_name: string;
  depth: number;
  channels?: NsqdChannelStats[];
}
interface NsqdStats {
  topics?: NsqdTopicStats[];
  data?: { topics?: NsqdTopicStats[] };
}

/**
 * Peak shaving: admits a purchase only while the saver's flash-sale channel
 * has fewer than `maxBacklog` messages waiting. The depth comes from nsqd's
 * /stats (summed over every nsqd), read at most once per `statsCacheMs`;
 * purchases admitted since that reading are added to it, so a burst inside
 * one cache period cannot overshoot the limit.
 */
@Injectable()
export class FlashSaleBacklog {
  private readonly logger = new Logger(FlashSaleBacklog.name);
  private depth = 0;
  private readAt = Number.NEGATIVE_INFINITY;
  private admittedSinceRead = 0;
  private reading: Promise<void> | undefined;

  constructor(private readonly config: AgentConfig) {}

  /** Reserves a place in the backlog; false when it is full. Call `release()` if the publish then fails. */
  async admit(): Promise<{ admitted: boolean; backlog: number }> {
    if (Date.now() - this.readAt >= this.config.flashSale.statsCacheMs) await this.refresh();
    const backlog = this.depth + this.admittedSinceRead;
    if (backlog >= this.config.flashSale.maxBacklog) return { admitted: false, backlog };
    this.admittedSinceRead++;
    return { admitted: true, backlog: backlog + 1 };
  }

  release(): void {
    if (this.admittedSinceRead > 0) this.admittedSinceRead--;
  }

  private refresh(): Promise<void> {
    // Concurrent requests share one /stats call.
    this.reading ??= this.readDepth()
      .then((depth) => {
        this.depth = depth;
        this.readAt = Date.now();
        this.admittedSinceRead = 0;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  private async readDepth(): Promise<number> {
    const depths = await Promise.all(this.config.nsqdHttpAddresses.map((address) => this.readNsqd(address)));
    return depths.reduce((sum, depth) => sum + depth, 0);
  }

  private async readNsqd(address: string): Promise<number> {
    const topic = TOPICS.flashSalePurchase;
    const channel = CHANNELS.flashSale;
    const url = `http://${address}/stats?format=json&topic=${encodeURIComponent(topic)}&channel=${encodeURIComponent(channel)}`;
    let stats: NsqdStats;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      stats = (await response.json()) as NsqdStats;
    } catch (error) {
      this.logger.warn(`Cannot read nsqd ${address} /stats: ${error instanceof Error ? error.message : String(error)}`);
      throw new BacklogUnknownError(`nsqd ${address} /stats unavailable`, { cause: error });
    }
    const topicStats = (stats.topics ?? stats.data?.topics ?? []).find((t) => t.topic_name === topic);
    if (!topicStats) return 0;
    const channelStats = topicStats.channels?.find((c) => c.channel_name === channel);
    // Before the saver created its channel, messages wait in the topic itself.
    return channelStats ? channelStats.depth : topicStats.depth;
  }
}
