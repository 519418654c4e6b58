import type { NsqDelivery } from './nsq-delivery.js';
import { PendingCount } from './pending-count.js';

/**
 * The consumer's one record of the messages it holds: every delivery from
 * arrival until its handler has returned and its settlement (a dead-letter
 * publish included) is done. One bucket per subscription, keyed by message
 * id, so a redelivery of a message still being handled is recognised; its
 * size is what a drain waits on.
 */
export class NsqInFlight {
  private readonly buckets: ReadonlyArray<Map<string, NsqDelivery>>;
  /** How many deliveries the buckets hold, and the bounded wait for none (the drain). */
  private readonly held = new PendingCount();

  /** `subscriptions`: how many subscriptions share it, numbered from 0. */
  constructor(subscriptions: number) {
    this.buckets = Array.from({ length: subscriptions }, () => new Map<string, NsqDelivery>());
  }

  get size(): number {
    return this.held.size;
  }

  /** How many deliveries subscription number `subscription` holds. */
  sizeOf(subscription: number): number {
    return this.buckets[subscription]!.size;
  }

  /** The delivery of message `id` held for subscription number `subscription`, if any. */
  get(subscription: number, id: string): NsqDelivery | undefined {
    return this.buckets[subscription]!.get(id);
  }

  add(subscription: number, delivery: NsqDelivery): void {
    const bucket = this.buckets[subscription]!;
    if (!bucket.has(delivery.id)) this.held.add();
    bucket.set(delivery.id, delivery);
  }

  delete(subscription: number, delivery: NsqDelivery): void {
    const bucket = this.buckets[subscription]!;
    // Only the entry of this delivery: never one a later arrival of the same id put there.
    if (bucket.get(delivery.id) !== delivery) return;
    bucket.delete(delivery.id);
    this.held.done();
  }

  *values(): IterableIterator<NsqDelivery> {
    for (const bucket of this.buckets) yield* bucket.values();
  }

  /** Resolves once nothing is held, or after `timeoutMs` (true if it emptied). */
  whenEmpty(timeoutMs: number): Promise<boolean> {
    return this.held.whenZero(timeoutMs);
  }
}
