import { createRequire as realCreateRequire } from 'node:module';
import { jest } from '@jest/globals';
import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import type { NsqConnectionOptions } from '../../src/options/nsq-connection-options.interface.js';
import { catchError } from '../support/catch-error.js';

// The resolver probes for the optional "snappystream" package with
// createRequire().resolve; this stand-in decides whether it is "installed",
// so the tests do not depend on what npm happened to install.
const installed = new Map<string, boolean>();
jest.unstable_mockModule('node:module', () => ({
  createRequire: (from: string | URL) => {
    const require = realCreateRequire(from);
    const resolve = (id: string): string => {
      const present = installed.get(id);
      if (present === undefined) return require.resolve(id);
      if (present) return `/node_modules/${id}/index.js`;
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    return Object.assign((id: string): unknown => require(id), { resolve });
  },
}));
const { resolveConnectionOptions } = await import('../../src/options/resolve-connection-options.js');

const resolve = (user: Record<string, unknown>) => resolveConnectionOptions(user as NsqConnectionOptions);

afterEach(() => {
  installed.clear();
});

describe('resolveConnectionOptions', () => {
  it('applies the defaults', () => {
    expect(resolve({})).toStrictEqual({
      nsqdTcpAddresses: [],
      clientId: undefined,
      heartbeatIntervalMs: 30_000,
      tls: undefined,
      authSecret: undefined,
      allowInsecureAuth: false,
      compression: 'none',
      deflateLevel: 6,
      codec: 'json',
      envelope: false,
      tracing: undefined,
      metrics: undefined,
    });
  });

  it('keeps the values it is given', () => {
    const given = {
      nsqdTcpAddresses: ['a:4150', '[::1]:4150'],
      clientId: 'saver-1',
      heartbeatIntervalMs: 1000,
      compression: 'deflate',
      deflateLevel: 9,
      codec: 'raw',
    };
    expect(resolve(given)).toMatchObject(given);
  });

  it.each(['json', 'json-bigint', 'text', 'raw'])('accepts the codec %p', (codec) => {
    expect(resolve({ codec }).codec).toBe(codec);
  });

  it('names every codec in its error', () => {
    expect(catchError(InvalidNsqOptionError, () => resolve({ codec: 'bigint' })).message).toContain('"json", "json-bigint", "text", "raw"');
  });

  it('returns a frozen result, its address list and TLS settings included', () => {
    const resolved = resolve({ nsqdTcpAddresses: ['a:4150'], tls: { servername: 'nsqd' } });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.nsqdTcpAddresses)).toBe(true);
    expect(Object.isFrozen(resolved.tls)).toBe(true);
  });

  it("does not mutate or share the caller's objects", () => {
    const user = { nsqdTcpAddresses: ['a:4150'], tls: { ca: 'pem' } };
    const copy = structuredClone(user);
    const resolved = resolve(user);
    expect(user).toStrictEqual(copy);
    expect(Object.isFrozen(user.nsqdTcpAddresses)).toBe(false);
    expect(Object.isFrozen(user.tls)).toBe(false);
    expect(resolved.nsqdTcpAddresses).not.toBe(user.nsqdTcpAddresses);
    expect(resolved.tls).not.toBe(user.tls);
  });

  it.each<[string, Record<string, unknown>]>([
    ['nsqdTcpAddresses', { nsqdTcpAddresses: 'a:4150' }],
    ['nsqdTcpAddresses[0]', { nsqdTcpAddresses: ['a'] }],
    ['nsqdTcpAddresses[1]', { nsqdTcpAddresses: ['a:4150', 4150] }],
    ['clientId', { clientId: '' }],
    ['clientId', { clientId: 7 }],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: 999 }],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: 60_001 }],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: 1500.5 }],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: '30000' }],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: Number.NaN }],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: 0 }],
    ['tls', { tls: 'yes' }],
    ['tls', { tls: 1 }],
    ['tls', { tls: [] }],
    ['tls.rejectUnauthorized', { tls: { rejectUnauthorized: 'no' } }],
    ['tls', { tls: null }],
    ['tls.ca', { tls: { ca: 5 } }],
    ['tls.ca', { tls: { ca: '' } }],
    ['tls.ca[1]', { tls: { ca: ['pem', {}] } }],
    ['tls.cert', { tls: { cert: 5, key: 'pem' } }],
    ['tls.key', { tls: { cert: 'pem', key: {} } }],
    ['tls.key', { tls: { cert: 'pem' } }],
    ['tls.cert', { tls: { key: 'pem' } }],
    ['tls.servername', { tls: { servername: '' } }],
    ['tls.servername', { tls: { servername: 5 } }],
    ['authSecret', { authSecret: '', tls: true }],
    ['authSecret', { authSecret: 42, tls: true }],
    ['allowInsecureAuth', { allowInsecureAuth: 'yes' }],
    ['compression', { compression: 'gzip' }],
    ['compression', { compression: true }],
    ['deflateLevel', { deflateLevel: 0 }],
    ['deflateLevel', { deflateLevel: 10 }],
    ['deflateLevel', { deflateLevel: 2.5 }],
    ['codec', { codec: 'xml' }],
    ['codec', { codec: 'JSON' }],
    ['codec', { codec: 'json_bigint' }],
  ])('refuses an invalid %s (%p)', (option, user) => {
    expect(catchError(InvalidNsqOptionError, () => resolve(user)).option).toBe(option);
  });

  describe('tls', () => {
    it.each([undefined, false])('is off for %p', (tls) => {
      expect(resolve({ tls }).tls).toBeUndefined();
    });

    it('verifies certificates by default', () => {
      expect(resolve({ tls: true }).tls).toStrictEqual({ rejectUnauthorized: true });
      expect(resolve({ tls: { ca: 'pem', servername: 'nsqd' } }).tls).toStrictEqual({ ca: 'pem', servername: 'nsqd', rejectUnauthorized: true });
    });

    it('keeps PEM material as given (strings, Buffers, a CA list) and drops unknown keys', () => {
      const key = Buffer.from('key');
      const resolved = resolve({ tls: { ca: ['a', Buffer.from('b')], cert: 'cert', key, other: 1 } as never }).tls;
      expect(resolved).toStrictEqual({ ca: ['a', Buffer.from('b')], cert: 'cert', key, rejectUnauthorized: true });
    });

    it('never echoes a bad key in its error', () => {
      const error = catchError(InvalidNsqOptionError, () => resolve({ tls: { cert: 'pem', key: '' } }));
      expect(error.message).toContain('tls.key');
      expect(error.received).toBe('(empty)');
    });

    it('can turn verification off', () => {
      expect(resolve({ tls: { rejectUnauthorized: false } }).tls).toStrictEqual({ rejectUnauthorized: false });
    });
  });

  describe('authSecret', () => {
    const secret = 's3cr3t-token-value';

    it('is refused without TLS, and the error does not reveal it', () => {
      const error = catchError(InvalidNsqOptionError, () => resolve({ authSecret: secret }));
      expect(error.option).toBe('authSecret');
      expect(error.received).not.toBe(secret);
      expect(`${error.message} ${error.expected} ${String(error.received)} ${error.stack ?? ''}`).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    });

    it('is refused when TLS is explicitly off and insecure auth is not allowed', () => {
      expect(catchError(InvalidNsqOptionError, () => resolve({ authSecret: secret, tls: false, allowInsecureAuth: false })).option).toBe('authSecret');
    });

    it('is kept with TLS', () => {
      expect(resolve({ authSecret: secret, tls: true }).authSecret).toBe(secret);
    });

    it.each<[string, unknown]>([
      ['a number', 987654321],
      ['an object', { token: 'hunter2-object' }],
      ['a Buffer', Buffer.from('hunter2-buffer')],
    ])('refuses %s without echoing it', (_label, value) => {
      const error = catchError(InvalidNsqOptionError, () => resolve({ authSecret: value, tls: true }));
      expect(error.option).toBe('authSecret');
      expect(error.received).toBe('(secret hidden)');
      expect(`${error.message} ${JSON.stringify(error)}`).not.toMatch(/987654321|hunter2/);
    });

    it('is kept without TLS when allowInsecureAuth is true', () => {
      expect(resolve({ authSecret: secret, allowInsecureAuth: true }).authSecret).toBe(secret);
    });
  });

  describe('compression', () => {
    it('accepts snappy when snappystream is installed', () => {
      installed.set('snappystream', true);
      expect(resolve({ compression: 'snappy' }).compression).toBe('snappy');
    });

    it('refuses snappy when snappystream is not installed', () => {
      installed.set('snappystream', false);
      const error = catchError(InvalidNsqOptionError, () => resolve({ compression: 'snappy' }));
      expect(error.option).toBe('compression');
      expect(error.expected).toContain('snappystream');
    });

    it('does not need snappystream for deflate', () => {
      installed.set('snappystream', false);
      expect(resolve({ compression: 'deflate' }).compression).toBe('deflate');
    });
  });
});
