import { NsqTransportError } from './nsq-transport.error.js';

/**
 * nsqd refused a publish (an `E_*` answer) or the connection carrying it was
 * lost before nsqd acknowledged it. In the second case the message may or may
 * not have been stored: `acknowledged` is unknown, and a retry may duplicate it.
 */
export class NsqPublishError extends NsqTransportError {
  constructor(
    message: string,
    readonly topic: string,
    readonly address: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
