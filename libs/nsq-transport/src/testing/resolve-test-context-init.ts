import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import { assertKnownOptionKeys, type OptionKeys } from '../options/known-option-keys.js';
import { integerIn, nonEmptyString, nsqName } from '../options/option-validators.js';
import type { NsqTestContextInit } from './nsq-test-context.js';

export const TEST_CONTEXT_DEFAULTS = {
  topic: 'test-topic',
  channel: 'test-channel',
  attempts: 1,
} as const;

const TEST_CONTEXT_KEYS = { topic: true, channel: true, attempts: true, id: true, body: true, timestamp: true } as const satisfies OptionKeys<NsqTestContextInit>;

export interface ResolvedNsqTestContextInit {
  readonly topic: string;
  readonly channel: string;
  readonly attempts: number;
  readonly id: string | undefined;
  readonly body: unknown;
  readonly timestamp: Date | undefined;
}

/**
 * Validates `user` against {@link TEST_CONTEXT_DEFAULTS}, with nsqd's own
 * bounds: a test should not pass with a delivery nsqd could never make.
 */
export function resolveTestContextInit(user: NsqTestContextInit): ResolvedNsqTestContextInit {
  if (user === null || typeof user !== 'object') throw new InvalidNsqOptionError('init', 'an object', user);
  assertKnownOptionKeys(user, TEST_CONTEXT_KEYS);
  // Not instanceof: the Date may come from another realm (a Jest environment).
  const isDate = Object.prototype.toString.call(user.timestamp) === '[object Date]';
  if (user.timestamp !== undefined && !(isDate && !Number.isNaN(user.timestamp.getTime()))) {
    throw new InvalidNsqOptionError('timestamp', 'a valid Date', user.timestamp);
  }
  return Object.freeze({
    topic: nsqName('topic', user.topic ?? TEST_CONTEXT_DEFAULTS.topic),
    channel: nsqName('channel', user.channel ?? TEST_CONTEXT_DEFAULTS.channel),
    // nsqd counts attempts in a uint16, from 1.
    attempts: integerIn('attempts', user.attempts ?? TEST_CONTEXT_DEFAULTS.attempts, 1, 65_535),
    id: user.id === undefined ? undefined : nonEmptyString('id', user.id),
    body: user.body,
    timestamp: user.timestamp,
  });
}
