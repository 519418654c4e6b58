/** How concurrent emits are coalesced into MPUBs. */
export interface NsqBatchingOptions {
  /** Most messages in one MPUB. @default 200 */
  readonly maxMessages?: number;
  /**
   * Most bytes in one coalesced MPUB (framing included); at most `maxBatchBytes`.
   * nsqd answers an MPUB only once all of it has arrived, so smaller MPUBs keep
   * big bodies streaming (the next ones are encoded while nsqd takes these in).
   * @default 1048576, or maxBatchBytes if lower
   */
  readonly maxBytes?: number;
  /** How long the first emit of a batch waits for others; 0 = only emits made until the event loop's next `setImmediate` turn (the same macrotask and the I/O callbacks run before it). @default 0 */
  readonly lingerMs?: number;
}

import type { NsqConnectionOptions, NsqSerializerOption } from './nsq-connection-options.interface.js';

/**
 * Options of {@link ClientNsq}. Every duration is in milliseconds.
 *
 * @example
 * ```ts
 * NsqClientModule.register({ nsqdTcpAddresses: ['127.0.0.1:4150'], publishTimeoutMs: 2_000 })
 * ```
 */
export interface ClientNsqOptions extends NsqConnectionOptions, NsqSerializerOption {
  /** nsqd TCP addresses to publish to; more than one spreads load and fails over. Required. */
  readonly nsqdTcpAddresses: readonly string[];
  /** An emit not acknowledged by nsqd within this time fails with NsqTimeoutError (waiting for a connection included). @default 5000 */
  readonly publishTimeoutMs?: number;
  /** `connect()` fails if no nsqd is ready within this time (the client keeps retrying). @default 5000 */
  readonly connectTimeoutMs?: number;
  /** First reconnect delay after a connection is lost; doubles up to `reconnectMaxDelayMs`, with ±30 % jitter. @default 100 */
  readonly reconnectMinDelayMs?: number;
  /** Longest reconnect delay. @default 5000 */
  readonly reconnectMaxDelayMs?: number;
  /** Largest message body accepted, bytes; set it to nsqd's `--max-msg-size`. @default 1048576 */
  readonly maxMessageSize?: number;
  /** Largest MPUB body accepted, bytes; set it to nsqd's `--max-body-size`. @default 5242880 */
  readonly maxBatchBytes?: number;
  /** Publishes waiting or unacknowledged at once; beyond it emits fail fast instead of piling up in memory. @default 10000 */
  readonly maxPendingPublishes?: number;
  /**
   * Coalesce concurrent emits to one topic into one MPUB (each emit still
   * completes on its batch's OK and fails on its error); `false` sends one PUB
   * per emit. Delayed emits and explicit batches are never coalesced.
   * @default { maxMessages: 200, maxBytes: min(1 MiB, maxBatchBytes), lingerMs: 0 }
   */
  readonly batching?: false | NsqBatchingOptions;
  /** `close()` waits this long for unacknowledged publishes. @default 5000 */
  readonly closeTimeoutMs?: number;
  /**
   * `send()`: how long a request waits for its final reply (waiting for the
   * client's reply subscription and the publish included) before it fails with
   * NsqRequestTimeoutError. Per request: `NsqRecordBuilder#setRequestTimeout`. 1 .. 3600000.
   * @default 30000
   */
  readonly requestTimeoutMs?: number;
  /** `send()`: requests waiting for replies at once; beyond it `send()` fails fast with NsqUnavailableError. @default 10000 */
  readonly maxPendingRequests?: number;
}
