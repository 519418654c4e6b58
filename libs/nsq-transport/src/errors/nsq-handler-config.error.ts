import { NsqTransportError } from './nsq-transport.error.js';

/** A handler registration the server cannot subscribe (no channel, bad names, conflicting extras). */
export class NsqHandlerConfigError extends NsqTransportError {
  constructor(
    message: string,
    readonly pattern: string,
  ) {
    super(message);
  }
}
