import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { LogLevelSetting } from '../logging.js';
import { SaverEnvironment } from './saver-environment.js';

export { SaverEnvironment };

/**
 * The validated configuration the saver runs with. Also its injection token:
 * `constructor(private readonly config: SaverConfig)` in any provider.
 */
export abstract class SaverConfig {
  abstract readonly host: string;
  abstract readonly port: number;
  abstract readonly lookupdHttpAddresses: readonly string[];
  abstract readonly nsqdTcpAddresses: readonly string[];
  abstract readonly lookupdPollIntervalMs: number;
  abstract readonly channel: string;
  abstract readonly maxInFlight: number;
  abstract readonly maxAttempts: number;
  abstract readonly deadLetterTopic: string;
  abstract readonly drainTimeoutMs: number;
  abstract readonly msgTimeoutMs: number;
  abstract readonly flashSale: { readonly workMs: number };
  abstract readonly database: {
    readonly url: string | undefined;
    readonly schema: string;
    readonly dataDir: string;
    readonly poolMax: number;
    readonly connectTimeoutMs: number;
    readonly statementTimeoutMs: number;
  };
  abstract readonly logLevel: LogLevelSetting;
}

/** What `validateSaverConfig` hands to ConfigModule: one namespace, an object (so nothing is copied back into process.env). */
export interface SaverConfigNamespace {
  readonly saver: SaverConfig;
}

// An empty list is meaningful ("no lookupd"); other empty variables mean "use the default".
const LIST_KEYS = new Set(['NSQLOOKUPD_HTTP_ADDRESSES', 'NSQD_TCP_ADDRESSES']);

/**
 * `ConfigModule.forRoot({ validate })`: validates the environment once and
 * throws one error naming every invalid variable (never echoing DATABASE_URL).
 */
export function validateSaverConfig(env: Record<string, unknown>): SaverConfigNamespace {
  const known = Object.fromEntries(
    Object.keys(new SaverEnvironment())
      .concat('DATABASE_URL')
      .filter((key) => env[key] !== undefined && (env[key] !== '' || LIST_KEYS.has(key)))
      .map((key) => [key, env[key]]),
  );
  const parsed = plainToInstance(SaverEnvironment, known, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(parsed, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const shown = (key: string) => (key === 'DATABASE_URL' ? '(hidden)' : JSON.stringify(env[key]));
    const details = errors.map((e) => `${e.property}=${shown(e.property)}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new Error(`Invalid saver configuration: ${details.join(', ')}`);
  }
  if (parsed.NSQLOOKUPD_HTTP_ADDRESSES.length === 0 && parsed.NSQD_TCP_ADDRESSES.length === 0) {
    throw new Error('Invalid saver configuration: set NSQLOOKUPD_HTTP_ADDRESSES or NSQD_TCP_ADDRESSES');
  }
  const saver: SaverConfig = Object.freeze({
    host: parsed.SAVER_HOST,
    port: parsed.SAVER_PORT,
    lookupdHttpAddresses: Object.freeze([...parsed.NSQLOOKUPD_HTTP_ADDRESSES]),
    nsqdTcpAddresses: Object.freeze([...parsed.NSQD_TCP_ADDRESSES]),
    lookupdPollIntervalMs: parsed.SAVER_LOOKUPD_POLL_INTERVAL_MS,
    channel: parsed.SAVER_CHANNEL,
    maxInFlight: parsed.SAVER_MAX_IN_FLIGHT,
    maxAttempts: parsed.SAVER_MAX_ATTEMPTS,
    deadLetterTopic: parsed.SAVER_DEAD_LETTER_TOPIC,
    drainTimeoutMs: parsed.SAVER_DRAIN_TIMEOUT_MS,
    msgTimeoutMs: parsed.SAVER_MSG_TIMEOUT_MS,
    flashSale: Object.freeze({ workMs: parsed.FLASH_SALE_WORK_MS }),
    database: Object.freeze({
      url: parsed.DATABASE_URL,
      schema: parsed.DATABASE_SCHEMA,
      dataDir: parsed.SAVER_DATA_DIR,
      poolMax: parsed.DATABASE_POOL_MAX,
      connectTimeoutMs: parsed.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: parsed.DATABASE_STATEMENT_TIMEOUT_MS,
    }),
    logLevel: parsed.LOG_LEVEL,
  });
  return { saver };
}
