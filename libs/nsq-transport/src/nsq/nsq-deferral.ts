import { NSQ_HEADER, type NsqHeaders } from '../wire/nsq-headers.js';

/** Messages remembered at most; the oldest are forgotten first. */
const MAX_REMEMBERED = 100_000;

/**
 * How long before its `nsq-deliver-at` a message arrived (0 when due, or
 * when it carries no valid due time). nsqd forgets deferrals when it
 * restarts and delivers them at once; the consumer defers such a message
 * again for the time left.
 */
export function msUntilDue(headers: NsqHeaders, now = Date.now()): number {
  const text = headers[NSQ_HEADER.deliverAt];
  if (text === undefined) return 0;
  const dueAt = Number(text);
  return Number.isSafeInteger(dueAt) && dueAt > now ? dueAt - now : 0;
}

/**
 * How many times each message arrived before it was due and was deferred
 * again: those deliveries are not attempts (nsqd counts them). Kept for this
 * consumer's lifetime, bounded; forgotten once the message is finished.
 */
export class NsqEarlyDeliveries {
  private readonly counts = new Map<string, number>();

  /** Early deliveries of `id` so far. */
  of(id: string): number {
    // Asked for every enveloped message; almost always none were early.
    return this.counts.size === 0 ? 0 : (this.counts.get(id) ?? 0);
  }

  /** One more early delivery of `id`. */
  add(id: string): void {
    const count = this.of(id) + 1;
    this.counts.delete(id);
    this.counts.set(id, count);
    if (this.counts.size > MAX_REMEMBERED) this.counts.delete(this.counts.keys().next().value!);
  }

  forget(id: string): void {
    if (this.counts.size > 0) this.counts.delete(id);
  }
}
