/**
 * The parts of nsqd's `GET /stats?format=json` (v1.3) and nsqlookupd's `GET /nodes` the tests read.
 * Field names are NSQ's own, so a test can be compared with the NSQ docs line by line.
 */

/** One consumer connection on a channel. */
export interface ClientStats {
  readonly client_id: string;
  readonly hostname: string;
  readonly user_agent: string;
  readonly remote_address: string;
  readonly ready_count: number;
  readonly in_flight_count: number;
  readonly message_count: number;
  readonly finish_count: number;
  readonly requeue_count: number;
  readonly tls: boolean;
}

export interface ChannelStats {
  readonly channel_name: string;
  /** Messages waiting (memory + disk), not counting in-flight or deferred ones. */
  readonly depth: number;
  readonly backend_depth: number;
  readonly in_flight_count: number;
  readonly deferred_count: number;
  readonly message_count: number;
  readonly requeue_count: number;
  readonly timeout_count: number;
  readonly paused: boolean;
  readonly clients: readonly ClientStats[];
}

export interface TopicStats {
  readonly topic_name: string;
  readonly depth: number;
  readonly backend_depth: number;
  readonly message_count: number;
  readonly paused: boolean;
  readonly channels: readonly ChannelStats[];
}

export interface NsqdStats {
  readonly version: string;
  readonly health: string;
  readonly start_time: number;
  readonly topics: readonly TopicStats[];
}

/** An nsqd as nsqlookupd knows it (`GET /nodes`). */
export interface LookupdProducer {
  readonly remote_address: string;
  readonly hostname: string;
  readonly broadcast_address: string;
  readonly tcp_port: number;
  readonly http_port: number;
  readonly version: string;
  readonly topics: readonly string[];
}
