import { LOOPBACK } from './free-port.js';
import { nsqHttp, nsqHttpJson } from './nsq-http.js';
import { NsqNode } from './nsq-node.js';
import { NsqProcess, startOnFreePorts } from './nsq-process.js';
import type { ChannelStats, NsqdStats, TopicStats } from './nsq-stats.js';

/** How to start one nsqd. */
export interface NsqdNodeOptions {
  /** `--node-id`: unique per nsqd on one host, in [0, 1024). */
  readonly nodeId: number;
  /** `--data-path`: a directory of its own, kept across {@link NsqdNode.restart}. */
  readonly dataPath: string;
  /** `--lookupd-tcp-address` values; empty for a standalone nsqd. */
  readonly lookupdTcpAddresses?: readonly string[];
  /** Extra flags, appended last so they may override the harness's (e.g. `--msg-timeout=2s`). */
  readonly args?: readonly string[];
}

/**
 * A real nsqd on 127.0.0.1 with its own ports and data directory, plus the HTTP calls tests need to
 * arrange and inspect it. Created by `startNsqCluster` / `cluster.addNsqd()`.
 *
 * @example
 * const nsqd = cluster.nsqds[0]!;
 * await nsqd.createChannel('orders', 'saver');
 * await nsqd.publish('orders', '{"id":1}');
 * expect((await nsqd.channelStats('orders', 'saver'))?.depth).toBe(1);
 */
export class NsqdNode extends NsqNode {
  private constructor(
    process: NsqProcess,
    readonly nodeId: number,
    readonly dataPath: string,
    tcpPort: number,
    httpPort: number,
    /** Reserved for `--https-address`; only bound when TLS flags are given. */
    readonly httpsPort: number,
  ) {
    super(process, tcpPort, httpPort);
  }

  /** Starts an nsqd on free loopback ports and resolves once it answers `/ping`. */
  static async start(options: NsqdNodeOptions): Promise<NsqdNode> {
    const label = `nsqd#${options.nodeId}`;
    const { process, ports } = await startOnFreePorts(3, ([tcpPort, httpPort, httpsPort]) => ({
      program: 'nsqd',
      label,
      httpAddress: `${LOOPBACK}:${httpPort}`,
      args: [
        `--tcp-address=${LOOPBACK}:${tcpPort}`,
        `--http-address=${LOOPBACK}:${httpPort}`,
        // nsqd binds HTTPS only when given a TLS certificate, but then on 0.0.0.0:4152 by default,
        // which two nsqds (or two test workers) would fight over.
        `--https-address=${LOOPBACK}:${httpsPort}`,
        // Otherwise it registers the machine's hostname with lookupd, which may not resolve to loopback.
        `--broadcast-address=${LOOPBACK}`,
        `--data-path=${options.dataPath}`,
        `--node-id=${options.nodeId}`,
        ...(options.lookupdTcpAddresses ?? []).map((address) => `--lookupd-tcp-address=${address}`),
        ...(options.args ?? []),
      ],
    }));
    return new NsqdNode(process, options.nodeId, options.dataPath, ports[0]!, ports[1]!, ports[2]!);
  }

  /** True when `/ping` answers `OK` within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean> {
    return this.process.ping(timeoutMs);
  }

  /** `GET /stats?format=json`. */
  stats(): Promise<NsqdStats> {
    return nsqHttpJson<NsqdStats>(this.httpAddress, '/stats', { format: 'json' });
  }

  /** One topic's stats, or `undefined` when nsqd does not have that topic. */
  async topicStats(topic: string): Promise<TopicStats | undefined> {
    return (await this.stats()).topics.find((t) => t.topic_name === topic);
  }

  /** One channel's stats, or `undefined` when the topic or channel does not exist. */
  async channelStats(topic: string, channel: string): Promise<ChannelStats | undefined> {
    return (await this.topicStats(topic))?.channels.find((c) => c.channel_name === channel);
  }

  /** `POST /topic/create`; a no-op when it exists. */
  async createTopic(topic: string): Promise<void> {
    await nsqHttp(this.httpAddress, 'POST', '/topic/create', { topic });
  }

  /**
   * Creates the topic and the channel, so that messages published from now on are kept for this
   * channel even before any consumer subscribes. (nsqd's `/channel/create` alone fails with
   * `TOPIC_NOT_FOUND` on a new topic.)
   */
  async createChannel(topic: string, channel: string): Promise<void> {
    await this.createTopic(topic);
    await nsqHttp(this.httpAddress, 'POST', '/channel/create', { topic, channel });
  }

  /** `POST /channel/empty`: drops the channel's queued messages (not the in-flight ones). */
  async emptyChannel(topic: string, channel: string): Promise<void> {
    await nsqHttp(this.httpAddress, 'POST', '/channel/empty', { topic, channel });
  }

  /** `POST /topic/delete`, with its channels and messages. */
  async deleteTopic(topic: string): Promise<void> {
    await nsqHttp(this.httpAddress, 'POST', '/topic/delete', { topic });
  }

  /** Publishes one message over HTTP (`POST /pub`), bypassing the code under test. */
  async publish(topic: string, body: string | Buffer): Promise<void> {
    await nsqHttp(this.httpAddress, 'POST', '/pub', { topic }, body);
  }

  /** Publishes several messages atomically over HTTP (`POST /mpub?binary=true`). */
  async publishMany(topic: string, bodies: readonly (string | Buffer)[]): Promise<void> {
    await nsqHttp(this.httpAddress, 'POST', '/mpub', { topic, binary: 'true' }, encodeMpub(bodies));
  }
}

/** MPUB's binary body: message count, then each message as 4-byte big-endian size + bytes. */
function encodeMpub(bodies: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [uint32(bodies.length)];
  for (const body of bodies) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    parts.push(uint32(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}
