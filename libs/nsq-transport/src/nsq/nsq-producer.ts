import { NsqTimeoutError } from '../errors/nsq-timeout.error.js';
import { NsqUnavailableError } from '../errors/nsq-unavailable.error.js';
import type { NsqjsConnectionConfig } from './nsqjs-config.js';
import { NsqProducerConnection } from './nsq-producer-connection.js';
import { PendingCount } from './pending-count.js';
import { NsqPublishBatcher, type NsqBatchLimits } from './nsq-publish-batcher.js';

export interface NsqProducerSettings {
  readonly addresses: readonly string[];
  readonly config: NsqjsConnectionConfig;
  readonly publishTimeoutMs: number;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly maxPendingPublishes: number;
  /** Coalesce concurrent single publishes into MPUBs; undefined = one PUB per publish. */
  readonly batching?: NsqBatchLimits;
}

export interface NsqProducerHooks {
  onConnected(address: string): void;
  onDisconnected(address: string): void;
  /** `failures`: consecutive failed connection attempts to this address so far (0 while connected). */
  onError(address: string, error: Error, failures: number): void;
  /** Called when the number of ready connections goes to or from zero. */
  onAvailabilityChange(available: boolean): void;
}

/** A publish waiting for any connection to become ready. */
interface WaitingPublish {
  readonly deadline: number;
  readonly resume: () => void;
  readonly fail: (error: Error) => void;
}

/**
 * Publishes to a set of nsqds: spreads publishes round-robin over the ready
 * connections, fails over when one is lost, bounds how long and how many
 * publishes may wait, and drains before closing. Knows nothing of Nest.
 */
export class NsqProducer {
  private readonly connections: NsqProducerConnection[];
  private readonly waiting = new Set<WaitingPublish>();
  private readonly sweepTimer: NodeJS.Timeout;
  private next = 0;
  private readyCount = 0;
  private closing = false;
  private readonly pending = new PendingCount();
  private readonly batcher: NsqPublishBatcher | undefined;

