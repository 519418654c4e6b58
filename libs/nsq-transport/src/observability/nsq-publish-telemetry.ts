import type { Attributes, Counter, Histogram, Span } from '@opentelemetry/api';
import type { ReadPacket } from '@nestjs/microservices';
import { isValidNsqName } from '../nsq/nsq-names.js';
import { NsqRecord } from '../record-builders/nsq.record-builder.js';
import type { NsqHeaders } from '../wire/nsq-headers.js';
import { NSQ_METRIC, NSQ_SPAN_ATTRIBUTE as A, NSQ_SYSTEM } from './nsq-telemetry-names.js';
import type { NsqTelemetry } from './nsq-telemetry.js';

/** ClientNsq's publish of one packet; `transport` are the trace headers to carry (envelope mode). */
export type NsqPublishPacket = (packet: ReadPacket, transport?: NsqHeaders) => Promise<void>;

/** A topic label for a pattern that is no valid NSQ name (the emit is refused): bounded, never the pattern itself. */
const INVALID_TOPIC = '_invalid';
/** Histogram buckets (seconds) for publish and process durations: 0.5 ms .. 10 s. */
export const NSQ_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface PublishInstruments {
  readonly sent: Counter;
  readonly duration: Histogram;
}

/**
 * Wraps ClientNsq's publish with a PRODUCER span per emit (one per batch
 * record, `messaging.batch.message_count` its size) whose context travels in
 * the envelope's `traceparent` / `tracestate` headers, and with the publish
 * metrics. In raw mode the span is made, nothing is propagated (a raw body
 * has no room for headers). `connections` reads how many nsqd connections
 * the producer has, for the `nsq.connections` gauge.
 */
export function instrumentPublish(publish: NsqPublishPacket, telemetry: NsqTelemetry, envelope: boolean, connections: () => number): NsqPublishPacket {
  const { api, tracer } = telemetry;
  const attributesByTopic = new Map<string, Attributes>();
  let instruments: PublishInstruments | null | undefined;

  const attributesOf = (topic: string): Attributes => {
    let attributes = attributesByTopic.get(topic);
    if (!attributes) {
      attributes = { [A.system]: NSQ_SYSTEM, [A.operationName]: 'publish', [A.destination]: topic };
      attributesByTopic.set(topic, attributes);
    }
    return attributes;
  };

  const instrumentsOnce = (): PublishInstruments | null => {
    if (instruments !== undefined) return instruments;
    const meter = telemetry.getMeter();
    if (!meter) return (instruments = null);
    meter
      .createObservableUpDownCounter(NSQ_METRIC.connections, { unit: '{connection}', description: 'nsqd connections open, by role (producer, consumer)' })
      .addCallback((result) => result.observe(connections(), { [A.system]: NSQ_SYSTEM, 'nsq.role': 'producer' }));
    return (instruments = {
      sent: meter.createCounter(NSQ_METRIC.sent, { unit: '{message}', description: 'Messages published (acknowledged by nsqd, or failed with error.type)' }),
      duration: meter.createHistogram(NSQ_METRIC.publishDuration, {
        unit: 's',
        description: 'Duration of a publish, from emit() to nsqd acknowledging it',
        advice: { explicitBucketBoundaries: NSQ_DURATION_BUCKETS },
      }),
    });
  };

  return (packet, transportHeaders) => {
    const pattern = typeof packet.pattern === 'number' ? String(packet.pattern) : packet.pattern;
    const topic = isValidNsqName(pattern) ? pattern : INVALID_TOPIC;
    const record = packet.data instanceof NsqRecord ? packet.data : undefined;
    const count = record?.isBatch && Array.isArray(record.data) ? record.data.length : 1;
    const metrics = instrumentsOnce();
    const started = metrics ? performance.now() : 0;
    let span: Span | undefined;
    let headers = transportHeaders;
    if (tracer) {
      const attributes: Attributes = { [A.system]: NSQ_SYSTEM, [A.operationType]: 'send', [A.operationName]: 'publish', [A.destination]: topic };
      if (record?.isBatch) attributes[A.batchCount] = count;
      const parent = api.context.active();
      span = tracer.startSpan(`publish ${topic}`, { kind: api.SpanKind.PRODUCER, attributes }, parent);
      if (envelope) {
        const carrier: Record<string, string> = { ...transportHeaders };
        telemetry.inject(api.trace.setSpan(parent, span), carrier);
        headers = carrier;
      }
    }
    let sent: Promise<void>;
    try {
      sent = publish(packet, headers);
    } catch (error) {
      sent = Promise.reject(error);
    }
    return sent.then(
      () => {
        span?.end();
        if (metrics) {
          const attributes = attributesOf(topic);
          metrics.sent.add(count, attributes);
          metrics.duration.record((performance.now() - started) / 1000, attributes);
        }
      },
      (error: unknown) => {
        const errorType = error instanceof Error ? error.name : typeof error;
        if (span) {
          span.setAttribute(A.errorType, errorType);
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          span.end();
        }
        if (metrics) {
          const attributes = { ...attributesOf(topic), [A.errorType]: errorType };
          metrics.sent.add(count, attributes);
          metrics.duration.record((performance.now() - started) / 1000, attributes);
        }
        throw error;
      },
    );
  };
}
