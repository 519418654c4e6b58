import { NsqTimeoutError } from '../errors/nsq-timeout.error.js';
import { NsqUnavailableError } from '../errors/nsq-unavailable.error.js';
import type { NsqjsConnectionConfig } from './nsqjs/index.js';
import { NsqPartialPublishError, outcomeFor } from './nsq-partial-publish.error.js';
import { NsqProducerConnection, type OutboundPublish } from './nsq-producer-connection.js';
import { checkPublishLimits, type NsqdLimits } from './nsq-publish-limits.js';
import { PendingCount } from './pending-count.js';
import { NsqPublishBatcher, type NsqBatchLimits } from './nsq-publish-batcher.js';

export interface NsqProducerSettings {
  readonly addresses: readonly string[];
  readonly config: NsqjsConnectionConfig;
  readonly publishTimeoutMs: number;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly maxPendingPublishes: number;
  /** The configured nsqd limits; each connection lowers its copy when nsqd refuses something smaller. */
  readonly limits: NsqdLimits;
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
  /** Connections closed: nothing is sent any more. */
  private closed = false;
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
          // Not from inside nsqjs's close: the connection that refused is still marked ready until it finishes closing.
          onUnexecuted: (publish) => setImmediate(() => this.dispatch(publish)),
        }),
    );
    // One timer for every deadline instead of one per publish.
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(10, Math.min(250, Math.floor(settings.publishTimeoutMs / 4))));
    this.sweepTimer.unref();
    this.batcher = settings.batching
      ? new NsqPublishBatcher(settings.batching, (topic, bodies) => {
          const sent = this.send(topic, bodies, 0, true);
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
    const sent = this.send(topic, bodies, delayMs, false);
    sent.then(
      () => this.pending.done(count),
      () => this.pending.done(count),
    );
    return sent;
  }

  /** One outbound publish and its promise (settled once, possibly after being sent again). */
  private send(topic: string, bodies: readonly Buffer[], delayMs: number, coalesced: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      this.dispatch({
        topic,
        bodies,
        delayMs,
        coalesced,
        deadline: Date.now() + this.settings.publishTimeoutMs,
        settle: (error) => {
          if (settled) return;
          settled = true;
          if (error) reject(error);
          else resolve();
        },
      });
    });
  }

  /**
   * Writes a publish on a ready connection, within that nsqd's limits, or
   * waits (bounded by its deadline) for a connection.
   */
  private dispatch(publish: OutboundPublish): void {
    if (this.closed) {
      publish.settle(new NsqUnavailableError('the NSQ client was closed before the publish could be sent'));
      return;
    }
    if (publish.deadline <= Date.now()) {
      publish.settle(new NsqTimeoutError(`no nsqd at ${this.describeAddresses()} took the publish within ${this.settings.publishTimeoutMs} ms`, 'publish', this.settings.publishTimeoutMs));
      return;
    }
    const connection = this.pick();
    if (!connection) {
      this.waiting.add({ deadline: publish.deadline, resume: () => this.dispatch(publish), fail: (error) => publish.settle(error) });
      return;
    }
    const verdict = checkPublishLimits(publish.topic, publish.bodies, publish.coalesced, connection.limits, connection.address);
    if (verdict.kind === 'fits') connection.send(publish);
    else if (verdict.kind === 'refused') publish.settle(verdict.error);
    else this.dispatchParts(publish, verdict.parts, verdict.refused);
  }

  /** Sends the parts of a coalesced publish separately; it settles once all have, each body with its own outcome. */
  private dispatchParts(publish: OutboundPublish, parts: readonly (readonly Buffer[])[], alreadyRefused: ReadonlyMap<Buffer, Error>): void {
    const refused = new Map(alreadyRefused);
    let open = parts.length;
    for (const bodies of parts) {
      let settled = false;
      this.dispatch({
        ...publish,
        bodies,
        settle: (error) => {
          if (settled) return;
          settled = true;
          if (error) {
            for (const body of bodies) {
              const own = outcomeFor(error, body);
              if (own) refused.set(body, own instanceof Error ? own : new Error(String(own)));
            }
          }
          if (--open === 0) publish.settle(refused.size === 0 ? undefined : new NsqPartialPublishError(refused));
        },
      });
    }
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
    this.closed = true;
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
