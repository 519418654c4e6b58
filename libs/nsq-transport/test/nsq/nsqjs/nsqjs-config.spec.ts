import { MAX_FRAME_BYTES, toNsqjsConnectionConfig, toNsqjsReaderConfig } from '../../../src/nsq/nsqjs/nsqjs-config.js';
import { resolveConnectionOptions, type ResolvedNsqConnectionOptions } from '../../../src/options/resolve-connection-options.js';
import { resolveServerOptions } from '../../../src/options/resolve-server-options.js';
import type { ServerNsqOptions } from '../../../src/options/server-nsq-options.interface.js';

const connection = (overrides: Partial<ResolvedNsqConnectionOptions> = {}): ResolvedNsqConnectionOptions => ({
  ...resolveConnectionOptions({ nsqdTcpAddresses: ['127.0.0.1:4150'] }),
  ...overrides,
});

const server = (overrides: Partial<ServerNsqOptions> = {}) => resolveServerOptions({ nsqdTcpAddresses: ['127.0.0.1:4150'], ...overrides });

describe('toNsqjsConnectionConfig', () => {
  it('maps the defaults, leaving optional fields out', () => {
    expect(toNsqjsConnectionConfig(connection())).toStrictEqual({
      heartbeatInterval: 30,
      idleTimeout: 0,
      deflate: false,
      deflateLevel: 6,
      snappy: false,
      tls: false,
      tlsVerification: true,
      policy: { tls: false, rejectUnauthorized: true, allowInsecureAuth: false, maxFrameBytes: MAX_FRAME_BYTES, idleTimeoutMs: 75_000 },
    });
  });

  it.each([
    [1000, 1, 3],
    [1499, 1, 3],
    [1500, 2, 5],
    [3000, 3, 8],
    [5000, 5, 13],
    [60_000, 60, 150],
  ])('turns a heartbeat of %p ms into %p s, with an idle timeout of %p s judged by the guard (nsqjs\'s own off)', (heartbeatIntervalMs, heartbeatInterval, idleTimeout) => {
    expect(toNsqjsConnectionConfig(connection({ heartbeatIntervalMs }))).toMatchObject({ heartbeatInterval, idleTimeout: 0, policy: { idleTimeoutMs: idleTimeout * 1000 } });
  });

  it.each<[ResolvedNsqConnectionOptions['compression'], boolean, boolean]>([
    ['none', false, false],
    ['deflate', true, false],
    ['snappy', false, true],
  ])('compression %p → deflate %p, snappy %p', (compression, deflate, snappy) => {
    expect(toNsqjsConnectionConfig(connection({ compression, deflateLevel: 9 }))).toMatchObject({ deflate, snappy, deflateLevel: 9 });
  });

  it('passes clientId to nsqjs, and keeps the AUTH secret in the policy nsqjs never sees', () => {
    const config = toNsqjsConnectionConfig(connection({ clientId: 'saver-1', authSecret: 's3cret' }));
    expect(config).toMatchObject({ clientId: 'saver-1', policy: { authSecret: 's3cret' } });
    expect(config).not.toHaveProperty('authSecret');
  });

  it.each([true, false])('turns TLS on with verification %p', (rejectUnauthorized) => {
    const config = toNsqjsConnectionConfig(connection({ tls: { rejectUnauthorized } }));
    expect(config).toMatchObject({ tls: true, tlsVerification: rejectUnauthorized, policy: { tls: true, rejectUnauthorized } });
    for (const key of ['key', 'cert', 'ca']) {
      expect(config).not.toHaveProperty(key);
      expect(config.policy).not.toHaveProperty(key);
    }
  });

  it('carries tls.servername and allowInsecureAuth in the policy', () => {
    const config = toNsqjsConnectionConfig(connection({ tls: { rejectUnauthorized: true, servername: 'nsqd.internal' }, authSecret: 's', allowInsecureAuth: true }));
    expect(config.policy).toMatchObject({ tls: true, servername: 'nsqd.internal', allowInsecureAuth: true });
  });

  it('hands key and cert to the policy as Buffers, never to nsqjs', () => {
    const cert = Buffer.from('CERT');
    const config = toNsqjsConnectionConfig(connection({ tls: { rejectUnauthorized: true, key: 'KEY ü', cert } }));
    expect(config.policy.key).toEqual(Buffer.from('KEY ü', 'utf8'));
    expect(config.policy.cert).toEqual(cert);
    expect(JSON.stringify({ ...config, policy: undefined })).not.toContain('KEY');
  });

  it.each<[string, string | Buffer | ReadonlyArray<string | Buffer>, string]>([
    ['a string', 'CA-1', 'CA-1'],
    ['a Buffer', Buffer.from('CA-1'), 'CA-1'],
    ['an array, concatenated in order', ['CA-1\n', Buffer.from('CA-2\n'), 'CA-3'], 'CA-1\nCA-2\nCA-3'],
  ])('hands a CA given as %s over as one Buffer', (_label, ca, expected) => {
    const config = toNsqjsConnectionConfig(connection({ tls: { rejectUnauthorized: true, ca } }));
    expect(Buffer.isBuffer(config.policy.ca)).toBe(true);
    expect(config.policy.ca?.toString('utf8')).toBe(expected);
  });
});

