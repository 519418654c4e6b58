import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import { packageRequire } from '../platform/package-require.js';

/** The OpenTelemetry API module (its types only: the module itself is loaded at run time, when asked for). */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

let loaded: OpenTelemetryApi | undefined;

/**
 * Loads `@opentelemetry/api`, an optional peer dependency, the first time a
 * client or server is built with `tracing` or `metrics` on: without them the
 * package never touches it, so it loads and works where it is not installed.
 * Its globals (providers, propagator, context manager) live on `globalThis`,
 * so the CommonJS copy this returns shares them with an application's ESM import.
 */
export function loadOpenTelemetryApi(option: 'tracing' | 'metrics'): OpenTelemetryApi {
  if (loaded) return loaded;
  try {
    loaded = packageRequire('@opentelemetry/api') as OpenTelemetryApi;
  } catch (error) {
    throw new InvalidNsqOptionError(option, 'the optional peer dependency "@opentelemetry/api" to be installed (npm install @opentelemetry/api)', `${option}: on, package missing (${(error as Error).message.split('\n')[0]})`);
  }
  return loaded;
}
