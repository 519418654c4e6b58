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
  /**
   * Messages handled at once per subscription, spread over its nsqd connections (RDY).
   * With 1, a slow handler holds the only slot: raise it for handlers that wait on I/O.
   * @default 1
   */
  readonly maxInFlight?: number;
  /** Deliveries before a message is given up on (dead-lettered or logged, then finished). 0 = never give up. @default 5 */
  readonly maxAttempts?: number;
  /** Delay before a failed message is delivered again (REQ). Only that message waits. @default attempts => min(1000 * 2^(attempts-1), 60000) */
  readonly requeueDelayMs?: NsqRequeueDelay;
  /**
   * Channel-wide backoff after failures, as go-nsq and nsqjs do: each failure
   * stops the whole subscription (RDY 0) for a growing pause, then lets one
   * message through at a time until successes bring it back. It spares a
   * failing dependency the load, at the price of stalling every healthy
   * message behind one bad one. Off by default: a failure delays only that
   * message (`requeueDelayMs`).
   * @default false
   */
  readonly backoff?: boolean;
  /** Longest channel-wide backoff pause (with `backoff: true`). @default 60000 */
  readonly maxBackoffDurationMs?: number;
  /** Per-message timeout asked of nsqd (1000 .. nsqd's `--max-msg-timeout`). @default nsqd's `--msg-timeout` (60000) */
  readonly msgTimeoutMs?: number;
  /**
   * Keep a message while its handler runs: TOUCH it every third of the
   * message timeout nsqd negotiated, so nsqd never redelivers it to another
   * handler meanwhile. Off, a handler slower than the timeout sees its message
   * delivered again (the copy still waits for that handler: it never runs twice at once).
   * @default true
   */
  readonly autoTouch?: boolean;
  /**
   * Longest a handler may hold a message: past it the transport stops
   * touching (and logs it once), so nsqd delivers the message again when its
   * timeout passes. nsqd itself stops extending a message at its
   * `--max-msg-timeout` (default 15 min). 1000 .. 86400000.
   * @default 900000
   */
  readonly maxHandlerTimeMs?: number;
  /** nsqd output buffer size in bytes for this client (64 .. nsqd's max); -1 disables buffering. @default nsqd's (16384) */
  readonly outputBufferSize?: number;
  /** nsqd output buffer flush timeout (nsqd minimum 25 ms); -1 disables. @default nsqd's (250) */
  readonly outputBufferTimeoutMs?: number;
  /** Topic that receives the original body of messages given up on (poison, max attempts). No handler of this server may consume it. */
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
