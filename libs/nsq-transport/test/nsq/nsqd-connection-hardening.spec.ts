import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import * as nsqjs from 'nsqjs';
import { NsqSecurityError } from '../../src/errors/nsq-security.error.js';
import { hardenNsqdConnection, type NsqdConnectionPolicy } from '../../src/nsq/nsqd-connection-hardening.js';

type Machine = { states: Record<string, Record<string, (data?: unknown) => unknown>>; identifyResponse: unknown; current_state_name: string; goto(state: string, data?: unknown): unknown };
type Conn = EventEmitter & { statemachine: Machine; conn: unknown; write: (data: unknown) => void; config: { authSecret: string | null }; startTLS(cb?: () => void): void };

// nsqjs exports its connection classes; @types/nsqjs does not declare them.
const { NSQDConnection, WriterNSQDConnection } = nsqjs as unknown as Record<'NSQDConnection' | 'WriterNSQDConnection', new (...args: never[]) => unknown>;

const POLICY: NsqdConnectionPolicy = { tls: false, allowInsecureAuth: false };

/** A real nsqjs 0.13 connection (never connected), hardened, with writes and errors recorded. */
function connection(options: Record<string, unknown>, policy: NsqdConnectionPolicy = POLICY, Kind: new (...args: never[]) => unknown = NSQDConnection as never) {
  const conn = new (Kind as unknown as new (...args: unknown[]) => Conn)('nsqd.example', 4150, 'topic', 'channel', options);
  const written: string[] = [];
  const errors: Error[] = [];
  conn.write = (data: unknown) => void written.push(String(data));
  // Never connected: a bare socket for CLOSED to destroy.
  conn.conn = new Socket();
  conn.on('error', (error: Error) => errors.push(error));
  hardenNsqdConnection(conn, policy);
  return { conn, machine: conn.statemachine, written, errors };
}

describe('hardenNsqdConnection', () => {
  describe('AUTH', () => {
    it('is not sent when nsqd did not ask for it, even with a secret (nsqd would answer E_AUTH_DISABLED)', () => {
      const { machine, written } = connection({ authSecret: 'hidden-secret' }, { tls: true, allowInsecureAuth: false });
      machine.identifyResponse = { auth_required: false };
      machine.goto('AUTH');
      expect(written.join('')).not.toContain('AUTH');
      expect(machine.current_state_name).toBe('SUBSCRIBE_RESPONSE');
    });

    it('a Writer connection goes straight to READY_SEND', () => {
      const { machine } = connection({ authSecret: 'hidden-secret' }, POLICY, WriterNSQDConnection as never);
      machine.identifyResponse = {};
      machine.goto('AUTH');
      expect(machine.current_state_name).toBe('READY_SEND');
    });

    it('fails with NsqSecurityError when nsqd requires it and no secret is set', () => {
      const { machine, errors } = connection({});
      machine.identifyResponse = { auth_required: true };
      machine.goto('AUTH');
      expect(errors[0]).toBeInstanceOf(NsqSecurityError);
      expect(errors[0]!.message).toMatch(/requires AUTH/);
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it('refuses to send the secret over plain text unless allowInsecureAuth, and never names it', () => {
      const { machine, written, errors } = connection({ authSecret: 'hidden-secret' });
      machine.identifyResponse = { auth_required: true };
      machine.goto('AUTH');
      expect(written.join('')).not.toContain('hidden-secret');
      expect(errors[0]).toBeInstanceOf(NsqSecurityError);
      expect(errors[0]!.message).toMatch(/plain text/);
      expect(errors[0]!.message).not.toContain('hidden-secret');
    });

    it('sends it in plain text when allowInsecureAuth', () => {
      const { machine, written } = connection({ authSecret: 'hidden-secret' }, { tls: false, allowInsecureAuth: true });
      machine.identifyResponse = { auth_required: true };
      machine.goto('AUTH');
      expect(written.join('')).toContain('AUTH');
      expect(machine.current_state_name).toBe('AUTH_RESPONSE');
    });
  });

  describe('TLS', () => {
    it('refuses to continue in plain text when TLS was asked for and nsqd did not offer it', () => {
      const { machine, errors } = connection({ tls: true }, { tls: true, allowInsecureAuth: false });
      machine.identifyResponse = { tls_v1: false };
      machine.goto('IDENTIFY_COMPRESSION_CHECK');
      expect(errors[0]).toBeInstanceOf(NsqSecurityError);
      expect(errors[0]!.message).toMatch(/did not offer TLS/);
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it('lets a plain connection that never asked for TLS through', () => {
      const { machine, errors } = connection({});
      machine.identifyResponse = {};
      machine.goto('IDENTIFY_COMPRESSION_CHECK');
      expect(errors).toEqual([]);
      expect(machine.current_state_name).toBe('SUBSCRIBE_RESPONSE');
    });
    // The TLS upgrade's host/servername needs a real handshake: test/security/tls.spec.ts covers it end to end.
  });

  it('refuses a connection whose internals it does not know', () => {
    expect(() => hardenNsqdConnection({ statemachine: { states: {} } }, POLICY)).toThrow(/internals changed/);
  });
});
