import type { Attributes, Histogram, Span, SpanOptions } from '@opentelemetry/api';
import type { ReadPacket } from '@nestjs/microservices';
import { isValidNsqName } from '../nsq/nsq-names.js';
import { NsqRecord } from '../record-builders/nsq.record-builder.js';
import type { NsqHeaders } from '../wire/nsq-headers.js';
import { NSQ_METRIC, NSQ_SPAN_ATTRIBUTE as A, NSQ_SYSTEM } from './nsq-telemetry-names.js';
import type { NsqTelemetry } from './nsq-telemetry.js';

/**
 * ClientNsq's publish of one packet: `done` is called once with nsqd's answer
 * (nothing, or the error); a refusal met before the packet reaches the
 * producer may be thrown instead. `transport` are the trace headers to carry
 * (envelope mode).
 */
export type NsqSubmitPacket = (packet: ReadPacket, done: (error?: Error) => void, transport?: NsqHeaders) => void;

/** A topic label for a pattern that is no valid NSQ name (the emit is refused): bounded, never the pattern itself. */
const INVALID_TOPIC = '_invalid';
/**
 * Histogram buckets (seconds) for publish and process durations: 0.5 ms .. 10 s.
 *
 * The two histograms (one record per emit, one per handled message) are what `metrics` costs per message: everything else
 * is a `+= 1` read at collection. Nearly all of a record is the SDK's: @opentelemetry/sdk-metrics 3.1 builds a key from the
 * attributes on every call (keys sorted, `JSON.stringify` of the pairs, then a map lookup on that string), whatever object is
 * passed (same or new, frozen or not, keys in order or not), about 15 times what a record without attributes costs. The labels
 * are the catalog's, so that cost stays; what is ours per record is a `performance.now()` pair and a reused attributes object.
 */
export const NSQ_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Messages sent for one label set, kept as a plain number and reported to an observable counter at collection (no SDK call per emit). */
interface SentTally {
  readonly attributes: Attributes;
  value: number;
}

/**
 * Wraps ClientNsq's publish with a PRODUCER span per emit (one per batch
 * record, `messaging.batch.message_count` its size) whose context travels in
 * the envelope's `traceparent` / `tracestate` headers, and with the publish
 * metrics. In raw mode the span is made, nothing is propagated (a raw body
 * has no room for headers). The wrapped publish never throws: a refusal
 * thrown by `submit` is recorded and passed to `done`, as nsqd's errors are. `connections` reads how many nsqd connections
 * the producer has, for the `nsq.connections` gauge.
 */
export function instrumentPublish(submit: NsqSubmitPacket, telemetry: NsqTelemetry, envelope: boolean, connections: () => number): NsqSubmitPacket {
  const { api, tracer } = telemetry;
  /** By topic, then (after a NUL) the error type of failed publishes. */
  const sent = new Map<string, SentTally>();
  /** Per valid topic, built at its first emit: the span name, span attributes and success tally (nothing rebuilt per emit). */
  const topics = new Map<string, TopicTelemetry>();
  let duration: Histogram | null | undefined;

  const tallyOf = (topic: string, errorType?: string): SentTally => {
    const key = errorType === undefined ? topic : `${topic}\0${errorType}`;
    let tally = sent.get(key);
    if (!tally) {
      const attributes: Attributes = { [A.system]: NSQ_SYSTEM, [A.operationName]: 'publish', [A.destination]: topic };
      if (errorType !== undefined) attributes[A.errorType] = errorType;
      sent.set(key, (tally = { attributes, value: 0 }));
    }
    return tally;
  };

  const producerKind = api.SpanKind.PRODUCER;
  const describe = (topic: string): TopicTelemetry => {
    const attributes: Attributes = { [A.system]: NSQ_SYSTEM, [A.operationType]: 'send', [A.operationName]: 'publish', [A.destination]: topic };
    return { topic, spanName: `publish ${topic}`, attributes, spanOptions: { kind: producerKind, attributes }, tally: tallyOf(topic) };
  };

  /** Valid topics are cached (an application publishes to a bounded set); a refused pattern is labelled `_invalid`, not cached. */
  const topicOf = (pattern: string): TopicTelemetry => {
    let described = topics.get(pattern);
    if (described) return described;
    if (!isValidNsqName(pattern)) return describe(INVALID_TOPIC);
    topics.set(pattern, (described = describe(pattern)));
    return described;
  };

  const durationOnce = (): Histogram | null => {
    if (duration !== undefined) return duration;
    const meter = telemetry.getMeter();
    if (!meter) return (duration = null);
    meter
      .createObservableCounter(NSQ_METRIC.sent, { unit: '{message}', description: 'Messages published (acknowledged by nsqd, or failed with error.type)' })
      .addCallback((result) => {
        for (const tally of sent.values()) result.observe(tally.value, tally.attributes);
      });
    meter
      .createObservableUpDownCounter(NSQ_METRIC.connections, { unit: '{connection}', description: 'nsqd connections open, by role (producer, consumer)' })
      .addCallback((result) => result.observe(connections(), { [A.system]: NSQ_SYSTEM, 'nsq.role': 'producer' }));
    return (duration = meter.createHistogram(NSQ_METRIC.publishDuration, {
      unit: 's',
      description: 'Duration of a publish, from emit() to nsqd acknowledging it',
      advice: { explicitBucketBoundaries: NSQ_DURATION_BUCKETS },
    }));
  };

  return (packet, done, transportHeaders) => {
    const described = topicOf(typeof packet.pattern === 'number' ? String(packet.pattern) : packet.pattern);
    const record = packet.data instanceof NsqRecord ? packet.data : undefined;
    const batch = record?.isBatch === true;
    const count = batch && Array.isArray(record.data) ? record.data.length : 1;
    const histogram = duration === undefined ? durationOnce() : duration;
    const started = histogram ? performance.now() : 0;
    let span: Span | undefined;
    let headers = transportHeaders;
    if (tracer) {
      const options = batch ? { kind: producerKind, attributes: { ...described.attributes, [A.batchCount]: count } } : described.spanOptions;
      const parent = api.context.active();
      span = tracer.startSpan(described.spanName, options, parent);
      if (envelope) {
        const carrier: Record<string, string> = transportHeaders === undefined ? {} : { ...transportHeaders };
        telemetry.inject(api.trace.setSpan(parent, span), carrier);
        headers = carrier;
      }
    }
    let settled = false;
    const finish = (error?: Error | null): void => {
      if (settled) return;
      settled = true;
      let tally = described.tally;
      if (error) {
        const errorType = error.name;
        if (span) {
          span.setAttribute(A.errorType, errorType);
          span.recordException(error);
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: error.message });
        }
        tally = tallyOf(described.topic, errorType);
      }
      span?.end();
      if (histogram) {
        tally.value += count;
        histogram.record((performance.now() - started) / 1000, tally.attributes);
      }
      if (error) done(error);
      else done();
    };
    try {
      submit(packet, finish, headers);
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

/** What the publish wrapper keeps per topic. */
interface TopicTelemetry {
  /** The topic label: the topic, or `_invalid`. */
  readonly topic: string;
  readonly spanName: string;
  readonly attributes: Attributes;
  /** What a single message's span starts with (a batch record's adds its size). */
  readonly spanOptions: SpanOptions;
  /** Successful publishes to it. */
  readonly tally: SentTally;
}
