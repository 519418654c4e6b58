import type { NsqDelivery } from './nsq-delivery.js';

/**
 * The consumer's one record of the messages it holds: every delivery from
 * arrival until its handler has returned and its settlement (a dead-letter
 * publish included) is done. Keyed by subscription and message id, so a
 * redelivery of a message still being handled is recognised; its size is what
 * a drain waits on.
 */
export class NsqInFlight {
  private readonly deliveries = new Map<string, NsqDelivery>();
  private readonly emptied = new Set<() => void>();

  get size(): number {
    return this.deliveries.size;
  }

  /** The delivery of message `id` held for `subscription` (a key unique per subscription), if any. */
  get(subscription: string, id: string): NsqDelivery | undefined {
    return this.deliveries.get(subscription + id);
  }

  add(subscription: string, delivery: NsqDelivery): void {
    this.deliveries.set(subscription + delivery.id, delivery);
  }

  delete(subscription: string, delivery: NsqDelivery): void {
    const key = subscription + delivery.id;
    // Only the entry of this delivery: never one a later arrival of the same id put there.
    if (this.deliveries.get(key) !== delivery) return;
    this.deliveries.delete(key);
    if (this.deliveries.size === 0) for (const resolve of [...this.emptied]) resolve();
  }

  values(): IterableIterator<NsqDelivery> {
    return this.deliveries.values();
  }

  /** Resolves once nothing is held, or after `timeoutMs` (true if it emptied). */
  whenEmpty(timeoutMs: number): Promise<boolean> {
    if (this.deliveries.size === 0) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (emptied: boolean) => {
        clearTimeout(timer);
        this.emptied.delete(onEmpty);
        resolve(emptied);
      };
      const onEmpty = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.emptied.add(onEmpty);
    });
  }
}
