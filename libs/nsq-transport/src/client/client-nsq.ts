import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import { Observable, type Subscriber } from 'rxjs';
import { NsqUnavailableError } from '../errors/nsq-unavailable.error.js';
import { NsqEventType, NsqStatus, type NsqEvents } from '../events/nsq.events.js';
import type { NsqSerializer } from '../interfaces/nsq-codec.interface.js';
import { deserializerFor, serializerFor } from '../nsq/nsq-codecs.js';
import { NsqProducer } from '../nsq/nsq-producer.js';
import { buildPublishRequest, type PublishHeaders, type PublishSettings } from '../nsq/nsq-publish-request.js';
import { toNsqjsConnectionConfig } from '../nsq/nsqjs/index.js';
import { instrumentPublish, type NsqSubmitPacket } from '../observability/nsq-publish-telemetry.js';
import { NsqTelemetry } from '../observability/nsq-telemetry.js';
import { NsqTraceLogger } from '../observability/nsq-trace-logger.js';
import type { ClientNsqOptions } from '../options/client-nsq-options.interface.js';
import { resolveClientOptions, type ResolvedClientNsqOptions } from '../options/resolve-client-options.js';
import { NsqRecord } from '../record-builders/nsq.record-builder.js';
import { createNsqRequester } from '../rpc/create-nsq-requester.js';
import type { NsqRequester } from '../rpc/nsq-requester.js';
import type { NsqHeaders } from '../wire/nsq-headers.js';

/**
 * Publishes Nest events to NSQ: a thin Nest adapter over {@link NsqProducer},
 * which owns connections, pending publishes, deadlines and draining.
 * `emit(topic, payload)` completes when nsqd acknowledged the message and
 * errors with a typed error otherwise (see the README's error table).
 *
 * @example
 * ```ts
 * @Module({ imports: [ClientsModule.register([{ name: 'NSQ', customClass: ClientNsq, options: { nsqdTcpAddresses: ['127.0.0.1:4150'] } }])] })
 * export class AppModule {}
 *
 * constructor(@Inject('NSQ') private readonly nsq: ClientNsq) {}
 * await lastValueFrom(this.nsq.emit('orders.created', order), { defaultValue: undefined });
 * ```
 */
export class ClientNsq extends ClientProxy<NsqEvents> {
  protected readonly logger = new Logger(ClientNsq.name);
  protected readonly options: ResolvedClientNsqOptions;
  protected override serializer: NsqSerializer;
  private readonly events = new EventEmitter();
  private producer: NsqProducer | undefined;
  /** Request-response: the reply subscription and pending requests (created with the first `send()`). */
  private requester: NsqRequester | undefined;
  /** Requests are always enveloped (they carry `nsq-reply-to`), whatever `envelope` says. */
  private readonly requestSettings: PublishSettings;
  private closed = false;
  private closePromise: Promise<void> | undefined;
  /** Dispatch-hook metadata met on a raw client: said once, then dropped. */
  private warnedRawMetadata = false;
  /** One packet to the producer, its outcome to a callback: {@link submitPacket}, wrapped once when tracing or metrics are on. */
  private readonly submit: NsqSubmitPacket;

  constructor(options: ClientNsqOptions) {
    super();
    this.options = resolveClientOptions(options);
    this.serializer = options.serializer ?? serializerFor(this.options.codec);
    this.requestSettings = { ...this.options, envelope: true };
    // An 'error' event with no listener would throw; errors are also logged.
    this.events.on(NsqEventType.ERROR, () => undefined);
    // Tracing / metrics: the publish is wrapped once here, so with both off an emit does nothing extra.
    const telemetry = NsqTelemetry.create(this.options);
    const submit: NsqSubmitPacket = (packet, done, transport) => this.submitPacket(packet, done, transport);
    if (telemetry) {
      if (telemetry.tracer) this.logger = new NsqTraceLogger(ClientNsq.name, telemetry);
      this.submit = instrumentPublish(submit, telemetry, this.options.envelope, () => this.producer?.writers().length ?? 0);
    } else {
      this.submit = submit;
    }
  }

