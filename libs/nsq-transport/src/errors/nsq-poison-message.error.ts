import { NsqTransportError } from './nsq-transport.error.js';

/**
 * Thrown from a handler, a pipe, a guard or an interceptor: the message is
 * poison — no retry can make it succeed — so the server dead-letters it at
 * once (reason `rejected`, this message in the log), without retries. The
 * throwing counterpart of `ctx.reject(reason)`.
 *
 * @example
 * ```ts
 * new ValidationPipe({ exceptionFactory: (errors) => new NsqPoisonMessageError(`invalid: ${errors.map(String).join('; ')}`) })
 *
 * if (!isKnownCurrency(order.currency)) throw new NsqPoisonMessageError(`unknown currency ${order.currency}`);
 * ```
 */
export class NsqPoisonMessageError extends NsqTransportError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}
