import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import type { ClientNsqOptions } from '../../src/options/client-nsq-options.interface.js';
import { resolveClientOptions } from '../../src/options/resolve-client-options.js';
import { resolveConnectionOptions } from '../../src/options/resolve-connection-options.js';
import { catchError } from '../support/catch-error.js';

const NSQD = { nsqdTcpAddresses: ['127.0.0.1:4150'] };
const resolve = (user: Record<string, unknown>) => resolveClientOptions(user as unknown as ClientNsqOptions);

describe('resolveClientOptions', () => {
  it('applies the defaults', () => {
    expect(resolve(NSQD)).toStrictEqual({
      ...resolveConnectionOptions(NSQD),
      publishTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      reconnectMinDelayMs: 100,
      reconnectMaxDelayMs: 5000,
      maxMessageSize: 1024 * 1024,
      maxBatchBytes: 5 * 1024 * 1024,
      maxPendingPublishes: 10_000,
      closeTimeoutMs: 5000,
      requestTimeoutMs: 30_000,
      maxPendingRequests: 10_000,
      batching: { maxMessages: 200, maxBytes: 1024 * 1024, lingerMs: 0 },
    });
  });

  it('keeps the values it is given', () => {
    const given = {
      publishTimeoutMs: 1,
      connectTimeoutMs: 3_600_000,
      reconnectMinDelayMs: 250,
      reconnectMaxDelayMs: 250,
      maxMessageSize: 10,
      maxBatchBytes: 100,
      maxPendingPublishes: 1,
      closeTimeoutMs: 0,
      batching: { maxMessages: 1, maxBytes: 18, lingerMs: 10_000 },
    };
    expect(resolve({ ...NSQD, ...given })).toMatchObject(given);
  });

  it('lets closeTimeoutMs and batching.lingerMs be 0', () => {
    const resolved = resolve({ ...NSQD, closeTimeoutMs: 0, batching: { lingerMs: 0 } });
    expect(resolved.closeTimeoutMs).toBe(0);
    expect(resolved.batching?.lingerMs).toBe(0);
  });

  describe('batching', () => {
    it('is turned off by false', () => {
      expect(resolve({ ...NSQD, batching: false }).batching).toBeUndefined();
    });

    it('bounds a coalesced MPUB to 1 MiB, or to maxBatchBytes when lower, unless given a byte limit', () => {
      expect(resolve({ ...NSQD, maxBatchBytes: 2 * 1024 * 1024 }).batching).toStrictEqual({ maxMessages: 200, maxBytes: 1024 * 1024, lingerMs: 0 });
      expect(resolve({ ...NSQD, maxMessageSize: 1024, maxBatchBytes: 512 * 1024 }).batching).toStrictEqual({ maxMessages: 200, maxBytes: 512 * 1024, lingerMs: 0 });
      expect(resolve({ ...NSQD, batching: { maxMessages: 5 } }).batching).toStrictEqual({ maxMessages: 5, maxBytes: 1024 * 1024, lingerMs: 0 });
      expect(resolve({ ...NSQD, batching: { maxBytes: 5 * 1024 * 1024 } }).batching).toStrictEqual({ maxMessages: 200, maxBytes: 5 * 1024 * 1024, lingerMs: 0 });
    });

    it.each<[string, unknown]>([
      ['batching', true],
      ['batching', 'on'],
      ['batching', [1]],
      ['batching.maxMessages', { maxMessages: 0 }],
      ['batching.maxMessages', { maxMessages: 100_001 }],
      ['batching.maxMessages', { maxMessages: 1.5 }],
      ['batching.maxBytes', { maxBytes: 0 }],
      ['batching.maxBytes', { maxBytes: 5 * 1024 * 1024 + 1 }], // above maxBatchBytes
      ['batching.lingerMs', { lingerMs: -1 }],
      ['batching.lingerMs', { lingerMs: 10_001 }],
      ['batching.lingerMs', { lingerMs: '5' }],
    ])('refuses an invalid %s (%p)', (option, batching) => {
      expect(catchError(InvalidNsqOptionError, () => resolve({ ...NSQD, batching })).option).toBe(option);
    });

    it('accepts maxBatchBytes equal to maxMessageSize with the default batching', () => {
      // A message too large to share a batch is sent alone, so the default
      // batching.maxBytes (= maxBatchBytes) needs no headroom.
      expect(resolve({ ...NSQD, maxMessageSize: 4096, maxBatchBytes: 4096 }).batching?.maxBytes).toBe(4096);
    });
  });

  it.each<Record<string, unknown>>([{}, { nsqdTcpAddresses: [] }])(
    'needs at least one nsqd address (%p)',
    (user) => {
      expect(catchError(InvalidNsqOptionError, () => resolve(user)).option).toBe('nsqdTcpAddresses');
    },
  );

  describe('unknown keys', () => {
    it.each<[string, Record<string, unknown>, string, string | undefined]>([
      ['a mistyped option', { ...NSQD, publishTimeoutMS: 100 }, 'publishTimeoutMS', 'publishTimeoutMs'],
      ['two swapped letters', { ...NSQD, cleintId: 'agent' }, 'cleintId', 'clientId'],
      ['a mistyped TLS option', { ...NSQD, tls: { servrname: 'nsqd.internal' } }, 'tls.servrname', 'tls.servername'],
      ['a mistyped batching option', { ...NSQD, batching: { maxMesages: 10 } }, 'batching.maxMesages', 'batching.maxMessages'],
      ['a server option', { ...NSQD, lookupdHttpAddresses: ['lookupd:4161'] }, 'lookupdHttpAddresses', undefined],
    ])('refuses %s, naming the key and the closest valid one', (_, user, option, suggestion) => {
      const error = catchError(UnknownNsqOptionError, () => resolve(user));
      expect(error).toBeInstanceOf(InvalidNsqOptionError);
      expect(error).toMatchObject({ option, suggestion });
      expect(error.message).toContain(`"${option}"`);
      if (suggestion !== undefined) expect(error.message).toContain(`did you mean "${suggestion}"?`);
    });

    it('lists the valid options when none is close', () => {
      const error = catchError(UnknownNsqOptionError, () => resolve({ ...NSQD, tls: { verify: false } }));
      expect(error.message).toBe('Unknown NSQ option "tls.verify"; valid options here: tls.ca, tls.cert, tls.key, tls.rejectUnauthorized, tls.servername');
    });

    it('never echoes the value of an unknown key (it may be a mistyped secret)', () => {
      const error = catchError(UnknownNsqOptionError, () => resolve({ ...NSQD, tls: true, authSecert: 's3cr3t' }));
      expect(error).toMatchObject({ option: 'authSecert', suggestion: 'authSecret', received: undefined });
      expect(error.message).not.toContain('s3cr3t');
    });

    it('checks the keys before the values', () => {
      expect(catchError(UnknownNsqOptionError, () => resolve({ nsqdTcpAddresses: [], publishTimeoutMS: -1 })).option).toBe('publishTimeoutMS');
    });

    it('leaves a tls or batching value of the wrong shape to its own check', () => {
      expect(catchError(InvalidNsqOptionError, () => resolve({ ...NSQD, batching: [1] })).option).toBe('batching');
      expect(resolve({ ...NSQD, tls: true }).tls).toEqual({ rejectUnauthorized: true });
    });
  });

  it.each([null, undefined, 'nsqd:4150'])('refuses %p as the options object', (user) => {
    expect(catchError(InvalidNsqOptionError, () => resolveClientOptions(user as unknown as ClientNsqOptions)).option).toBe('options');
  });

  it.each<[string, unknown]>([
    ['serializer', {}],
    ['serializer', { serialize: 'json' }],
    ['serializer', 'json'],
    ['publishTimeoutMs', 0],
    ['publishTimeoutMs', 3_600_001],
    ['publishTimeoutMs', 1.5],
    ['connectTimeoutMs', 0],
    ['connectTimeoutMs', '5000'],
    ['reconnectMinDelayMs', 0],
    ['reconnectMinDelayMs', 600_001],
    ['reconnectMaxDelayMs', 3_600_001],
    ['reconnectMaxDelayMs', 99], // below the default reconnectMinDelayMs (100)
    ['maxMessageSize', 0],
    ['maxMessageSize', 1024 ** 3 + 1],
    ['maxBatchBytes', 1024 ** 3 + 1],
    ['maxBatchBytes', 1024 * 1024 - 1], // below the default maxMessageSize
    ['maxPendingPublishes', 0],
    ['maxPendingPublishes', 10_000_001],
    ['closeTimeoutMs', -1],
    ['closeTimeoutMs', Number.NaN],
    ['codec', 'xml'],
  ])('refuses %s = %p', (option, value) => {
    const error = catchError(InvalidNsqOptionError, () => resolve({ ...NSQD, [option]: value }));
    expect(error.option).toBe(option);
    expect(error.received).toBe(value);
  });

  it('refuses a reconnectMaxDelayMs below the configured reconnectMinDelayMs', () => {
    const error = catchError(InvalidNsqOptionError, () => resolve({ ...NSQD, reconnectMinDelayMs: 1000, reconnectMaxDelayMs: 999 }));
    expect(error.option).toBe('reconnectMaxDelayMs');
    expect(error.expected).toContain('1000..');
  });

  it('refuses a maxBatchBytes below the configured maxMessageSize', () => {
    const error = catchError(InvalidNsqOptionError, () => resolve({ ...NSQD, maxMessageSize: 2000, maxBatchBytes: 1999 }));
    expect(error.option).toBe('maxBatchBytes');
  });

  it('accepts a serializer object', () => {
    expect(() => resolve({ ...NSQD, serializer: { serialize: () => 'x' } })).not.toThrow();
  });

  it('refuses authSecret without TLS, without revealing it', () => {
    const error = catchError(InvalidNsqOptionError, () => resolve({ ...NSQD, authSecret: 'hunter2-secret' }));
    expect(error.option).toBe('authSecret');
    expect(error.message).not.toContain('hunter2-secret');
  });

  it('returns a frozen result', () => {
    const resolved = resolve(NSQD);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.nsqdTcpAddresses)).toBe(true);
    expect(Object.isFrozen(resolved.batching)).toBe(true);
  });

  it("does not mutate or share the caller's object", () => {
    const user = { nsqdTcpAddresses: ['a:4150', 'b:4150'], closeTimeoutMs: 0, batching: { maxMessages: 10 } };
    const copy = structuredClone(user);
    const resolved = resolve(user);
    expect(user).toStrictEqual(copy);
    expect(Object.isFrozen(user.nsqdTcpAddresses)).toBe(false);
    expect(Object.isFrozen(user.batching)).toBe(false);
    expect(resolved.nsqdTcpAddresses).not.toBe(user.nsqdTcpAddresses);
    expect(resolved.batching).not.toBe(user.batching);
  });
});
