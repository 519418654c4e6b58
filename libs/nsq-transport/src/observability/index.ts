export type { NsqMeterProvider, NsqMetricsOptions, NsqObservabilityOptions, NsqTextMapPropagator, NsqTracerProvider, NsqTracingOptions } from './nsq-observability-options.interface.js';
export { NSQ_METRIC, NSQ_SPAN_ATTRIBUTE, NSQ_SPAN_EVENT, type NsqOutcome } from './nsq-telemetry-names.js';
