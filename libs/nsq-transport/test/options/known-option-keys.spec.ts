import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import { assertKnownOptionKeys } from '../../src/options/known-option-keys.js';
import { catchError } from '../support/catch-error.js';

const KNOWN = { maxMessages: true, maxBytes: true, lingerMs: true } as const;

describe('assertKnownOptionKeys', () => {
  it('accepts known keys, with any values, and an empty object', () => {
    expect(() => assertKnownOptionKeys({ maxMessages: 1, lingerMs: undefined }, KNOWN)).not.toThrow();
    expect(() => assertKnownOptionKeys({}, KNOWN)).not.toThrow();
  });

  it('refuses the first unknown key with the closest known one, under its path', () => {
    const error = catchError(UnknownNsqOptionError, () => assertKnownOptionKeys({ maxMessages: 1, lingerMS: 5, other: 1 }, KNOWN, 'batching.'));
    expect(error).toBeInstanceOf(InvalidNsqOptionError);
    expect(error).toMatchObject({
      name: 'UnknownNsqOptionError',
      option: 'batching.lingerMS',
      suggestion: 'batching.lingerMs',
      validOptions: ['batching.maxMessages', 'batching.maxBytes', 'batching.lingerMs'],
    });
    expect(error.message).toBe('Unknown NSQ option "batching.lingerMS"; did you mean "batching.lingerMs"?');
  });

  it('refuses an unknown key even when its value is undefined: it is still a typo', () => {
    expect(catchError(UnknownNsqOptionError, () => assertKnownOptionKeys({ lingerMS: undefined }, KNOWN)).option).toBe('lingerMS');
  });

  it('does not take inherited names for options', () => {
    expect(catchError(UnknownNsqOptionError, () => assertKnownOptionKeys({ toString: 1 }, KNOWN)).option).toBe('toString');
  });
});
