import { NSQD_LIMITS } from '../constants.js';
import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import type { ClientNsqOptions, NsqBatchingOptions } from './client-nsq-options.interface.js';
import { assertKnownOptionKeys, type OptionKeys } from './known-option-keys.js';
import { CONNECTION_OPTION_KEYS, TLS_OPTION_KEYS } from './nsq-option-keys.js';
import { hasMethod, integerIn, objectOrUndefined } from './option-validators.js';
import { resolveConnectionOptions, type ResolvedNsqConnectionOptions } from './resolve-connection-options.js';

export const CLIENT_DEFAULTS = {
  publishTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  reconnectMinDelayMs: 100,
  reconnectMaxDelayMs: 5_000,
  maxMessageSize: NSQD_LIMITS.maxMessageSize,
  maxBatchBytes: NSQD_LIMITS.maxBodySize,
  maxPendingPublishes: 10_000,
  closeTimeoutMs: 5_000,
  batchMaxMessages: 200,
  batchLingerMs: 0,
  /** A coalesced MPUB stops here (or at maxBatchBytes, if lower): nsqd answers an MPUB only once all of it is in. */
  batchMaxBytes: 1024 * 1024,
  requestTimeoutMs: 30_000,
  maxPendingRequests: 10_000,
} as const;

/** Every key of {@link ClientNsqOptions}: anything else is refused, with the closest of these named. */
export const CLIENT_OPTION_KEYS = {
  ...CONNECTION_OPTION_KEYS,
  serializer: true,
  publishTimeoutMs: true,
  connectTimeoutMs: true,
  reconnectMinDelayMs: true,
  reconnectMaxDelayMs: true,
  maxMessageSize: true,
  maxBatchBytes: true,
  maxPendingPublishes: true,
  batching: true,
  closeTimeoutMs: true,
  requestTimeoutMs: true,
  maxPendingRequests: true,
} as const satisfies OptionKeys<ClientNsqOptions>;

/** Every key of {@link NsqBatchingOptions}. */
export const BATCHING_OPTION_KEYS = {
  maxMessages: true,
  maxBytes: true,
  lingerMs: true,
} as const satisfies OptionKeys<NsqBatchingOptions>;

export interface ResolvedClientNsqOptions extends ResolvedNsqConnectionOptions {
  readonly publishTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly maxMessageSize: number;
  readonly maxBatchBytes: number;
  readonly maxPendingPublishes: number;
  readonly closeTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxPendingRequests: number;
  readonly batching: { readonly maxMessages: number; readonly maxBytes: number; readonly lingerMs: number } | undefined;
}

/**
 * Validates `user` once, against {@link CLIENT_DEFAULTS}; never mutates it.
 * Unknown keys (at the top level, in `tls` and in `batching`) are refused
 * first: a typo would otherwise leave that option at its default, silently.
 */
export function resolveClientOptions(user: ClientNsqOptions): ResolvedClientNsqOptions {
  if (user === null || typeof user !== 'object') throw new InvalidNsqOptionError('options', 'an options object', user);
  assertKnownOptionKeys(user, CLIENT_OPTION_KEYS);
  if (isOptionsObject(user.tls)) assertKnownOptionKeys(user.tls, TLS_OPTION_KEYS, 'tls.');
  if (isOptionsObject(user.batching)) assertKnownOptionKeys(user.batching, BATCHING_OPTION_KEYS, 'batching.');
  if (user.serializer !== undefined) hasMethod('serializer', user.serializer, 'serialize');
  const connection = resolveConnectionOptions(user);
  if (connection.nsqdTcpAddresses.length === 0) {
    throw new InvalidNsqOptionError('nsqdTcpAddresses', 'at least one nsqd TCP address "host:port"', user.nsqdTcpAddresses);
  }
  const reconnectMinDelayMs = integerIn('reconnectMinDelayMs', user.reconnectMinDelayMs ?? CLIENT_DEFAULTS.reconnectMinDelayMs, 1, 600_000);
  const maxMessageSize = integerIn('maxMessageSize', user.maxMessageSize ?? CLIENT_DEFAULTS.maxMessageSize, 1, 1024 ** 3);
  const maxBatchBytes = integerIn('maxBatchBytes', user.maxBatchBytes ?? CLIENT_DEFAULTS.maxBatchBytes, maxMessageSize, 1024 ** 3);
  return Object.freeze({
    ...connection,
    publishTimeoutMs: integerIn('publishTimeoutMs', user.publishTimeoutMs ?? CLIENT_DEFAULTS.publishTimeoutMs, 1, 3_600_000),
    connectTimeoutMs: integerIn('connectTimeoutMs', user.connectTimeoutMs ?? CLIENT_DEFAULTS.connectTimeoutMs, 1, 3_600_000),
    reconnectMinDelayMs,
    reconnectMaxDelayMs: integerIn('reconnectMaxDelayMs', user.reconnectMaxDelayMs ?? CLIENT_DEFAULTS.reconnectMaxDelayMs, reconnectMinDelayMs, 3_600_000),
    maxMessageSize,
    maxBatchBytes,
    maxPendingPublishes: integerIn('maxPendingPublishes', user.maxPendingPublishes ?? CLIENT_DEFAULTS.maxPendingPublishes, 1, 10_000_000),
    closeTimeoutMs: integerIn('closeTimeoutMs', user.closeTimeoutMs ?? CLIENT_DEFAULTS.closeTimeoutMs, 0, 3_600_000),
    requestTimeoutMs: integerIn('requestTimeoutMs', user.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs, 1, 3_600_000),
    maxPendingRequests: integerIn('maxPendingRequests', user.maxPendingRequests ?? CLIENT_DEFAULTS.maxPendingRequests, 1, 10_000_000),
    batching: resolveBatching(user.batching, maxBatchBytes),
  });
}

function resolveBatching(value: ClientNsqOptions['batching'], maxBatchBytes: number): ResolvedClientNsqOptions['batching'] {
  if (value === false) return undefined;
  const batching = objectOrUndefined('batching', value);
  return Object.freeze({
    maxMessages: integerIn('batching.maxMessages', batching.maxMessages ?? CLIENT_DEFAULTS.batchMaxMessages, 1, 100_000),
    // A message too big to share a batch is sent alone (as a PUB), so any bound works.
    maxBytes: integerIn('batching.maxBytes', batching.maxBytes ?? Math.min(CLIENT_DEFAULTS.batchMaxBytes, maxBatchBytes), 1, maxBatchBytes),
    lingerMs: integerIn('batching.lingerMs', batching.lingerMs ?? CLIENT_DEFAULTS.batchLingerMs, 0, 10_000),
  });
}

/** A nested options object (other shapes are refused by the option's own check, with a clearer message). */
function isOptionsObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}
