import { InvalidNsqNameError } from '../../src/errors/invalid-nsq-name.error.js';
import { assertNsqName, isValidNsqName } from '../../src/nsq/nsq-names.js';
import { catchError } from '../support/catch-error.js';

const VALID = [
  'a',
  'orders',
  'orders.created',
  'Az09._-',
  '.',
  'x'.repeat(64),
  'tmp#ephemeral',
  `${'x'.repeat(54)}#ephemeral`, // 64 with the suffix
];

const INVALID: ReadonlyArray<[string, unknown]> = [
  ['empty', ''],
  ['65 characters', 'x'.repeat(65)],
  ['65 characters with the suffix', `${'x'.repeat(55)}#ephemeral`],
  ['the suffix alone', '#ephemeral'],
  ['a space', 'a b'],
  ['a slash', 'a/b'],
  ['a colon', 'a:b'],
  ['a hash that is not the suffix', 'a#b'],
  ['the suffix twice', 'a#ephemeral#ephemeral'],
  ['the suffix in upper case', 'a#EPHEMERAL'],
  ['a newline inside', 'a\nb'],
  ['a trailing newline', 'orders\n'],
  ['a tab', 'a\tb'],
  ['a non-ASCII letter', 'café'],
  ['undefined', undefined],
  ['null', null],
  ['a number', 42],
  ['an object', {}],
  ['an array holding a valid name', ['orders']],
  ['a symbol', Symbol('orders')],
];

describe('isValidNsqName', () => {
  it.each(VALID)('accepts %j', (name) => {
    expect(isValidNsqName(name)).toBe(true);
  });

  it.each(INVALID)('refuses %s', (_label, name) => {
    expect(isValidNsqName(name)).toBe(false);
  });
});

describe('assertNsqName', () => {
  it.each(VALID)('lets %j through', (name) => {
    expect(() => assertNsqName('topic', name)).not.toThrow();
  });

  it.each(INVALID)('throws InvalidNsqNameError for %s', (_label, name) => {
    expect(() => assertNsqName('channel', name)).toThrow(InvalidNsqNameError);
  });

  it('names the kind and keeps the refused value', () => {
    const error = catchError(InvalidNsqNameError, () => assertNsqName('channel', 'bad name'));
    expect(error).toMatchObject({ name: 'InvalidNsqNameError', kind: 'channel', value: 'bad name' });
    expect(error.message).toContain('channel');
  });

  it('does not copy a newline from the name into its message', () => {
    const error = catchError(InvalidNsqNameError, () => assertNsqName('topic', 'a\nPUB other'));
    expect(error.message).not.toContain('\n');
  });
});