describe('toNsqjsReaderConfig', () => {
  it('maps the server defaults', () => {
    expect(toNsqjsReaderConfig(server())).toStrictEqual({
      ...toNsqjsConnectionConfig(connection()),
      nsqdTCPAddresses: ['127.0.0.1:4150'],
      lookupdHTTPAddresses: [],
      lookupdPollInterval: 15,
      maxInFlight: 1,
      maxAttempts: 0,
      maxBackoffDuration: 60,
    });
  });

  it('copies the address lists', () => {
    const options = server({ lookupdHttpAddresses: ['lookupd:4161'] });
    const config = toNsqjsReaderConfig(options);
    expect(config.lookupdHTTPAddresses).toEqual(['lookupd:4161']);
    expect(config.lookupdHTTPAddresses).not.toBe(options.lookupdHttpAddresses);
    expect(config.nsqdTCPAddresses).not.toBe(options.nsqdTcpAddresses);
  });

  it.each([
    [1000, 1],
    [1499, 1],
    [1500, 2],
    [3_600_000, 3600],
  ])('turns a lookupd poll interval of %p ms into %p s', (lookupdPollIntervalMs, lookupdPollInterval) => {
    expect(toNsqjsReaderConfig(server({ lookupdPollIntervalMs })).lookupdPollInterval).toBe(lookupdPollInterval);
  });

  it.each([
    [0, 0],
    [1500, 1.5],
    [60_000, 60],
  ])('turns a max backoff of %p ms into %p s', (maxBackoffDurationMs, maxBackoffDuration) => {
    expect(toNsqjsReaderConfig(server({ maxBackoffDurationMs })).maxBackoffDuration).toBe(maxBackoffDuration);
  });

  it.each([0, 5, 65_535])('leaves maxAttempts to the transport (0) when the server allows %p', (maxAttempts) => {
    expect(toNsqjsReaderConfig(server({ maxAttempts })).maxAttempts).toBe(0);
  });

  it('passes maxInFlight, msgTimeout and the output buffer settings through (nsqjs takes ms here)', () => {
    expect(toNsqjsReaderConfig(server({ maxInFlight: 50, msgTimeoutMs: 120_000, outputBufferSize: -1, outputBufferTimeoutMs: 25 }))).toMatchObject({
      maxInFlight: 50,
      messageTimeout: 120_000,
      outputBufferSize: -1,
      outputBufferTimeout: 25,
    });
  });

  it('keeps the connection settings', () => {
    expect(toNsqjsReaderConfig(server({ heartbeatIntervalMs: 5000, clientId: 'saver' }))).toMatchObject({ heartbeatInterval: 5, idleTimeout: 0, clientId: 'saver' });
  });
});
