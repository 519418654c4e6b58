import type { Writer } from 'nsqjs';
import { splitAddress } from './nsq-address.js';
import { NsqHardenedWriter } from './nsq-hardened-writer.js';
import { NsqPublishError } from '../errors/nsq-publish.error.js';
import { NsqTimeoutError } from '../errors/nsq-timeout.error.js';
import type { NsqjsConnectionConfig } from './nsqjs-config.js';
import { reconnectDelay } from './reconnect-backoff.js';

/** A publish written to this connection and not yet answered by nsqd. */
interface InFlightPublish {
  readonly topic: string;
  readonly deadline: number;
  readonly settle: (error?: Error) => void;
}

/**
 * The part of nsqjs's Writer connection that PUB/MPUB go through. nsqjs builds
 * those frames with several copies and four lodash type checks per message
 * (its MPUB is the slowest part of a coalesced emit); writing our own frame
 * onto the same connection, with the same FIFO of callbacks nsqjs answers
 * from, sends identical bytes with one copy. Checked at run time: an nsqjs
 * without this shape falls back to `Writer.publish`.
 */
interface NsqjsWriterInternals {
  readonly conn?: {
    readonly messageCallbacks?: unknown;
    write?: unknown;
  };
}

interface WritableNsqjsConnection {
  readonly messageCallbacks: Array<(error?: Error) => void>;
  write(frame: Buffer): void;
}

function writableConnection(writer: Writer): WritableNsqjsConnection | undefined {
  const conn = (writer as unknown as NsqjsWriterInternals).conn;
  return conn && Array.isArray(conn.messageCallbacks) && typeof conn.write === 'function' ? (conn as WritableNsqjsConnection) : undefined;
}

/**
 * `PUB <topic>\n<size><body>` or `MPUB <topic>\n<size><count>(<size><body>)*`,
 * nsqd's wire format, in one allocation.
 */
export function encodePublishFrame(topic: string, bodies: readonly Buffer[]): Buffer {
  const multi = bodies.length > 1;
  const header = `${multi ? 'MPUB' : 'PUB'} ${topic}\n`;
  const headerBytes = header.length; // topic names are ASCII (validated before publishing)
  let size = multi ? 4 : 0;
  for (const body of bodies) size += multi ? 4 + body.length : body.length;
  const frame = Buffer.allocUnsafe(headerBytes + 4 + size);
  let at = frame.write(header, 0, 'latin1');
  at = frame.writeInt32BE(size, at);
  if (multi) {
    at = frame.writeInt32BE(bodies.length, at);
    for (const body of bodies) {
      at = frame.writeInt32BE(body.length, at);
      at += body.copy(frame, at);
    }
  } else {
    bodies[0]!.copy(frame, at);
  }
  return frame;
}

export interface ProducerConnectionHooks {
  onReady(connection: NsqProducerConnection): void;
  onLost(connection: NsqProducerConnection): void;
  onError(connection: NsqProducerConnection, error: Error): void;
}

export interface ProducerConnectionSettings {
  readonly config: NsqjsConnectionConfig;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
}

/**
 * One nsqd publishing connection that survives nsqd going away.
 *
 * nsqjs's Writer never reconnects and any fatal error closes it, so this owns
 * a Writer at a time and replaces it, with backoff and jitter, whenever it
 * closes. Publishes are pipelined: nsqd answers them in order and nsqjs
 * matches answers to callbacks first-in first-out.
 */
export class NsqProducerConnection {
  private writer: Writer | undefined;
  private connection: WritableNsqjsConnection | undefined;
  private ready = false;
  private closed = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<InFlightPublish>();

  constructor(
    readonly address: string,
    private readonly settings: ProducerConnectionSettings,
    private readonly hooks: ProducerConnectionHooks,
  ) {}

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
  get currentWriter(): Writer | undefined {
    return this.writer;
  }

  start(): void {
    if (this.closed || this.writer) return;
    const [host, port] = splitAddress(this.address);
    // With our TLS/AUTH safeguards (host name checked, no plain-text fallback, AUTH only when asked).
    const writer: Writer = new NsqHardenedWriter(host, port, this.settings.config);
    this.writer = writer;
    // A Writer 'error' with no listener would crash the process.
    writer.on('error', (error: Error) => this.hooks.onError(this, toError(error)));
    writer.on('ready', () => {
      if (this.writer !== writer) return;
      this.connection = writableConnection(writer);
      this.ready = true;
      this.failures = 0;
      this.hooks.onReady(this);
    });
    writer.on('closed', () => this.onWriterClosed(writer));
    writer.connect();
  }

  /**
   * Writes one PUB, MPUB or DPUB. Resolves on nsqd's OK; rejects with
   * NsqPublishError when nsqd refuses it or the connection drops first.
   * Callers must only send while `isReady`.
   */
  send(topic: string, bodies: readonly Buffer[], delayMs: number, deadline: number): Promise<void> {
    const writer = this.writer;
    if (!writer || !this.ready) {
      return Promise.reject(new NsqPublishError('nsqd connection is not ready', topic, this.address));
    }
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const entry: InFlightPublish = {
        topic,
        deadline,
        settle: (error) => {
          if (done) return;
          done = true;
          this.inFlight.delete(entry);
          if (error) reject(error);
          else resolve();
        },
      };
      this.inFlight.add(entry);
      const callback = (error?: Error) =>
        entry.settle(error ? new NsqPublishError(`nsqd did not accept the publish: ${describe(error)}`, topic, this.address, { cause: error }) : undefined);
      const connection = this.connection;
      if (delayMs > 0) {
        writer.deferPublish(topic, [bodies[0]!], delayMs, callback);
      } else if (connection) {
        connection.messageCallbacks.push(callback);
        connection.write(encodePublishFrame(topic, bodies));
      } else {
        writer.publish(topic, bodies.length === 1 ? bodies[0]! : [...bodies], callback);
      }
    });
  }

  /**
   * Fails publishes nsqd has not answered by their deadline and drops the
   * connection: an nsqd that stops answering (paused, overloaded, half-open
   * socket) must not hold later publishes hostage.
   */
  expire(now: number, timeoutMs: number): void {
    const oldest = this.inFlight.values().next().value;
    if (!oldest || oldest.deadline > now) return;
    for (const entry of [...this.inFlight]) {
      entry.settle(new NsqTimeoutError(`nsqd at ${this.address} did not acknowledge the publish within ${timeoutMs} ms; it may or may not be stored`, 'publish', timeoutMs));
    }
    this.dropWriter();
  }

  /** Stops reconnecting and closes the socket; unanswered publishes fail. */
  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.dropWriter();
  }

  private dropWriter(): void {
    const writer = this.writer;
    if (!writer) return;
    try {
      writer.close();
    } catch {
      // nsqjs throws when the Writer never got a socket; it is gone either way.
      this.onWriterClosed(writer);
    }
  }

  private onWriterClosed(writer: Writer): void {
    if (this.writer !== writer) return;
    const wasReady = this.ready;
    this.writer = undefined;
    this.connection = undefined;
    this.ready = false;
    for (const entry of [...this.inFlight]) {
      entry.settle(new NsqPublishError('nsqd connection closed before the publish was acknowledged; it may or may not be stored', entry.topic, this.address));
    }
    if (wasReady) this.hooks.onLost(this);
    if (this.closed) return;
    const delay = reconnectDelay(this.failures++, this.settings.reconnectMinDelayMs, this.settings.reconnectMaxDelayMs);
    this.reconnectTimer = setTimeout(() => this.start(), delay);
    this.reconnectTimer.unref();
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
