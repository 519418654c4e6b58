import { CHANNELS } from '@app/contracts';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { LOG_LEVELS, type LogLevelSetting } from '../logging.js';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/;
const HTTP_ADDRESS = /^(https?:\/\/)?(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/;
const NSQ_NAME = /^[.a-zA-Z0-9_-]{1,64}$/;
const commaList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item.length > 0) : value;

/**
 * The saver's environment variables, with their defaults. Every variable is
 * optional; `validateSaverConfig` (ConfigModule's `validate`) refuses the
 * whole set at start if one is invalid.
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

  /** How often lookupd is asked which nsqds have the saver's topics (a new or restarted nsqd is found within this). */
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  SAVER_LOOKUPD_POLL_INTERVAL_MS: number = 15_000;

  /** Channel of the saver's own handlers (reports, order rows, payments, timeouts, the seed's reports). */
  @Matches(NSQ_NAME)
  SAVER_CHANNEL: string = CHANNELS.saver;

  /** Messages in flight per (topic, channel), except the flash sale's (always 1). */
  @IsInt()
  @Min(1)
  @Max(2500)
  SAVER_MAX_IN_FLIGHT: number = 10;

  /** Deliveries before a message is given up on (copied to SAVER_DEAD_LETTER_TOPIC, then finished). */
  @IsInt()
  @Min(0)
  @Max(65535)
  SAVER_MAX_ATTEMPTS: number = 10;

  /** Topic that receives the original body of messages given up on (invalid, or failing past SAVER_MAX_ATTEMPTS). */
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

  /** PostgreSQL pool size. */
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_MAX: number = 10;

  /** How long to wait for a PostgreSQL connection (new or from the pool) before the query fails. */
  @IsInt()
  @Min(100)
  DATABASE_CONNECT_TIMEOUT_MS: number = 5_000;

  /** PostgreSQL cancels a statement running longer than this (statement_timeout); the message is then retried. */
  @IsInt()
  @Min(100)
  DATABASE_STATEMENT_TIMEOUT_MS: number = 10_000;

  /** PGlite data folder (used when DATABASE_URL is unset). */
  @IsString()
  SAVER_DATA_DIR: string = '.data/saver';

  /** silent, fatal, error, warn, log, debug or verbose. */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevelSetting = 'log';
}
