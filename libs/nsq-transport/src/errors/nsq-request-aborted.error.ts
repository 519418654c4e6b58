import { NsqTransportError } from './nsq-transport.error.js';

/**
 * A pending `send()` ended without its reply because the client was closed
 * (`close()` fails every pending request at once). The request may have been
 * published and handled already.
 */
export class NsqRequestAbortedError extends NsqTransportError {
  constructor(
    message: string,
    /** The topic the request was sent to. */
    readonly pattern: string,
  ) {
    super(message);
  }
}
