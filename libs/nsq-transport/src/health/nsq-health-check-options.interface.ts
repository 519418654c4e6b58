import type { ClientNsq } from '../client/client-nsq.js';
import type { ServerNsq } from '../server/server-nsq.js';

/**
 * What {@link NsqHealthIndicator.isHealthy} checks; give at least one of
 * `clients`, `servers` and `nsqdHttpAddresses`.
 */
export interface NsqHealthCheckOptions {
  /**
   * Clients that must not have lost their nsqd connection. A client that has
   * not connected yet (it connects on its first emit) counts as up: add
   * `nsqdHttpAddresses` to know whether nsqd answers at all. A record names
   * them in the result; a single client is reported as `default`.
   */
  readonly clients?: ClientNsq | Readonly<Record<string, ClientNsq>>;
  /** Servers that must be subscribed on an nsqd (every topic and channel); before `listen()` completes they are down. */
  readonly servers?: ServerNsq | Readonly<Record<string, ServerNsq>>;
  /** nsqd HTTP addresses (`host:port` or `http(s)://host:port`) that must answer `GET /ping`. */
  readonly nsqdHttpAddresses?: readonly string[];
  /** How long one `/ping` may take. @default 1000 */
  readonly timeoutMs?: number;
}
