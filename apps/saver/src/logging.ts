import { ConsoleLogger, type LogLevel } from '@nestjs/common';

export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelSetting = (typeof LOG_LEVELS)[number];

/**
 * One JSON object per line (Nest's ConsoleLogger in json mode), so a log
 * shipper can parse it; `silent` turns logging off (tests).
 */
export function createJsonLogger(app: string, level: LogLevelSetting): ConsoleLogger | false {
  if (level === 'silent') return false;
  const enabled = LOG_LEVELS.slice(1, LOG_LEVELS.indexOf(level) + 1) as LogLevel[];
  return new ConsoleLogger({ json: true, prefix: app, logLevels: enabled });
}
