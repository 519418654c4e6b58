import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import type { NsqCodecName } from '../interfaces/nsq-codec.interface.js';
import { NSQ_CODEC_NAMES } from '../nsq/nsq-codecs.js';
import { resolveObservabilityOptions, type ResolvedNsqObservability } from '../observability/resolve-observability-options.js';
import { packageRequire } from '../platform/package-require.js';
import type { NsqConnectionOptions, NsqTlsOptions } from './nsq-connection-options.interface.js';
import { boolean, hostPort, integerIn, list, nonEmptyString, oneOf, secret } from './option-validators.js';

/** Connection settings after validation; shared by the server and client resolvers. */
export interface ResolvedNsqConnectionOptions extends ResolvedNsqObservability {
  readonly nsqdTcpAddresses: readonly string[];
  readonly clientId: string | undefined;
  readonly heartbeatIntervalMs: number;
  readonly tls: Readonly<Required<Pick<NsqTlsOptions, 'rejectUnauthorized'>> & NsqTlsOptions> | undefined;
  readonly authSecret: string | undefined;
  /** Whether `authSecret` may be sent over a connection without TLS. */
  readonly allowInsecureAuth: boolean;
  readonly compression: 'none' | 'deflate' | 'snappy';
  readonly deflateLevel: number;
  readonly codec: NsqCodecName;
  /** Whether bodies are written (client) / also read (server) as envelopes with headers (WIRE.md §2). */
  readonly envelope: boolean;
}

export const CONNECTION_DEFAULTS = {
  heartbeatIntervalMs: 30_000,
  allowInsecureAuth: false,
  compression: 'none',
  deflateLevel: 6,
  codec: 'json',
  envelope: false,
} as const;

export function resolveConnectionOptions(user: NsqConnectionOptions): ResolvedNsqConnectionOptions {
  const tls = resolveTls(user.tls);
  const authSecret = user.authSecret === undefined ? undefined : secret('authSecret', user.authSecret);
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
    allowInsecureAuth,
    compression,
    deflateLevel: integerIn('deflateLevel', user.deflateLevel ?? CONNECTION_DEFAULTS.deflateLevel, 1, 9),
    codec: oneOf('codec', user.codec ?? CONNECTION_DEFAULTS.codec, NSQ_CODEC_NAMES),
    envelope: boolean('envelope', user.envelope ?? CONNECTION_DEFAULTS.envelope),
    ...resolveObservabilityOptions(user),
  });
}

function resolveTls(value: NsqConnectionOptions['tls']): ResolvedNsqConnectionOptions['tls'] {
  if (value === undefined || value === false) return undefined;
  if (value === true) return Object.freeze({ rejectUnauthorized: true });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidNsqOptionError('tls', 'true, false or a TLS options object', value);
  const tls = value as NsqTlsOptions;
  // Checked here, not when the first connection reads them: a bad PEM value would
  // otherwise surface as a TypeError from Buffer.from() inside connect()/emit().
  const ca = tls.ca === undefined ? undefined : Array.isArray(tls.ca) ? Object.freeze(list('tls.ca', tls.ca, pem)) : pem('tls.ca', tls.ca);
  const cert = tls.cert === undefined ? undefined : pem('tls.cert', tls.cert);
  const key = tls.key === undefined ? undefined : pem('tls.key', tls.key);
  if ((cert === undefined) !== (key === undefined)) {
    throw new InvalidNsqOptionError(cert === undefined ? 'tls.cert' : 'tls.key', 'both tls.cert and tls.key (a client certificate needs its key)', '(missing)');
  }
  const servername = tls.servername === undefined ? undefined : nonEmptyString('tls.servername', tls.servername);
  return Object.freeze({
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(servername !== undefined ? { servername } : {}),
    rejectUnauthorized: boolean('tls.rejectUnauthorized', tls.rejectUnauthorized ?? true),
  });
}

/** A PEM value: a non-empty string or Buffer. The value itself is never echoed (a key is a secret). */
function pem(option: string, value: unknown): string | Buffer {
  if ((typeof value === 'string' || Buffer.isBuffer(value)) && value.length > 0) return value;
  throw new InvalidNsqOptionError(option, 'a PEM string or Buffer', typeof value === 'string' || Buffer.isBuffer(value) ? '(empty)' : value === null ? null : typeof value);
}

function canLoad(name: string): boolean {
  try {
    packageRequire.resolve(name);
    return true;
  } catch {
    return false;
  }
}
