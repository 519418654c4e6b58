import { Transform } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { LOG_LEVELS, type LogLevelSetting } from '../logging.js';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/;
const commaList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item.length > 0) : value;

/**
 * The agent's environment variables, with their defaults. Every variable is
 * optional; `validateAgentConfig` (ConfigModule's `validate`) refuses the whole set at start if one is invalid.
 */
export class AgentEnvironment {
  /** Interface the HTTP server binds to. */
  @IsString()
  AGENT_HOST: string = '0.0.0.0';

  /** HTTP port (0 = any free port). */
  @IsInt()
  @Min(0)
  @Max(65535)
  AGENT_PORT: number = 3000;

  /** nsqd TCP addresses the agent publishes to, comma separated. */
  @Transform(commaList)
  @ArrayNotEmpty()
  @Matches(HOST_PORT, { each: true })
  NSQD_TCP_ADDRESSES: string[] = ['127.0.0.1:4150'];

  /** nsqd HTTP addresses (same nsqds, same order): /ping for health, /stats for the flash-sale backlog. */
  @Transform(commaList)
  @ArrayNotEmpty()
  @Matches(HOST_PORT, { each: true })
  NSQD_HTTP_ADDRESSES: string[] = ['127.0.0.1:4151'];

  /** A publish not acknowledged by nsqd within this time answers 503. */
  @IsInt()
  @Min(1)
  NSQ_PUBLISH_TIMEOUT_MS: number = 5000;

  /** Delay of the deferred `order.payment-timeout` message (nsqd allows up to --max-req-timeout, 1 h by default). */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  ORDER_PAYMENT_TIMEOUT_MS: number = 30 * 60 * 1000;

  /** Purchases waiting in that channel at which new ones are refused with 429. */
  @IsInt()
  @Min(1)
  FLASH_SALE_MAX_BACKLOG: number = 100;

  /** How long one nsqd /stats reading of the backlog is reused. */
  @IsInt()
  @Min(0)
  FLASH_SALE_STATS_CACHE_MS: number = 500;

  /** silent, fatal, error, warn, log, debug or verbose. */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevelSetting = 'log';
}
