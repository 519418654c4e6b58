import { NSQ_TRANSPORT } from '../../src/constants.js';
import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import { resolveConnectionOptions } from '../../src/options/resolve-connection-options.js';
import { defaultRequeueDelay, resolveServerOptions, SERVER_OPTION_KEYS } from '../../src/options/resolve-server-options.js';
import type { ServerNsqOptions } from '../../src/options/server-nsq-options.interface.js';
import { catchError } from '../support/catch-error.js';

const NSQD = { nsqdTcpAddresses: ['127.0.0.1:4150'] };
const resolve = (user: Record<string, unknown>) => resolveServerOptions(user as ServerNsqOptions);

describe('defaultRequeueDelay', () => {
  it.each([
    [0, 1000],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 32_000],
    [7, 60_000],
    [1000, 60_000],
  ])('after attempt %p waits %p ms', (attempts, delay) => {
    expect(defaultRequeueDelay(attempts)).toBe(delay);
  });
});

describe('resolveServerOptions', () => {
  it('applies the defaults', () => {
    expect(resolve(NSQD)).toStrictEqual({
      ...resolveConnectionOptions(NSQD),
      lookupdHttpAddresses: [],
      channel: undefined,
      maxInFlight: 1,
      maxAttempts: 5,
      requeueDelayMs: defaultRequeueDelay,
      backoff: false,
      maxBackoffDurationMs: 60_000,
      msgTimeoutMs: undefined,
      autoTouch: true,
      maxHandlerTimeMs: 900_000,
      outputBufferSize: undefined,
      outputBufferTimeoutMs: undefined,
      deadLetterTopic: undefined,
      createTopology: true,
      lookupdPollIntervalMs: 15_000,
      readyTimeoutMs: 30_000,
      drainTimeoutMs: 15_000,
      transportId: NSQ_TRANSPORT,
    });
  });

  describe('unknown keys', () => {
    it.each([
      ['chanel', 'channel'],
      ['maxInflight', 'maxInFlight'],
      ['autoTuch', 'autoTouch'],
      ['maxHandlerTime', 'maxHandlerTimeMs'],
    ])('refuses %s, suggesting %s', (key, suggestion) => {
      const error = catchError(UnknownNsqOptionError, () => resolve({ ...NSQD, [key]: 1 }));
      expect(error).toBeInstanceOf(InvalidNsqOptionError);
      expect(error).toMatchObject({ option: key, suggestion });
      expect(error.message).toContain(`did you mean "${suggestion}"?`);
    });

    it('refuses an unknown key inside tls, with its path', () => {
      expect(catchError(UnknownNsqOptionError, () => resolve({ ...NSQD, tls: { rejectUnauthorised: false } }))).toMatchObject({
        option: 'tls.rejectUnauthorised',
        suggestion: 'tls.rejectUnauthorized',
      });
    });

    it('lists the valid keys when nothing is close (a client option given to the server)', () => {
      const error = catchError(UnknownNsqOptionError, () => resolve({ ...NSQD, publishTimeoutMs: 100 }));
      expect(error.suggestion).toBeUndefined();
      expect(error.validOptions).toEqual(Object.keys(SERVER_OPTION_KEYS));
    });

    it('checks keys before values, so a typo is named even when other values are wrong', () => {
      expect(catchError(UnknownNsqOptionError, () => resolve({ ...NSQD, maxInFlight: 0, drainTimeout: 5 })).option).toBe('drainTimeout');
    });
  });

  it('keeps the values it is given', () => {
    const given = {
      channel: 'saver',
      maxInFlight: 50,
      maxAttempts: 10,
      maxBackoffDurationMs: 5000,
      msgTimeoutMs: 900_000,
      outputBufferSize: 64,
      outputBufferTimeoutMs: 25,
      deadLetterTopic: 'orders.dead',
      lookupdPollIntervalMs: 1000,
      readyTimeoutMs: 1,
      drainTimeoutMs: 3_600_000,
      autoTouch: false,
      maxHandlerTimeMs: 86_400_000,
      transportId: Symbol('other'),
    };
    expect(resolve({ ...NSQD, ...given })).toMatchObject(given);
  });

  it.each<[string, unknown]>([
    ['maxAttempts', 0],
    ['backoff', true],
    ['autoTouch', false],
    ['maxHandlerTimeMs', 1_000],
    ['maxBackoffDurationMs', 0],
    ['createTopology', false],
    ['drainTimeoutMs', 0],
  ])('lets %s be configured as %p', (option, value) => {
    expect(resolve({ ...NSQD, [option]: value })).toHaveProperty(option, value);
  });

  it.each(['outputBufferSize', 'outputBufferTimeoutMs'])('accepts -1 for %s (disabled)', (option) => {
    expect(resolve({ ...NSQD, [option]: -1 })).toHaveProperty(option, -1);
  });

  describe('requeueDelayMs', () => {
    it('turns a number into a constant delay, 0 included', () => {
      for (const fixed of [0, 2500, 3_600_000]) {
        const { requeueDelayMs } = resolve({ ...NSQD, requeueDelayMs: fixed });
        expect([requeueDelayMs(1), requeueDelayMs(7)]).toEqual([fixed, fixed]);
      }
    });

    it('keeps a function as it is', () => {
      const delay = (attempts: number) => attempts * 10;
      expect(resolve({ ...NSQD, requeueDelayMs: delay }).requeueDelayMs).toBe(delay);
    });
  });

  it('accepts nsqlookupd addresses alone', () => {
    expect(resolve({ lookupdHttpAddresses: ['127.0.0.1:4161'] })).toMatchObject({ nsqdTcpAddresses: [], lookupdHttpAddresses: ['127.0.0.1:4161'] });
  });

  it.each<Record<string, unknown>>([{}, { nsqdTcpAddresses: [], lookupdHttpAddresses: [] }])('needs an nsqd or an nsqlookupd address (%p)', (user) => {
    expect(catchError(InvalidNsqOptionError, () => resolve(user)).option).toBe('nsqdTcpAddresses');
  });

  it.each([null, undefined, 'nsqd:4150', 42])('refuses %p as the options object', (user) => {
    expect(catchError(InvalidNsqOptionError, () => resolveServerOptions(user as unknown as ServerNsqOptions)).option).toBe('options');
  });

  it.each<[string, unknown]>([
    ['deserializer', {}],
    ['deserializer', 'json'],
    ['deserializer', { deserialize: 1 }],
    ['lookupdHttpAddresses', 'lookupd:4161'],
    ['transportId', 'NSQ'],
    ['channel', ''],
    ['channel', 'a b'],
    ['channel', 'x'.repeat(65)],
    ['maxInFlight', 0],
    ['maxInFlight', 1_000_001],
    ['maxInFlight', 1.5],
    ['maxInFlight', '1'],
    ['maxAttempts', -1],
    ['maxAttempts', 65_536],
    ['maxAttempts', 2.5],
    ['requeueDelayMs', -1],
    ['requeueDelayMs', 3_600_001],
    ['requeueDelayMs', 1.5],
    ['requeueDelayMs', '1000'],
    ['requeueDelayMs', Number.NaN],
    ['backoff', 'true'],
    ['backoff', 1],
    ['maxBackoffDurationMs', -1],
    ['maxBackoffDurationMs', 3_600_001],
    ['msgTimeoutMs', 0],
    ['msgTimeoutMs', 999],
    ['msgTimeoutMs', 900_001],
    ['outputBufferSize', 0],
    ['outputBufferSize', 63],
    ['outputBufferSize', -2],
    ['outputBufferSize', 64 * 1024 * 1024 + 1],
    ['outputBufferTimeoutMs', 0],
    ['outputBufferTimeoutMs', -2],
    ['outputBufferTimeoutMs', 60_001],
    ['deadLetterTopic', ''],
    ['deadLetterTopic', 'dead letters'],
    ['createTopology', 'no'],
    ['lookupdPollIntervalMs', 999],
    ['lookupdPollIntervalMs', 3_600_001],
    ['readyTimeoutMs', 0],
    ['drainTimeoutMs', -1],
    ['heartbeatIntervalMs', 500],
    ['autoTouch', 'yes'],
    ['maxHandlerTimeMs', 999],
    ['maxHandlerTimeMs', 86_400_001],
    ['maxHandlerTimeMs', 1.5],
  ])('refuses %s = %p', (option, value) => {
    const error = catchError(InvalidNsqOptionError, () => resolve({ ...NSQD, [option]: value }));
    expect(error.option).toBe(option);
    expect(error.received).toBe(value);
  });

  it('names the bad nsqlookupd address by index', () => {
    expect(catchError(InvalidNsqOptionError, () => resolve({ lookupdHttpAddresses: ['a:4161', 'b'] })).option).toBe('lookupdHttpAddresses[1]');
  });

  it('accepts a deserializer object', () => {
    const deserializer = { deserialize: (body: Buffer) => body };
    expect(() => resolve({ ...NSQD, deserializer })).not.toThrow();
  });

  it('refuses authSecret without TLS', () => {
    expect(catchError(InvalidNsqOptionError, () => resolve({ ...NSQD, authSecret: 'secret' })).option).toBe('authSecret');
  });

  it('returns a frozen result', () => {
    const resolved = resolve({ ...NSQD, lookupdHttpAddresses: ['lookupd:4161'] });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.lookupdHttpAddresses)).toBe(true);
  });

  it("does not mutate or share the caller's object", () => {
    const user = { ...NSQD, lookupdHttpAddresses: ['http://lookupd:4161/'], channel: 'saver', maxAttempts: 0 };
    const copy = structuredClone(user);
    const resolved = resolve(user);
    expect(user).toStrictEqual(copy);
    expect(Object.isFrozen(user.lookupdHttpAddresses)).toBe(false);
    expect(resolved.lookupdHttpAddresses).not.toBe(user.lookupdHttpAddresses);
  });

  it.each(['http://admin:hunter2@lookupd:4161', 'admin:hunter2@lookupd:4161', 'https://token-abc@lookupd:4161'])(
    'refuses a lookupd address carrying credentials (%p), without echoing them',
    (address) => {
      const error = catchError(InvalidNsqOptionError, () => resolve({ lookupdHttpAddresses: [address] }));
      expect(error.option).toBe('lookupdHttpAddresses[0]');
      expect(error.message).toMatch(/without credentials/);
      expect(error.message).not.toMatch(/hunter2|token-abc|admin/);
    },
  );
});
