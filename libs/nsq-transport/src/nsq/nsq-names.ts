import { InvalidNsqNameError } from '../errors/invalid-nsq-name.error.js';

// nsqd's own rule (protocol.IsValidTopicName / IsValidChannelName).
const NAME = /^[.a-zA-Z0-9_-]+(#ephemeral)?$/;
const MAX_LENGTH = 64;

/** True when nsqd would accept `name` as a topic or channel name. */
export function isValidNsqName(name: unknown): name is string {
  return typeof name === 'string' && name.length >= 1 && name.length <= MAX_LENGTH && NAME.test(name);
}

/** Throws {@link InvalidNsqNameError} unless nsqd would accept `name`. */
export function assertNsqName(kind: 'topic' | 'channel', name: unknown): asserts name is string {
  if (!isValidNsqName(name)) {
    throw new InvalidNsqNameError(kind, name);
  }
}
