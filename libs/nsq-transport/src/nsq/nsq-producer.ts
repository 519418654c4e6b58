import { NsqUnavailableError } from '../errors/nsq-unavailable.error.js';
import type { NsqjsConnectionConfig } from './nsqjs/index.js';
import { NsqPartialPublishError, outcomeFor } from './nsq-partial-publish.error.js';
import { NsqProducerConnection, type OutboundPublish } from './nsq-producer-connection.js';
import { NsqPublishBatcher, type NsqBatch, type NsqBatchLimits, type NsqPublishCallback } from './nsq-publish-batcher.js';
import { checkPublishLimits, type NsqdLimits } from './nsq-publish-limits.js';
import { NsqPublishSlabs, type NsqSlab } from './nsq-publish-slabs.js';
import { PendingCount } from './pending-count.js';

export interface NsqProducerSettings {
  readonly addresses: readonly string[];
  readonly config: NsqjsConnectionConfig;
  /** Longest an accepted publish may take to be answered, from acceptance (waiting for a connection included). */
  readonly publishTimeoutMs: number;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  /** Publishes accepted and not yet settled, at most (before the first connection too). */
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

/** Something waiting for any connection to become ready, until its deadline. */
interface Waiter {
  readonly deadline: number;
  resume(): void;
  fail(error: Error): void;
}

/**
 * Publishes to a set of nsqds, and is the one owner of a publish's life from
 * acceptance to settlement: the only pending count (bounded by
 * `maxPendingPublishes` from the moment a publish is accepted), the only
 * closing flag, the only deadline (`publishTimeoutMs`, enforced by one sweep
 * timer that keeps the process alive while anything is pending, so a
 * short-lived script cannot exit with an emit unsettled). Spreads publishes
 * round-robin over ready connections, fails over, coalesces, and drains on
 * close. Knows nothing of Nest.
 *
 * Outcomes: resolved on nsqd's OK; NsqUnavailableError when nothing was
 * written (no connection in time, closed, too many pending); from the
 * connection, NsqUnconfirmedError (written, no answer) or NsqPublishError
 * (refused by nsqd); InvalidNsqMessageError for what nsqd's limits refuse.
 */
export class NsqProducer {
  private readonly connections: NsqProducerConnection[];
  private readonly waiting = new Set<Waiter>();
  private readonly pending = new PendingCount();
  private readonly batcher: NsqPublishBatcher | undefined;
  /** Where large bodies wait for nsqd's answer (see NsqPublishSlabs). */
  private readonly slabs = new NsqPublishSlabs();
  private readonly sweepTimer: NodeJS.Timeout;
  private started = false;
  private next = 0;
  private readyCount = 0;
  private closing = false;
  /** Connections closed: nothing is sent any more. */
  private closed = false;

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
    this.batcher = settings.batching ? new NsqPublishBatcher(settings.batching) : undefined;
    // One timer for every deadline instead of one per publish; it holds the process only while something is pending.
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(10, Math.min(250, Math.floor(settings.publishTimeoutMs / 4))));
    this.sweepTimer.unref();
  }

  get isAvailable(): boolean {
    return this.readyCount > 0;
  }

  /** Publishes accepted and not yet settled (waiting for a connection included). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The nsqjs Writers currently connected. */
  writers(): unknown[] {
    return this.connections.map((c) => c.currentWriter).filter((w) => w !== undefined);
  }

  /** Starts connecting (once). */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    for (const connection of this.connections) connection.start();
  }

  /** Resolves once any nsqd is ready; rejects with NsqUnavailableError after `timeoutMs`. */
  whenAvailable(timeoutMs: number): Promise<void> {
    this.start();
    if (this.isAvailable) return Promise.resolve();
    if (this.closing) return Promise.reject(new NsqUnavailableError('the NSQ client is closed'));
    return new Promise<void>((resolve, reject) => {
      this.wait({
        deadline: Date.now() + timeoutMs,
        resume: resolve,
        fail: (error) => reject(new NsqUnavailableError(`no nsqd reachable at ${this.describeAddresses()} within ${timeoutMs} ms`, { cause: error })),
      });
    });
  }

  /**
   * Publishes `bodies` to `topic` (one body: PUB or, with a delay, DPUB;
   * several: one atomic MPUB). Resolves on nsqd's acknowledgement.
   *
   * `coalesce: 'turn'` (request-response, where each caller waits on its
   * answer): one body joins every other such publish to `topic` made in the
   * same turn of the event loop, the first one included, and the batch leaves
   * once the turn's synchronous work and microtasks are done: one write per
   * turn instead of a PUB for the first and an MPUB for the rest.
   */
  publish(topic: string, bodies: readonly Buffer[], delayMs = 0, coalesce: 'burst' | 'turn' = 'burst'): Promise<void> {
    return new Promise<void>((resolve, reject) => this.submit(topic, bodies, delayMs, coalesce, (error) => (error ? reject(error) : resolve())));
  }

  /**
   * {@link publish} with a callback instead of a promise, for the hot path
   * (`emit()`): `done` is called once, with nothing on nsqd's OK or with the
   * error; synchronously when the publish is refused at once (closing, too
   * many pending). A coalesced emit costs no promise at all.
   */
  submit(topic: string, bodies: readonly Buffer[], delayMs: number, coalesce: 'burst' | 'turn', done: NsqPublishCallback): void {
    if (this.closing) return done(new NsqUnavailableError('the NSQ client is closed'));
    const count = bodies.length;
    if (this.pending.size + count > this.settings.maxPendingPublishes) {
      return done(
        new NsqUnavailableError(`${this.pending.size} messages are already pending (maxPendingPublishes ${this.settings.maxPendingPublishes}); nsqd is not keeping up or not reachable`),
      );
    }
    this.start();
    this.accept(count);
    // Alone (a caller awaiting each emit), a body is answered before it could be promoted: no copy.
    if (this.pending.size > count && bodies.some(NsqPublishSlabs.fits)) ({ bodies, done } = this.hold(bodies, done));
    // Coalesce only behind a publish still outstanding: alone (a caller awaiting each emit), it leaves at once. 'turn' always coalesces.
    const turn = coalesce === 'turn';
    if (this.batcher && count === 1 && delayMs === 0 && (turn || this.pending.size > 1 || this.batcher.limits.lingerMs > 0)) return this.coalesce(topic, bodies[0]!, turn, done);
    this.outbound(topic, bodies, delayMs, false, (error) => {
      this.release(count);
      done(error);
    });
  }

  /**
   * Stops taking publishes, sends what is being coalesced, waits up to
   * `timeoutMs` for the pending ones to settle, then closes every connection
   * (failing what is left).
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    for (const batch of this.batcher?.takeAll() ?? []) this.sendBatch(batch);
    await this.pending.whenZero(timeoutMs);
    this.closed = true;
    for (const waiter of [...this.waiting]) waiter.fail(new NsqUnavailableError('the NSQ client was closed before a connection was ready; nothing was written'));
    this.waiting.clear();
    clearInterval(this.sweepTimer);
    await Promise.all(this.connections.map((connection) => connection.close()));
  }

  /** Copies the large bodies into slabs, released with the publish's outcome. */
  private hold(bodies: readonly Buffer[], done: NsqPublishCallback): { bodies: readonly Buffer[]; done: NsqPublishCallback } {
    const slabs = this.slabs;
    const held: NsqSlab[] = [];
    const copies = bodies.map((body) => {
      if (!NsqPublishSlabs.fits(body)) return body;
      const { copy, slab } = slabs.hold(body);
      held.push(slab);
      return copy;
    });
    return {
      bodies: copies,
      done: (error) => {
        for (const slab of held) slabs.release(slab, !error);
        done(error);
      },
    };
  }

  private accept(count: number): void {
    this.pending.add(count);
    this.keepAlive();
  }

  private release(count: number): void {
    this.pending.done(count);
    this.keepAlive();
  }

  /** The sweep timer holds the process while a publish or a connect() waits: neither may vanish with it. */
  private keepAlive(): void {
    if (this.pending.size > 0 || this.waiting.size > 0) this.sweepTimer.ref();
    else this.sweepTimer.unref();
  }

  private wait(waiter: Waiter): void {
    this.waiting.add(waiter);
    this.keepAlive();
  }

  /** One body into its topic's batch; `done` gets the emit's own outcome when nsqd's limits split the batch. */
  private coalesce(topic: string, body: Buffer, turn: boolean, done: NsqPublishCallback): void {
    const { batch, opened, full } = this.batcher!.add(topic, body, done);
    if (full) this.sendBatch(full);
    if (opened) {
      const lingerMs = this.batcher!.limits.lingerMs;
      const leave = () => {
        if (this.batcher!.take(batch)) this.sendBatch(batch);
      };
      if (turn) process.nextTick(leave);
      else if (lingerMs > 0) batch.timer = setTimeout(leave, lingerMs);
      else setImmediate(leave);
    }
  }

  private sendBatch(batch: NsqBatch): void {
    clearTimeout(batch.timer);
    const count = batch.bodies.length;
    this.outbound(batch.topic, batch.bodies, 0, true, (error) => {
      this.release(count);
      batch.settle(error);
    });
  }

  /** Creates one outbound publish and dispatches it; `settled` runs once, with its outcome. */
  private outbound(topic: string, bodies: readonly Buffer[], delayMs: number, coalesced: boolean, settled: (error?: Error) => void): void {
    let done = false;
    this.dispatch({
      topic,
      bodies,
      delayMs,
      coalesced,
      deadline: Date.now() + this.settings.publishTimeoutMs,
      settle: (error) => {
        if (done) return;
        done = true;
        settled(error);
      },
    });
  }

  /**
   * Writes a publish on a ready connection, within that nsqd's limits, or
   * waits (bounded by its deadline) for a connection.
   */
  private dispatch(publish: OutboundPublish): void {
    if (this.closed) return publish.settle(new NsqUnavailableError('the NSQ client was closed before the publish could be written'));
    const connection = this.pick();
    if (!connection) {
      this.wait({ deadline: publish.deadline, resume: () => this.dispatch(publish), fail: (error) => publish.settle(error) });
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
    for (const waiter of waiting) waiter.resume();
    this.keepAlive();
  }

  private onLost(connection: NsqProducerConnection): void {
    this.readyCount--;
    this.hooks.onDisconnected(connection.address);
    if (this.readyCount === 0 && !this.closing) this.hooks.onAvailabilityChange(false);
  }

  private sweep(): void {
    const now = Date.now();
    for (const waiter of this.waiting) {
      if (waiter.deadline <= now) {
        this.waiting.delete(waiter);
        waiter.fail(new NsqUnavailableError(`no nsqd was reachable at ${this.describeAddresses()} in time; nothing was written`));
      }
    }
    this.keepAlive();
    for (const connection of this.connections) connection.expire(now, this.settings.publishTimeoutMs);
    // Idle: nothing pending may be resent, so no slab memory is worth keeping.
    if (this.pending.size === 0) this.slabs.trim();
  }

  private describeAddresses(): string {
    return this.settings.addresses.join(', ');
  }
}
