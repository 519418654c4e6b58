import { BaseRpcContext } from '@nestjs/microservices';
import type { Message } from 'nsqjs';
import type { NsqDelivery } from '../nsq/nsq-delivery.js';
import { RESERVED_HEADER_PREFIX, type NsqHeaders } from '../wire/nsq-headers.js';

type NsqContextArgs = [NsqDelivery];

/**
 * What `@Ctx()` gives an NSQ handler: where the message came from and the
 * means to settle it by hand.
 *
 * Settling through the context is optional. When the handler returns, the
 * transport FINs (or REQs on failure) only if the handler did not already.
 * While the handler runs, the transport keeps the message (TOUCH); if nsqd
 * delivers it again anyway, this context follows the newest copy.
 *
 * @example
 * ```ts
 * @EventPattern('orders.created', { channel: 'billing' })
 * async onOrder(@Payload() order: Order, @Ctx() ctx: NsqContext) {
 *   if (!(await this.billing.ready())) return ctx.requeue(5_000);
 *   await this.billing.charge(order);
 * }
 * ```
 */
export class NsqContext extends BaseRpcContext<NsqContextArgs> {
  constructor(args: NsqContextArgs) {
    super(args);
  }

  /** Topic the message was published to. */
  getTopic(): string {
    return this.args[0].topic;
  }

  /** Channel this handler consumes it on. */
  getChannel(): string {
    return this.args[0].channel;
  }

  /** nsqd's message id (16 characters). */
  getMessageId(): string {
    return this.args[0].message.id;
  }

  /** Delivery attempts so far, this one included (1 on first delivery; timeouts count). */
  getAttempts(): number {
    return this.args[0].attempts;
  }

  /** When nsqd received the message, as a Date (millisecond precision). */
  getTimestamp(): Date {
    return new Date(Number(BigInt(this.args[0].message.timestamp) / 1_000_000n));
  }

  /**
   * The message's headers (WIRE.md §2): lower-case names, string values,
   * read-only. Empty for a raw message, and on a server without
   * `envelope: true`. Includes the transport's own `nsq-*` headers (a dead
   * letter's provenance, a deferred message's due time).
   */
  getHeaders(): NsqHeaders {
    return this.args[0].headers;
  }

  /**
   * Nest 12's name for what a client's dispatch hook attached: the headers
   * without the transport's own `nsq-*` ones (a record's `setHeaders()`
   * arrive here too). `undefined` when there are none.
   */
  getMetadata(): Record<string, string> | undefined {
    const headers = this.args[0].headers;
    let metadata: Record<string, string> | undefined;
    for (const name in headers) {
      if (name.startsWith(RESERVED_HEADER_PREFIX)) continue;
      (metadata ??= Object.create(null) as Record<string, string>)[name] = headers[name]!;
    }
    return metadata;
  }

  /** The body exactly as nsqd delivered it, before decoding (an envelope included). */
  getBody(): Buffer {
    return this.args[0].message.body;
  }

  /** The underlying nsqjs message, the newest copy (prefer the methods here for settling). */
  getMessage(): Message {
    return this.args[0].message;
  }

  /** True once the message was finished or requeued (by the handler or the transport). */
  isSettled(): boolean {
    return this.args[0].isSettled;
  }

  /** FIN: the message is done. Later settlement attempts are ignored. */
  finish(): void {
    this.args[0].finish();
  }

  /**
   * REQ: give the message back to nsqd, to be redelivered after `delayMs`
   * (default 0). `backoff` (default false) also slows this reader down.
   */
  requeue(delayMs = 0, backoff = false): void {
    this.args[0].requeue(delayMs, backoff);
  }

  /**
   * Rejects the message as poison (e.g. a payload that fails validation): when
   * the handler returns, it goes to the dead-letter topic (or is logged and
   * finished) at once, without retries. Not a drop: the body is kept there.
   * Throwing `NsqPoisonMessageError` (or a ValidationPipe's BadRequestException) does the same.
   */
  reject(reason = 'rejected by the handler'): void {
    this.args[0].reject(reason);
  }

  /** TOUCH now. The transport already touches a held message on its own (`autoTouch`); this is for handlers that turn it off. */
  touch(): void {
    this.args[0].touch();
  }
}
