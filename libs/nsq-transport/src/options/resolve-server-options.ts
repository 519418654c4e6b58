import { NSQ_TRANSPORT, NSQD_LIMITS } from '../constants.js';
import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import type { ServerNsqOptions } from './server-nsq-options.interface.js';
import { assertKnownOptionKeys, type OptionKeys } from './known-option-keys.js';
import { CONNECTION_OPTION_KEYS, TLS_OPTION_KEYS } from './nsq-option-keys.js';
import { hasMethod, boolean, httpAddress, integerIn, list, nsqName } from './option-validators.js';
import { resolveConnectionOptions, type ResolvedNsqConnectionOptions } from './resolve-connection-options.js';

/** Exponential: 1 s, 2 s, 4 s … capped at 60 s. */
export const defaultRequeueDelay = (attempts: number): number => Math.min(1000 * 2 ** Math.max(0, attempts - 1), 60_000);

export const SERVER_DEFAULTS = {
  maxInFlight: 1,
  maxAttempts: 5,
  requeueDelayMs: defaultRequeueDelay,
  backoff: false,
  maxBackoffDurationMs: 60_000,
  autoTouch: true,
  maxHandlerTimeMs: NSQD_LIMITS.maxMsgTimeoutMs,
  createTopology: true,
  lookupdPollIntervalMs: 15_000,
  readyTimeoutMs: 30_000,
  drainTimeoutMs: 15_000,
} as const;

/** Every key of {@link ServerNsqOptions}: anything else is refused, with the closest of these named. */
export const SERVER_OPTION_KEYS = {
  ...CONNECTION_OPTION_KEYS,
  deserializer: true,
  lookupdHttpAddresses: true,
  channel: true,
  maxInFlight: true,
  maxAttempts: true,
  requeueDelayMs: true,
  backoff: true,
  maxBackoffDurationMs: true,
  msgTimeoutMs: true,
  autoTouch: true,
  maxHandlerTimeMs: true,
  outputBufferSize: true,
  outputBufferTimeoutMs: true,
  deadLetterTopic: true,
  createTopology: true,
  lookupdPollIntervalMs: true,
  readyTimeoutMs: true,
  drainTimeoutMs: true,
  transportId: true,
} as const satisfies OptionKeys<ServerNsqOptions>;

export interface ResolvedServerNsqOptions extends ResolvedNsqConnectionOptions {
  readonly lookupdHttpAddresses: readonly string[];
  readonly channel: string | undefined;
  readonly maxInFlight: number;
  readonly maxAttempts: number;
  readonly requeueDelayMs: (attempts: number) => number;
  readonly backoff: boolean;
  readonly maxBackoffDurationMs: number;
  readonly msgTimeoutMs: number | undefined;
  readonly autoTouch: boolean;
  readonly maxHandlerTimeMs: number;
  readonly outputBufferSize: number | undefined;
  readonly outputBufferTimeoutMs: number | undefined;
  readonly deadLetterTopic: string | undefined;
  readonly createTopology: boolean;
  readonly lookupdPollIntervalMs: number;
  readonly readyTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly transportId: symbol;
}

/**
 * Validates `user` once, against {@link SERVER_DEFAULTS}; never mutates it.
 * Unknown keys (at the top level and in `tls`) are refused first: a typo
 * would otherwise leave that option at its default, silently.
 */
export function resolveServerOptions(user: ServerNsqOptions): ResolvedServerNsqOptions {
  if (user === null || typeof user !== 'object') throw new InvalidNsqOptionError('options', 'an options object', user);
  assertKnownOptionKeys(user, SERVER_OPTION_KEYS);
  if (user.tls !== null && typeof user.tls === 'object' && !Array.isArray(user.tls)) assertKnownOptionKeys(user.tls, TLS_OPTION_KEYS, 'tls.');
  if (user.deserializer !== undefined) hasMethod('deserializer', user.deserializer, 'deserialize');
  const connection = resolveConnectionOptions(user);
  const lookupdHttpAddresses = Object.freeze(list('lookupdHttpAddresses', user.lookupdHttpAddresses ?? [], httpAddress));
  if (connection.nsqdTcpAddresses.length === 0 && lookupdHttpAddresses.length === 0) {
    throw new InvalidNsqOptionError('nsqdTcpAddresses', 'at least one nsqd TCP address or one lookupdHttpAddresses entry', user.nsqdTcpAddresses);
  }
  const transportId = user.transportId ?? NSQ_TRANSPORT;
  if (typeof transportId !== 'symbol') throw new InvalidNsqOptionError('transportId', 'a symbol', transportId);
  return Object.freeze({
    ...connection,
    lookupdHttpAddresses,
    channel: user.channel === undefined ? undefined : nsqName('channel', user.channel),
    maxInFlight: integerIn('maxInFlight', user.maxInFlight ?? SERVER_DEFAULTS.maxInFlight, 1, 1_000_000),
    maxAttempts: integerIn('maxAttempts', user.maxAttempts ?? SERVER_DEFAULTS.maxAttempts, 0, 65_535),
    requeueDelayMs: resolveRequeueDelay(user.requeueDelayMs ?? SERVER_DEFAULTS.requeueDelayMs),
    backoff: boolean('backoff', user.backoff ?? SERVER_DEFAULTS.backoff),
    maxBackoffDurationMs: integerIn('maxBackoffDurationMs', user.maxBackoffDurationMs ?? SERVER_DEFAULTS.maxBackoffDurationMs, 0, 3_600_000),
    msgTimeoutMs: user.msgTimeoutMs === undefined ? undefined : integerIn('msgTimeoutMs', user.msgTimeoutMs, 1000, NSQD_LIMITS.maxMsgTimeoutMs),
    autoTouch: boolean('autoTouch', user.autoTouch ?? SERVER_DEFAULTS.autoTouch),
    maxHandlerTimeMs: integerIn('maxHandlerTimeMs', user.maxHandlerTimeMs ?? SERVER_DEFAULTS.maxHandlerTimeMs, 1000, 86_400_000),
    outputBufferSize: optionalOrDisabled('outputBufferSize', user.outputBufferSize, 64, 64 * 1024 * 1024),
    outputBufferTimeoutMs: optionalOrDisabled('outputBufferTimeoutMs', user.outputBufferTimeoutMs, 1, 60_000),
    deadLetterTopic: user.deadLetterTopic === undefined ? undefined : nsqName('deadLetterTopic', user.deadLetterTopic),
    createTopology: boolean('createTopology', user.createTopology ?? SERVER_DEFAULTS.createTopology),
    lookupdPollIntervalMs: integerIn('lookupdPollIntervalMs', user.lookupdPollIntervalMs ?? SERVER_DEFAULTS.lookupdPollIntervalMs, 1000, 3_600_000),
    readyTimeoutMs: integerIn('readyTimeoutMs', user.readyTimeoutMs ?? SERVER_DEFAULTS.readyTimeoutMs, 1, 3_600_000),
    drainTimeoutMs: integerIn('drainTimeoutMs', user.drainTimeoutMs ?? SERVER_DEFAULTS.drainTimeoutMs, 0, 3_600_000),
    transportId,
  });
}

function resolveRequeueDelay(value: unknown): (attempts: number) => number {
  if (typeof value === 'function') return value as (attempts: number) => number;
  const fixed = integerIn('requeueDelayMs', value, 0, NSQD_LIMITS.maxRequeueDelayMs);
  return () => fixed;
}

function optionalOrDisabled(option: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (value === -1) return -1;
  return integerIn(option, value, min, max);
}
