import { Writer } from 'nsqjs';
import { hardenNsqdConnection } from './nsqd-connection-hardening.js';
import { nsqdConnectionPolicy, type NsqjsConnectionConfig } from './nsqjs-config.js';

/**
 * nsqjs Writer whose nsqd connection gets the TLS/AUTH safeguards of
 * {@link hardenNsqdConnection}: certificate checked against the real host
 * (or `tls.servername`), no silent plain-text fallback, AUTH only when nsqd
 * asks for it.
 */
export class NsqHardenedWriter extends Writer {
  constructor(
    host: string,
    port: number,
    private readonly connectionConfig: NsqjsConnectionConfig,
  ) {
    super(host, port, connectionConfig);
  }

  override connect(): void {
    super.connect();
    // Writer.connect() creates the connection and opens its socket on the next tick: in time.
    hardenNsqdConnection((this as unknown as { conn: unknown }).conn, nsqdConnectionPolicy(this.connectionConfig));
  }
}
