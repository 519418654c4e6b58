import type { Attributes, Histogram, Span, SpanOptions } from '@opentelemetry/api';
import type { Message } from 'nsqjs';
import { NsqConsumer, type ActiveRoute, type NsqConsumerFactories, type NsqConsumerHooks, type NsqConsumerLogger, type NsqSubscriptionSpec } from '../nsq/nsq-consumer.js';
import type { NsqDelivery } from '../nsq/nsq-delivery.js';
import type { NsqSettlementAction } from '../nsq/nsq-settlement-policy.js';
import type { ResolvedServerNsqOptions } from '../options/resolve-server-options.js';
import { NSQ_DURATION_BUCKETS } from './nsq-publish-telemetry.js';
import { NSQ_METRIC, NSQ_SPAN_ATTRIBUTE as A, NSQ_SPAN_EVENT, NSQ_SYSTEM, type NsqOutcome } from './nsq-telemetry-names.js';
import type { NsqTelemetry } from './nsq-telemetry.js';
import { withTraceIds } from './nsq-trace-logger.js';

/** One message's telemetry, from its handler's start (or its first settlement) to its final FIN or REQ. */
interface Processing {
  readonly span: Span | undefined;
  /** Its subscription's counts (metrics on), found once when it arrived. */
  readonly tally: RouteTally | undefined;
  /** `performance.now()` when the handler started; undefined for a message settled without running it. */
  readonly startedAt: number | undefined;
  errorType?: string;
  deadLetterReason?: string;
  /** Its final FIN or REQ was counted (a dead-letter's FIN runs inside the dead-letter's own settle). */
  done?: boolean;
}

/** What a route's CONSUMER spans start with. */
interface RouteSpan {
  readonly spanName: string;
  /** Its kind (CONSUMER) and start attributes: one object per route, not per message. */
  readonly options: SpanOptions;
}

/**
 * A subscription's counts, kept as plain numbers and reported to observable
 * counters when the metrics are collected: per message a `+= 1`, not an SDK
 * call (which hashes its attributes on every call).
 */
interface RouteTally {
  readonly attributes: Attributes;
  /** The process-duration labels by outcome (then error type), built once each. */
  readonly durationLabels: Map<string, Attributes>;
  consumed: number;
  finished: number;
  requeued: number;
  readonly deadLettered: Map<string, number>;
}

/**
 * The {@link NsqConsumer} a ServerNsq with `tracing` or `metrics` on runs (a
 * plain one otherwise: no per-message cost when off). Adds a CONSUMER span
 * per handler run, child of the trace context its envelope carries and active
 * while the handler runs (so the handler's own spans and the transport's log
 * lines join it), with the requeue and dead-letter as span events; and the
 * consumer metrics. Every FIN/REQ still goes through the consumer's one
 * `settle`, which this observes.
 */
export class ObservedNsqConsumer<R extends NsqSubscriptionSpec = NsqSubscriptionSpec> extends NsqConsumer<R> {
  private readonly processing = new WeakMap<NsqDelivery, Processing>();
  /** The process-duration histogram; undefined with metrics off. */
  private readonly duration: Histogram | undefined;
  /** Counts per subscription (`topic/channel`). */
  private readonly tallies = new Map<string, RouteTally>();
  /** The same, by route object: found per message without building a key. */
  private readonly routeTallies = new WeakMap<R, RouteTally>();
  /** The route last looked up and its tally: a message's arrival and its handler run ask for the same one (no lookup the second time). */
  private lastRoute: R | undefined;
  private lastTally: RouteTally | undefined;
  private readonly deadLetterTopic: string | undefined;
  private readonly routeSpans = new WeakMap<R, RouteSpan>();

  constructor(routes: readonly R[], options: ResolvedServerNsqOptions, hooks: NsqConsumerHooks<R>, logger: NsqConsumerLogger, private readonly telemetry: NsqTelemetry, factories?: NsqConsumerFactories) {
    const self: { consumer?: ObservedNsqConsumer<R> } = {};
    const handle = hooks.handle;
    super(routes, options, { ...hooks, handle: (delivery, route) => self.consumer!.handleObserved(delivery, route, handle) }, telemetry.tracer ? withTraceIds(logger, telemetry) : logger, factories);
    self.consumer = this;
    this.deadLetterTopic = options.deadLetterTopic;
    this.duration = this.createInstruments();
  }

  protected override onMessage(active: ActiveRoute<R>, message: Message): void {
    if (this.duration) this.routeTally(active.route).consumed += 1;
    super.onMessage(active, message);
  }

