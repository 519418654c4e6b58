import { ClientNsq, InvalidNsqOptionError, NsqTransportError, ServerNsq, type ClientNsqOptions, type ServerNsqOptions } from 'nestjs-transport-nsq';
import { recordBadInputs } from './bad-input-tally.js';

const NSQD = ['127.0.0.1:4150'];
const SECRET = 'never-print-this-secret-7f3a';

/** [option named in the error, overrides]: each must throw InvalidNsqOptionError naming the option, from either constructor. */
const SHARED: Array<[string, Record<string, unknown>]> = [
  ['nsqdTcpAddresses', { nsqdTcpAddresses: '127.0.0.1:4150' }],
  ['nsqdTcpAddresses[0]', { nsqdTcpAddresses: ['127.0.0.1'] }],
  ['nsqdTcpAddresses[0]', { nsqdTcpAddresses: ['127.0.0.1:0'] }],
  ['nsqdTcpAddresses[0]', { nsqdTcpAddresses: ['127.0.0.1:70000'] }],
  ['nsqdTcpAddresses[0]', { nsqdTcpAddresses: [':4150'] }],
  ['nsqdTcpAddresses[0]', { nsqdTcpAddresses: ['bad host:4150'] }],
  ['nsqdTcpAddresses[0]', { nsqdTcpAddresses: ['a:1\nPUB x'] }],
  ['nsqdTcpAddresses[0]', { nsqdTcpAddresses: [4150] }],
  ['clientId', { clientId: '' }],
  ['clientId', { clientId: 7 }],
  ['heartbeatIntervalMs', { heartbeatIntervalMs: 999 }],
  ['heartbeatIntervalMs', { heartbeatIntervalMs: 60_001 }],
  ['heartbeatIntervalMs', { heartbeatIntervalMs: 1500.5 }],
  ['heartbeatIntervalMs', { heartbeatIntervalMs: '30000' }],
  ['heartbeatIntervalMs', { heartbeatIntervalMs: Number.NaN }],
  ['tls', { tls: 'yes' }],
  ['tls', { tls: [] }],
  ['tls.rejectUnauthorized', { tls: { rejectUnauthorized: 'no' } }],
  ['tls.ca', { tls: { ca: 5 } }],
  ['tls.ca[1]', { tls: { ca: ['-----BEGIN CERTIFICATE-----', {}] } }],
  ['tls.cert', { tls: { cert: 5 } }],
  ['tls.key', { tls: { key: {} } }],
  ['tls.key', { tls: { cert: 'PEM' } }],
  ['tls.servername', { tls: { servername: '' } }],
  ['tls.servername', { tls: { servername: 5 } }],
  ['authSecret', { authSecret: '' }],
  ['authSecret', { authSecret: 5 }],
  ['authSecret', { authSecret: SECRET }],
  ['authSecret', { authSecret: SECRET, allowInsecureAuth: false, tls: false }],
  ['allowInsecureAuth', { allowInsecureAuth: 'true' }],
  ['compression', { compression: 'gzip' }],
  ['compression', { compression: 'lz4' }],
  ['deflateLevel', { compression: 'deflate', deflateLevel: 0 }],
  ['deflateLevel', { compression: 'deflate', deflateLevel: 10 }],
  ['codec', { codec: 'xml' }],
];

