import { NsqPublishError } from '../errors/nsq-publish.error.js';
import { NsqUnavailableError } from '../errors/nsq-unavailable.error.js';
import { NsqUnconfirmedError } from '../errors/nsq-unconfirmed.error.js';
import { splitAddress } from './nsq-address.js';
import { learnLimitFromRefusal, type NsqdLimits } from './nsq-publish-limits.js';
import { NsqjsPublisher, type NsqjsConnectionConfig } from './nsqjs/index.js';
import { reconnectDelay } from './reconnect-backoff.js';

/** One PUB, DPUB or MPUB on its way to nsqd, settled exactly once (possibly after being sent again). */
export interface OutboundPublish {
  readonly topic: string;
  readonly bodies: readonly Buffer[];
  readonly delayMs: number;
  readonly deadline: number;
  /** Bodies coalesced by the transport (independent emits), not one atomic batch of the caller's. */
  readonly coalesced: boolean;
  settle(error?: Error): void;
}

/**
 * `PUB <topic>\n[size][body]`, `DPUB <topic> <ms>\n[size][body]` or
 * `MPUB <topic>\n[size][count]([size][body])*`, nsqd's wire format, in one allocation.
 */
export function encodePublishFrame(topic: string, bodies: readonly Buffer[], delayMs = 0): Buffer {
  const chunks = encodePublishChunks(topic, bodies, delayMs, Infinity);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Bodies from this size on are written by reference, not copied into their frame. */
export const ZERO_COPY_BODY_BYTES = 16 * 1024;

/**
 * The same bytes as {@link encodePublishFrame}, as consecutive chunks to write
 * in order: bodies of `zeroCopyFrom` bytes or more are chunks of their own (the
 * caller's buffers, not copied), everything else (command line, sizes, small
 * bodies) is copied into shared chunks between them. A 64 KiB body costs a
 * 64 KiB copy per frame otherwise, and a coalesced MPUB holds dozens.
 */
export function encodePublishChunks(topic: string, bodies: readonly Buffer[], delayMs: number, zeroCopyFrom: number): Buffer[] {
  const multi = bodies.length > 1;
  const header = multi ? `MPUB ${topic}\n` : delayMs > 0 ? `DPUB ${topic} ${delayMs}\n` : `PUB ${topic}\n`;
  const headerBytes = header.length; // topic names are ASCII (validated before publishing)
  let size = multi ? 4 : 0;
  let copied = headerBytes + 4 + size;
  for (const body of bodies) {
    size += multi ? 4 + body.length : body.length;
    copied += (multi ? 4 : 0) + (body.length >= zeroCopyFrom ? 0 : body.length);
  }
  // One allocation for every copied byte; the chunks are views into it, cut where a referenced body goes.
  const store = Buffer.allocUnsafe(copied);
  const chunks: Buffer[] = [];
  let start = 0;
  let at = store.write(header, 0, 'latin1');
  at = store.writeInt32BE(size, at);
  if (multi) at = store.writeInt32BE(bodies.length, at);
  for (const body of bodies) {
    if (multi) at = store.writeInt32BE(body.length, at);
    if (body.length >= zeroCopyFrom) {
      chunks.push(store.subarray(start, at), body);
      start = at;
    } else {
      at += body.copy(store, at);
    }
  }
  if (at > start) chunks.push(store.subarray(start, at));
  return chunks;
}

export interface ProducerConnectionHooks {
  onReady(connection: NsqProducerConnection): void;
  onLost(connection: NsqProducerConnection): void;
  onError(connection: NsqProducerConnection, error: Error): void;
  /**
   * nsqd never executed `publish`: a fatal answer to an earlier command closed
   * the connection first (nsqd runs commands in order), or nsqd refused it as
   * too big and `limits` now knows better. Safe to send again.
   */
  onUnexecuted(publish: OutboundPublish): void;
}

export interface ProducerConnectionSettings {
  readonly config: NsqjsConnectionConfig;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  /** The configured limits, until nsqd refuses something smaller. */
  readonly limits: Readonly<NsqdLimits>;
}

/**
 * One nsqd publishing connection that survives nsqd going away.
 *
 * nsqjs's Writer never reconnects and any fatal error closes it, so this owns
 * a Writer at a time and replaces it, with backoff and jitter, whenever it
 * closes. Publishes are pipelined: nsqd answers them in order and nsqjs
 * matches answers to callbacks first-in first-out.
 *
 * nsqd's size limits are not announced (IDENTIFY in nsqd 1.3 has none), and
 * an oversize PUB/MPUB is a fatal error: nsqd closes the connection, often
 * with a reset that loses its own answer and every answer still unread. So a
 * publish larger than anything this nsqd has accepted yet is a barrier: it
 * waits for the pipeline to empty, goes alone, and what follows waits for its
 * answer. If nsqd refuses it, nothing else was at stake; once accepted, that
 * size is known to pass and later publishes up to it pipeline freely.
 */
export class NsqProducerConnection {
  /** nsqd's limits at this address, kept across reconnects. */
  readonly limits: NsqdLimits;
  private publisher: NsqjsPublisher | undefined;
  private ready = false;
  private closed = false;
  /** nsqd answered a command of the current connection with a fatal error: what follows it was never executed. */
  private refusedFatally = false;
  private failures = 0;
  /** When the current connection became ready (a quiet nsqd is only silent once something waits for it). */
  private connectedAt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new InFlightPublishes();
  /** Largest message and MPUB body this nsqd accepted (0: none yet). */
  private readonly accepted = { message: 0, body: 0 };
  /** A publish above `accepted`, written alone; `held` waits for its answer. */
  private barrier: OutboundPublish | undefined;
  /** Publishes not yet written: behind a barrier, or a barrier waiting for the pipeline to empty. */
  private held: OutboundPublish[] = [];

  constructor(
    readonly address: string,
    private readonly settings: ProducerConnectionSettings,
    private readonly hooks: ProducerConnectionHooks,
  ) {
    this.limits = { ...settings.limits };
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Connection attempts that failed since the last successful one. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** The current nsqjs Writer, if any (for `unwrap()`). */
  get currentWriter(): NsqjsPublisher | undefined {
    return this.publisher;
  }

  start(): void {
    if (this.closed || this.publisher) return;
    const [host, port] = splitAddress(this.address);
    const publisher = new NsqjsPublisher(host, port, this.settings.config);
    this.publisher = publisher;
    this.refusedFatally = false;
    // A Writer 'error' with no listener would crash the process.
    publisher.on('error', (error: Error) => this.hooks.onError(this, toError(error)));
    publisher.on('ready', () => {
      if (this.publisher !== publisher) return;
      this.ready = true;
      this.connectedAt = Date.now();
      this.failures = 0;
      this.hooks.onReady(this);
    });
    publisher.on('closed', () => this.onPublisherClosed(publisher));
    publisher.connect();
  }

  /**
   * Writes one publish whose bodies fit `limits` (callers check); it settles
   * on nsqd's answer, or goes back to the hooks when nsqd never executed it.
   * Callers must only send while `isReady`.
   */
  send(publish: OutboundPublish): void {
    if (this.closed || !this.publisher || !this.ready) {
      publish.settle(new NsqUnavailableError(`nsqd connection to ${this.address} is not ready; nothing was written`));
      return;
    }
    if (this.barrier || this.held.length > 0) {
      this.held.push(publish);
      return;
    }
    this.write(publish);
  }

  private write(publish: OutboundPublish): void {
    if (this.exceedsAccepted(publish)) {
      if (this.inFlight.size > 0) {
        this.held.push(publish);
        return;
      }
      this.barrier = publish;
    }
    this.inFlight.add(publish);
    const publisher = this.publisher!;
    publisher.send(encodePublishChunks(publish.topic, publish.bodies, publish.delayMs, publisher.zeroCopy ? ZERO_COPY_BODY_BYTES : Infinity), (error) => this.answered(publish, error ?? undefined));
  }

  /** Writes what was held, in order, until a barrier has to wait again. */
  private release(): void {
    while (this.held.length > 0 && !this.barrier && this.ready) {
      const next = this.held[0]!;
      if (this.exceedsAccepted(next) && this.inFlight.size > 0) return;
      this.held.shift();
      this.write(next);
    }
  }

  private exceedsAccepted(publish: OutboundPublish): boolean {
    let largest = 0;
    let body = 4;
    for (const b of publish.bodies) {
      if (b.length > largest) largest = b.length;
      body += 4 + b.length;
    }
    return largest > this.accepted.message || (publish.bodies.length > 1 && body > this.accepted.body);
  }

  private recordAccepted(publish: OutboundPublish): void {
    let body = 4;
    for (const b of publish.bodies) {
      if (b.length > this.accepted.message) this.accepted.message = b.length;
      body += 4 + b.length;
    }
    if (publish.bodies.length > 1 && body > this.accepted.body) this.accepted.body = body;
  }

  /**
   * Settles publishes past their deadline: those still held back were never
   * written (NsqUnavailableError), those written got no answer in time
   * (NsqUnconfirmedError). The connection itself is dropped only when nsqd has
   * been silent (nothing received, heartbeats included) for `timeoutMs` with
   * publishes outstanding: a slow nsqd that still answers keeps its
   * pipeline, and the answers to the expired publishes are ignored.
   */
  expire(now: number, timeoutMs: number): void {
    if (this.held.length > 0 && this.held[0]!.deadline <= now) {
      const overdue = this.held.filter((publish) => publish.deadline <= now);
      this.held = this.held.filter((publish) => publish.deadline > now);
      for (const publish of overdue) {
        publish.settle(new NsqUnavailableError(`the publish to "${publish.topic}" waited ${timeoutMs} ms behind a larger one at ${this.address}; nothing was written`));
      }
    }
    const oldest = this.inFlight.first;
    if (!oldest || oldest.deadline > now) return;
    for (let publish: OutboundPublish | undefined = oldest; publish && publish.deadline <= now; publish = this.inFlight.first) {
      this.inFlight.delete(publish);
      // A barrier that got no answer in time no longer holds the others back (its size stays unproven).
      if (this.barrier === publish) this.barrier = undefined;
      publish.settle(new NsqUnconfirmedError(`nsqd at ${this.address} did not answer the publish to "${publish.topic}" within ${timeoutMs} ms; it may or may not be stored`, publish.topic, this.address, 'timeout'));
    }
    const lastHeard = Math.max(this.publisher?.lastReceivedAt ?? 0, this.connectedAt);
    if (now - lastHeard >= timeoutMs) this.dropPublisher();
    else if (this.held.length > 0) this.release();
  }

  /** Stops reconnecting and closes the socket; unanswered publishes fail. Resolves once it is closed. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const publisher = this.publisher;
    if (!publisher) return Promise.resolve();
    const closed = new Promise<void>((resolve) => publisher.once('closed', () => resolve()));
    this.dropPublisher();
    return closed;
  }

  private answered(publish: OutboundPublish, error: Error | undefined): void {
    // Already settled by expire() (its late answer, or the close that followed).
    if (!this.inFlight.delete(publish)) return;
    if (this.barrier === publish) this.barrier = undefined;
    if (!error) {
      this.recordAccepted(publish);
      publish.settle();
      if (this.held.length > 0) this.release();
      return;
    }
    if (isNsqdAnswer(error)) {
      this.refusedFatally = true;
      if (learnLimitFromRefusal(error.message, this.limits)) return this.hooks.onUnexecuted(publish);
      return publish.settle(new NsqPublishError(`nsqd refused the publish: ${error.message}`, publish.topic, this.address, { cause: error }));
    }
    if (this.refusedFatally) return this.hooks.onUnexecuted(publish);
    publish.settle(
      new NsqUnconfirmedError(`the connection to nsqd at ${this.address} was lost before it answered the publish to "${publish.topic}"; it may or may not be stored (${error.message})`, publish.topic, this.address, 'connection-lost', { cause: error }),
    );
  }

  private dropPublisher(): void {
    const publisher = this.publisher;
    if (!publisher) return;
    // Closing takes a moment (nsqd closes its side): nothing more goes to this connection meanwhile.
    this.markNotReady();
    try {
      publisher.close();
    } catch {
      // nsqjs throws when the Writer never got a connection; it is gone either way, and says so like any close.
      publisher.emit('closed');
    }
  }

  private markNotReady(): void {
    if (!this.ready) return;
    this.ready = false;
    this.hooks.onLost(this);
  }

  private onPublisherClosed(publisher: NsqjsPublisher): void {
    if (this.publisher !== publisher) return;
    this.publisher = undefined;
    this.markNotReady();
    // nsqjs normally fails every callback before 'closed'; whatever is left goes the same way.
    const closedError = new Error('nsqd connection closed');
    for (const publish of this.inFlight.toArray()) this.answered(publish, closedError);
    // Never written: safe to send elsewhere, or here again once reconnected.
    this.barrier = undefined;
    for (const publish of this.held.splice(0)) this.hooks.onUnexecuted(publish);
    if (this.closed) return;
    const delay = reconnectDelay(this.failures++, this.settings.reconnectMinDelayMs, this.settings.reconnectMaxDelayMs);
    this.reconnectTimer = setTimeout(() => this.start(), delay);
    this.reconnectTimer.unref();
  }
}

/** nsqd's own `E_*` answer, as opposed to a socket or protocol failure. */
function isNsqdAnswer(error: Error): boolean {
  return error.message.startsWith('E_');
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * The publishes written and not yet answered, oldest first. nsqd answers in
 * order, so the one answered is almost always the oldest.
 *
 * Not a Set: a Set that takes and drops a publish per write rehashes every
 * few hundred, and V8 links each old hash table to its successor (for live
 * iterators). Once one of those dead tables is in the old generation, every
 * scavenge keeps the next one alive, with the publishes, batches and bodies
 * it held: under a steady pipeline they were all promoted and left for a
 * full collection (about 1 MB per scavenge at 1 KiB bodies, window 1000).
 */
export class InFlightPublishes {
  private items: (OutboundPublish | undefined)[] = [];
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The oldest publish still waiting for its answer. */
  get first(): OutboundPublish | undefined {
    return this.count > 0 ? this.items[this.head] : undefined;
  }

  add(publish: OutboundPublish): void {
    this.items.push(publish);
    this.count++;
  }

  /** Removes `publish`; false when it was not there (already settled). */
  delete(publish: OutboundPublish): boolean {
    const items = this.items;
    let at = this.head;
    if (items[at] !== publish) {
      at = items.indexOf(publish, at);
      if (at < 0) return false;
    }
    items[at] = undefined;
    this.count--;
    while (this.head < items.length && items[this.head] === undefined) this.head++;
    if (this.count === 0) {
      items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  /** A copy, oldest first. */
  toArray(): OutboundPublish[] {
    return this.items.filter((publish): publish is OutboundPublish => publish !== undefined);
  }
}
