import type { ConnectionConfigOptions, ReaderConnectionConfigOptions } from 'nsqjs';
import type { ResolvedNsqConnectionOptions } from '../../options/resolve-connection-options.js';
import type { ResolvedServerNsqOptions } from '../../options/resolve-server-options.js';
import type { NsqjsConnectionPolicy } from './nsqjs-connection-guard.js';

/**
 * nsqjs's connection config plus our `policy`, which nsqjs never sees (its
 * config classes copy only the keys they know): the TLS material and the AUTH
 * secret stay out of what nsqjs stores and prints under `DEBUG=nsqjs:*`.
 */
export type NsqjsConnectionConfig = ConnectionConfigOptions & { readonly policy: NsqjsConnectionPolicy };
export type NsqjsReaderConfig = ReaderConnectionConfigOptions & { readonly policy: NsqjsConnectionPolicy };

/**
 * Largest frame taken from nsqd: far above any sane `--max-msg-size` (default
 * 1 MiB), far below what a corrupt size field could make a client buffer.
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

const toBuffer = (pem: string | Buffer): Buffer => (Buffer.isBuffer(pem) ? pem : Buffer.from(pem, 'utf8'));

/**
 * Maps our (millisecond-based, validated) options onto nsqjs's config, whose
 * durations are partly in seconds. The only place that knows nsqjs's units.
 */
export function toNsqjsConnectionConfig(options: ResolvedNsqConnectionOptions): NsqjsConnectionConfig {
  const heartbeatSeconds = Math.max(1, Math.round(options.heartbeatIntervalMs / 1000));
  const config: ConnectionConfigOptions = {
    heartbeatInterval: heartbeatSeconds,
    // nsqjs's own idle timeout counts our writes as activity; the guard judges idleness (policy.idleTimeoutMs).
    idleTimeout: 0,
    deflate: options.compression === 'deflate',
    deflateLevel: options.deflateLevel,
    snappy: options.compression === 'snappy',
    tls: options.tls !== undefined,
    tlsVerification: options.tls?.rejectUnauthorized ?? true,
  };
  if (options.clientId !== undefined) config.clientId = options.clientId;
  // nsqd sends a heartbeat every interval; silence for 2.5 intervals means the peer is gone (or paused)
  // even though the socket looks open.
  return { ...config, policy: connectionPolicy(options, Math.ceil(heartbeatSeconds * 2.5) * 1000) };
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

function connectionPolicy(options: ResolvedNsqConnectionOptions, idleTimeoutMs: number): NsqjsConnectionPolicy {
  const tls = options.tls;
  const cas = tls?.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca : [tls.ca as string | Buffer];
  return {
    tls: tls !== undefined,
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    allowInsecureAuth: options.allowInsecureAuth,
    maxFrameBytes: MAX_FRAME_BYTES,
    idleTimeoutMs,
    ...(tls?.servername !== undefined ? { servername: tls.servername } : {}),
    ...(cas !== undefined ? { ca: Buffer.concat(cas.map((ca) => toBuffer(ca))) } : {}),
    ...(tls?.key !== undefined ? { key: toBuffer(tls.key) } : {}),
    ...(tls?.cert !== undefined ? { cert: toBuffer(tls.cert) } : {}),
    ...(options.authSecret !== undefined ? { authSecret: options.authSecret } : {}),
  };
}
