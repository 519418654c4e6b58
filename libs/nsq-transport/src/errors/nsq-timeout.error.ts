import { NsqTransportError } from './nsq-transport.error.js';

/**
 * `listen()` found no nsqd subscription within `readyTimeoutMs`. (A publish
 * without an answer is an {@link NsqUnconfirmedError}; one never written, an
 * {@link NsqUnavailableError}.)
 */
export class NsqTimeoutError extends NsqTransportError {
  constructor(
    message: string,
    readonly operation: 'listen',
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}
