import { NsqTransportError } from './nsq-transport.error.js';

/**
 * `send()` got no final reply within its timeout (`requestTimeoutMs`, or the
 * record's `setRequestTimeout()`): no consumer, a consumer that crashed, a
 * reply lost. The request may still have been handled; a reply arriving later
 * is dropped and counted (`ClientNsq#lateReplies`).
 */
export class NsqRequestTimeoutError extends NsqTransportError {
  constructor(
    message: string,
    /** The topic the request was sent to. */
    readonly pattern: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}
