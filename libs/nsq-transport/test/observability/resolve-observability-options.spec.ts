import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import { resolveObservabilityOptions } from '../../src/observability/resolve-observability-options.js';
import { catchError } from '../support/catch-error.js';

describe('resolveObservabilityOptions', () => {
  const tracerProvider = { getTracer: () => ({}) };
  const propagator = { inject: () => undefined, extract: (ctx: unknown) => ctx };
  const meterProvider = { getMeter: () => ({}) };

  it('is off by default, and with false', () => {
    expect(resolveObservabilityOptions({})).toEqual({ tracing: undefined, metrics: undefined });
    expect(resolveObservabilityOptions({ tracing: false, metrics: false })).toEqual({ tracing: undefined, metrics: undefined });
  });

  it('takes true as "the global providers and propagator"', () => {
    expect(resolveObservabilityOptions({ tracing: true, metrics: true })).toEqual({
      tracing: { tracerProvider: undefined, propagator: undefined },
      metrics: { meterProvider: undefined },
    });
  });

  it('keeps the providers and propagator it is given, as they are', () => {
    const resolved = resolveObservabilityOptions({ tracing: { tracerProvider, propagator }, metrics: { meterProvider } });
    expect(resolved.tracing?.tracerProvider).toBe(tracerProvider);
    expect(resolved.tracing?.propagator).toBe(propagator);
    expect(resolved.metrics?.meterProvider).toBe(meterProvider);
  });

  it.each([
    ['tracing', { tracing: 'yes' }],
    ['tracing', { tracing: [] }],
    ['tracing.tracerProvider', { tracing: { tracerProvider: {} } }],
    ['tracing.propagator', { tracing: { propagator: { inject: () => undefined } } }],
    ['metrics', { metrics: 1 }],
    ['metrics.meterProvider', { metrics: { meterProvider: { getTracer: () => undefined } } }],
  ])('refuses a bad %s, naming it', (option, user) => {
    expect(catchError(InvalidNsqOptionError, () => resolveObservabilityOptions(user as never)).option).toBe(option);
  });

  it('refuses unknown keys inside tracing and metrics, with the closest name', () => {
    const error = catchError(UnknownNsqOptionError, () => resolveObservabilityOptions({ tracing: { tracerProvder: tracerProvider } as never }));
    expect(error.message).toContain('tracing.tracerProvider');
  });
});