  // The class extends ClientProxy with Nest's default `string` status: ClientsModule
  // types `customClass` as `Type<ClientProxy>`, to which a narrower `_status$`
  // subject is not assignable under `strict` (TS2322). This getter keeps the
  // public type narrow.
  /** `connected`, `reconnecting` or `disconnected`; replays the latest to each new subscriber. */
  override get status(): Observable<NsqStatus> {
    return super.status as Observable<NsqStatus>;
  }

  /**
   * Starts the connections (once) and resolves when an nsqd is ready. Rejects
   * with NsqUnavailableError after `connectTimeoutMs`; the client keeps
   * retrying in the background. Emits do not need it: they wait (bounded by
   * `publishTimeoutMs`) for a connection themselves.
   */
  connect(): Promise<void> {
    try {
      return this.ensureProducer().whenAvailable(this.options.connectTimeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Refuses new emits and sends, fails pending requests at once
   * (NsqRequestAbortedError), waits (up to `closeTimeoutMs`) for pending
   * emits to settle, then closes every connection. Idempotent; safe when the
   * client never connected.
   */
  close(): Promise<void> {
    this.closed = true;
    this.closePromise ??= (async () => {
      await this.requester?.close();
      if (this.producer) {
        await this.producer.close(this.options.closeTimeoutMs);
        this.logger.log('NSQ client closed');
      }
      this._status$.next(NsqStatus.DISCONNECTED);
    })();
    return this.closePromise;
  }

  /**
   * Publishes `data` to the topic `pattern` (a string, or a number as Nest's
   * own clients route it). Hot, as every Nest client: it publishes even if
   * nobody subscribes. Emits `undefined` and completes on nsqd's OK; errors
   * with a typed error otherwise. A failure nobody subscribed to is logged.
   *
   * Same contract as ClientProxy#emit (dispatch hook included), without its
   * per-call defer/mergeMap/connectable/Subject: one outcome object per emit,
   * settled by the producer's callback (no promise, with or without
   * telemetry), and a plain Observable over it.
   */
  override emit<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    // null/undefined: Nest's own InvalidMessageException.
    if (pattern === null || pattern === undefined || data === null || data === undefined) return super.emit<TResult, TInput>(pattern, data);
    const outcome = new EmitOutcome<TResult>(pattern, this.logger);
    try {
      this.submit(this.toPacket(pattern, data), outcome.settle);
    } catch (error) {
      outcome.settle(asError(error));
    }
    return outcome;
  }

  /**
   * Nest 12's `createPacket`, which Nest 11's ClientProxy does not have: the
   * packet, passed to the dispatch hook when one is set (Nest 12 only).
   */
  private toPacket(pattern: unknown, data: unknown): ReadPacket {
    const packet: ReadPacket = { pattern, data };
    this.onDispatchHook?.(packet);
    return packet;
  }

  /**
   * Request-response (WIRE.md §5): publishes `data` to the topic `pattern` as
   * a request and emits the `@MessagePattern` handler's answer(s), completing
   * with its last one; errors with the handler's RPC error (Nest's shape),
   * NsqRequestTimeoutError after `requestTimeoutMs` (or the record's
   * `setRequestTimeout()`), NsqRequestAbortedError on `close()`. Cold, as in
   * every Nest client: each subscription sends one request; unsubscribing
   * stops waiting. At-least-once: the handler may run more than once for one
   * request; the caller gets the first run's answer.
   *
   * @example
   * ```ts
   * const quote = await lastValueFrom(this.nsq.send<Quote>('prices.quote', { sku }));
   * ```
   */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    // null/undefined: Nest's own InvalidMessageException.
    if (pattern === null || pattern === undefined || data === null || data === undefined) return super.send<TResult, TInput>(pattern, data);
    return new Observable<TResult>((observer) => this.publish(this.toPacket(pattern, data), this.createObserver(observer)));
  }

  /** Requests waiting for their replies now. */
  get pendingRequests(): number {
    return this.requester?.pendingCount ?? 0;
  }

  /** Replies that came after their request had ended (timed out, unsubscribed, or already answered by an earlier run): dropped, counted here. */
  get lateReplies(): number {
    return this.requester?.lateReplies ?? 0;
  }

  override on<K extends keyof NsqEvents>(event: K, callback: NsqEvents[K]): void {
    this.events.on(event, callback as (...args: unknown[]) => void);
  }

  /** The connected nsqjs Writers (one per reachable nsqd). */
  unwrap<T = unknown[]>(): T {
    if (!this.producer) throw new Error('Not initialized. Please call the "connect" method first.');
    return this.producer.writers() as T;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    await this.publishPacket(packet);
    return undefined as T;
  }

  /** One request of `send()`: Nest's ClientProxy contract (callback per reply packet, teardown returned). */
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    if (this.closed) {
      callback({ err: new NsqUnavailableError('the NSQ client is closed') });
      return () => undefined;
    }
    this.requester ??= createNsqRequester(this.options, deserializerFor(this.options.codec), (error) => this.events.emit(NsqEventType.ERROR, error));
    const timeoutMs = packet.data instanceof NsqRecord ? (packet.data as NsqRecord).options.requestTimeoutMs : undefined;
    return this.requester.request(String(packet.pattern), timeoutMs, (headers) => this.publishRequest(packet, headers), callback);
  }

