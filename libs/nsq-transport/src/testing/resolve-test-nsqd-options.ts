import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import { assertKnownOptionKeys, type OptionKeys } from '../options/known-option-keys.js';
import { integerIn, list, nonEmptyString } from '../options/option-validators.js';
import type { TestNsqdOptions } from './test-nsqd.js';

export const TEST_NSQD_DEFAULTS = {
  binary: 'nsqd',
  args: [],
  startTimeoutMs: 10_000,
} as const;

const TEST_NSQD_OPTION_KEYS = { binary: true, args: true, startTimeoutMs: true } as const satisfies OptionKeys<TestNsqdOptions>;

export interface ResolvedTestNsqdOptions {
  readonly binary: string;
  readonly args: readonly string[];
  readonly startTimeoutMs: number;
}

/** Validates `user` against {@link TEST_NSQD_DEFAULTS}; never mutates it. */
export function resolveTestNsqdOptions(user: TestNsqdOptions): ResolvedTestNsqdOptions {
  if (user === null || typeof user !== 'object') throw new InvalidNsqOptionError('options', 'an options object', user);
  assertKnownOptionKeys(user, TEST_NSQD_OPTION_KEYS);
  return Object.freeze({
    binary: nonEmptyString('binary', user.binary ?? TEST_NSQD_DEFAULTS.binary),
    args: Object.freeze(list('args', user.args ?? TEST_NSQD_DEFAULTS.args, nonEmptyString)),
    startTimeoutMs: integerIn('startTimeoutMs', user.startTimeoutMs ?? TEST_NSQD_DEFAULTS.startTimeoutMs, 1, 600_000),
  });
}
