import type { OptionKeys } from './known-option-keys.js';
import type { NsqConnectionOptions, NsqTlsOptions } from './nsq-connection-options.interface.js';

/** Every key of {@link NsqConnectionOptions} (shared by the server and the client). */
export const CONNECTION_OPTION_KEYS = {
  nsqdTcpAddresses: true,
  clientId: true,
  heartbeatIntervalMs: true,
  tls: true,
  authSecret: true,
  allowInsecureAuth: true,
  compression: true,
  deflateLevel: true,
  codec: true,
  envelope: true,
  tracing: true,
  metrics: true,
} as const satisfies OptionKeys<NsqConnectionOptions>;

/** Every key of {@link NsqTlsOptions}. */
export const TLS_OPTION_KEYS = {
  ca: true,
  cert: true,
  key: true,
  rejectUnauthorized: true,
  servername: true,
} as const satisfies OptionKeys<NsqTlsOptions>;
