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

/** A Node.js contender: raw nsqjs, our transport, or another transport. */
export interface BenchArm {
  /** Stable key used in the results file. */
  readonly id: string;
  /** Human label for tables and charts. */
  readonly label: string;
  createProducer(target: BenchTarget): Promise<BenchProducer>;
  createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer>;
}
