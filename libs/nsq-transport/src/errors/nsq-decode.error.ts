import { NsqTransportError } from './nsq-transport.error.js';

/** An incoming body the configured deserializer could not decode (a poison message). */
export class NsqDecodeError extends NsqTransportError {
  constructor(
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
