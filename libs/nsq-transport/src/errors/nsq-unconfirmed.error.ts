import { NsqTransportError } from './nsq-transport.error.js';

/**
 * A publish was written to nsqd but no answer came: nsqd did not answer within
 * `publishTimeoutMs`, or the connection was lost first. nsqd may have stored
 * it; a retry may duplicate it (NSQ is at-least-once: consumers must be
 * idempotent anyway).
 *
 * The other publish outcomes: {@link NsqUnavailableError} — nothing reached
 * nsqd, safe to retry; {@link NsqPublishError} — nsqd refused it, not stored;
 * {@link InvalidNsqMessageError} — refused before sending.
 */
export class NsqUnconfirmedError extends NsqTransportError {
  constructor(
    message: string,
    readonly topic: string,
    readonly address: string,
    /** Why no answer came. */
    readonly reason: 'timeout' | 'connection-lost',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
