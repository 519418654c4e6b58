import { Logger } from '@nestjs/common';
import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import type { Message } from 'nsqjs';
import { EventEmitter } from 'node:events';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { isObservable, lastValueFrom } from 'rxjs';
import { NSQD_LIMITS } from '../constants.js';
import { NsqContext } from '../ctx-host/nsq.context.js';
import { NsqTimeoutError } from '../errors/nsq-timeout.error.js';
import { NsqEventType, NsqStatus, type NsqDeadLetterInfo, type NsqEvents } from '../events/nsq.events.js';
import type { NsqDeserializeOptions, NsqDeserializer } from '../interfaces/nsq-codec.interface.js';
import { deserializerFor } from '../nsq/nsq-codecs.js';
import { NsqDelivery } from '../nsq/nsq-delivery.js';
import { NsqProducer } from '../nsq/nsq-producer.js';
import { PendingCount } from '../nsq/pending-count.js';
import { decideAfterHandling, decideOnArrival, type NsqSettlementAction } from '../nsq/nsq-settlement-policy.js';
import { NsqSubscription } from '../nsq/nsq-subscription.js';
import { createTopology, discoverNsqds } from '../nsq/nsq-topology.js';
import { toNsqjsConnectionConfig, toNsqjsReaderConfig } from '../nsq/nsqjs/index.js';
import { resolveServerOptions, type ResolvedServerNsqOptions } from '../options/resolve-server-options.js';
import type { ServerNsqOptions } from '../options/server-nsq-options.interface.js';
import { buildNsqRoutes, type NsqRoute } from './nsq-routes.js';

const HTTP_TIMEOUT_MS = 5_000;

/** A route at run time: its subscription and the deliveries its handlers still hold. */
interface ActiveRoute extends NsqRoute {
  readonly subscription: NsqSubscription;
  readonly open: Set<NsqDelivery>;
  /** The deserializer's options, allocated once per route instead of once per message. */
  readonly decodeOptions: NsqDeserializeOptions;
}

