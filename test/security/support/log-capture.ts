import { ConsoleLogger, Logger } from '@nestjs/common';

/**
 * Captures every line Nest's Logger prints (the library logs only through it),
 * so a test can assert that no secret or message body ever reaches the logs.
 */
export class LogCapture extends ConsoleLogger {
  readonly lines: string[] = [];

  constructor() {
    super('capture', { logLevels: ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] });
  }

  static install(): LogCapture {
    const capture = new LogCapture();
    Logger.overrideLogger(capture);
    return capture;
  }

  protected override printMessages(messages: unknown[], context?: string, logLevel?: string): void {
    for (const message of messages) this.lines.push(`${logLevel ?? ''} [${context ?? ''}] ${message instanceof Error ? `${message.name}: ${message.message}\n${message.stack}` : String(message)}`);
  }

  protected override printStackTrace(stack: string): void {
    this.lines.push(stack);
  }

  text(): string {
    return this.lines.join('\n');
  }
}
