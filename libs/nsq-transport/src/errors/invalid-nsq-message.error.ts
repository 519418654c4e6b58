import { NsqTransportError } from './nsq-transport.error.js';

/**
 * A message refused before anything was written: empty, larger than the
 * configured `maxMessageSize`, a batch larger than `maxBatchBytes`, a delay
 * outside nsqd's range, or a payload the codec cannot encode.
 */
export class InvalidNsqMessageError extends NsqTransportError {
  constructor(
    message: string,
    readonly topic: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