  /** A request: always an envelope, with the request-response headers and a dispatch hook's metadata. */
  private publishRequest(packet: ReadPacket, transport: NsqHeaders): Promise<void> {
    const producer = this.ensureProducer();
    const metadata = (packet as { metadata?: unknown }).metadata;
    const request = buildPublishRequest(packet.pattern, packet.data, this.serializer, this.requestSettings, metadata === undefined ? { transport } : { metadata, transport });
    if (request instanceof Promise) return request.then((r) => producer.publish(r.topic, r.bodies, r.delayMs, 'turn'));
    return producer.publish(request.topic, request.bodies, request.delayMs, 'turn');
  }

  /**
   * Serializes, validates and hands one packet to the producer; `done` gets
   * nsqd's answer. Synchronous up to the producer when the serializer is, so
   * a burst of emits reaches the batcher within one macrotask; a refusal met
   * before that (a bad topic, an oversized body) is thrown, not passed to `done`.
   */
  private submitPacket(packet: ReadPacket, done: (error?: Error) => void, transportHeaders?: NsqHeaders): void {
    const producer = this.ensureProducer();
    const request = buildPublishRequest(packet.pattern, packet.data, this.serializer, this.options, this.headersOf(packet, transportHeaders));
    if (request instanceof Promise) request.then((r) => producer.submit(r.topic, r.bodies, r.delayMs, 'burst', done), (error: unknown) => done(asError(error)));
    else producer.submit(request.topic, request.bodies, request.delayMs, 'burst', done);
  }

  /** {@link submit} as a promise (Nest's `dispatchEvent`). */
  private publishPacket(packet: ReadPacket): Promise<void> {
    return new Promise((resolve, reject) => this.submit(packet, (error) => (error ? reject(error) : resolve())));
  }

  /**
   * The headers a packet carries besides its record's: a Nest 12 dispatch
   * hook's `metadata`. A raw client cannot carry them (a body is only the
   * codec's bytes): it says so once and publishes the payload alone, so an
   * instrumentation's hook never breaks emits.
   */
  private headersOf(packet: ReadPacket, transport?: NsqHeaders): PublishHeaders | undefined {
    const metadata = (packet as { metadata?: unknown }).metadata;
    if (metadata === undefined) return transport && { transport };
    if (this.options.envelope) return transport ? { metadata, transport } : { metadata };
    if (!this.warnedRawMetadata) {
      this.warnedRawMetadata = true;
      this.logger.warn('A dispatch hook set packet metadata, which raw NSQ bodies cannot carry: it is dropped. Set "envelope: true" on the client (and its consumers) to send it as headers.');
    }
    return undefined;
  }

  private ensureProducer(): NsqProducer {
    if (this.closed) throw new NsqUnavailableError('the NSQ client is closed');
    this.producer ??= this.createProducer();
    return this.producer;
  }

