import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import {
  boolean,
  hasMethod,
  hostPort,
  httpAddress,
  integerIn,
  list,
  nonEmptyString,
  nsqName,
  objectOrUndefined,
  oneOf,
} from '../../src/options/option-validators.js';
import { catchError } from '../support/catch-error.js';

/** Asserts that `check('opt', value)` throws InvalidNsqOptionError naming "opt" and keeping `value`. */
function expectRefused(check: (option: string, value: unknown) => unknown, value: unknown): InvalidNsqOptionError {
  const error = catchError(InvalidNsqOptionError, () => check('opt', value));
  expect(error.option).toBe('opt');
  expect(error.received).toBe(value);
  expect(error.message).toContain('"opt"');
  return error;
}

describe('integerIn', () => {
  const check = (option: string, value: unknown) => integerIn(option, value, 1, 10);

  it.each([1, 5, 10])('returns %p inside 1..10', (value) => {
    expect(check('opt', value)).toBe(value);
  });

  it.each([0, 11, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', null, undefined, true, 5n, [5]])('refuses %p', (value) => {
    const error = expectRefused(check, value);
    expect(error.expected).toBe('an integer 1..10');
  });

  it('states an open range when there is no maximum', () => {
    expect(integerIn('opt', Number.MAX_SAFE_INTEGER, 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(expectRefused((o, v) => integerIn(o, v, 0), -1).expected).toBe('an integer >= 0');
  });
});

describe('boolean', () => {
  it.each([true, false])('returns %p', (value) => {
    expect(boolean('opt', value)).toBe(value);
  });

  it.each(['true', 'false', 0, 1, null, undefined])('refuses %p', (value) => {
    expectRefused(boolean, value);
  });
});

describe('nonEmptyString', () => {
  it('returns a non-empty string', () => {
    expect(nonEmptyString('opt', 'x')).toBe('x');
  });

  it.each(['', 1, null, undefined, ['x']])('refuses %p', (value) => {
    expectRefused(nonEmptyString, value);
  });
});

describe('oneOf', () => {
  const check = (option: string, value: unknown) => oneOf(option, value, ['none', 'deflate'] as const);

  it.each(['none', 'deflate'])('returns %p', (value) => {
    expect(check('opt', value)).toBe(value);
  });

  it.each(['gzip', 'NONE', '', undefined, 1])('refuses %p and lists the accepted values', (value) => {
    expect(expectRefused(check, value).expected).toBe('one of "none", "deflate"');
  });
});

describe('nsqName', () => {
  it.each(['orders', 'tmp#ephemeral'])('returns %p', (value) => {
    expect(nsqName('opt', value)).toBe(value);
  });

  it.each(['', 'a b', 'x'.repeat(65), 'a\nb', 7])('refuses %p', (value) => {
    expectRefused(nsqName, value);
  });
});

describe('hostPort', () => {
  it.each(['127.0.0.1:4150', 'localhost:1', 'nsqd:65535', 'nsqd-1.example.com:4150', '[::1]:4150', '[2001:db8::1]:4150'])(
    'returns %p',
    (value) => {
      expect(hostPort('opt', value)).toBe(value);
    },
  );

  it.each([
    'localhost',
    ':4150',
    'host:0',
    'host:65536',
    'host:123456',
    'host:port',
    'host:4150/',
    ' host:4150',
    'http://host:4150',
    'a b:4150',
    '::1:4150',
    '[::1]',
    '',
    4150,
    null,
  ])('refuses %p', (value) => {
    expectRefused(hostPort, value);
  });
});

describe('httpAddress', () => {
  it.each([
    ['127.0.0.1:4161', '127.0.0.1:4161'],
    ['http://lookupd:4161', 'http://lookupd:4161'],
    ['https://lookupd:4161/', 'https://lookupd:4161'],
    ['http://lookupd:4161///', 'http://lookupd:4161'],
  ])('accepts %p as %p', (value, expected) => {
    expect(httpAddress('opt', value)).toBe(expected);
  });

  it.each(['http://', 'http://[bad', 'ftp://lookupd:4161', 'lookupd', 'lookupd:0', 4161, undefined])('refuses %p', (value) => {
    expectRefused(httpAddress, value);
  });
});

describe('list', () => {
  it('checks every item and returns a new array', () => {
    const input = ['a:1', 'b:2'];
    const result = list('opt', input, hostPort);
    expect(result).toEqual(['a:1', 'b:2']);
    expect(result).not.toBe(input);
  });

  it('names the index of the first bad item', () => {
    const error = catchError(InvalidNsqOptionError, () => list('addrs', ['a:1', 'nope', 'also nope'], hostPort));
    expect(error.option).toBe('addrs[1]');
    expect(error.received).toBe('nope');
  });

  it.each(['a:1', { 0: 'a:1', length: 1 }, null, undefined])('refuses the non-array %p', (value) => {
    expectRefused((option, v) => list(option, v, hostPort), value);
  });
});

describe('objectOrUndefined', () => {
  it.each([undefined, null])('turns %p into an empty object', (value) => {
    expect(objectOrUndefined('opt', value)).toEqual({});
  });

  it('returns an object as it is', () => {
    const value = { ca: 'pem' };
    expect(objectOrUndefined('opt', value)).toBe(value);
  });

  it.each([[[]], 'x', 1, true, () => ({})])('refuses %p', (value) => {
    expectRefused(objectOrUndefined, value);
  });
});

describe('hasMethod', () => {
  class Codec {
    serialize(): string {
      return '';
    }
  }

  it.each([{ serialize: () => '' }, new Codec()])('accepts an object with the method (own or inherited)', (value) => {
    expect(() => hasMethod('opt', value, 'serialize')).not.toThrow();
  });

  it.each([null, undefined, {}, { serialize: 'yes' }, 'serialize', { deserialize: () => '' }])('refuses %p', (value) => {
    expect(expectRefused((option, v) => hasMethod(option, v, 'serialize'), value).expected).toContain('serialize()');
  });
});
