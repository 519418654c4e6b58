import type { BenchPayload } from './bench-payloads.js';

/** Where an arm connects. */
export interface BenchTarget {
  readonly nsqdTcpAddress: string;
}

/** Called once per publish, with the error when nsqd refused it or the arm failed. */
export type PublishCallback = (error?: Error) => void;

/** One arm's publishing side, already connected. */
export interface BenchProducer {
  /** Publishes one JSON message; `done` runs on nsqd's acknowledgement. */
  publish(topic: string, payload: BenchPayload, done: PublishCallback): void;
  /** Publishes the payloads as one atomic MPUB, if the arm has a way to. */
  readonly publishBatch?: (topic: string, payloads: readonly BenchPayload[], done: PublishCallback) => void;
  close(): Promise<void>;
}

export interface BenchConsumerSpec {
  readonly topic: string;
  readonly channel: string;
  readonly maxInFlight: number;
  /** nsqd's output_buffer_timeout for this consumer; undefined = nsqd's default (250 ms). */
  readonly outputBufferTimeoutMs?: number;
  /** nsqd's output_buffer_size for this consumer; -1 = no buffering (nsqd writes each message at once); undefined = nsqd's default (16 KiB). */
  readonly outputBufferSize?: number;
  /**
   * Receives each decoded payload. Returning a promise holds the message in
   * flight until it settles (FIN on resolve); returning nothing FINs at once.
   */
  readonly onMessage: (payload: BenchPayload) => void | Promise<void>;
}

/** One arm's consuming side, subscribed. */
export interface BenchConsumer {
  close(): Promise<void>;
}

/** The workload groups an arm can take part in (see bench-main.ts). */
export type ArmWorkload = 'publish' | 'consume' | 'e2e' | 'latency' | 'memory';

/** Every group: what an NSQ arm with both a producer and a consumer runs. */
export const ALL_ARM_WORKLOADS: ReadonlySet<ArmWorkload> = new Set(['publish', 'consume', 'e2e', 'latency', 'memory']);

/** A Node.js contender: raw nsqjs, our transport, or another transport. */
export interface BenchArm {
  /** Stable key used in the results file. */
  readonly id: string;
  /** Human label for tables and charts. */
  readonly label: string;
  /**
   * The groups this arm runs; undefined = all of them. A consume-only
   * diagnostic arm, or another broker (no pre-filled NSQ channel to drain, no
   * nsqd acknowledgement to count), runs fewer; its other cells say "n/a".
   */
  readonly workloads?: ReadonlySet<ArmWorkload>;
  /** `topic`: the one topic this producer will publish to, for brokers that bind a client to it (RabbitMQ's queue). */
  createProducer(target: BenchTarget, topic?: string): Promise<BenchProducer>;
  createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer>;
}
