import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import { Observable, throwError } from 'rxjs';
import { NsqUnavailableError } from '../errors/nsq-unavailable.error.js';
import { NsqUnsupportedError } from '../errors/nsq-unsupported.error.js';
import { NsqEventType, NsqStatus, type NsqEvents } from '../events/nsq.events.js';
import type { NsqSerializer } from '../interfaces/nsq-codec.interface.js';
import { serializerFor } from '../nsq/nsq-codecs.js';
import { NsqProducer } from '../nsq/nsq-producer.js';
import { PendingCount } from '../nsq/pending-count.js';
import { buildPublishRequest } from '../nsq/nsq-publish-request.js';
import { toNsqjsConnectionConfig } from '../nsq/nsqjs-config.js';
import type { ClientNsqOptions } from '../options/client-nsq-options.interface.js';
import { resolveClientOptions, type ResolvedClientNsqOptions } from '../options/resolve-client-options.js';

/**
 * Publishes Nest events to NSQ. `emit(topic, payload)` completes when nsqd
 * acknowledged the message and errors with a typed error otherwise.
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
  private connectPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  private closing = false;
  private producerClosed = false;
  /** Emits accepted before close() and not yet settled: close() lets them finish. */
  private readonly acceptedEmits = new PendingCount();

  constructor(options: ClientNsqOptions) {
    super();
    this.options = resolveClientOptions(options);
    this.serializer = options.serializer ?? serializerFor(this.options.codec);
    // An 'error' event with no listener would throw; errors are also logged.
    this.events.on(NsqEventType.ERROR, () => undefined);
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
   * retrying in the background, and later emits wait for it (bounded).
   */
  async connect(): Promise<void> {
    if (this.closing) throw new NsqUnavailableError('the NSQ client is closed');
    this.connectPromise ??= this.ensureProducer().whenAvailable(this.options.connectTimeoutMs);
    const attempt = this.connectPromise;
    try {
      await attempt;
    } catch (error) {
      if (this.connectPromise === attempt) this.connectPromise = undefined;
      throw error;
    }
  }

  /**
   * Waits (up to `closeTimeoutMs`) for unacknowledged publishes, then closes
   * every connection. Idempotent; safe when the client never connected.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.closePromise ??= (async () => {
      const deadline = Date.now() + this.options.closeTimeoutMs;
      await this.acceptedEmits.whenZero(this.options.closeTimeoutMs);
      this.producerClosed = true;
      const producer = this.producer;
      if (producer) {
        await producer.close(Math.max(0, deadline - Date.now()));
        this.logger.log('NSQ client closed');
      }
      this._status$.next(NsqStatus.DISCONNECTED);
    })();
    return this.closePromise;
  }

  /**
   * Publishes `data` to the topic `pattern`. Hot, as every Nest client: it
   * publishes even if nobody subscribes. Emits `undefined` and completes on
   * nsqd's OK; errors with a typed error otherwise.
   *
   * Same contract as ClientProxy#emit (dispatch hook included), without its
   * per-call defer/mergeMap/connectable/Subject: one promise per emit, and a
   * plain Observable over it.
   */
  override emit<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (this.closing) return throwError(() => new NsqUnavailableError('the NSQ client is closed'));
    // null/undefined: Nest's own InvalidMessageException.
    if (pattern === null || pattern === undefined || data === null || data === undefined) return super.emit<TResult, TInput>(pattern, data);
    this.acceptedEmits.add();
    let sent: Promise<void>;
    try {
      sent = this.dispatchPacket(this.toPacket(pattern, data));
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(this.emitSettled, this.emitSettled);
    return new Observable<TResult>((subscriber) => {
      sent.then(
        () => {
          subscriber.next(undefined as TResult);
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(error),
      );
    });
  }

  private readonly emitSettled = (): void => this.acceptedEmits.done();

  /**
   * Nest 12's `createPacket`, which Nest 11's ClientProxy does not have: the
   * packet, passed to the dispatch hook when one is set (Nest 12 only).
   */
  private toPacket(pattern: unknown, data: unknown): ReadPacket {
    const packet: ReadPacket = { pattern, data };
    this.onDispatchHook?.(packet);
    return packet;
  }

  /** Request-response has no NSQ equivalent yet: fails with NsqUnsupportedError. */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, _data: TInput): Observable<TResult> {
    return throwError(() => new NsqUnsupportedError(`send("${String(pattern)}") is request-response, which the NSQ transport does not support; use emit()`));
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
    await this.dispatchPacket(packet);
    return undefined as T;
  }

  /**
   * Serializes, validates and publishes one packet. Synchronous up to the
   * publish when the client is connected and the serializer is synchronous,
   * so a burst of emits reaches the batcher within one macrotask.
   */
  private dispatchPacket(packet: ReadPacket): Promise<void> {
    const producer = this.ensureProducer();
    // Not connected (yet, or any more): connect() first, as Nest's emit does; the
    // publish then waits (bounded by publishTimeoutMs) for a connection.
    if (!producer.isAvailable) return this.connect().then(() => this.publishPacket(producer, packet));
    return this.publishPacket(producer, packet);
  }

  private publishPacket(producer: NsqProducer, packet: ReadPacket): Promise<void> {
    const request = buildPublishRequest(packet.pattern, packet.data, this.serializer, this.options);
    if (request instanceof Promise) return request.then((r) => producer.publish(r.topic, r.bodies, r.delayMs));
    return producer.publish(request.topic, request.bodies, request.delayMs);
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new NsqUnsupportedError('request-response is not supported by the NSQ transport; use emit()'), isDisposed: true });
    return () => undefined;
  }

  private ensureProducer(): NsqProducer {
    if (this.producerClosed) throw new NsqUnavailableError('the NSQ client is closed');
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
        ...(this.options.batching ? { batching: this.options.batching } : {}),
      },
      {
        onConnected: (address) => {
          this.logger.log(`Connected to nsqd ${address}`);
          this.events.emit(NsqEventType.CONNECTED, { address });
        },
        onDisconnected: (address) => {
          if (!this.closing) this.logger.warn(`Lost nsqd ${address}; reconnecting`);
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
