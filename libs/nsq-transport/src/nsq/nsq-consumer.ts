import type { LoggerService } from '@nestjs/common';
import type { Message } from 'nsqjs';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { NSQD_LIMITS } from '../constants.js';
import { NsqTimeoutError } from '../errors/nsq-timeout.error.js';
import type { NsqConnectionInfo, NsqDeadLetterInfo } from '../events/nsq.events.js';
import type { ResolvedServerNsqOptions } from '../options/resolve-server-options.js';
import { encodeNsqEnvelope, openNsqBody, openNsqBodyAt } from '../wire/nsq-envelope.js';
import { mergeNsqHeaders, NSQ_HEADER, RESERVED_HEADER_PREFIX, type NsqHeaders } from '../wire/nsq-headers.js';
import { msUntilDue, NsqEarlyDeliveries } from './nsq-deferral.js';
import { NsqDelivery } from './nsq-delivery.js';
import { NsqInFlight } from './nsq-in-flight.js';
import { NsqProducer } from './nsq-producer.js';
import { decideAfterHandling, decideOnArrival, describeFailure, type NsqSettlementAction } from './nsq-settlement-policy.js';
import { NsqSubscription, type NsqSubscriptionHooks, type NsqSubscriptionPort } from './nsq-subscription.js';
import { NsqTopology } from './nsq-topology.js';
import { NSQJS_FRAME_BODY_START, nsqjsMessageFrame, toNsqjsConnectionConfig, toNsqjsReaderConfig, type NsqjsReaderConfig } from './nsqjs/index.js';

/** Bound of every HTTP call to nsqd / nsqlookupd, and of the dead-letter producer's publishes and close. */
const HTTP_TIMEOUT_MS = 5_000;
/** While `listen()` waits through nsqlookupd, how often lookupd is asked again for nsqds that registered late. */
const LOOKUPD_RETRY_MS = 1_000;
/** A held message is touched once a third of its timeout has passed since it was last kept alive… */
const TOUCH_AFTER_FRACTION = 1 / 3;
/** …checked every sixth, so at most half the timeout passes between two TOUCHes. */
const TOUCH_SWEEP_FRACTION = 1 / 6;

/** One (topic, channel) to consume; the consumer hands the same object back with each message. */
export interface NsqSubscriptionSpec {
  readonly topic: string;
  readonly channel: string;
  /** Overrides the consumer's `maxInFlight` for this subscription. */
  readonly maxInFlight?: number;
  /** Requests (WIRE.md §5): always enveloped, so opened whatever `envelope` says; delivered without output buffering unless configured. */
  readonly request?: boolean;
}

/** What the consumer needs from its owner (ServerNsq): the handling of a message, and where events go. */
export interface NsqConsumerHooks<R extends NsqSubscriptionSpec> {
  /** Decodes the message and runs its handlers; resolves on success, rejects with what failed. */
  handle(delivery: NsqDelivery, route: R): Promise<void>;
  onSubscribed(info: NsqConnectionInfo): void;
  onUnsubscribed(info: NsqConnectionInfo): void;
  onError(error: Error, info?: NsqConnectionInfo): void;
  onDeadLetter(info: NsqDeadLetterInfo): void;
}

/** Where poison and given-up bodies are published (an {@link NsqProducer}). */
export interface NsqDeadLetterPublisher {
  publish(topic: string, bodies: readonly Buffer[]): Promise<void>;
  close(timeoutMs: number): Promise<void>;
}

/** How the consumer builds its collaborators; unit specs script them. */
export interface NsqConsumerFactories {
  subscription?(spec: NsqSubscriptionSpec, config: NsqjsReaderConfig, hooks: NsqSubscriptionHooks, maxRetryDelayMs: number): NsqSubscriptionPort;
  deadLetterPublisher?(addresses: readonly string[]): NsqDeadLetterPublisher;
}

export type NsqConsumerLogger = Pick<LoggerService, 'log' | 'warn' | 'error'>;

/** A subscription as the consumer runs it. */
export interface ActiveRoute<R> {
  readonly route: R;
  readonly subscription: NsqSubscriptionPort;
  /** Its number: the registry's bucket. */
  readonly index: number;
}

