/**
 * Base class of every error this transport raises, so callers can tell ours
 * apart from Nest's and nsqjs's with one `instanceof`.
 */
export class NsqTransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
