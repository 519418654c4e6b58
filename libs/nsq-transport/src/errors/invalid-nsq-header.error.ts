import { NsqTransportError } from './nsq-transport.error.js';

/**
 * A header refused before anything was published: a name that is not a
 * lower-case HTTP token of 1..128 characters, a reserved `nsq-` name, a value
 * that is not a well-formed string of at most 16 KiB, too many headers or too
 * many bytes of them (WIRE.md §2.2), or headers on a client without
 * `envelope: true` (raw bodies cannot carry them).
 */
export class InvalidNsqHeaderError extends NsqTransportError {
  constructor(
    message: string,
    /** The offending header's name, when one is to blame. */
    readonly header?: string,
  ) {
    super(message);
  }
}
