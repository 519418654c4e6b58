import { NsqTransportError } from './nsq-transport.error.js';

/** A Nest feature NSQ has no equivalent for yet (request-response through `send()`). */
export class NsqUnsupportedError extends NsqTransportError {}
