import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { LOG_LEVELS, type LogLevelSetting } from '../logging.js';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/;
const HTTP_ADDRESS = /^(https?:\/\/)?(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/;
const NSQ_NAME = /^[.a-zA-Z0-9_-]{1,64}$/;
const commaList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item.length > 0) : value;

/**
 * The saver's environment variables, with their defaults. Every variable is
 * optional; `loadSaverConfig` refuses the whole set at start if one is invalid.
 */
export class SaverEnvironment {
  /** Interface the HTTP server (health, read endpoints) binds to. */
  @IsString()
  SAVER_HOST: string = '0.0.0.0';

  /** HTTP port (0 = any free port). */
  @IsInt()
  @Min(0)
  @Max(65535)
  SAVER_PORT: number = 3001;

  /** nsqlookupd HTTP addresses used to find the nsqds, comma separated (empty: use NSQD_TCP_ADDRESSES only). */
  @Transform(commaList)
  @Matches(HTTP_ADDRESS, { each: true })
  NSQLOOKUPD_HTTP_ADDRESSES: string[] = ['127.0.0.1:4161'];

  /** nsqd TCP addresses to consume from directly, comma separated (in addition to lookupd's). */
  @Transform(commaList)
  @Matches(HOST_PORT, { each: true })
  NSQD_TCP_ADDRESSES: string[] = [];

  /** Channel of the saver's own handlers (reports, order rows, payments, timeouts). */
  @Matches(NSQ_NAME)
  SAVER_CHANNEL: string = 'saver';

  /** Messages in flight per (topic, channel) on the main consumer. */
  @IsInt()
  @Min(1)
  @Max(2500)
  SAVER_MAX_IN_FLIGHT: number = 10;

  /** Deliveries before a message is given up on (copied to SAVER_DEAD_LETTER_TOPIC, then finished). */
  @IsInt()
  @Min(0)
  @Max(65535)
  SAVER_MAX_ATTEMPTS: number = 10;

  /** Topic that receives the original body of messages given up on (malformed, or failing past SAVER_MAX_ATTEMPTS). */
  @Matches(NSQ_NAME)
  SAVER_DEAD_LETTER_TOPIC: string = 'saver.dead-letter';

  /** On shutdown, how long handlers in flight may finish before their messages are requeued. */
  @IsInt()
  @Min(0)
  SAVER_DRAIN_TIMEOUT_MS: number = 10_000;

  /** How long nsqd waits for a message's FIN before redelivering it (nsqd allows 1000 .. --max-msg-timeout). */
  @IsInt()
  @Min(1000)
  @Max(900_000)
  SAVER_MSG_TIMEOUT_MS: number = 60_000;

  /** Channel of the flash-sale consumer (one message in flight: the backlog builds up on purpose). */
  @Matches(NSQ_NAME)
  FLASH_SALE_CHANNEL: string = 'flash-sale';

  /** Simulated work per flash-sale purchase (stock check, payment hold…). */
  @IsInt()
  @Min(0)
  @Max(60_000)
  FLASH_SALE_WORK_MS: number = 200;

  /** PostgreSQL connection string; when unset, embedded PGlite stores data in SAVER_DATA_DIR. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//)
  DATABASE_URL?: string;

  /** PostgreSQL schema for the tables (created if missing). */
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/)
  DATABASE_SCHEMA: string = 'public';

  /** PGlite data folder (used when DATABASE_URL is unset). */
  @IsString()
  SAVER_DATA_DIR: string = '.data/saver';

  /** silent, fatal, error, warn, log, debug or verbose. */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevelSetting = 'log';
}

export interface SaverConfig {
  readonly host: string;
  readonly port: number;
  readonly lookupdHttpAddresses: readonly string[];
  readonly nsqdTcpAddresses: readonly string[];
  readonly channel: string;
  readonly maxInFlight: number;
  readonly maxAttempts: number;
  readonly deadLetterTopic: string;
  readonly drainTimeoutMs: number;
  readonly msgTimeoutMs: number;
  readonly flashSale: { readonly channel: string; readonly workMs: number };
  readonly database: { readonly url: string | undefined; readonly schema: string; readonly dataDir: string };
  readonly logLevel: LogLevelSetting;
}

// An empty list is meaningful ("no lookupd"); other empty variables mean "use the default".
const LIST_KEYS = new Set(['NSQLOOKUPD_HTTP_ADDRESSES', 'NSQD_TCP_ADDRESSES']);

/** Key of the saver's configuration namespace in ConfigService, and its injection token. */
export const SAVER_CONFIG = 'saver';

/** Validates the environment once; throws one error naming every invalid variable (never echoing DATABASE_URL). */
export function loadSaverConfig(env: Record<string, string | undefined>): SaverConfig {
  const known = Object.fromEntries(Object.keys(new SaverEnvironment()).concat('DATABASE_URL').filter((key) => env[key] !== undefined && (env[key] !== '' || LIST_KEYS.has(key))).map((key) => [key, env[key]]));
  const parsed = plainToInstance(SaverEnvironment, known, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(parsed, { forbidUnknownValues: false });
  if (parsed.NSQLOOKUPD_HTTP_ADDRESSES.length === 0 && parsed.NSQD_TCP_ADDRESSES.length === 0) {
    throw new Error('Invalid saver configuration: set NSQLOOKUPD_HTTP_ADDRESSES or NSQD_TCP_ADDRESSES');
  }
  if (errors.length > 0) {
    const shown = (key: string) => (key === 'DATABASE_URL' ? '(hidden)' : JSON.stringify(env[key]));
    const details = errors.map((e) => `${e.property}=${shown(e.property)}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new Error(`Invalid saver configuration: ${details.join(', ')}`);
  }
  return Object.freeze({
    host: parsed.SAVER_HOST,
    port: parsed.SAVER_PORT,
    lookupdHttpAddresses: Object.freeze([...parsed.NSQLOOKUPD_HTTP_ADDRESSES]),
    nsqdTcpAddresses: Object.freeze([...parsed.NSQD_TCP_ADDRESSES]),
    channel: parsed.SAVER_CHANNEL,
    maxInFlight: parsed.SAVER_MAX_IN_FLIGHT,
    maxAttempts: parsed.SAVER_MAX_ATTEMPTS,
    deadLetterTopic: parsed.SAVER_DEAD_LETTER_TOPIC,
    drainTimeoutMs: parsed.SAVER_DRAIN_TIMEOUT_MS,
    msgTimeoutMs: parsed.SAVER_MSG_TIMEOUT_MS,
    flashSale: Object.freeze({ channel: parsed.FLASH_SALE_CHANNEL, workMs: parsed.FLASH_SALE_WORK_MS }),
    database: Object.freeze({ url: parsed.DATABASE_URL, schema: parsed.DATABASE_SCHEMA, dataDir: parsed.SAVER_DATA_DIR }),
    logLevel: parsed.LOG_LEVEL,
  });
}