  /**
   * Runs the handler inside its span (tracing) and times it (metrics). Its
   * failure is recorded in {@link afterHandling}, where the consumer learns
   * of it anyway: no extra promise per message.
   */
  private handleObserved(delivery: NsqDelivery, route: R, handle: NsqConsumerHooks<R>['handle']): Promise<void> {
    const { api, tracer } = this.telemetry;
    const startedAt = performance.now();
    const tally = this.duration ? this.routeTally(route) : undefined;
    if (!tracer) {
      this.processing.set(delivery, { span: undefined, tally, startedAt });
      return handle(delivery, route);
    }
    const parent = this.telemetry.extract(api.context.active(), delivery);
    const described = this.describe(route);
    // What a sampler may decide on is given at the start (the attributes semantic conventions ask for at creation);
    // the message's own only when the span is recorded, so an unsampled message builds nothing more.
    const span = tracer.startSpan(described.spanName, described.options, parent);
    if (span.isRecording()) {
      span.setAttribute(A.messageId, delivery.id);
      span.setAttribute(A.attempts, delivery.attempts);
      span.setAttribute(A.bodySize, delivery.payload.length);
    }
    this.processing.set(delivery, { span, tally, startedAt });
    return api.context.with(api.trace.setSpan(parent, span), handle, undefined, delivery, route);
  }

  /** A failed handler run: its error type for the process duration, and the span's error status and exception. */
  protected override afterHandling(active: ActiveRoute<R>, delivery: NsqDelivery, failed: boolean, error: unknown): void {
    if (failed) {
      const processing = this.processing.get(delivery);
      if (processing) {
        processing.errorType = errorTypeOf(error);
        const span = processing.span;
        if (span) {
          span.setAttribute(A.errorType, processing.errorType);
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: this.telemetry.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        }
      }
    }
    super.afterHandling(active, delivery, failed, error);
  }

  /**
   * Every settlement passes here: a requeue or dead-letter decision becomes a
   * span event; the final FIN or REQ ends the span, counts the outcome and
   * records the process duration. Runs inside the message's span, so the
   * consumer's lines about it carry its trace id.
   */
  protected override settle(delivery: NsqDelivery, action: NsqSettlementAction, onSettled?: () => void): void {
    let processing = this.processing.get(delivery);
    const before = delivery.settledAs;
    const span = processing?.span;
    if (action.kind === 'dead-letter') {
      if (!processing) this.processing.set(delivery, (processing = { span: undefined, tally: undefined, startedAt: undefined }));
      processing.deadLetterReason = action.reason;
      span?.addEvent(NSQ_SPAN_EVENT.deadLetter, {
        [A.deadLetterReason]: action.reason,
        ...(this.deadLetterTopic ? { [A.deadLetterTopic]: this.deadLetterTopic } : {}),
      });
    } else if (action.kind === 'requeue' && span && !delivery.isSettled) {
      span.addEvent(NSQ_SPAN_EVENT.requeue, { [A.requeueDelay]: Math.round(action.delayMs), [A.attempts]: delivery.attempts });
    }
    // A FIN (or nothing) writes no log line: no context to set for it.
    if (span && action.kind !== 'finish' && action.kind !== 'none') {
      const { api } = this.telemetry;
      api.context.with(api.trace.setSpan(api.context.active(), span), () => super.settle(delivery, action, onSettled));
    } else {
      super.settle(delivery, action, onSettled);
    }
    const after = delivery.settledAs;
    // Counted once: the settlement that took effect now, or the one the handler made itself (action 'none').
    if (after === undefined || processing?.done) return;
    if (action.kind === 'none' ? processing === undefined : before !== undefined) return;
    const outcome: NsqOutcome = after === 'requeued' ? 'requeued' : processing?.deadLetterReason ? 'dead_lettered' : 'finished';
    this.ended(delivery, processing, outcome);
  }

  private ended(delivery: NsqDelivery, processing: Processing | undefined, outcome: NsqOutcome): void {
    if (processing) {
      processing.done = true;
      this.processing.delete(delivery);
    }
    if (processing?.span) {
      processing.span.setAttribute(A.outcome, outcome);
      processing.span.end();
    }
    if (!this.duration) return;
    const tally = processing?.tally ?? this.tallyOf(delivery.topic, delivery.channel);
    if (outcome === 'finished') tally.finished += 1;
    else if (outcome === 'requeued') tally.requeued += 1;
    else {
      const reason = processing!.deadLetterReason!;
      tally.deadLettered.set(reason, (tally.deadLettered.get(reason) ?? 0) + 1);
    }
    if (processing?.startedAt !== undefined) this.duration.record((performance.now() - processing.startedAt) / 1000, durationLabels(tally, outcome, processing.errorType));
  }

