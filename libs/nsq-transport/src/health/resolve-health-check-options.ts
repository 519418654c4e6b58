import type { Observable } from 'rxjs';
import type { ClientNsq } from '../client/client-nsq.js';
import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import { assertKnownOptionKeys, type OptionKeys } from '../options/known-option-keys.js';
import { httpAddress, integerIn, list } from '../options/option-validators.js';
import type { NsqStatus } from '../events/nsq.events.js';
import type { ServerNsq } from '../server/server-nsq.js';
import type { NsqHealthCheckOptions } from './nsq-health-check-options.interface.js';

export const HEALTH_CHECK_DEFAULTS = {
  timeoutMs: 1_000,
} as const;

const HEALTH_CHECK_OPTION_KEYS = {
  clients: true,
  servers: true,
  nsqdHttpAddresses: true,
  timeoutMs: true,
} as const satisfies OptionKeys<NsqHealthCheckOptions>;

export interface ResolvedNsqHealthCheckOptions {
  readonly clients: ReadonlyMap<string, Pick<ClientNsq, 'status'>>;
  readonly servers: ReadonlyMap<string, Pick<ServerNsq, 'status'>>;
  /** `/ping` URL per address as given. */
  readonly pings: ReadonlyMap<string, string>;
  readonly timeoutMs: number;
}

/** Validates `user` against {@link HEALTH_CHECK_DEFAULTS}; never mutates it. */
export function resolveHealthCheckOptions(user: NsqHealthCheckOptions): ResolvedNsqHealthCheckOptions {
  if (user === null || typeof user !== 'object') throw new InvalidNsqOptionError('options', 'an options object', user);
  assertKnownOptionKeys(user, HEALTH_CHECK_OPTION_KEYS);
  const clients = named('clients', user.clients, 'ClientNsq');
  const servers = named('servers', user.servers, 'ServerNsq');
  const addresses = list('nsqdHttpAddresses', user.nsqdHttpAddresses ?? [], httpAddress);
  if (clients.size + servers.size + addresses.length === 0) {
    throw new InvalidNsqOptionError('clients', 'at least one client, server or nsqdHttpAddresses entry to check', user.clients);
  }
  return {
    clients,
    servers,
    pings: new Map(addresses.map((address) => [address, `${/^https?:\/\//.test(address) ? address : `http://${address}`}/ping`])),
    timeoutMs: integerIn('timeoutMs', user.timeoutMs ?? HEALTH_CHECK_DEFAULTS.timeoutMs, 1, 60_000),
  };
}

/** What the indicator reads of a client or server. */
interface StatusSource {
  readonly status: Observable<NsqStatus>;
}

// Told apart by shape, not `instanceof`: an app that loads both the CommonJS and
// the ES module build of this package has two ClientNsq classes.
function named(option: string, value: StatusSource | Readonly<Record<string, StatusSource>> | undefined, kind: string): Map<string, StatusSource> {
  if (value === undefined) return new Map();
  if (isStatusSource(value)) return new Map([['default', value]]);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidNsqOptionError(option, `a ${kind} or a record of them`, value);
  const entries = Object.entries(value as Readonly<Record<string, unknown>>);
  for (const [name, item] of entries) {
    if (!isStatusSource(item)) throw new InvalidNsqOptionError(`${option}.${name}`, `a ${kind}`, item);
  }
  return new Map(entries as [string, StatusSource][]);
}

function isStatusSource(value: unknown): value is StatusSource {
  const status = value !== null && typeof value === 'object' ? (value as { status?: unknown }).status : undefined;
  return status !== null && typeof status === 'object' && typeof (status as { subscribe?: unknown }).subscribe === 'function';
}
