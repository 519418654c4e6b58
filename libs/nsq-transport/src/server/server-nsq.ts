import { Logger } from '@nestjs/common';
import { type CustomTransportStrategy, type MessageHandler, type ReadPacket, Server } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import { isObservable, lastValueFrom } from 'rxjs';
import { NsqContext } from '../ctx-host/nsq.context.js';
import { NsqDecodeError } from '../errors/nsq-decode.error.js';
import { NsqHandlerConfigError } from '../errors/nsq-handler-config.error.js';
import { NsqEventType, NsqStatus, type NsqEvents } from '../events/nsq.events.js';
import type { NsqDeserializeOptions, NsqDeserializer } from '../interfaces/nsq-codec.interface.js';
import { deserializerFor } from '../nsq/nsq-codecs.js';
import { NsqConsumer, type NsqConsumerHooks } from '../nsq/nsq-consumer.js';
import type { NsqDelivery } from '../nsq/nsq-delivery.js';
import { NsqTelemetry } from '../observability/nsq-telemetry.js';
import { ObservedNsqConsumer } from '../observability/observed-nsq-consumer.js';
import { resolveServerOptions, type ResolvedServerNsqOptions } from '../options/resolve-server-options.js';
import type { ServerNsqOptions } from '../options/server-nsq-options.interface.js';
import { createNsqResponder } from '../rpc/create-nsq-responder.js';
import type { NsqResponder } from '../rpc/nsq-responder.js';
import { passNsqHandlerErrorsThrough } from './nsq-exception-passthrough.js';
import { buildNsqRoutes, type NsqRoute } from './nsq-routes.js';

/** A route as the server runs it: the deserializer's options allocated once, not once per message. */
interface ServerRoute extends NsqRoute {
  readonly decodeOptions: NsqDeserializeOptions;
}

/**
 * Nest microservice strategy that consumes NSQ: each `@EventPattern(topic)`
 * handler runs once per message of its (topic, channel); a `@MessagePattern`
 * handler answers `client.send()` (WIRE.md §5). A thin adapter over
 * {@link NsqConsumer}, which owns subscriptions, TOUCH, settlement (FIN on
 * success, REQ with delay on failure, dead-letter for poison and the last
 * attempt) and the drain on close.
 *
 * @example
 * ```ts
 * const app = await NestFactory.createMicroservice(AppModule, {
 *   strategy: new ServerNsq({ lookupdHttpAddresses: ['127.0.0.1:4161'], channel: 'saver' }),
 * });
 * await app.listen();
 * ```
 */
export class ServerNsq extends Server<NsqEvents, NsqStatus> implements CustomTransportStrategy {
  /** Handler failures are awaited and settled on (REQ, dead-letter), as ServerKafka does, never lost. */
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(ServerNsq.name);
  protected readonly options: ResolvedServerNsqOptions;
  private readonly bodyDeserializer: NsqDeserializer;
  private readonly events = new EventEmitter();
  /** Routes by topic, then channel: exact strings, never Nest's JSON pattern parsing. */
  private readonly routes = new Map<string, Map<string, ServerRoute>>();
  private consumer: NsqConsumer<ServerRoute> | undefined;
  private closing: Promise<void> | undefined;
  /** Answers `@MessagePattern` requests (created with the first one). */
  private responder: NsqResponder | undefined;
  /** Whether Nest (a tracer) set processing hooks. */
  private processingHooks = false;
  /** `tracing` / `metrics`: undefined when both are off. */
  private readonly telemetry: NsqTelemetry | undefined;

  constructor(options: ServerNsqOptions) {
    super();
    this.options = resolveServerOptions(options);
    this.transportId = this.options.transportId;
    this.bodyDeserializer = options.deserializer ?? deserializerFor(this.options.codec);
    this.telemetry = NsqTelemetry.create(this.options);
    // An 'error' event with no listener would throw out of the emitter.
    this.events.on(NsqEventType.ERROR, () => undefined);
    passNsqHandlerErrorsThrough();
  }

  /** Subscribes every (topic, channel); calls back as soon as each is acknowledged by an nsqd, or with the error. */
  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /**
   * Stops taking messages (RDY 0), waits up to `drainTimeoutMs` for handlers
   * in flight, requeues what is still running, then closes. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.consumer?.close();
      await this.responder?.close();
      this._status$.next(NsqStatus.DISCONNECTED);
      this.logger.log('NSQ server closed');
    })();
    return this.closing;
  }

  override on<K extends keyof NsqEvents>(event: K, callback: NsqEvents[K]): void {
    this.events.on(event, callback as (...args: unknown[]) => void);
  }

  /** The nsqjs Readers, one per (topic, channel). */
  unwrap<T = unknown[]>(): T {
    if (!this.consumer) throw new Error('Not initialized. Please call the "listen"/"startAllMicroservices" method before accessing the server.');
    return this.consumer.readers as T;
  }

  /**
   * Decodes one message and runs its handlers; rejects with what failed, for
   * the consumer to settle on. Not async: with a synchronous deserializer (the
   * built-in ones) no promise is added per message.
   */
  handleMessage(delivery: NsqDelivery, route: ServerRoute): Promise<void> {
    let data: unknown;
    try {
      data = this.bodyDeserializer.deserialize(delivery.payload, route.decodeOptions);
    } catch (error) {
      return Promise.reject(this.decodeError(error));
    }
    if (isPromiseLike(data)) {
      return Promise.resolve(data).then(
        (decoded) => this.handleEvent(route.topic, { pattern: route.topic, data: decoded }, new NsqContext([delivery])),
        (error: unknown) => Promise.reject(this.decodeError(error)),
      );
    }
    return this.handleEvent(route.topic, { pattern: route.topic, data }, new NsqContext([delivery]));
  }

