import { InvalidNsqOptionError, ServerNsq, UnknownNsqOptionError, type ServerNsqOptions } from 'nestjs-transport-nsq';
import { recordBadInputs } from './bad-input-tally.js';

const VALID = { nsqdTcpAddresses: ['127.0.0.1:4150'], channel: 'c' } as const;
const SECRET = 'never-print-this-secret-41c2';

/** [unknown key, closest valid key or undefined, overrides]: each must fail the constructor, naming both. */
const UNKNOWN: Array<[string, string | undefined, Record<string, unknown>]> = [
  ['maxInflight', 'maxInFlight', { maxInflight: 50 }],
  ['chanel', 'channel', { chanel: 'billing' }],
  ['deadLetterTopics', 'deadLetterTopic', { deadLetterTopics: 'orders.dead' }],
  ['nsqdTCPAddresses', 'nsqdTcpAddresses', { nsqdTCPAddresses: ['127.0.0.1:4150'] }],
  ['lookupdHTTPAddresses', 'lookupdHttpAddresses', { lookupdHTTPAddresses: ['127.0.0.1:4161'] }],
  ['msgTimeout', 'msgTimeoutMs', { msgTimeout: 30_000 }],
  ['autotouch', 'autoTouch', { autotouch: false }],
  ['tls.rejectUnauthorised', 'tls.rejectUnauthorized', { tls: { rejectUnauthorised: false } }],
  ['authSecrett', 'authSecret', { authSecrett: SECRET }],
  // A client option given to the server: nothing close, every valid key listed.
  ['publishTimeoutMs', undefined, { publishTimeoutMs: 1_000 }],
];

describe('ServerNsq refuses option keys it does not know, naming the closest valid one', () => {
  it.each(UNKNOWN)('%s', (key, closest, overrides) => {
    let error: unknown;
    try {
      new ServerNsq({ ...VALID, ...overrides } as ServerNsqOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownNsqOptionError);
    expect(error).toBeInstanceOf(InvalidNsqOptionError);
    expect((error as UnknownNsqOptionError).option).toBe(key);
    expect((error as UnknownNsqOptionError).suggestion).toBe(closest);
    const message = (error as Error).message;
    expect(message).toContain(`"${key}"`);
    if (closest !== undefined) expect(message).toContain(`"${closest}"`);
    else expect(message).toContain('maxInFlight');
    // A mistyped secret is still a secret.
    expect(message).not.toContain(SECRET);
  });

  it('accepts every documented key', () => {
    expect(
      () =>
        new ServerNsq({
          ...VALID,
          lookupdHttpAddresses: ['127.0.0.1:4161'],
          maxInFlight: 2,
          maxAttempts: 3,
          requeueDelayMs: 100,
          backoff: false,
          maxBackoffDurationMs: 1_000,
          msgTimeoutMs: 30_000,
          autoTouch: true,
          maxHandlerTimeMs: 60_000,
          outputBufferSize: 16_384,
          outputBufferTimeoutMs: 100,
          deadLetterTopic: 'c.dead',
          createTopology: true,
          lookupdPollIntervalMs: 15_000,
          readyTimeoutMs: 1_000,
          drainTimeoutMs: 1_000,
          clientId: 'worker',
          heartbeatIntervalMs: 30_000,
          compression: 'none',
          codec: 'json',
          tls: { rejectUnauthorized: true },
        }),
    ).not.toThrow();
  });

  afterAll(() => recordBadInputs('unknown server options', UNKNOWN.length));
});
