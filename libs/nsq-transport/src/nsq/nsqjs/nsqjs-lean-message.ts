import { Message } from 'nsqjs';
import type { NsqjsConnection } from './nsqjs-internals.js';

/** nsqjs 0.13's response types (Message.FINISH / REQUEUE / TOUCH). */
const FINISH = 0;
const REQUEUE = 1;
const TOUCH = 2;
/** A message frame's data: `[int64 timestamp][uint16 attempts][16-byte id][body]`. */
const ID_START = 10;
const ID_END = 26;
/** `FIN <16-byte id>\n`. */
const FIN_BYTES = 4 + 16 + 1;

/** The connection as the lean message uses it: write, and the events nsqjs's own message raises on it. */
type LeanConnection = Pick<NsqjsConnection, 'write' | 'emit' | 'msgTimeout' | 'maxMsgTimeout' | 'config'> & {
  readonly conn?: NsqjsConnection['conn'];
  readonly [FIN_BATCH]?: NsqjsFinBatch;
};

/** Where a connection keeps its {@link NsqjsFinBatch}, when it has one. */
export const FIN_BATCH = Symbol('nsqjs FIN batch');

/** `FIN <id>\n` for the message frame `raw`, written at `at` in `out`. */
function writeFin(out: Buffer, at: number, raw: Buffer): void {
  // Byte by byte: for 21 bytes, `write('FIN ')` and `copy()` (native calls, argument checks) cost several
  // times the loop.
  out[at] = 0x46; // F
  out[at + 1] = 0x49; // I
  out[at + 2] = 0x4e; // N
  out[at + 3] = 0x20;
  for (let i = 0; i < ID_END - ID_START; i++) out[at + 4 + i] = raw[ID_START + i]!;
  out[at + FIN_BYTES - 1] = 0x0a;
}

function finFrame(raw: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FIN_BYTES);
  writeFin(frame, 0, raw);
  return frame;
}

/** FINs a batch gathers before its slab is written and another taken (780 FINs in 16 KiB). */
const FIN_SLAB_BYTES = 16 * 1024;

/**
 * The FINs one connection gives within a turn of the event loop (the
 * handlers of a socket read settle in the same microtask drain), written as
 * one buffer at the end of that drain (`process.nextTick`): no buffer, no
 * write through nsqjs and no entry in the socket's queue per message. Written
 * into a slab and handed to the socket as a slice of it; a slice is never
 * written over (the next FINs go after it, then into a new slab).
 *
 * Order is kept: every other write on the connection (RDY, REQ, TOUCH, CLS
 * at close) first writes the FINs pending ({@link flush}), so the wire holds
 * answers in the order they were given, as with a write per FIN.
 */
export class NsqjsFinBatch {
  private slab = Buffer.allocUnsafeSlow(FIN_SLAB_BYTES);
  /** Pending FINs are `slab[start, end)`. */
  private start = 0;
  private end = 0;
  private scheduled = false;

  constructor(private readonly write: (data: Buffer) => void) {}

  add(raw: Buffer): void {
    if (this.end + FIN_BYTES > this.slab.length) {
      this.flush();
      this.slab = Buffer.allocUnsafeSlow(FIN_SLAB_BYTES);
      this.start = this.end = 0;
    }
    writeFin(this.slab, this.end, raw);
    this.end += FIN_BYTES;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
  }

  /** Writes the pending FINs (if any) now. */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.end === this.start) return;
    const pending = this.slab.subarray(this.start, this.end);
    this.start = this.end;
    this.write(pending);
  };
}

/**
 * A reader connection's message, built in place of nsqjs 0.13's
 * `NSQDConnection#createMessage` result. Same class to every reader of it
 * (`instanceof Message`, the same fields and getters, `finish` / `requeue` /
 * `touch` / `hasResponded`), without nsqjs's per-message costs, which were
 * the largest part of nsqjs in a drain's profile:
 *
 * - no timeout timer per message (nsqjs arms a `setTimeout` for every message
 *   and clears it on FIN, only to maintain `timedOut`; the transport tracks
 *   the negotiated timeout itself, in NsqDelivery), so `timedOut` stays false;
 * - the id is decoded once and kept (nsqjs decoded it three times: a debug
 *   line built whether or not debug is on, `finish()`, and another debug line);
 * - FIN is written from the id's bytes into one 21-byte buffer (nsqjs joins
 *   strings, checks the byte length, then copies), at once: no `process.nextTick`,
 *   no 'respond' event and two listeners per message. REQ and TOUCH are the
 *   same text nsqjs's wire.js writes (the delay arrives clamped and rounded
 *   from NsqDelivery).
 *
 * Answering is therefore synchronous: `hasResponded` is set before `finish()`
 * returns, so a second answer in the same tick is dropped (nsqjs sent both).
 * The connection still raises 'finished' / 'requeued' / 'backoff', as nsqjs's
 * message made it do, for the RDY controller.
 */
