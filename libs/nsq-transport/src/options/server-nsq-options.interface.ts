import type { NsqConnectionOptions, NsqDeserializerOption } from './nsq-connection-options.interface.js';

/** Delay before a failed message is redelivered: fixed ms, or computed from the attempt number (1-based). */
export type NsqRequeueDelay = number | ((attempts: number) => number);

/**
 * Options of {@link ServerNsq}. Every duration is in milliseconds.
 *
 * @example
 * ```ts
 * new ServerNsq({ lookupdHttpAddresses: ['127.0.0.1:4161'], channel: 'saver', maxInFlight: 50 })
 * ```
 */
export interface ServerNsqOptions extends NsqConnectionOptions, NsqDeserializerOption {
  /** nsqlookupd HTTP addresses used to discover the nsqds that have each topic. */
  readonly lookupdHttpAddresses?: readonly string[];
  /** Channel for handlers that do not name one in their extras (`@EventPattern('t', { channel })`). No default: a handler with neither fails `listen()`. */
  readonly channel?: string;
  /** Messages in flight per subscription, spread over its nsqd connections (RDY). @default 1 */
  readonly maxInFlight?: number;
  /** Deliveries before a message is given up on (dead-lettered or logged, then finished). 0 = never give up. @default 5 */
  readonly maxAttempts?: number;
  /** Requeue delay after a handler failure. @default attempts => min(1000 * 2^(attempts-1), 60000) */
  readonly requeueDelayMs?: NsqRequeueDelay;
  /** Slow the reader down after failures (nsqjs/go-nsq backoff: RDY drops while backing off). @default true */
  readonly backoff?: boolean;
  /** Longest backoff pause. @default 60000 */
  readonly maxBackoffDurationMs?: number;
  /** Per-message timeout asked of nsqd (1000 .. nsqd's `--max-msg-timeout`). @default nsqd's `--msg-timeout` (60000) */
  readonly msgTimeoutMs?: number;
  /** nsqd output buffer size in bytes for this client (64 .. nsqd's max); -1 disables buffering. @default nsqd's (16384) */
  readonly outputBufferSize?: number;
  /** nsqd output buffer flush timeout (nsqd minimum 25 ms); -1 disables. @default nsqd's (250) */
  readonly outputBufferTimeoutMs?: number;
  /** Topic that receives the original body of messages given up on (max attempts, undecodable). */
  readonly deadLetterTopic?: string;
  /** Create every topic and channel on the discovered nsqds before subscribing, so nothing published before the first consumer is missed. @default true */
  readonly createTopology?: boolean;
  /** How often nsqlookupd is polled and lost direct nsqd connections are retried. @default 15000 */
  readonly lookupdPollIntervalMs?: number;
  /** `listen()` fails if some subscription has no nsqd connection after this long. @default 30000 */
  readonly readyTimeoutMs?: number;
  /** `close()` waits this long for handlers in flight before requeueing what is left. @default 15000 */
  readonly drainTimeoutMs?: number;
  /** Identifies this transport for `@EventPattern(pattern, transportId)` in hybrid apps. @default NSQ_TRANSPORT */
  readonly transportId?: symbol;
}
