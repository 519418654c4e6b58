import { NsqTransportError } from './nsq-transport.error.js';

/**
 * An nsqd connection broke the NSQ protocol: an IDENTIFY or AUTH answer that
 * is not JSON, a frame whose size or type cannot be, a message frame too short
 * to hold its header, or a compression stream that failed mid-connection.
 * The connection is dropped and reconnected with backoff; the process goes on.
 */
export class NsqProtocolError extends NsqTransportError {
  constructor(
    message: string,
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
