import { createRequire } from 'node:module';
import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import type { NsqCodecName } from '../interfaces/nsq-codec.interface.js';
import type { NsqConnectionOptions, NsqTlsOptions } from './nsq-connection-options.interface.js';
import { boolean, hostPort, integerIn, list, nonEmptyString, oneOf, objectOrUndefined } from './option-validators.js';

/** Connection settings after validation; shared by the server and client resolvers. */
export interface ResolvedNsqConnectionOptions {
  readonly nsqdTcpAddresses: readonly string[];
  readonly clientId: string | undefined;
  readonly heartbeatIntervalMs: number;
  readonly tls: Readonly<Required<Pick<NsqTlsOptions, 'rejectUnauthorized'>> & NsqTlsOptions> | undefined;
  readonly authSecret: string | undefined;
  readonly compression: 'none' | 'deflate' | 'snappy';
  readonly deflateLevel: number;
  readonly codec: NsqCodecName;
}

export const CONNECTION_DEFAULTS = {
  heartbeatIntervalMs: 30_000,
  allowInsecureAuth: false,
  compression: 'none',
  deflateLevel: 6,
  codec: 'json',
} as const;

export function resolveConnectionOptions(user: NsqConnectionOptions): ResolvedNsqConnectionOptions {
  const tls = resolveTls(user.tls);
  const authSecret = user.authSecret === undefined ? undefined : nonEmptyString('authSecret', user.authSecret);
  const allowInsecureAuth = boolean('allowInsecureAuth', user.allowInsecureAuth ?? CONNECTION_DEFAULTS.allowInsecureAuth);
  if (authSecret !== undefined && !tls && !allowInsecureAuth) {
    throw new InvalidNsqOptionError(
      'authSecret',
      'TLS enabled (option "tls") so the secret is not sent in plain text, or "allowInsecureAuth: true"',
      '(secret hidden)',
    );
  }
  const compression = oneOf('compression', user.compression ?? CONNECTION_DEFAULTS.compression, ['none', 'deflate', 'snappy'] as const);
  if (compression === 'snappy' && !canLoad('snappystream')) {
    throw new InvalidNsqOptionError('compression', '"none" or "deflate" (snappy needs the "snappystream" package installed)', compression);
  }
  return Object.freeze({
    nsqdTcpAddresses: Object.freeze(list('nsqdTcpAddresses', user.nsqdTcpAddresses ?? [], hostPort)),
    clientId: user.clientId === undefined ? undefined : nonEmptyString('clientId', user.clientId),
    heartbeatIntervalMs: integerIn('heartbeatIntervalMs', user.heartbeatIntervalMs ?? CONNECTION_DEFAULTS.heartbeatIntervalMs, 1000, 60_000),
    tls,
    authSecret,
    compression,
    deflateLevel: integerIn('deflateLevel', user.deflateLevel ?? CONNECTION_DEFAULTS.deflateLevel, 1, 9),
    codec: oneOf('codec', user.codec ?? CONNECTION_DEFAULTS.codec, ['json', 'text', 'raw'] as const),
  });
}

function resolveTls(value: NsqConnectionOptions['tls']): ResolvedNsqConnectionOptions['tls'] {
  if (value === undefined || value === false) return undefined;
  if (value === true) return Object.freeze({ rejectUnauthorized: true });
  const tls = objectOrUndefined('tls', value) as NsqTlsOptions;
  return Object.freeze({
    ...tls,
    rejectUnauthorized: boolean('tls.rejectUnauthorized', tls.rejectUnauthorized ?? true),
  });
}

function canLoad(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