  constructor(
    private readonly settings: NsqProducerSettings,
    private readonly hooks: NsqProducerHooks,
  ) {
    this.connections = settings.addresses.map(
      (address) =>
        new NsqProducerConnection(address, settings, {
          onReady: (connection) => this.onReady(connection),
          onLost: (connection) => this.onLost(connection),
          onError: (connection, error) => hooks.onError(connection.address, error, connection.consecutiveFailures),
        }),
    );
    // One timer for every deadline instead of one per publish.
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(10, Math.min(250, Math.floor(settings.publishTimeoutMs / 4))));
    this.sweepTimer.unref();
    this.batcher = settings.batching
      ? new NsqPublishBatcher(settings.batching, (topic, bodies) => {
          const sent = this.dispatch(topic, bodies, 0);
          sent.then(
            () => this.pending.done(bodies.length),
            () => this.pending.done(bodies.length),
          );
          return sent;
        })
      : undefined;
    for (const connection of this.connections) connection.start();
  }

  get isAvailable(): boolean {
    return this.readyCount > 0;
  }

  /** Publishes not yet acknowledged or failed (waiting for a connection included). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The nsqjs Writers currently connected. */
  writers(): unknown[] {
    return this.connections.map((c) => c.currentWriter).filter((w) => w !== undefined);
  }

  /** Resolves once any nsqd is ready; rejects with NsqUnavailableError after `timeoutMs`. */
  whenAvailable(timeoutMs: number): Promise<void> {
    if (this.isAvailable) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const entry: WaitingPublish = {
        deadline: Date.now() + timeoutMs,
        resume: resolve,
        fail: (error) => reject(error instanceof NsqTimeoutError ? new NsqUnavailableError(`no nsqd reachable at ${this.describeAddresses()} within ${timeoutMs} ms`, { cause: error }) : error),
      };
      this.waiting.add(entry);
    });
  }

  /**
   * Publishes `bodies` to `topic` (one body: PUB or, with a delay, DPUB;
   * several: one atomic MPUB). Resolves on nsqd's acknowledgement.
   *
   * Not an async function on purpose: a coalesced emit resolves with its
   * batch's shared promise, without a wrapper promise per message.
   */
  publish(topic: string, bodies: readonly Buffer[], delayMs = 0): Promise<void> {
    if (this.closing) return Promise.reject(new NsqUnavailableError('the NSQ client is closed'));
    const count = bodies.length;
    if (this.pending.size + count > this.settings.maxPendingPublishes) {
      return Promise.reject(
        new NsqUnavailableError(`${this.pending.size} messages are already pending (maxPendingPublishes ${this.settings.maxPendingPublishes}); nsqd is not keeping up or not reachable`),
      );
    }
    this.pending.add(count);
    // The batcher's send releases a whole batch at once (see the constructor).
    if (this.batcher && count === 1 && delayMs === 0) return this.batcher.add(topic, bodies[0]!);
    const sent = this.dispatch(topic, bodies, delayMs);
    sent.then(
      () => this.pending.done(count),
      () => this.pending.done(count),
    );
    return sent;
  }

  /** Writes one PUB/MPUB/DPUB on a ready connection, waiting (bounded) for one if none is. */
  private dispatch(topic: string, bodies: readonly Buffer[], delayMs: number): Promise<void> {
    const deadline = Date.now() + this.settings.publishTimeoutMs;
    const connection = this.pick();
    // The common case without an async frame: a connection is ready.
    if (connection) return connection.send(topic, bodies, delayMs, deadline);
    return this.dispatchWhenAvailable(topic, bodies, delayMs, deadline);
  }

  private async dispatchWhenAvailable(topic: string, bodies: readonly Buffer[], delayMs: number, deadline: number): Promise<void> {
    let connection = this.pick();
    if (!connection) {
      await new Promise<void>((resume, fail) => this.waiting.add({ deadline, resume, fail }));
      connection = this.pick();
      if (!connection) throw new NsqUnavailableError(`no nsqd reachable at ${this.describeAddresses()}`);
    }
    await connection.send(topic, bodies, delayMs, deadline);
  }

  /**
   * Stops taking publishes, waits up to `timeoutMs` for the pending ones to be
   * acknowledged, then closes every connection (failing what is left).
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.batcher?.flushAll();
    await this.pending.whenZero(timeoutMs);
    clearInterval(this.sweepTimer);
    for (const entry of this.waiting) entry.fail(new NsqUnavailableError('the NSQ client was closed before a connection was ready'));
    this.waiting.clear();
    for (const connection of this.connections) connection.close();
  }

  private pick(): NsqProducerConnection | undefined {
    const count = this.connections.length;
    for (let i = 0; i < count; i++) {
      const connection = this.connections[(this.next + i) % count]!;
      if (connection.isReady) {
        this.next = (this.next + i + 1) % count;
        return connection;
      }
    }
    return undefined;
  }

  private onReady(connection: NsqProducerConnection): void {
    this.readyCount++;
    this.hooks.onConnected(connection.address);
    if (this.readyCount === 1) this.hooks.onAvailabilityChange(true);
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const entry of waiting) entry.resume();
  }

  private onLost(connection: NsqProducerConnection): void {
    this.readyCount--;
    this.hooks.onDisconnected(connection.address);
    if (this.readyCount === 0 && !this.closing) this.hooks.onAvailabilityChange(false);
  }

  private sweep(): void {
    const now = Date.now();
    for (const entry of this.waiting) {
      if (entry.deadline <= now) {
        this.waiting.delete(entry);
        entry.fail(new NsqTimeoutError(`no nsqd was reachable at ${this.describeAddresses()} within ${this.settings.publishTimeoutMs} ms`, 'publish', this.settings.publishTimeoutMs));
      }
    }
    for (const connection of this.connections) connection.expire(now, this.settings.publishTimeoutMs);
  }

  private describeAddresses(): string {
    return this.settings.addresses.join(', ');
  }
}