  /**
   * Runs every handler of the message's (topic, channel) through Nest's
   * processing hooks and awaits each one's result (an Observable until it
   * completes or errors). Rejects with the first failure once all are done.
   */
  override handleEvent(pattern: string, packet: ReadPacket, context: NsqContext): Promise<void> {
    const handlers = this.routes.get(pattern)?.get(context.getChannel())?.handlers;
    if (!handlers) return Promise.reject(new NsqHandlerConfigError(`no handler for ${pattern}/${context.getChannel()}`, pattern));
    if (handlers.length === 1) return this.runHandler(handlers[0]!, packet.data, context);
    return Promise.allSettled(handlers.map((handler) => this.runHandler(handler, packet.data, context))).then((results) => {
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    });
  }

  override setOnProcessingStartHook(hook: Parameters<Server['setOnProcessingStartHook']>[0]): void {
    this.processingHooks = true;
    super.setOnProcessingStartHook(hook);
  }

  override setOnProcessingEndHook(hook: Parameters<Server['setOnProcessingEndHook']>[0]): void {
    this.processingHooks = true;
    super.setOnProcessingEndHook(hook);
  }

  /** One handler inside the processing hooks; without hooks set, the base ones do nothing and are skipped (the hot path). */
  private runHandler(handler: MessageHandler, data: unknown, context: NsqContext): Promise<void> {
    if (!this.processingHooks) return this.invoke(handler, data, context);
    return new Promise<void>((resolve, reject) => {
      // The hook may drop the promise `done` returns (a tracer's `storage.run(…, done)`), so nothing may reject out of it.
      this.runWithProcessingHooks(context, async (runEndHook) => {
        try {
          await this.invoke(handler, data, context);
          resolve();
        } catch (error) {
          reject(error);
        } finally {
          runEndHook();
        }
      });
    });
  }

  /**
   * Not async: an async frame (its generator, registers and await closures)
   * would stay in memory for as long as the handler runs, for every message
   * in flight. One `then` with a shared function instead.
   */
  private invoke(handler: MessageHandler, data: unknown, context: NsqContext): Promise<void> {
    // A @MessagePattern: its answer (or error) is published to the caller.
    if (!handler.isEventHandler) return (this.responder ??= createNsqResponder(this, this.options, () => this.consumer?.nsqdAddresses ?? [], this.logger)).respond(handler, data, context);
    let result: unknown;
    try {
      result = handler(data, context);
    } catch (error) {
      // Nest's handlers are async and never throw; a hand-registered one might.
      return Promise.reject(error);
    }
    if (isPromiseLike(result)) return Promise.resolve(result).then(completion) as Promise<void>;
    return (completion(result) ?? Promise.resolve()) as Promise<void>;
  }

  private decodeError(error: unknown): NsqDecodeError {
    // Never the error's message: a parser quotes the body it could not read.
    return new NsqDecodeError(`the body cannot be decoded by ${this.bodyDeserializer.constructor.name} (${errorName(error)})`, { cause: error });
  }

  private async start(): Promise<void> {
    this.consumer ??= this.createNsqConsumer(this.buildRoutes());
    this._status$.next(NsqStatus.RECONNECTING);
    await this.consumer.listen();
    this.updateStatus();
    this.logger.log(`Listening on ${this.consumer.subscriptions.join(', ') || 'no topics'}`);
  }

  /** The consumer serving `routes`, bound to this server's events. */
  protected createNsqConsumer(routes: readonly ServerRoute[]): NsqConsumer<ServerRoute> {
    // With tracing or metrics on, a consumer that observes each message; the plain one otherwise (nothing per message).
    if (this.telemetry) return new ObservedNsqConsumer(routes, this.options, this.bindEvents(), this.logger, this.telemetry);
    return new NsqConsumer(routes, this.options, this.bindEvents(), this.logger);
  }

  /** Routes from Nest's handler registry, refusing bad ones (NsqHandlerConfigError fails listen()). */
  private buildRoutes(): ServerRoute[] {
    const routes = buildNsqRoutes(this.getHandlers(), this.options).map((route) => ({ ...route, decodeOptions: { topic: route.topic, channel: route.channel } }));
    for (const route of routes) {
      const byChannel = this.routes.get(route.topic) ?? new Map<string, ServerRoute>();
      this.routes.set(route.topic, byChannel.set(route.channel, route));
    }
    return routes;
  }

  /** The consumer's events, as this server's status and `on()` events, and its messages, to `handleMessage`. */
  protected bindEvents(): NsqConsumerHooks<ServerRoute> {
    return {
      handle: (delivery, route) => this.handleMessage(delivery, route),
      onSubscribed: (info) => {
        this.events.emit(NsqEventType.CONNECTED, info);
        this.updateStatus();
      },
      onUnsubscribed: (info) => {
        this.events.emit(NsqEventType.DISCONNECTED, info);
        this.updateStatus();
      },
      onError: (error, info) => this.events.emit(NsqEventType.ERROR, error, info),
      onDeadLetter: (info) => this.events.emit(NsqEventType.DEAD_LETTER, info),
    };
  }

  private updateStatus(): void {
    if (this.closing || !this.consumer) return;
    this._status$.next(this.consumer.isSubscribed ? NsqStatus.CONNECTED : NsqStatus.RECONNECTING);
  }
}

/**
 * What a handler's result still has to do: an Observable succeeds when it
 * completes and fails when it errors (its values are not used); anything else
 * is done. One function for every message, not a closure per message.
 */
function completion(result: unknown): Promise<unknown> | undefined {
  return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : undefined;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** The class of what a deserializer threw, never its message (which may quote the body). */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
