import { NsqTransportError } from './nsq-transport.error.js';

/**
 * An operation did not complete within its deadline: a publish that nsqd did
 * not acknowledge in `publishTimeout`, a `listen()` that found no nsqd in
 * `readyTimeout`. For a publish the outcome is unknown: nsqd may still store it.
 */
export class NsqTimeoutError extends NsqTransportError {
  constructor(
    message: string,
    readonly operation: 'publish' | 'connect' | 'listen',
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}
