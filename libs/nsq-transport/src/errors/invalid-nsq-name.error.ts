import { NsqTransportError } from './nsq-transport.error.js';

/** A topic or channel name nsqd would refuse (and close the connection over). */
export class InvalidNsqNameError extends NsqTransportError {
  constructor(
    readonly kind: 'topic' | 'channel',
    readonly value: unknown,
  ) {
    super(
      `Invalid NSQ ${kind} name ${typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value)}: ` +
        'expected 1..64 characters of [.a-zA-Z0-9_-], optionally ending in "#ephemeral"',
    );
  }
}
