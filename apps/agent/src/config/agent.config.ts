import { plainToInstance, Transform } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsInt, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { LOG_LEVELS, type LogLevelSetting } from '../logging.js';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/;
const NSQ_NAME = /^[.a-zA-Z0-9_-]{1,64}$/;
const commaList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item.length > 0) : value;

/**
 * The agent's environment variables, with their defaults. Every variable is
 * optional; `loadAgentConfig` refuses the whole set at start if one is invalid.
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

  /** The saver's flash-sale channel, whose backlog is watched. */
  @Matches(NSQ_NAME)
  FLASH_SALE_CHANNEL: string = 'flash-sale';

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

/** The validated configuration the agent runs with. */
export interface AgentConfig {
  readonly host: string;
  readonly port: number;
  readonly nsqdTcpAddresses: readonly string[];
  readonly nsqdHttpAddresses: readonly string[];
  readonly publishTimeoutMs: number;
  readonly paymentTimeoutMs: number;
  readonly flashSale: { readonly channel: string; readonly maxBacklog: number; readonly statsCacheMs: number };
  readonly logLevel: LogLevelSetting;
}

/** Key of the agent's configuration namespace in ConfigService. */
export const AGENT_CONFIG = 'agent';

/** Validates the environment once; throws one error naming every invalid variable. */
export function loadAgentConfig(env: Record<string, string | undefined>): AgentConfig {
  const known = Object.fromEntries(Object.keys(new AgentEnvironment()).filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]));
  const parsed = plainToInstance(AgentEnvironment, known, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(parsed, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const details = errors.map((e) => `${e.property}=${JSON.stringify(env[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new Error(`Invalid agent configuration: ${details.join(', ')}`);
  }
  return Object.freeze({
    host: parsed.AGENT_HOST,
    port: parsed.AGENT_PORT,
    nsqdTcpAddresses: Object.freeze([...parsed.NSQD_TCP_ADDRESSES]),
    nsqdHttpAddresses: Object.freeze([...parsed.NSQD_HTTP_ADDRESSES]),
    publishTimeoutMs: parsed.NSQ_PUBLISH_TIMEOUT_MS,
    paymentTimeoutMs: parsed.ORDER_PAYMENT_TIMEOUT_MS,
    flashSale: Object.freeze({ channel: parsed.FLASH_SALE_CHANNEL, maxBacklog: parsed.FLASH_SALE_MAX_BACKLOG, statsCacheMs: parsed.FLASH_SALE_STATS_CACHE_MS }),
    logLevel: parsed.LOG_LEVEL,
  });
}
