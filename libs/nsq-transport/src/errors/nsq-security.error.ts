import { NsqTransportError } from './nsq-transport.error.js';

/**
 * A connection refused on security grounds before anything sensitive was sent:
 * TLS was asked for but nsqd did not offer it, nsqd requires AUTH and no
 * `authSecret` is set, or the secret would cross a plain-text connection.
 * Never carries the secret.
 */
export class NsqSecurityError extends NsqTransportError {
  constructor(
    message: string,
    readonly address: string,
  ) {
    super(message);
  }
}
