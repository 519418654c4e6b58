import { context, propagation, trace, type Span as ApiSpan } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type HistogramMetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

/** A tracer provider that keeps every ended span in memory. */
export interface SpanRecorder {
  readonly provider: TracerProvider;
  readonly exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
  /** Ended spans named `name`. */
  named(name: string): ReadableSpan[];
}

export function recordSpans(): SpanRecorder {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return {
    provider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    named: (name) => exporter.getFinishedSpans().filter((s) => s.name === name),
  };
}

/**
 * The process-wide OpenTelemetry setup an application makes: an async
 * context manager (active spans follow awaits), the W3C propagator and, if
 * given, a global tracer provider. Returns what undoes it.
 */
export function installGlobalOpenTelemetry(provider?: TracerProvider): () => void {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (provider) trace.setGlobalTracerProvider(provider);
  return () => {
    trace.disable();
    propagation.disable();
    context.disable();
  };
}

/** Runs `fn` inside a new active span (an HTTP request's, say) and returns that span with fn's result. */
export async function inActiveSpan<T>(provider: TracerProvider, name: string, fn: () => Promise<T>): Promise<{ span: ApiSpan; result: T }> {
  const tracer = provider.getTracer('test');
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return { span, result: await fn() };
    } finally {
      span.end();
    }
  });
}

/** A meter provider whose metrics are read on demand (cumulative), through OpenTelemetry's in-memory exporter. */
export interface MetricRecorder {
  readonly provider: MeterProvider;
  /** Collects now; the latest cumulative points of every instrument. */
  collect(): Promise<ResourceMetrics>;
  /** Sum of the points of counter `name` whose attributes include `match`. */
  sum(name: string, match?: Record<string, unknown>): Promise<number>;
  /** Total count of histogram `name`'s points whose attributes include `match`. */
  histogramCount(name: string, match?: Record<string, unknown>): Promise<number>;
  close(): Promise<void>;
}

export function recordMetrics(): MetricRecorder {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // The export interval never fires within a test: collection is forced by collect().
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const collect = async (): Promise<ResourceMetrics> => {
    exporter.reset();
    await reader.forceFlush();
    const all = exporter.getMetrics();
    return all[all.length - 1]!;
  };
  const points = async (name: string, match: Record<string, unknown>): Promise<Array<DataPoint<unknown>>> => {
    const metrics = (await collect()).scopeMetrics.flatMap((scope) => scope.metrics).filter((m) => m.descriptor.name === name);
    return metrics.flatMap((m) => m.dataPoints as Array<DataPoint<unknown>>).filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
  };
  return {
    provider,
    collect,
    sum: async (name, match = {}) => (await points(name, match)).reduce((total, p) => total + (p.value as number), 0),
    histogramCount: async (name, match = {}) => (await points(name, match)).reduce((total, p) => total + (p.value as HistogramMetricData['dataPoints'][number]['value']).count, 0),
    close: () => provider.shutdown(),
  };
}
