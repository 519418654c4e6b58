import { context, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { NsqTelemetry } from '../../src/observability/nsq-telemetry.js';
import { withTraceIds } from '../../src/observability/nsq-trace-logger.js';

describe('withTraceIds', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(manager.enable()));
  afterAll(() => context.disable());

  const telemetry = NsqTelemetry.create({ tracing: { tracerProvider: undefined, propagator: undefined }, metrics: undefined })!;
  const spanWith = (traceId: string, spanId: string): Span => trace.wrapSpanContext({ traceId, spanId, traceFlags: 1 });

  function capture() {
    const lines: unknown[][] = [];
    const logger = withTraceIds({ log: (...a: unknown[]) => void lines.push(['log', ...a]), warn: (...a: unknown[]) => void lines.push(['warn', ...a]), error: (...a: unknown[]) => void lines.push(['error', ...a]) }, telemetry);
    return { lines, logger };
  }

  it('ends a line written while a span is active with its trace and span ids', () => {
    const { lines, logger } = capture();
    const span = spanWith('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331');
    context.with(trace.setSpan(context.active(), span), () => logger.warn('requeued', 'NsqConsumer'));
    expect(lines).toEqual([['warn', 'requeued [trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331]', 'NsqConsumer']]);
  });

  it('leaves lines alone when no span is active, and never touches what is not a string', () => {
    const { lines, logger } = capture();
    logger.log('listening');
    const error = new Error('x');
    context.with(trace.setSpan(context.active(), spanWith('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331')), () => logger.error(error));
    expect(lines).toEqual([['log', 'listening'], ['error', error]]);
  });

  it('says nothing of an invalid span context (all zeros)', () => {
    const { lines, logger } = capture();
    context.with(trace.setSpan(context.active(), spanWith('00000000000000000000000000000000', '0000000000000000')), () => logger.warn('w'));
    expect(lines).toEqual([['warn', 'w']]);
  });
});