  private routeTally(route: R): RouteTally {
    if (route === this.lastRoute) return this.lastTally!;
    let tally = this.routeTallies.get(route);
    if (!tally) this.routeTallies.set(route, (tally = this.tallyOf(route.topic, route.channel)));
    this.lastRoute = route;
    this.lastTally = tally;
    return tally;
  }

  /** A route's span name and start attributes, built once. */
  private describe(route: R): RouteSpan {
    let described = this.routeSpans.get(route);
    if (!described) {
      const attributes: Attributes = Object.freeze({
        [A.system]: NSQ_SYSTEM,
        [A.operationType]: 'process',
        [A.operationName]: 'process',
        [A.destination]: route.topic,
        [A.consumerGroup]: route.channel,
      });
      described = { spanName: `process ${route.topic}`, options: Object.freeze({ kind: this.telemetry.api.SpanKind.CONSUMER, attributes }) };
      this.routeSpans.set(route, described);
    }
    return described;
  }

  private tallyOf(topic: string, channel: string): RouteTally {
    const key = `${topic}/${channel}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      tally = { attributes: { [A.system]: NSQ_SYSTEM, [A.destination]: topic, [A.consumerGroup]: channel }, durationLabels: new Map(), consumed: 0, finished: 0, requeued: 0, deadLettered: new Map() };
      this.tallies.set(key, tally);
    }
    return tally;
  }

  /** Registers the instruments; returns the one recorded per message (the histogram), undefined with metrics off. */
  private createInstruments(): Histogram | undefined {
    const meter = this.telemetry.getMeter();
    if (!meter) return undefined;
    const counter = (name: string, description: string, read: (tally: RouteTally, observe: (value: number, attributes: Attributes) => void) => void) =>
      meter.createObservableCounter(name, { unit: '{message}', description }).addCallback((result) => {
        for (const tally of this.tallies.values()) read(tally, (value, attributes) => result.observe(value, attributes));
      });
    counter(NSQ_METRIC.consumed, 'Messages delivered by nsqd to this consumer (redeliveries included)', (t, observe) => observe(t.consumed, t.attributes));
    counter(NSQ_METRIC.finished, 'Messages handled and finished (FIN)', (t, observe) => observe(t.finished, t.attributes));
    counter(NSQ_METRIC.requeued, 'Messages requeued (REQ): failed handlers, early deferred deliveries, arrivals while closing, drain deadline', (t, observe) => observe(t.requeued, t.attributes));
    counter(NSQ_METRIC.deadLettered, 'Messages given up on (copied to the dead-letter topic if any, then finished)', (t, observe) => {
      for (const [reason, value] of t.deadLettered) observe(value, { ...t.attributes, [A.deadLetterReason]: reason });
    });
    meter
      .createObservableUpDownCounter(NSQ_METRIC.inFlight, { unit: '{message}', description: 'Messages held by the consumer: handlers running, settlements pending' })
      .addCallback((result) => {
        for (const s of this.describeSubscriptions()) result.observe(s.inFlight, this.tallyOf(s.topic, s.channel).attributes);
      });
    meter
      .createObservableUpDownCounter(NSQ_METRIC.connections, { unit: '{connection}', description: 'nsqd connections open, by role (producer, consumer)' })
      .addCallback((result) => {
        for (const s of this.describeSubscriptions()) result.observe(s.connections, { ...this.tallyOf(s.topic, s.channel).attributes, 'nsq.role': 'consumer' });
      });
    return meter.createHistogram(NSQ_METRIC.processDuration, {
      unit: 's',
      description: 'From the handler starting to the message being settled',
      advice: { explicitBucketBoundaries: NSQ_DURATION_BUCKETS },
    });
  }
}

/** The process-duration labels of `tally`'s subscription for an outcome (and error type): one object per combination, reused. */
function durationLabels(tally: RouteTally, outcome: NsqOutcome, errorType: string | undefined): Attributes {
  const key = errorType === undefined ? outcome : `${outcome}\0${errorType}`;
  let labels = tally.durationLabels.get(key);
  if (!labels) {
    labels = { ...tally.attributes, [A.outcome]: outcome };
    if (errorType !== undefined) labels[A.errorType] = errorType;
    tally.durationLabels.set(key, labels);
  }
  return labels;
}

function errorTypeOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
