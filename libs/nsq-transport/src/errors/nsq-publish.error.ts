import { NsqTransportError } from './nsq-transport.error.js';

/**
 * nsqd refused a publish with an `E_*` answer (for example `E_INVALID` for a
 * delay above its `--max-req-timeout`, `E_UNAUTHORIZED` for a topic its auth
 * server does not grant): it was not stored.
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
