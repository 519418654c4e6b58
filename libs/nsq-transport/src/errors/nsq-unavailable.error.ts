import { NsqTransportError } from './nsq-transport.error.js';

/**
 * Nothing was written to nsqd: no nsqd was reachable within
 * `publishTimeoutMs` (or `connectTimeoutMs` for `connect()`), the client was
 * closed, or `maxPendingPublishes` emits were already waiting. Safe to retry.
 */
export class NsqUnavailableError extends NsqTransportError {
  constructor(
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