  private createProducer(): NsqProducer {
    this._status$.next(NsqStatus.RECONNECTING);
    return new NsqProducer(
      {
        addresses: this.options.nsqdTcpAddresses,
        config: toNsqjsConnectionConfig(this.options),
        publishTimeoutMs: this.options.publishTimeoutMs,
        reconnectMinDelayMs: this.options.reconnectMinDelayMs,
        reconnectMaxDelayMs: this.options.reconnectMaxDelayMs,
        maxPendingPublishes: this.options.maxPendingPublishes,
        limits: { maxMessageSize: this.options.maxMessageSize, maxBodySize: this.options.maxBatchBytes },
        ...(this.options.batching ? { batching: this.options.batching } : {}),
      },
      {
        onConnected: (address) => {
          this.logger.log(`Connected to nsqd ${address}`);
          this.events.emit(NsqEventType.CONNECTED, { address });
        },
        onDisconnected: (address) => {
          if (!this.closed) this.logger.warn(`Lost nsqd ${address}; reconnecting`);
          this.events.emit(NsqEventType.DISCONNECTED, { address });
        },
        onError: (address, error, failures) => {
          // One line per outage (and at powers of two while it lasts), not one per retry.
          if ((failures & (failures - 1)) === 0) this.logger.error(`nsqd ${address}: ${error.message}${failures > 1 ? ` (${failures} failed attempts)` : ''}`);
          this.events.emit(NsqEventType.ERROR, error, { address });
        },
        onAvailabilityChange: (available) => this._status$.next(available ? NsqStatus.CONNECTED : NsqStatus.RECONNECTING),
      },
    );
  }
}

/**
 * The Observable an emit returns, and the emit's outcome: Nest's hot `emit()`
 * contract (published whether or not anything subscribes; every subscriber,
 * early or late, gets `undefined` then complete, or the error). One object
 * per emit: it lives until nsqd answers, and at a thousand emits outstanding
 * every object that survives a young-generation collection costs CPU. A
 * failure nobody has subscribed to by the end of its turn is logged.
 */
class EmitOutcome<T> extends Observable<T> {
  /** 0 pending, 1 stored, 2 failed. */
  private state: 0 | 1 | 2 = 0;
  private error: unknown;
  private observed = false;
  /** The first subscriber waiting (the usual one), then any others. */
  private waiting: Subscriber<T> | undefined;
  private others: Subscriber<T>[] | undefined;

  constructor(
    private readonly pattern: unknown,
    private readonly logger: Logger,
  ) {
    // One function for every outcome: rxjs calls it with the Observable as `this`, so no closure per emit.
    super(EmitOutcome.onSubscribe);
  }

  private static onSubscribe(this: Observable<unknown>, subscriber: Subscriber<unknown>): void {
    (this as EmitOutcome<unknown>).join(subscriber);
  }

  /** The producer's callback: nsqd's answer, or why nothing was stored. */
  // Bound, not an arrow: an arrow field is a closure plus a context holding `this`, twice the memory, and it lives until nsqd answers.
  readonly settle: (error?: Error | null) => void = this.finish.bind(this);

  private finish(error?: Error | null): void {
    if (this.state !== 0) return;
    this.state = error ? 2 : 1;
    this.error = error;
    const { waiting, others } = this;
    this.waiting = this.others = undefined;
    if (waiting) this.deliver(waiting);
    if (others) for (const subscriber of others) this.deliver(subscriber);
    if (error && !this.observed) queueMicrotask(() => this.reportIfUnobserved());
  }

  private join(subscriber: Subscriber<T>): void {
    this.observed = true;
    if (this.state !== 0) this.deliver(subscriber);
    else if (!this.waiting) this.waiting = subscriber;
    else (this.others ??= []).push(subscriber);
  }

  private deliver(subscriber: Subscriber<T>): void {
    if (this.state === 2) return subscriber.error(this.error);
    subscriber.next(undefined as T);
    subscriber.complete();
  }

  private reportIfUnobserved(): void {
    if (!this.observed) this.logger.error(`emit to "${String(this.pattern).slice(0, 64)}" failed and nothing subscribed to its result: ${describe(this.error)}`);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
