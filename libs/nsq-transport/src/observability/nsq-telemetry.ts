import type { Context, Meter, TextMapGetter, TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { NsqHeaders } from '../wire/nsq-headers.js';
import { loadOpenTelemetryApi, type OpenTelemetryApi } from './load-opentelemetry-api.js';
import { NSQ_TELEMETRY_SCOPE } from './nsq-telemetry-names.js';
import type { ResolvedNsqObservability } from './resolve-observability-options.js';

/**
 * What a client or server with `tracing` and/or `metrics` on works with: the
 * OpenTelemetry API (loaded here, lazily), its tracer, its propagator and,
 * at first use, its meter. A transport with both off never builds one, so
 * its hot paths do nothing extra, not even a check.
 */
export class NsqTelemetry {
  /** The tracer, when tracing is on. */
  readonly tracer: Tracer | undefined;
  private readonly propagator: TextMapPropagator | undefined;
  private meter: Meter | undefined;

  private constructor(
    readonly api: OpenTelemetryApi,
    private readonly options: ResolvedNsqObservability,
  ) {
    const tracing = options.tracing;
    if (tracing) {
      // The global tracer is a proxy: a provider registered after this still gets the spans.
      this.tracer = tracing.tracerProvider ? (tracing.tracerProvider.getTracer(NSQ_TELEMETRY_SCOPE) as Tracer) : api.trace.getTracer(NSQ_TELEMETRY_SCOPE);
      this.propagator = (tracing.propagator as TextMapPropagator | undefined) ?? api.propagation;
    }
  }

  /** `undefined` when tracing and metrics are both off (nothing is loaded then). */
  static create(options: ResolvedNsqObservability): NsqTelemetry | undefined {
    if (!options.tracing && !options.metrics) return undefined;
    return new NsqTelemetry(loadOpenTelemetryApi(options.tracing ? 'tracing' : 'metrics'), options);
  }

  /**
   * The meter, when metrics are on. Asked for when the transport starts (the
   * client's first connection or emit, the server's listen): the global meter
   * provider is not a proxy, so it must be registered by then.
   */
  getMeter(): Meter | undefined {
    const metrics = this.options.metrics;
    if (!metrics) return undefined;
    this.meter ??= metrics.meterProvider ? (metrics.meterProvider.getMeter(NSQ_TELEMETRY_SCOPE) as Meter) : this.api.metrics.getMeter(NSQ_TELEMETRY_SCOPE);
    return this.meter;
  }

  /** Writes `context`'s trace context (`traceparent`, `tracestate`) into `headers`. */
  inject(context: Context, headers: Record<string, string>): void {
    this.propagator?.inject(context, headers, this.api.defaultTextMapSetter);
  }

  /**
   * `context` with the trace context read from a message's headers (unchanged
   * when they carry none). The propagator (the user's, or the global one)
   * asks for the names it reads, one by one: each is looked up in the
   * envelope's bytes, no header map is built unless it asks for all the names.
   */
  extract(context: Context, message: NsqHeaderSource): Context {
    return this.propagator ? this.propagator.extract(context, message, HEADER_GETTER) : context;
  }

  /** ` [trace_id=… span_id=…]` for the active span, or '' when none is active: what the transport's log lines end with. */
  traceSuffix(): string {
    const span = this.api.trace.getActiveSpan();
    if (!span) return '';
    const ids = span.spanContext();
    return this.api.isSpanContextValid(ids) ? ` [trace_id=${ids.traceId} span_id=${ids.spanId}]` : '';
  }
}

/** A received message's headers: one by name (without building the map), or all of them. */
export interface NsqHeaderSource {
  readonly headers: NsqHeaders;
  header(name: string): string | undefined;
}

/** What `defaultTextMapGetter` does on the header map (`carrier[key]`, `Object.keys`), reading one value at a time. */
const HEADER_GETTER: TextMapGetter<NsqHeaderSource> = {
  get: (message, key) => message.header(key),
  keys: (message) => Object.keys(message.headers),
};
