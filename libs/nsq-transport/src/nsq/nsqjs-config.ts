import type { ConnectionConfigOptions, ReaderConnectionConfigOptions } from 'nsqjs';
import type { NsqdConnectionPolicy } from './nsqd-connection-hardening.js';
import type { ResolvedNsqConnectionOptions } from '../options/resolve-connection-options.js';
import type { ResolvedServerNsqOptions } from '../options/resolve-server-options.js';

/** nsqjs reads TLS material from these keys; @types/nsqjs 0.12 does not declare them. */
interface NsqjsTlsConfig {
  key?: Buffer;
  cert?: Buffer;
  ca?: Buffer;
}

/**
 * Our own keys, read by hardenNsqdConnection (nsqjs's config ignores unknown
 * keys): the name to verify nsqd's certificate against, and whether AUTH may
 * go over plain text.
 */
interface NsqdSafeguardConfig {
  tlsServername?: string;
  allowInsecureAuth?: boolean;
}

export type NsqjsConnectionConfig = ConnectionConfigOptions & NsqjsTlsConfig & NsqdSafeguardConfig;
export type NsqjsReaderConfig = ReaderConnectionConfigOptions & NsqjsTlsConfig & NsqdSafeguardConfig;

const toBuffer = (pem: string | Buffer): Buffer => (Buffer.isBuffer(pem) ? pem : Buffer.from(pem, 'utf8'));

/**
 * Maps our (millisecond-based, validated) options onto nsqjs's config, whose
 * durations are partly in seconds. The only place that knows nsqjs's units.
 */
export function toNsqjsConnectionConfig(options: ResolvedNsqConnectionOptions): NsqjsConnectionConfig {
  const heartbeatSeconds = Math.max(1, Math.round(options.heartbeatIntervalMs / 1000));
  const config: NsqjsConnectionConfig = {
    heartbeatInterval: heartbeatSeconds,
    // nsqd sends a heartbeat every interval; silence for 2.5 intervals means
    // the peer is gone (or paused) even though the socket looks open.
    idleTimeout: Math.ceil(heartbeatSeconds * 2.5),
    deflate: options.compression === 'deflate',
    deflateLevel: options.deflateLevel,
    snappy: options.compression === 'snappy',
    tls: options.tls !== undefined,
    tlsVerification: options.tls?.rejectUnauthorized ?? true,
  };
  if (options.clientId !== undefined) config.clientId = options.clientId;
  if (options.authSecret !== undefined) config.authSecret = options.authSecret;
  if (options.allowInsecureAuth) config.allowInsecureAuth = true;
  if (options.tls?.servername !== undefined) config.tlsServername = options.tls.servername;
  if (options.tls?.key !== undefined) config.key = toBuffer(options.tls.key);
  if (options.tls?.cert !== undefined) config.cert = toBuffer(options.tls.cert);
  if (options.tls?.ca !== undefined) {
    const cas = Array.isArray(options.tls.ca) ? options.tls.ca : [options.tls.ca as string | Buffer];
    config.ca = Buffer.concat(cas.map((ca) => toBuffer(ca)));
  }
  return config;
}

/** The TLS/AUTH rules hardenNsqdConnection applies to every connection made with `config`. */
export function nsqdConnectionPolicy(config: NsqjsConnectionConfig | NsqjsReaderConfig): NsqdConnectionPolicy {
  return {
    tls: config.tls === true,
    allowInsecureAuth: config.allowInsecureAuth === true,
    ...(config.tlsServername !== undefined ? { servername: config.tlsServername } : {}),
  };
}

/** Reader config: maxAttempts stays 0 because the transport enforces attempts itself (dead-letter). */
export function toNsqjsReaderConfig(options: ResolvedServerNsqOptions): NsqjsReaderConfig {
  const config: NsqjsReaderConfig = {
    ...toNsqjsConnectionConfig(options),
    nsqdTCPAddresses: [...options.nsqdTcpAddresses],
    lookupdHTTPAddresses: [...options.lookupdHttpAddresses],
    lookupdPollInterval: Math.max(1, Math.round(options.lookupdPollIntervalMs / 1000)),
    maxInFlight: options.maxInFlight,
    maxAttempts: 0,
    maxBackoffDuration: options.maxBackoffDurationMs / 1000,
  };
  if (options.msgTimeoutMs !== undefined) config.messageTimeout = options.msgTimeoutMs;
  if (options.outputBufferSize !== undefined) config.outputBufferSize = options.outputBufferSize;
  if (options.outputBufferTimeoutMs !== undefined) config.outputBufferTimeout = options.outputBufferTimeoutMs;
  return config;
}
