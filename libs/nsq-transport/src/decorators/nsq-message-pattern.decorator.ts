import { MessagePattern } from '@nestjs/microservices';
import type { NsqEventPatternOptions } from './nsq-event-pattern.decorator.js';

/** Options of {@link NsqMessagePattern}: the same as an event handler's (channel, maxInFlight, transportId). */
export type NsqMessagePatternOptions = NsqEventPatternOptions;

/**
 * `@MessagePattern(topic, { channel })` with NSQ-typed options: a
 * request-response handler. What it returns — a value, a Promise, or an
 * Observable of several values — answers the caller's `client.send(topic, data)`;
 * what it throws reaches the caller as Nest's RPC error. Requests always
 * carry an envelope, which the server reads whatever its `envelope` option.
 *
 * @example
 * ```ts
 * @NsqMessagePattern('prices.quote', { channel: 'pricing', maxInFlight: 50 })
 * quote(@Payload() query: QuoteQuery, @Ctx() ctx: NsqContext): Promise<Quote> {}
 * ```
 */
export function NsqMessagePattern(topic: string, options: NsqMessagePatternOptions = {}): MethodDecorator {
  const { transportId, ...extras } = options;
  return transportId === undefined ? MessagePattern<string>(topic, extras) : MessagePattern<string>(topic, transportId, extras);
}