const FINISH: NsqSettlementAction = { kind: 'finish' };
/** The dead-letter headers a new dead-lettering replaces. */
const DEAD_LETTER_PREFIX = `${RESERVED_HEADER_PREFIX}dl-`;
const REQUEUE_NOW: NsqSettlementAction = { kind: 'requeue', delayMs: 0, backoff: false };
/** nsqd writes each message at once (its IDENTIFY `output_buffer_size: -1`). */
const UNBUFFERED_OUTPUT = { outputBufferSize: -1 } as const;

/**
 * Consumes NSQ for a set of (topic, channel) subscriptions and settles every
 * message exactly once. Owns what ServerNsq should not know: the topology
 * (lookupd discovery, topics and channels created up front), readiness
 * (`listen()` resolves when every subscription is acknowledged), the one
 * in-flight registry, TOUCH while a handler runs, the drain on close and
 * dead-lettering. Of Nest it knows a logger and, through the settlement
 * policy, HttpException (a ValidationPipe's refusal is poison); the owner's
 * `handle` hook runs the handlers.
 *
 * One path settles everything (`settle`): FIN after success; REQ with the
 * policy's delay after a failure (channel-wide backoff only if asked for);
 * dead-letter for poison and for the last attempt; REQ 0 for a message
 * arriving while closing and for a handler still running at the drain
 * deadline; REQ with delay when the dead-letter publish fails.
 *
 * A message is handled once at a time: while its handler runs it is TOUCHed
 * (every third of the timeout nsqd negotiated, up to `maxHandlerTimeMs`), and
 * if nsqd delivers it again anyway the copy joins the running handler instead
 * of starting another.
 */
export class NsqConsumer<R extends NsqSubscriptionSpec = NsqSubscriptionSpec> {
  private readonly active: ReadonlyArray<ActiveRoute<R>>;
  private readonly inFlight: NsqInFlight;
  private readonly topology: NsqTopology;
  /** Deliveries past `maxHandlerTimeMs`: no longer touched, reported once. */
  private readonly overtime = new WeakSet<NsqDelivery>();
  private deadLetters: NsqDeadLetterPublisher | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepEveryMs = Number.POSITIVE_INFINITY;
  private closing: Promise<void> | undefined;
  /** Envelope mode: deliveries of deferred messages that came before they were due. */
  private readonly early = new NsqEarlyDeliveries();
  private earlyCount = 0;

  constructor(
    routes: readonly R[],
    private readonly options: ResolvedServerNsqOptions,
    private readonly hooks: NsqConsumerHooks<R>,
    private readonly logger: NsqConsumerLogger,
    private readonly factories: NsqConsumerFactories = {},
  ) {
    this.inFlight = new NsqInFlight(routes.length);
    this.topology = new NsqTopology(options.lookupdHttpAddresses, routes, options.createTopology, HTTP_TIMEOUT_MS, (error) => this.reportError(error));
    const readerConfig = toNsqjsReaderConfig(options);
    this.active = routes.map((route, index) => {
      let config = route.maxInFlight === undefined ? readerConfig : { ...readerConfig, maxInFlight: route.maxInFlight };
      // A caller waits on each request: nsqd's output buffer would hold it up to 250 ms.
      if (route.request && options.outputBufferSize === undefined && options.outputBufferTimeoutMs === undefined) config = { ...config, ...UNBUFFERED_OUTPUT };
      const hooks = this.subscriptionHooks(index);
      const subscription =
        factories.subscription?.(route, config, hooks, options.lookupdPollIntervalMs) ?? new NsqSubscription(route.topic, route.channel, config, hooks, options.lookupdPollIntervalMs);
      return { route, subscription, index };
    });
  }

  /** Whether every subscription is subscribed on at least one nsqd. */
  get isSubscribed(): boolean {
    return this.active.every((a) => a.subscription.isSubscribed);
  }

  /** Messages held: handlers running, settlements (dead-letter publishes) pending. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** `topic/channel` of each subscription. */
  get subscriptions(): string[] {
    return this.active.map((a) => `${a.route.topic}/${a.route.channel}`);
  }