const SERVER_ONLY: Array<[string, Record<string, unknown>]> = [
  ['nsqdTcpAddresses', { nsqdTcpAddresses: [] }],
  ['lookupdHttpAddresses', { lookupdHttpAddresses: 'x' }],
  ['lookupdHttpAddresses[0]', { lookupdHttpAddresses: ['ftp://lookupd:4161'] }],
  ['lookupdHttpAddresses[0]', { lookupdHttpAddresses: ['http://'] }],
  ['channel', { channel: 'bad channel' }],
  ['channel', { channel: '' }],
  ['channel', { channel: 'c'.repeat(65) }],
  ['maxInFlight', { maxInFlight: 0 }],
  ['maxInFlight', { maxInFlight: 1.5 }],
  ['maxInFlight', { maxInFlight: 'many' }],
  ['maxAttempts', { maxAttempts: -1 }],
  ['maxAttempts', { maxAttempts: 65_536 }],
  ['requeueDelayMs', { requeueDelayMs: -1 }],
  ['requeueDelayMs', { requeueDelayMs: 3_600_001 }],
  ['requeueDelayMs', { requeueDelayMs: 'soon' }],
  ['backoff', { backoff: 'yes' }],
  ['maxBackoffDurationMs', { maxBackoffDurationMs: -1 }],
  ['msgTimeoutMs', { msgTimeoutMs: 999 }],
  ['msgTimeoutMs', { msgTimeoutMs: 15 * 60_000 + 1 }],
  ['outputBufferSize', { outputBufferSize: 63 }],
  ['outputBufferTimeoutMs', { outputBufferTimeoutMs: 0 }],
  ['deadLetterTopic', { deadLetterTopic: 'dead letters' }],
  ['createTopology', { createTopology: 'no' }],
  ['lookupdPollIntervalMs', { lookupdPollIntervalMs: 999 }],
  ['readyTimeoutMs', { readyTimeoutMs: 0 }],
  ['drainTimeoutMs', { drainTimeoutMs: -1 }],
  ['deserializer', { deserializer: {} }],
  ['transportId', { transportId: 'NSQ' }],
];

const CLIENT_ONLY: Array<[string, Record<string, unknown>]> = [
  ['nsqdTcpAddresses', { nsqdTcpAddresses: [] }],
  ['publishTimeoutMs', { publishTimeoutMs: 0 }],
  ['connectTimeoutMs', { connectTimeoutMs: 0 }],
  ['reconnectMinDelayMs', { reconnectMinDelayMs: 0 }],
  ['reconnectMaxDelayMs', { reconnectMinDelayMs: 500, reconnectMaxDelayMs: 100 }],
  ['maxMessageSize', { maxMessageSize: 0 }],
  ['maxBatchBytes', { maxMessageSize: 2048, maxBatchBytes: 1024 }],
  ['maxPendingPublishes', { maxPendingPublishes: 0 }],
  ['batching', { batching: 'yes' }],
  ['batching.maxMessages', { batching: { maxMessages: 0 } }],
  ['batching.maxBytes', { batching: { maxBytes: 6 * 1024 * 1024 } }],
  ['batching.lingerMs', { batching: { lingerMs: -1 } }],
  ['closeTimeoutMs', { closeTimeoutMs: -1 }],
  ['serializer', { serializer: { encode: () => 'x' } }],
];

function thrownBy(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectRefused(error: unknown, option: string): void {
  expect(error).toBeInstanceOf(InvalidNsqOptionError);
  expect(error).toBeInstanceOf(NsqTransportError);
  expect((error as InvalidNsqOptionError).option).toBe(option);
  // The message names the option and never repeats a secret.
  expect((error as Error).message).toContain(option);
  expect((error as Error).message).not.toContain(SECRET);
}

describe('every invalid option is refused at construction with InvalidNsqOptionError naming it', () => {
  it.each([...SHARED, ...SERVER_ONLY])('ServerNsq %s ← %j', (option, overrides) => {
    expectRefused(thrownBy(() => new ServerNsq({ nsqdTcpAddresses: NSQD, channel: 'c', ...overrides } as ServerNsqOptions)), option);
  });

  it.each([...SHARED, ...CLIENT_ONLY])('ClientNsq %s ← %j', (option, overrides) => {
    expectRefused(thrownBy(() => new ClientNsq({ nsqdTcpAddresses: NSQD, ...overrides } as ClientNsqOptions)), option);
  });

  it.each([null, undefined, 'nsqd:4150', 42])('options themselves: %p', (options) => {
    expect(thrownBy(() => new ClientNsq(options as unknown as ClientNsqOptions))).toBeInstanceOf(InvalidNsqOptionError);
    expect(thrownBy(() => new ServerNsq(options as unknown as ServerNsqOptions))).toBeInstanceOf(InvalidNsqOptionError);
  });

  afterAll(() => recordBadInputs('options', SHARED.length * 2 + SERVER_ONLY.length + CLIENT_ONLY.length + 8));
});
