import { NsqTransportError } from './nsq-transport.error.js';

/** No nsqd could be reached (or the client was closed) when a publish needed one. */
export class NsqUnavailableError extends NsqTransportError {
  constructor(
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
