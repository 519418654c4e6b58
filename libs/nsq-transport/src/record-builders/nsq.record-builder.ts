import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import { normalizeNsqHeaders, type NsqHeaders } from '../wire/nsq-headers.js';

/** Publish options of one {@link NsqRecord}. */
export interface NsqRecordOptions {
  /** Deliver no earlier than this many ms from now (DPUB). Only for a single message. */
  readonly delayMs?: number;
  /** Headers of the message (each message of a batch), lower-cased; need `envelope: true` on the client. */
  readonly headers?: NsqHeaders;
  /** `send()` only: how long this request waits for its final reply; overrides the client's `requestTimeoutMs`. */
  readonly requestTimeoutMs?: number;
}

/**
 * What `ClientNsq#emit` accepts besides a plain payload: a single message with
 * a delay (DPUB), or a batch of messages published atomically (one MPUB).
 * Build it with {@link NsqRecordBuilder}.
 */
export class NsqRecord<TData = unknown> {
  constructor(
    /** The payload, or the payloads of a batch. */
    readonly data: TData | readonly TData[],
    readonly options: NsqRecordOptions = {},
    /** True when `data` is a batch: each element is its own message. */
    readonly isBatch = false,
  ) {}
}

/**
 * Builds an {@link NsqRecord}.
 *
 * @example
 * ```ts
 * // deferred: delivered after 30 minutes
 * client.emit('order.payment-timeout', new NsqRecordBuilder({ orderId }).setDelay(30 * 60_000).build());
 * // batch: three messages, one MPUB, all or nothing
 * client.emit('reports', new NsqRecordBuilder().setBatch([r1, r2, r3]).build());
 * // headers (a client with `envelope: true`): read by the handler with ctx.getHeaders()
 * client.emit('reports', new NsqRecordBuilder(report).setHeaders({ 'x-request-id': requestId }).build());
 * ```
 */
export class NsqRecordBuilder<TData = unknown> {
  private data: TData | undefined;
  private batch: readonly TData[] | undefined;
  private delayMs: number | undefined;
  private headers: NsqHeaders | undefined;
  private requestTimeoutMs: number | undefined;

  constructor(data?: TData) {
    this.data = data;
  }

  /** The single payload to publish. */
  setData(data: TData): this {
    this.data = data;
    return this;
  }

  /** Publishes these payloads as separate messages in one atomic MPUB. */
  setBatch(items: readonly TData[]): this {
    if (!Array.isArray(items)) {
      throw new InvalidNsqOptionError('batch', 'an array of payloads', items);
    }
    this.batch = items;
    return this;
  }

  /** Defers delivery by `delayMs` (nsqd accepts 0 .. `--max-req-timeout`, 1 h by default). */
  setDelay(delayMs: number): this {
    this.delayMs = delayMs;
    return this;
  }

  /**
   * Headers carried next to the payload (WIRE.md §2.2), read by handlers with
   * `ctx.getHeaders()`. Names are lower-cased; `nsq-` names are reserved.
   * Needs a client with `envelope: true` (a raw body carries no headers: the
   * emit fails). Throws InvalidNsqHeaderError for a name or value out of bounds.
   */
  setHeaders(headers: Readonly<Record<string, string>>): this {
    this.headers = normalizeNsqHeaders(headers, 'setHeaders()');
    return this;
  }

  /**
   * `send()` only: fail this request with NsqRequestTimeoutError when no final
   * reply came within `timeoutMs` (1 .. 3600000), instead of the client's
   * `requestTimeoutMs`. Ignored by `emit()`.
   *
   * @example
   * ```ts
   * client.send('prices.quote', new NsqRecordBuilder(query).setRequestTimeout(500).build());
   * ```
   */
  setRequestTimeout(timeoutMs: number): this {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) {
      throw new InvalidNsqOptionError('requestTimeoutMs', 'an integer from 1 to 3600000 (ms)', timeoutMs);
    }
    this.requestTimeoutMs = timeoutMs;
    return this;
  }

  build(): NsqRecord<TData> {
    if (this.batch !== undefined && this.delayMs !== undefined) {
      // nsqd has no deferred MPUB: refusing is clearer than silently splitting.
      throw new InvalidNsqOptionError('delayMs', 'no delay on a batch (nsqd cannot defer an MPUB)', this.delayMs);
    }
    // Only the options set, as own properties (one object per emit, no spreads: a builder is made per emit).
    const options: { -readonly [K in keyof NsqRecordOptions]: NsqRecordOptions[K] } = {};
    if (this.headers !== undefined) options.headers = this.headers;
    if (this.requestTimeoutMs !== undefined) options.requestTimeoutMs = this.requestTimeoutMs;
    if (this.batch !== undefined) return new NsqRecord<TData>(this.batch, options, true);
    if (this.delayMs !== undefined) options.delayMs = this.delayMs;
    return new NsqRecord<TData>(this.data as TData, options);
  }
}
