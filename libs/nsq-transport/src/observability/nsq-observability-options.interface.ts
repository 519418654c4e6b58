// The OpenTelemetry shapes the options accept, declared structurally: the
// package's types must not need `@opentelemetry/api` (an optional peer) to
// compile. A real TracerProvider, TextMapPropagator and MeterProvider fit them.

/** A source of tracers: an OpenTelemetry `TracerProvider`. */
export interface NsqTracerProvider {
  getTracer(name: string, version?: string): unknown;
}

/** A context propagator: an OpenTelemetry `TextMapPropagator` (W3C Trace Context for the default). */
export interface NsqTextMapPropagator {
  inject(context: unknown, carrier: unknown, setter: unknown): void;
  extract(context: unknown, carrier: unknown, getter: unknown): unknown;
}

/** A source of meters: an OpenTelemetry `MeterProvider`. */
export interface NsqMeterProvider {
  getMeter(name: string, version?: string): unknown;
}

/**
 * Tracing (needs the optional peer `@opentelemetry/api`): a PRODUCER span per
 * emit, a CONSUMER span per handler run, W3C trace context in the envelope's
 * headers (README, "Observability").
 */
export interface NsqTracingOptions {
  /** Where spans go, as a Kratos server's `WithTracerProvider`. @default the global tracer provider */
  readonly tracerProvider?: NsqTracerProvider;
  /** How the trace context is written into and read from the envelope's headers. @default the global propagator */
  readonly propagator?: NsqTextMapPropagator;
}

/** Metrics (needs the optional peer `@opentelemetry/api`): the catalog in the README, "Observability". */
export interface NsqMetricsOptions {
  /** Where instruments are created. @default the global meter provider, as it is when the client connects / the server listens */
  readonly meterProvider?: NsqMeterProvider;
}

/** The observability options shared by {@link ServerNsq} and {@link ClientNsq}. */
export interface NsqObservabilityOptions {
  /**
   * OpenTelemetry tracing: `true` for the global tracer provider and
   * propagator, or the ones to use. Trace context crosses NSQ only in
   * envelope mode (`envelope: true`); raw bodies have no room for it, so a
   * raw consumer's spans start new traces.
   * @default false
   */
  readonly tracing?: boolean | NsqTracingOptions;
  /**
   * OpenTelemetry metrics: `true` for the global meter provider, or the one to use.
   * @default false
   */
  readonly metrics?: boolean | NsqMetricsOptions;
}
