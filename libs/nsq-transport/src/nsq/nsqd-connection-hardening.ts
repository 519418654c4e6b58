import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { NsqSecurityError } from '../errors/nsq-security.error.js';

/** How one nsqd connection must negotiate TLS and AUTH. */
export interface NsqdConnectionPolicy {
  /** TLS was asked for: never continue in plain text when nsqd does not offer it. */
  readonly tls: boolean;
  /** Name to verify nsqd's certificate against (and send as SNI); default: the host of the address. */
  readonly servername?: string;
  /** Allow sending the AUTH secret over a connection without TLS. */
  readonly allowInsecureAuth: boolean;
}

type StateHandlers = Record<string, (data?: unknown) => unknown>;

/** The undeclared parts of nsqjs 0.13's NSQDConnection / WriterNSQDConnection this module adjusts. */
interface NsqjsConnectionInternals {
  readonly nsqdHost: string;
  readonly nsqdPort: number;
  conn: Socket;
  outWriter: unknown;
  readonly config: { readonly tlsVerification: boolean; readonly ca?: Buffer | null; readonly key?: Buffer | null; readonly cert?: Buffer | null; readonly authSecret?: string | null };
  readonly statemachine: {
    readonly states: Record<string, StateHandlers>;
    readonly identifyResponse: { readonly tls_v1?: boolean; readonly auth_required?: boolean } | null;
    goto(state: string, data?: unknown): unknown;
    afterIdentify(): string;
  };
  registerStreamListeners(socket: Socket): void;
  startTLS(callback?: () => void): void;
}

/**
 * Fixes, on one nsqjs connection before it connects, what nsqjs 0.13 gets
 * wrong about TLS and AUTH:
 *
 * - its TLS upgrade calls `tls.connect({ socket })` with no host, so Node
 *   checks the certificate against "localhost" whatever the nsqd address:
 *   a certificate for the real host is refused, one for "localhost" accepted.
 *   Here the name is `policy.servername` or the connection's host (SNI only
 *   for DNS names, as TLS requires);
 * - when nsqd does not offer TLS it quietly continues in plain text; here a
 *   connection that asked for TLS fails with NsqSecurityError instead;
 * - it sends AUTH whenever a secret is set, even to an nsqd without auth
 *   (which answers with a fatal E_AUTH_DISABLED); here AUTH is sent only when
 *   IDENTIFY says `auth_required`, never without TLS unless allowed, and a
 *   missing secret is a clear error instead of nsqd's later E_AUTH_FIRST.
 *
 * Per connection, not by patching nsqjs's prototypes: other nsqjs users in
 * the process are left alone.
 */
export function hardenNsqdConnection(connection: unknown, policy: NsqdConnectionPolicy): void {
  const conn = connection as NsqjsConnectionInternals;
  const machine = conn.statemachine;
  const states = machine.states;
  if (!states.AUTH?.Enter || !states.IDENTIFY_COMPRESSION_CHECK?.Enter || typeof conn.startTLS !== 'function') {
    // Only nsqjs 0.13's connection shape is known; refuse to guess for another.
    throw new Error('nsqjs connection internals changed: cannot apply the TLS/AUTH safeguards');
  }
  const address = `${conn.nsqdHost}:${conn.nsqdPort}`;
  let encrypted = false;

  conn.startTLS = (callback?: () => void) => {
    for (const event of ['data', 'error', 'close']) conn.conn.removeAllListeners(event);
    const name = policy.servername ?? conn.nsqdHost;
    const options: ConnectionOptions = {
      socket: conn.conn,
      // Node verifies the certificate against `servername || host`.
      host: name,
      ...(isIP(name) === 0 ? { servername: name } : {}),
      rejectUnauthorized: conn.config.tlsVerification,
      ...(conn.config.ca ? { ca: conn.config.ca } : {}),
      ...(conn.config.key ? { key: conn.config.key } : {}),
      ...(conn.config.cert ? { cert: conn.config.cert } : {}),
    };
    const socket = tlsConnect(options, () => {
      conn.conn = socket;
      callback?.();
    });
    encrypted = true;
    conn.outWriter = socket;
    conn.registerStreamListeners(socket);
  };

  const afterIdentify = states.IDENTIFY_COMPRESSION_CHECK.Enter;
  states.IDENTIFY_COMPRESSION_CHECK = {
    ...states.IDENTIFY_COMPRESSION_CHECK,
    Enter: (data?: unknown) => {
      if (policy.tls && !encrypted) {
        return machine.goto('ERROR', new NsqSecurityError(`nsqd at ${address} did not offer TLS (it needs --tls-cert and --tls-key); refusing to continue in plain text`, address));
      }
      return afterIdentify(data);
    },
  };

  const sendAuth = states.AUTH.Enter;
  states.AUTH = {
    ...states.AUTH,
    Enter: (data?: unknown) => {
      if (machine.identifyResponse?.auth_required !== true) return machine.goto(machine.afterIdentify());
      if (!conn.config.authSecret) {
        return machine.goto('ERROR', new NsqSecurityError(`nsqd at ${address} requires AUTH; set the "authSecret" option`, address));
      }
      if (!encrypted && !policy.allowInsecureAuth) {
        return machine.goto('ERROR', new NsqSecurityError(`nsqd at ${address} requires AUTH on a connection without TLS; refusing to send the secret in plain text (enable "tls", or "allowInsecureAuth")`, address));
      }
      return sendAuth(data);
    },
  };
}