export class NsqjsLeanMessage {
  rawMessage: Buffer;
  // The connection's negotiated timeouts and requeue delay are read from it (accessors below), not
  // copied into every message: they are the connection's, fixed at IDENTIFY.
  declare requeueDelay: number;
  declare msgTimeout: number;
  declare maxMsgTimeout: number;
  hasResponded = false;
  receivedOn: number;
  lastTouched: number;
  // Fields every message starts with the same value of live on the prototype (below), not in each
  // message: an own property appears only on the rare message that changes one.
  declare touchCount: number;
  declare trackTimeoutId: NodeJS.Timeout | null;
  declare timedOut: boolean;
  // EventEmitter's own state (its constructor is not run) is EventEmitter.prototype's until a
  // listener is added: `_events` undefined, which `on` replaces by an object of the message's own.
  private decodedId: string | undefined;

  constructor(
    private readonly conn: LeanConnection,
    rawMessage: Buffer,
    now = Date.now(),
  ) {
    this.rawMessage = rawMessage;
    this.receivedOn = now;
    this.lastTouched = now;
  }

  get id(): string {
    return (this.decodedId ??= this.rawMessage.toString('latin1', ID_START, ID_END));
  }

  finish(): void {
    if (this.hasResponded) return;
    const batch = this.conn[FIN_BATCH];
    if (!batch) return this.respond(FINISH, finFrame(this.rawMessage));
    this.answered();
    batch.add(this.rawMessage);
    this.conn.emit('finished');
  }

  requeue(delay = this.requeueDelay, backoff = true): void {
    if (this.hasResponded) return;
    // nsqjs raised 'backoff' before the REQ went out (its write waited a tick); keep that order.
    if (backoff) this.conn.emit('backoff');
    this.respond(REQUEUE, Buffer.from(`REQ ${this.id} ${delay}\n`, 'latin1'));
  }

  touch(): void {
    if (this.hasResponded) return;
    this.touchCount += 1;
    this.respond(TOUCH, Buffer.from(`TOUCH ${this.id}\n`, 'latin1'));
  }

  /** A FIN or REQ was given: no other answer, and the message's timeout no longer tracked. */
  private answered(): void {
    this.hasResponded = true;
    if (this.trackTimeoutId) clearTimeout(this.trackTimeoutId);
    this.trackTimeoutId = null;
  }

  respond(responseType: number, wireData: Buffer): void {
    if (this.hasResponded) return;
    if (responseType === TOUCH) this.lastTouched = Date.now();
    else this.answered();
    // FINs waiting in the connection's batch go first: its `write` (nsqjs-subscriber's installFinBatch) writes them.
    // Answers given outside the socket read that brought them (a responder FINs once its reply is acknowledged,
    // on another socket's read) leave together at the end of the turn, not one write each.
    const socket = this.conn.conn;
    if (socket && socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    this.conn.write(wireData);
    if (responseType === FINISH) this.conn.emit('finished');
    else if (responseType === REQUEUE) this.conn.emit('requeued');
  }
}

// Everything not redefined above (body, attempts, timestamp, json, timeUntilTimeout, EventEmitter) is nsqjs's own.
Object.setPrototypeOf(NsqjsLeanMessage.prototype, Message.prototype);
Object.assign(NsqjsLeanMessage.prototype, { touchCount: 0, trackTimeoutId: null, timedOut: false });
for (const [name, read] of [
  ['requeueDelay', (conn: LeanConnection) => conn.config.requeueDelay ?? 90_000],
  ['msgTimeout', (conn: LeanConnection) => conn.msgTimeout],
  ['maxMsgTimeout', (conn: LeanConnection) => conn.maxMsgTimeout],
] as const) {
  // Assigning one gives that message its own value, as nsqjs's field would.
  Object.defineProperty(NsqjsLeanMessage.prototype, name, {
    get(this: { conn: LeanConnection }): number {
      return read(this.conn);
    },
    set(this: object, value: unknown): void {
      Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
    },
    configurable: true,
  });
}

/** A lean message for `payload`, delivered on `conn` (a reader connection). */
export function createNsqjsLeanMessage(conn: NsqjsConnection, payload: Buffer): Message {
  return new NsqjsLeanMessage(conn, payload) as unknown as Message;
}
