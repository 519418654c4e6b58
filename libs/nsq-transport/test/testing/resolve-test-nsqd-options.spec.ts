import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import { resolveTestNsqdOptions } from '../../src/testing/resolve-test-nsqd-options.js';
import type { TestNsqdOptions } from '../../src/testing/test-nsqd.js';
import { catchError } from '../support/catch-error.js';

const resolve = (user: Record<string, unknown>) => resolveTestNsqdOptions(user as TestNsqdOptions);

describe('resolveTestNsqdOptions', () => {
  it('applies the defaults: nsqd from PATH, no extra flags, 10 s to start', () => {
    expect(resolve({})).toStrictEqual({ binary: 'nsqd', args: [], startTimeoutMs: 10_000 });
  });

  it('keeps the values it is given', () => {
    expect(resolve({ binary: '/opt/nsq/bin/nsqd', args: ['--msg-timeout=5s'], startTimeoutMs: 1 })).toStrictEqual({
      binary: '/opt/nsq/bin/nsqd',
      args: ['--msg-timeout=5s'],
      startTimeoutMs: 1,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['binary', { binary: '' }],
    ['args', { args: '--msg-timeout=5s' }],
    ['args[1]', { args: ['--a', 5] }],
    ['startTimeoutMs', { startTimeoutMs: 0 }],
  ])('refuses a bad %s', (option, user) => {
    expect(catchError(InvalidNsqOptionError, () => resolve(user)).option).toBe(option);
  });

  it('refuses an unknown key, naming the closest', () => {
    expect(catchError(UnknownNsqOptionError, () => resolve({ startTimeout: 5 }))).toMatchObject({ option: 'startTimeout', suggestion: 'startTimeoutMs' });
  });
});
