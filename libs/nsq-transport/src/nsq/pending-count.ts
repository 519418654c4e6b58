/**
 * A count of operations in progress that a shutdown waits on, bounded: the
 * client's accepted emits, the producer's unacknowledged publishes, the
 * server's deliveries in flight.
 */
export class PendingCount {
  private value = 0;
  private readonly drained = new Set<() => void>();

  get size(): number {
    return this.value;
  }

  add(count = 1): void {
    this.value += count;
  }

  done(count = 1): void {
    this.value -= count;
    if (this.value === 0) for (const resolve of [...this.drained]) resolve();
  }

  /** Resolves once the count is 0, or after `timeoutMs` (true if it drained). */
  whenZero(timeoutMs: number): Promise<boolean> {
    if (this.value === 0) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        this.drained.delete(onDrained);
        resolve(drained);
      };
      const onDrained = () => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.drained.add(onDrained);
    });
  }
}
