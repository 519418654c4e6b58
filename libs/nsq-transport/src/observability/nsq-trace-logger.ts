import { Logger, type LoggerService } from '@nestjs/common';
import type { NsqTelemetry } from './nsq-telemetry.js';

type LineLogger = Pick<LoggerService, 'log' | 'warn' | 'error'>;

/**
 * `logger` whose lines end with the active span's trace and span ids (when a
 * span is active), so a log line about a message finds its trace. Used only
 * with tracing on.
 */
export function withTraceIds(logger: LineLogger, telemetry: NsqTelemetry): LineLogger {
  const tag = (message: unknown): unknown => (typeof message === 'string' ? message + telemetry.traceSuffix() : message);
  return {
    log: (message: unknown, ...rest: unknown[]) => logger.log(tag(message), ...rest),
    warn: (message: unknown, ...rest: unknown[]) => logger.warn(tag(message), ...rest),
    error: (message: unknown, ...rest: unknown[]) => logger.error(tag(message), ...rest),
  };
}

/** A Nest {@link Logger} (same context, same app logger) whose lines carry the active span's ids. */
export class NsqTraceLogger extends Logger {
  constructor(
    context: string,
    private readonly telemetry: NsqTelemetry,
  ) {
    super(context);
  }

  override log(message: unknown, ...rest: unknown[]): void {
    super.log(this.tag(message), ...(rest as [string?]));
  }

  override warn(message: unknown, ...rest: unknown[]): void {
    super.warn(this.tag(message), ...(rest as [string?]));
  }

  override error(message: unknown, ...rest: unknown[]): void {
    super.error(this.tag(message), ...(rest as [string?]));
  }

  private tag(message: unknown): unknown {
    return typeof message === 'string' ? message + this.telemetry.traceSuffix() : message;
  }
}