/**
 * Nest microservice strategy that consumes NSQ: one nsqjs Reader per
 * (topic, channel), each `@EventPattern(topic)` handler run once per message,
 * FIN on success, REQ with backoff on failure, dead-letter past `maxAttempts`,
 * and a drain on close.
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
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(ServerNsq.name);
  protected readonly options: ResolvedServerNsqOptions;
  private readonly bodyDeserializer: NsqDeserializer;
  private readonly events = new EventEmitter();
  private routes: NsqRoute[] | undefined;
  private active: ActiveRoute[] = [];
  private deadLetters: NsqProducer | undefined;
  private closing: Promise<void> | undefined;
  /** Deliveries whose handlers have not finished, across routes: what close() drains. */
  private readonly inFlight = new PendingCount();
  /** nsqd TCP addresses learnt from lookupd, for the dead-letter producer. */
  private readonly discovered = new Set<string>();
  /** Whether Nest installed processing hooks (tracing); without them the hot path skips the wrapper. */
  private hasProcessingHooks = false;

  constructor(options: ServerNsqOptions) {
    super();
    this.options = resolveServerOptions(options);
    this.transportId = this.options.transportId;
    this.bodyDeserializer = options.deserializer ?? deserializerFor(this.options.codec);
    this.events.on(NsqEventType.ERROR, () => undefined);
  }

  /** Subscribes every (topic, channel); calls back once each is subscribed on an nsqd, or with the error. */
  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /**
   * Stops taking messages (RDY 0), waits up to `drainTimeoutMs` for handlers
   * in flight, requeues what is still open, then closes. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.drainAndClose();
    return this.closing;
  }

  override on<K extends keyof NsqEvents>(event: K, callback: NsqEvents[K]): void {
    this.events.on(event, callback as (...args: unknown[]) => void);
  }

  /** The nsqjs Readers, one per (topic, channel). */
  unwrap<T = unknown[]>(): T {
    if (this.active.length === 0) throw new Error('Not initialized. Please call the "listen"/"startAllMicroservices" method before accessing the server.');
    return this.active.map((route) => route.subscription.nsqjsReader) as T;
  }

  private async start(): Promise<void> {
    this.routes ??= buildNsqRoutes(this.getHandlers(), this.options);
    const routes = this.routes;
    const prepared = new Set<string>();
    const prepareTopology = async () => {
      if (this.options.lookupdHttpAddresses.length === 0) return;
      const nodes = await discoverNsqds(this.options.lookupdHttpAddresses, HTTP_TIMEOUT_MS, (error) => this.reportError(error));
      for (const node of nodes) this.discovered.add(node.tcpAddress);
      const fresh = nodes.filter((node) => !prepared.has(node.tcpAddress));
      if (!this.options.createTopology || fresh.length === 0) return;
      await createTopology(fresh, routes, HTTP_TIMEOUT_MS, (error) => this.reportError(error));
      for (const node of fresh) prepared.add(node.tcpAddress);
    };
    await prepareTopology();
    this._status$.next(NsqStatus.RECONNECTING);
    this.active = routes.map((route) => this.subscribe(route));
    let timer: NodeJS.Timeout | undefined;
    let waiting = true;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const missing = this.active.filter((r) => !r.subscription.isSubscribed).map((r) => `${r.topic}/${r.channel}`);
        reject(new NsqTimeoutError(`no nsqd subscription within ${this.options.readyTimeoutMs} ms for ${missing.join(', ')} (nsqd: ${this.describeSources()})`, 'listen', this.options.readyTimeoutMs));
      }, this.options.readyTimeoutMs);
    });
    // An nsqd that registers with lookupd after we started has no topic yet, so
    // lookupd would never name it: keep creating the topology until subscribed.
    const topologyLoop = (async () => {
      while (waiting && this.active.some((r) => !r.subscription.isSubscribed) && this.options.lookupdHttpAddresses.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
        if (!waiting) return;
        await prepareTopology();
        for (const route of this.active) if (!route.subscription.isSubscribed) route.subscription.queryLookupd();
      }
    })();
    try {
      await Promise.race([Promise.all(this.active.map((r) => r.subscription.whenSubscribed())), timeout]);
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      waiting = false;
      clearTimeout(timer);
    }
    await topologyLoop;
    this.updateStatus();
    this.logger.log(`Listening on ${this.active.map((r) => `${r.topic}/${r.channel}`).join(', ') || 'no topics'}`);
  }

  private subscribe(route: NsqRoute): ActiveRoute {
    const open = new Set<NsqDelivery>();
    const subscription: NsqSubscription = new NsqSubscription(
      route.topic,
      route.channel,
      { ...toNsqjsReaderConfig(this.options), ...(route.maxInFlight !== undefined ? { maxInFlight: route.maxInFlight } : {}) },
      {
        onMessage: (message) => this.handleMessage(active, message),
        onSubscribed: (address) => {
          this.logger.log(`Subscribed to ${route.topic}/${route.channel} on nsqd ${address}`);
          this.events.emit(NsqEventType.CONNECTED, { address, topic: route.topic, channel: route.channel });
          this.updateStatus();
        },
        onUnsubscribed: (address) => {
          if (!this.closing) this.logger.warn(`Lost nsqd ${address} for ${route.topic}/${route.channel}; reconnecting`);
          this.events.emit(NsqEventType.DISCONNECTED, { address, topic: route.topic, channel: route.channel });
          this.updateStatus();
        },
        onError: (error, failures) => this.reportError(error, route, failures),
      },
      this.options.lookupdPollIntervalMs,
    );
    const active: ActiveRoute = { ...route, subscription, open, decodeOptions: { topic: route.topic, channel: route.channel } };
    subscription.start();
    return active;
  }

  private handleMessage(route: ActiveRoute, message: Message): void {
    const delivery = new NsqDelivery(message, route.topic, route.channel);
    if (this.closing) {
      // Arrived after close began: hand it straight back for another consumer.
      delivery.requeue(0, false);
      return;
    }
    route.open.add(delivery);
    this.inFlight.add();
    // process() handles every expected failure itself; this only keeps a bug
    // from becoming an unhandled rejection (which would end the process).
    this.process(route, delivery).catch((error: unknown) => this.reportError(error instanceof Error ? error : new Error(describe(error)), route));
  }

  /**
   * One delivery, from arrival to settlement: the server's hot path. One async
   * frame per message (a single handler is called inline; synchronous
   * deserializers and settlements are not awaited): each suspended frame costs
   * ~250 B per message in flight and a microtask hop before the FIN.
   */
  private async process(route: ActiveRoute, delivery: NsqDelivery): Promise<void> {
    try {
      const attempts = delivery.message.attempts;
      const early = decideOnArrival(attempts, this.options);
      if (early) return await this.settle(delivery, early);
      let data: unknown;
      try {
        data = this.bodyDeserializer.deserialize(delivery.message.body, route.decodeOptions);
        if (isPromiseLike(data)) data = await data;
      } catch (error) {
        this.logger.warn(`Message ${delivery.message.id} on ${route.topic}/${route.channel} cannot be decoded: ${describe(error)}`);
        return await this.settle(delivery, { kind: 'dead-letter', reason: 'undecodable' });
      }
      const context = new NsqContext([delivery]);
      let failure: { error: unknown } | undefined;
      if (route.handlers.length === 1 && !this.hasProcessingHooks) {
        try {
          const result: unknown = await route.handlers[0]!(data, context);
          // An Observable result succeeds when it completes and fails when it errors.
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        } catch (error) {
          failure = { error };
        }
      } else {
        failure = await this.runHandlers(route.handlers, data, context);
      }
      if (failure !== undefined && !delivery.isSettled) {
        this.logger.warn(`Handler failed for message ${delivery.message.id} on ${route.topic}/${route.channel} (attempt ${attempts}): ${describe(failure.error)}`);
      }
      const rejected = delivery.rejectedBecause !== undefined;
      if (rejected) this.logger.warn(`Message ${delivery.message.id} on ${route.topic}/${route.channel} rejected by its handler: ${delivery.rejectedBecause}`);
      const settling = this.settle(delivery, decideAfterHandling({ ok: failure === undefined, alreadySettled: delivery.isSettled, attempts, rejected }, this.options));
      if (settling) await settling;
    } finally {
      route.open.delete(delivery);
      this.inFlight.done();
    }
  }

  /** Runs every handler of the route once; resolves with the first failure, if any, after all settled. */
  private async runHandlers(handlers: readonly MessageHandler[], data: unknown, context: NsqContext): Promise<{ error: unknown } | undefined> {
    if (handlers.length === 1) {
      // The common case, without allSettled's array and wrappers on the hot path.
      try {
        await this.runHandler(handlers[0]!, data, context);
        return undefined;
      } catch (error) {
        return { error };
      }
    }
    const results = await Promise.allSettled(handlers.map((handler) => this.runHandler(handler, data, context)));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    return rejected ? { error: rejected.reason } : undefined;
  }

  override setOnProcessingStartHook(hook: Parameters<Server['setOnProcessingStartHook']>[0]): void {
    this.hasProcessingHooks = true;
    super.setOnProcessingStartHook(hook);
  }

  override setOnProcessingEndHook(hook: Parameters<Server['setOnProcessingEndHook']>[0]): void {
    this.hasProcessingHooks = true;
    super.setOnProcessingEndHook(hook);
  }

  private runHandler(handler: MessageHandler, data: unknown, context: NsqContext): Promise<void> {
    if (!this.hasProcessingHooks) return this.invoke(handler, data, context);
    return new Promise<void>((resolve, reject) => {
      this.onProcessingStartHook(this.options.transportId, context, async () => {
        try {
          await this.invoke(handler, data, context);
          resolve();
        } catch (error) {
          reject(error);
        } finally {
          this.onProcessingEndHook?.(this.options.transportId, context);
        }
      });
    });
  }

  private async invoke(handler: MessageHandler, data: unknown, context: NsqContext): Promise<void> {
    const result: unknown = await handler(data, context);
    // An Observable result succeeds when it completes and fails when it errors.
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }

  /** FIN/REQ at once; only a dead-letter (a publish) returns a promise. */
  private settle(delivery: NsqDelivery, action: NsqSettlementAction): Promise<void> | undefined {
    switch (action.kind) {
      case 'none':
        return;
      case 'finish':
        delivery.finish();
        return;
      case 'requeue':
        delivery.requeue(action.delayMs, action.backoff);
        return;
      case 'dead-letter':
        return this.deadLetter(delivery, action.reason);
    }
  }

  private async deadLetter(delivery: NsqDelivery, reason: NsqDeadLetterInfo['reason']): Promise<void> {
    const { message, topic, channel } = delivery;
    const deadLetterTopic = this.options.deadLetterTopic;
    if (deadLetterTopic) {
      try {
        // Created on first use: most services never dead-letter anything.
        this.deadLetters ??= this.createDeadLetterProducer();
        await this.deadLetters.publish(deadLetterTopic, [message.body]);
      } catch (error) {
        // Not stored anywhere yet: keep it in NSQ rather than finish and lose it.
        this.logger.error(`Dead-letter publish to ${deadLetterTopic} failed for message ${message.id} (${topic}/${channel}); requeueing: ${describe(error)}`);
        delivery.requeue(this.options.requeueDelayMs(message.attempts), false);
        return;
      }
    }
    const info: NsqDeadLetterInfo = { id: message.id, topic, channel, attempts: message.attempts, reason, ...(deadLetterTopic ? { deadLetterTopic } : {}) };
    this.logger.warn(
      `Giving up on message ${info.id} on ${topic}/${channel} after ${info.attempts} attempt(s) (${reason})` + (deadLetterTopic ? `; copied to ${deadLetterTopic}` : '; dropped (no deadLetterTopic)'),
    );
    delivery.finish();
    this.events.emit(NsqEventType.DEAD_LETTER, info);
  }

  private async drainAndClose(): Promise<void> {
    for (const route of this.active) route.subscription.pause();
    if (this.inFlight.size > 0 && this.options.drainTimeoutMs > 0) {
      this.logger.log(`Draining ${this.inFlight.size} message(s) in flight (up to ${this.options.drainTimeoutMs} ms)`);
      await this.inFlight.whenZero(this.options.drainTimeoutMs);
    }
    const leftover = this.active.flatMap((route) => [...route.open]);
    if (leftover.length > 0) {
      this.logger.warn(`Drain timeout: requeueing ${leftover.length} message(s) whose handlers are still running`);
      for (const delivery of leftover) delivery.requeue(0, false);
    }
    // nsqjs writes FIN/REQ on the next tick; let them reach the socket before CLS.
    await nextMacrotask();
    for (const route of this.active) route.subscription.close();
    await this.deadLetters?.close(HTTP_TIMEOUT_MS);
    this._status$.next(NsqStatus.DISCONNECTED);
    this.logger.log('NSQ server closed');
  }

  private createDeadLetterProducer(): NsqProducer {
    const subscribed = this.active.flatMap((route) => route.subscription.subscribedAddresses);
    const addresses = [...new Set([...this.options.nsqdTcpAddresses, ...subscribed, ...this.discovered])];
    return new NsqProducer(
      {
        addresses,
        config: toNsqjsConnectionConfig(this.options),
        publishTimeoutMs: HTTP_TIMEOUT_MS,
        reconnectMinDelayMs: 100,
        reconnectMaxDelayMs: 5_000,
        maxPendingPublishes: 10_000,
        limits: { maxMessageSize: NSQD_LIMITS.maxMessageSize, maxBodySize: NSQD_LIMITS.maxBodySize },
      },
      {
        onConnected: () => undefined,
        onDisconnected: () => undefined,
        onError: (address, error) => this.reportError(error),
        onAvailabilityChange: () => undefined,
      },
    );
  }

  private updateStatus(): void {
    if (this.closing) return;
    this._status$.next(this.active.every((r) => r.subscription.isSubscribed) ? NsqStatus.CONNECTED : NsqStatus.RECONNECTING);
  }

  /** Every error reaches on('error'); the log gets one line per outage (and at powers of two while it lasts). */
  private reportError(error: Error, route?: NsqRoute, failures = 1): void {
    if ((failures & (failures - 1)) === 0) {
      const repeated = failures > 1 ? ` (${failures} errors in this outage)` : '';
      this.logger.error(route ? `${route.topic}/${route.channel}: ${error.message}${repeated}` : error.message);
    }
    this.events.emit(NsqEventType.ERROR, error, route ? { address: '', topic: route.topic, channel: route.channel } : undefined);
  }

  private describeSources(): string {
    return [...this.options.nsqdTcpAddresses, ...this.options.lookupdHttpAddresses.map((a) => `lookupd ${a}`)].join(', ');
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** A log-safe one-liner: Nest's RPC exception filter turns errors into `{ status, message }` objects. */
function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return String(error);
}
