import { Writer } from 'nsqjs';
import { guardNsqjsConnection } from './nsqjs-connection-guard.js';
import type { NsqjsConnectionConfig } from './nsqjs-config.js';
import type { NsqjsConnection } from './nsqjs-internals.js';

/**
 * An nsqjs Writer whose connection is guarded ({@link guardNsqjsConnection})
 * and which takes ready-made PUB/MPUB/DPUB frames.
 *
 * nsqjs builds those frames with several copies and four lodash type checks
 * per message, and its `deferPublish` misbehaves (anything but one body throws
 * after queueing its callback, shifting every later answer by one). Writing
 * our own frame onto its connection, with the same first-in first-out queue of
 * callbacks nsqjs answers from, sends identical bytes with one copy.
 */
export class NsqjsPublisher extends Writer {
  constructor(
    host: string,
    port: number,
    private readonly setup: NsqjsConnectionConfig,
  ) {
    super(host, port, setup);
  }

  override connect(): void {
    super.connect();
    // Writer.connect() creates the connection and opens its socket on the next tick: in time.
    guardNsqjsConnection(this.connection, this.setup.policy);
  }

  /**
   * Writes one frame, given as its consecutive chunks; `callback` gets nsqd's
   * answer to it (or the error that closed the connection first). Only while
   * the Writer is ready. Several chunks are written corked: one writev
   * syscall, and no concatenation.
   */
  send(chunks: readonly Buffer[], callback: (error?: Error | null) => void): void {
    const connection = this.connection;
    connection.messageCallbacks.push(callback);
    if (chunks.length === 1) return connection.write(chunks[0]!);
    const out = connection.outWriter;
    if (!out || connection.deflater) {
      // Compressed: the deflate stream flushes per write, so one buffer.
      connection.write(Buffer.concat(chunks));
      return;
    }
    out.cork();
    for (const chunk of chunks) out.write(chunk);
    out.uncork();
  }

  /** Whether big bodies may be written as chunks of their own (not through deflate, which flushes every write). */
  get zeroCopy(): boolean {
    return !this.connection?.deflater;
  }

  /** When anything (an answer, a heartbeat) last arrived from nsqd; 0 before the first. */
  get lastReceivedAt(): number {
    return this.connection?.lastReceivedTimestamp ?? 0;
  }

  private get connection(): NsqjsConnection {
    return (this as unknown as { conn: NsqjsConnection }).conn;
  }
}
