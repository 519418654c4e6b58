import { EventPattern } from '@nestjs/microservices';
import type { NsqEventPatternExtras } from '../server/nsq-routes.js';

/** Options of {@link NsqEventPattern}. */
export interface NsqEventPatternOptions extends NsqEventPatternExtras {
  /** Bind the handler to one server in a hybrid app (the server's `transportId`). */
  readonly transportId?: symbol;
}

/**
 * `@EventPattern(topic, { channel })` with NSQ-typed options.
 *
 * Nest 12 types `@EventPattern('literal')` as `(data, ...args: unknown[])`,
 * which under `strict` refuses a handler taking `@Ctx() ctx: NsqContext`;
 * this decorator is plain `MethodDecorator` so any handler signature fits.
 *
 * @example
 * ```ts
 * @NsqEventPattern('orders.created', { channel: 'billing' })
 * charge(@Payload() order: Order, @Ctx() ctx: NsqContext) {}
 * ```
 */
export function NsqEventPattern(topic: string, options: NsqEventPatternOptions = {}): MethodDecorator {
  const { transportId, ...extras } = options;
  return transportId === undefined ? EventPattern<string>(topic, extras) : EventPattern<string>(topic, transportId, extras);
}
