import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import { assertKnownOptionKeys, type OptionKeys } from '../options/known-option-keys.js';
import { hasMethod } from '../options/option-validators.js';
import type { NsqMeterProvider, NsqMetricsOptions, NsqObservabilityOptions, NsqTextMapPropagator, NsqTracerProvider, NsqTracingOptions } from './nsq-observability-options.interface.js';

export const TRACING_OPTION_KEYS = { tracerProvider: true, propagator: true } as const satisfies OptionKeys<NsqTracingOptions>;
export const METRICS_OPTION_KEYS = { meterProvider: true } as const satisfies OptionKeys<NsqMetricsOptions>;

/** Tracing as resolved: `undefined` members mean the global ones, looked up when used. */
export interface ResolvedNsqTracing {
  readonly tracerProvider: NsqTracerProvider | undefined;
  readonly propagator: NsqTextMapPropagator | undefined;
}

export interface ResolvedNsqMetrics {
  readonly meterProvider: NsqMeterProvider | undefined;
}

export interface ResolvedNsqObservability {
  /** Off: `undefined` (the default). */
  readonly tracing: ResolvedNsqTracing | undefined;
  readonly metrics: ResolvedNsqMetrics | undefined;
}

/** Validates `tracing` and `metrics`; loads nothing (the OpenTelemetry API is loaded when the transport is built with one on). */
export function resolveObservabilityOptions(user: NsqObservabilityOptions): ResolvedNsqObservability {
  return Object.freeze({ tracing: resolveTracing(user.tracing), metrics: resolveMetrics(user.metrics) });
}

function resolveTracing(value: unknown): ResolvedNsqTracing | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return Object.freeze({ tracerProvider: undefined, propagator: undefined });
  if (!isPlainObject(value)) throw new InvalidNsqOptionError('tracing', 'a boolean or { tracerProvider?, propagator? }', value);
  assertKnownOptionKeys(value, TRACING_OPTION_KEYS, 'tracing.');
  const { tracerProvider, propagator } = value as NsqTracingOptions;
  if (tracerProvider !== undefined) hasMethod('tracing.tracerProvider', tracerProvider, 'getTracer');
  if (propagator !== undefined) {
    hasMethod('tracing.propagator', propagator, 'inject');
    hasMethod('tracing.propagator', propagator, 'extract');
  }
  return Object.freeze({ tracerProvider, propagator });
}

function resolveMetrics(value: unknown): ResolvedNsqMetrics | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return Object.freeze({ meterProvider: undefined });
  if (!isPlainObject(value)) throw new InvalidNsqOptionError('metrics', 'a boolean or { meterProvider? }', value);
  assertKnownOptionKeys(value, METRICS_OPTION_KEYS, 'metrics.');
  const { meterProvider } = value as NsqMetricsOptions;
  if (meterProvider !== undefined) hasMethod('metrics.meterProvider', meterProvider, 'getMeter');
  return Object.freeze({ meterProvider });
}

function isPlainObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