  /** The nsqjs Readers, one per subscription. */
  get readers(): unknown[] {
    return this.active.map((a) => a.subscription.reader);
  }

  /** Per subscription: messages held and nsqds subscribed on (what the metrics' gauges read). */
  describeSubscriptions(): Array<{ readonly topic: string; readonly channel: string; readonly inFlight: number; readonly connections: number }> {
    return this.active.map(({ route, subscription, index }) => ({
      topic: route.topic,
      channel: route.channel,
      inFlight: this.inFlight.sizeOf(index),
      connections: subscription.subscribedAddresses.length,
    }));
  }

  /**
   * Prepares the topology, subscribes everywhere and resolves as soon as each
   * subscription is acknowledged by an nsqd; rejects with NsqTimeoutError
   * (after closing) past `readyTimeoutMs`.
   */
  async listen(): Promise<void> {
    await this.topology.prepare();
    for (const { subscription } of this.active) subscription.start();
    const subscribed = Promise.all(this.active.map((a) => a.subscription.whenSubscribed()));
    const deadline = Date.now() + this.options.readyTimeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closing) break;
      if (await settlesWithin(subscribed, Math.min(remaining, LOOKUPD_RETRY_MS))) return;
      // An nsqd that registered with lookupd after the first ask has no topic yet: create it there, ask again.
      if (this.options.lookupdHttpAddresses.length > 0) {
        void this.topology.prepare().then(() => {
          for (const { subscription } of this.active) if (!subscription.isSubscribed) subscription.queryLookupd();
        });
      }
    }
    const missing = this.active.filter((a) => !a.subscription.isSubscribed).map((a) => `${a.route.topic}/${a.route.channel}`);
    await this.close();
    throw new NsqTimeoutError(`no nsqd subscription within ${this.options.readyTimeoutMs} ms for ${missing.join(', ')} (nsqd: ${this.describeSources()})`, 'listen', this.options.readyTimeoutMs);
  }

  /**
   * Stops taking messages (RDY 0), waits up to `drainTimeoutMs` for what is
   * held, requeues (REQ 0) what is still running, then closes. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.drainAndClose();
    return this.closing;
  }

  /** The hooks of subscription `index`; they only fire once it started, so `this.active[index]` exists. */
  private subscriptionHooks(index: number): NsqSubscriptionHooks {
    const active = () => this.active[index]!;
    return {
      onMessage: (message) => this.onMessage(active(), message),
      onSubscribed: (address) => {
        const { topic, channel } = active().route;
        this.logger.log(`Subscribed to ${topic}/${channel} on nsqd ${address}`);
        this.hooks.onSubscribed({ address, topic, channel });
      },
      onUnsubscribed: (address) => {
        const { topic, channel } = active().route;
        if (!this.closing) this.logger.warn(`Lost nsqd ${address} for ${topic}/${channel}; reconnecting`);
        this.hooks.onUnsubscribed({ address, topic, channel });
      },
      onError: (error, failures) => this.reportError(error, active().route, failures),
    };
  }

  protected onMessage(active: ActiveRoute<R>, message: Message): void {
    const delivery = new NsqDelivery(message, active.route.topic, active.route.channel);
    const held = this.inFlight.get(active.index, delivery.id);
    if (held) return this.onRedelivery(active, held, message);
    // Arrived after close began: straight back to nsqd, for another consumer.
    if (this.closing) return this.settle(delivery, REQUEUE_NOW);
    this.inFlight.add(active.index, delivery);
    this.keepAlive(delivery);
    // What stays in memory while the handler runs is the delivery and the two callbacks below
    // (one context): the release callback is only made when the delivery is settled.
    if ((this.options.envelope || active.route.request) && !this.openEnvelope(delivery, () => this.release(active, delivery))) return;
    const early = decideOnArrival(delivery.attempts, this.options);
    if (early) return this.settle(delivery, early, () => this.release(active, delivery));
    this.hooks.handle(delivery, active.route).then(
      () => this.afterHandling(active, delivery, false, undefined),
      (error: unknown) => this.afterHandling(active, delivery, true, error),
    );
  }

  /**
   * Envelope mode: takes the body apart. A malformed envelope is dead-lettered
   * (undecodable); a deferred message that arrived before its
   * `nsq-deliver-at` (nsqd restarted) is deferred again for the time left,
   * its handler not run, the delivery not counted as an attempt. Returns
   * whether the message goes on to its handler.
   */
  private openEnvelope(delivery: NsqDelivery, release: () => void): boolean {
    let opened;
    try {
      // nsqjs's `body` is a new slice of the frame on every read: the envelope is read in the frame itself.
      const frame = nsqjsMessageFrame(delivery.message);
      opened = frame ? openNsqBodyAt(frame, NSQJS_FRAME_BODY_START) : openNsqBody(delivery.message.body);
    } catch (error) {
      this.settle(delivery, { kind: 'dead-letter', reason: 'undecodable', detail: (error as Error).message }, release);
      return false;
    }
    delivery.open(opened, this.early.of(delivery.id));
    // The header map is built only when read: most messages carry no due time.
    const remaining = opened.deliverAt === undefined ? 0 : msUntilDue(opened.headers);
    if (remaining === 0) return true;
    this.early.add(delivery.id);
    this.earlyCount += 1;
    if ((this.earlyCount & (this.earlyCount - 1)) === 0) {
      this.logger.log(
        `Message ${delivery.id} on ${delivery.topic}/${delivery.channel} arrived ${remaining} ms before its ${NSQ_HEADER.deliverAt} (nsqd restarted?); ` +
          `deferred again for the time left, not counted as an attempt (${this.earlyCount} such so far)`,
      );
    }
    this.settle(delivery, { kind: 'requeue', delayMs: remaining, backoff: false }, release);
    return false;
  }

  /** After the handler: the settlement its outcome calls for (ObservedNsqConsumer records a failure here). */
  protected afterHandling(active: ActiveRoute<R>, delivery: NsqDelivery, failed: boolean, error: unknown): void {
    const release = () => this.release(active, delivery);
    try {
      const action = decideAfterHandling({ failed, error, alreadySettled: delivery.isSettled, attempts: delivery.attempts, rejected: delivery.rejectedBecause }, this.options);
      this.settle(delivery, action, release);
    } catch (bug) {
      // A throwing listener or policy function must not become an unhandled rejection (which ends the process).
      release();
      this.reportError(bug instanceof Error ? bug : new Error(String(bug)));
    }
  }

  /**
   * nsqd delivered a message this consumer still holds: its timeout passed
   * (TOUCH off, stopped at maxHandlerTimeMs, or a lost connection). Its
   * handler is not run again beside the one running.
   */
  private onRedelivery(active: ActiveRoute<R>, held: NsqDelivery, message: Message): void {
    if (held.isSettled) {
      // The handler requeued it by hand and is still running: this copy waits its turn.
      this.settle(new NsqDelivery(message, held.topic, held.channel), { kind: 'requeue', delayMs: this.options.requeueDelayMs(message.attempts), backoff: false });
      return;
    }
    active.subscription.forget(held.redelivered(message));
    if (held.copiesReceived === 2) {
      this.logger.warn(`Message ${held.id} on ${held.topic}/${held.channel} was redelivered by nsqd (attempt ${message.attempts}) while its handler still runs; that handler keeps it and settles the new copy`);
    }
  }

  /**
   * The one place a delivery is settled. FIN and REQ are written at once; a
   * dead-letter publishes first, then settles through here again. `onSettled`
   * runs once the settlement is complete.
   */
  protected settle(delivery: NsqDelivery, action: NsqSettlementAction, onSettled?: () => void): void {
    switch (action.kind) {
      case 'none':
        break;
      case 'finish':
        delivery.finish();
        break;
      case 'requeue':
        if (delivery.requeue(action.delayMs, action.backoff) && action.detail !== undefined) {
          this.logger.warn(
            `Message ${delivery.id} on ${delivery.topic}/${delivery.channel} failed on attempt ${delivery.attempts} (${action.detail}); ` +
              `requeued in ${Math.round(action.delayMs)} ms${action.backoff ? ' with channel backoff' : ''}`,
          );
        }
        break;
      case 'dead-letter':
        this.deadLetter(delivery, action)
          .catch((bug: unknown) => this.reportError(bug instanceof Error ? bug : new Error(String(bug))))
          .finally(onSettled);
        return;
    }
    onSettled?.();
  }

  /** Publishes the body to `deadLetterTopic` (if any), then FINs; requeues instead when the publish fails. Never rejects. */
  private async deadLetter(delivery: NsqDelivery, action: Extract<NsqSettlementAction, { kind: 'dead-letter' }>): Promise<void> {
    const deadLetterTopic = this.options.deadLetterTopic;
    const where = `message ${delivery.id} on ${delivery.topic}/${delivery.channel}`;
    const at = Date.now();
    if (deadLetterTopic) {
      try {
        // Created on first use: most services never dead-letter anything.
        this.deadLetters ??= this.createDeadLetterPublisher();
        await this.deadLetters.publish(deadLetterTopic, [this.deadLetterBody(delivery, action, at)]);
      } catch (error) {
        // Not stored anywhere yet: keep it in NSQ rather than finish and lose it.
        this.logger.error(`Dead-letter publish to ${deadLetterTopic} failed for ${where}; requeueing: ${describeFailure(error)}`);
        this.settle(delivery, { kind: 'requeue', delayMs: this.options.requeueDelayMs(delivery.attempts), backoff: false });
        return;
      }
    }
    this.settle(delivery, FINISH);
    // Requeued by the drain deadline while publishing: it comes back, and is given up on again then.
    if (delivery.settledAs !== 'finished') return;
    const { detail, reason } = action;
    const info: NsqDeadLetterInfo = {
      id: delivery.id,
      topic: delivery.topic,
      channel: delivery.channel,
      attempts: delivery.attempts,
      reason,
      ...(detail !== undefined ? { detail } : {}),
      ...(deadLetterTopic ? { deadLetterTopic } : {}),
      at,
      headers: delivery.headers,
    };
    this.logger.warn(
      `Giving up on ${where} after ${info.attempts} attempt(s) (${reason}${detail !== undefined ? `: ${detail}` : ''})` +
        (deadLetterTopic ? `; copied to ${deadLetterTopic}` : '; dropped (no deadLetterTopic)'),
    );
    this.hooks.onDeadLetter(info);
  }

  /**
   * What the dead-letter topic receives: in raw mode the original body, byte
   * for byte; in envelope mode an envelope of the original payload whose
   * headers are the original ones plus where, when and why it was given up
   * (WIRE.md §2.3; earlier `nsq-dl-*` headers are replaced).
   */
  private deadLetterBody(delivery: NsqDelivery, action: Extract<NsqSettlementAction, { kind: 'dead-letter' }>, at: number): Buffer {
    if (!this.options.envelope) return delivery.message.body;
    const original: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const name in delivery.headers) if (!name.startsWith(DEAD_LETTER_PREFIX)) original[name] = delivery.headers[name]!;
    const provenance: NsqHeaders = {
      [NSQ_HEADER.deadLetterTopic]: delivery.topic,
      [NSQ_HEADER.deadLetterChannel]: delivery.channel,
      [NSQ_HEADER.deadLetterMessageId]: delivery.id,
      [NSQ_HEADER.deadLetterAttempts]: String(delivery.attempts),
      [NSQ_HEADER.deadLetterReason]: action.reason,
      ...(action.detail !== undefined ? { [NSQ_HEADER.deadLetterDetail]: action.detail } : {}),
      [NSQ_HEADER.deadLetterAt]: String(at),
    };
    try {
      return encodeNsqEnvelope(mergeNsqHeaders(original, provenance), delivery.payload);
    } catch {
      // The original headers leave no room for the provenance (WIRE.md §2.2 limits): the provenance wins.
      return encodeNsqEnvelope(provenance, delivery.payload);
    }
  }

  private release(active: ActiveRoute<R>, delivery: NsqDelivery): void {
    this.inFlight.delete(active.index, delivery);
    if (delivery.settledAs === 'finished') this.early.forget(delivery.id);
  }

  /**
   * Keeps `delivery` in flight at nsqd while its handler runs, by a sweep
   * over the registry. The sweep stops itself once it finds nothing held (not
   * on every release: at one message in flight that would be a timer created
   * and cleared per message).
   */
  private keepAlive(delivery: NsqDelivery): void {
    if (!this.options.autoTouch) return;
    const every = delivery.msgTimeoutMs * TOUCH_SWEEP_FRACTION;
    if (this.sweepTimer !== undefined && every >= this.sweepEveryMs) return;
    clearInterval(this.sweepTimer);
    this.sweepEveryMs = Math.min(this.sweepEveryMs, every);
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepEveryMs).unref();
  }

  private sweep(): void {
    if (this.inFlight.size === 0) return this.stopSweeping();
    const now = Date.now();
    for (const delivery of this.inFlight.values()) {
      if (delivery.isSettled || this.overtime.has(delivery)) continue;
      if (now - delivery.receivedAt >= this.options.maxHandlerTimeMs) {
        this.overtime.add(delivery);
        this.logger.warn(
          `Message ${delivery.id} on ${delivery.topic}/${delivery.channel} still held after maxHandlerTimeMs (${this.options.maxHandlerTimeMs} ms): ` +
            'no longer touching it, so nsqd will deliver it again when its timeout passes (the copy waits for this handler)',
        );
        continue;
      }
      if (now - delivery.lastTouchedAt >= delivery.msgTimeoutMs * TOUCH_AFTER_FRACTION) delivery.touch(now);
    }
  }

  private stopSweeping(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepEveryMs = Number.POSITIVE_INFINITY;
  }

  private async drainAndClose(): Promise<void> {
    for (const { subscription } of this.active) subscription.pause();
    if (this.inFlight.size > 0 && this.options.drainTimeoutMs > 0) {
      this.logger.log(`Draining ${this.inFlight.size} message(s) in flight (up to ${this.options.drainTimeoutMs} ms)`);
      await this.inFlight.whenEmpty(this.options.drainTimeoutMs);
    }
    const leftover = [...this.inFlight.values()].filter((delivery) => !delivery.isSettled);
    if (leftover.length > 0) {
      this.logger.warn(`Drain timeout: requeueing ${leftover.length} message(s) whose handlers are still running`);
      for (const delivery of leftover) this.settle(delivery, REQUEUE_NOW);
    }
    this.stopSweeping();
    // nsqjs writes FIN/REQ on the next tick; let them reach the socket before CLS.
    await nextMacrotask();
    // Resolves once every connection closed: with compression the last FINs leave the compressor only then.
    await Promise.all(this.active.map(({ subscription }) => subscription.close()));
    await this.deadLetters?.close(HTTP_TIMEOUT_MS);
  }

  /** The nsqds this consumer knows: configured, subscribed on, discovered through lookupd. */
  get nsqdAddresses(): string[] {
    const subscribed = this.active.flatMap((a) => a.subscription.subscribedAddresses);
    return [...new Set([...this.options.nsqdTcpAddresses, ...subscribed, ...this.topology.discovered])];
  }

  private createDeadLetterPublisher(): NsqDeadLetterPublisher {
    const addresses = this.nsqdAddresses;
    if (this.factories.deadLetterPublisher) return this.factories.deadLetterPublisher(addresses);
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
        onError: (_address, error) => this.reportError(error),
        onAvailabilityChange: () => undefined,
      },
    );
  }

  /** Every error reaches the owner; the log gets one line per outage (and at powers of two while it lasts). */
  private reportError(error: Error, route?: NsqSubscriptionSpec, failures = 1): void {
    if ((failures & (failures - 1)) === 0) {
      const repeated = failures > 1 ? ` (${failures} errors in this outage)` : '';
      this.logger.error(route ? `${route.topic}/${route.channel}: ${error.message}${repeated}` : error.message);
    }
    this.hooks.onError(error, route ? { address: '', topic: route.topic, channel: route.channel } : undefined);
  }

  private describeSources(): string {
    return [...this.options.nsqdTcpAddresses, ...this.options.lookupdHttpAddresses.map((a) => `lookupd ${a}`)].join(', ');
  }
}

/** Whether `promise` resolves within `ms`; the timer is cleared either way. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
