/** The parts of nsqd's `/stats?format=json` the e2e suites read. */
export interface ChannelStats {
  readonly channel_name: string;
  readonly depth: number;
  readonly in_flight_count: number;
  readonly deferred_count: number;
  readonly message_count: number;
  readonly requeue_count: number;
  readonly timeout_count: number;
  readonly clients: unknown[];
}
export interface TopicStats {
  readonly topic_name: string;
  readonly depth: number;
  readonly message_count: number;
  readonly channels: ChannelStats[];
}

const base = (httpAddress: string) => (/^https?:\/\//.test(httpAddress) ? httpAddress : `http://${httpAddress}`);

/** A topic's stats on one nsqd, or undefined when the topic does not exist there. */
export async function topicStats(nsqdHttpAddress: string, topic: string): Promise<TopicStats | undefined> {
  const response = await fetch(`${base(nsqdHttpAddress)}/stats?format=json&topic=${encodeURIComponent(topic)}`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`nsqd ${nsqdHttpAddress} /stats answered ${response.status}`);
  const body = (await response.json()) as { topics?: TopicStats[]; data?: { topics?: TopicStats[] } };
  return (body.topics ?? body.data?.topics ?? []).find((t) => t.topic_name === topic);
}

/** Messages ever published to `topic` on that nsqd (0 when the topic does not exist). */
export async function publishedCount(nsqdHttpAddress: string, topic: string): Promise<number> {
  return (await topicStats(nsqdHttpAddress, topic))?.message_count ?? 0;
}

export async function channelStats(nsqdHttpAddress: string, topic: string, channel: string): Promise<ChannelStats | undefined> {
  return (await topicStats(nsqdHttpAddress, topic))?.channels.find((c) => c.channel_name === channel);
}
