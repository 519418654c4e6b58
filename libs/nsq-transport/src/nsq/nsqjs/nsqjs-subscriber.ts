import { Reader, type Message } from 'nsqjs';
import { CLOSE_GRACE_MS, guardNsqjsConnection } from './nsqjs-connection-guard.js';
import type { NsqjsReaderConfig } from './nsqjs-config.js';
import type { NsqjsConnection } from './nsqjs-internals.js';
import { FIN_BATCH, NsqjsFinBatch } from './nsqjs-lean-message.js';
import { markNsqjsMessageAnswered } from './nsqjs-message.js';
import { NsqjsRdyController } from './nsqjs-rdy-controller.js';

/** Where each message came from, kept on the message itself (cheaper than a WeakMap on the hot path). */
const CONNECTION = Symbol('nsqjs connection');
type TaggedMessage = Message & { [CONNECTION]?: NsqjsConnection };

/** What the subscription learns from the reader. */
export interface NsqjsSubscriberHooks {
  onMessage(message: Message): void;
  /** A connection's SUB was acknowledged (once per connection). */
  onSubscribed(address: string): void;
  /** A subscribed connection closed. */
  onUnsubscribed(address: string): void;
  onError(error: Error): void;
}

/** Reader's (undeclared) hook that wires each new nsqd connection. */
interface ReaderInternals {
  registerConnectionListeners(conn: NsqjsConnection): void;
}

/**
 * An nsqjs Reader for one (topic, channel) with every connection guarded
 * ({@link guardNsqjsConnection}) and reported one by one: Reader's own `ready`
 * fires only when exactly one connection exists, so with two nsqds it may
 * never fire.
 */
export class NsqjsSubscriber extends Reader {
  /** Connections not yet closed: what a graceful close waits for. */
  private readonly open = new Set<NsqjsConnection>();
  /** Sockets corked until the next macrotask (see registerConnectionListeners). */
  private readonly corked = new Set<NonNullable<NsqjsConnection['conn']>>();
  private readonly rdy: NsqjsRdyController;

  constructor(
    topic: string,
    channel: string,
    private readonly setup: NsqjsReaderConfig,
    private readonly hooks: NsqjsSubscriberHooks,
  ) {
    super(topic, channel, setup);
    // nsqjs's own RDY distribution under-fills and over-fills maxInFlight over several nsqds.
    this.rdy = NsqjsRdyController.install(this);
    // An 'error' event with no listener would crash the process (even E_FIN_FAILED).
    this.on('error', (error: Error) => hooks.onError(error));
    this.on('message', (message: Message) => hooks.onMessage(message));
  }

  /**
   * nsqjs 0.13 hands each message on in a `process.nextTick` of its own (so
   * the connection's other 'message' listeners, the RDY controller's among
   * them, see it first). One tick per socket read does the same for all the
   * messages of the read: the tick queue drains before any microtask runs, so
   * handlers see the same order and interleaving as before.
   */
  override handleMessage(message: Message): void {
    if (this.arrived.push(message) === 1) process.nextTick(this.handOn);
  }

  private readonly arrived: Message[] = [];

  /** nsqjs 0.13's Reader#handleMessage, inside its tick: discard past maxAttempts (finishing it), else 'message'. */
  private deliver(message: Message): void {
    const maxAttempts = (this as unknown as { config: { maxAttempts: number } }).config.maxAttempts;
    const autoFinish = maxAttempts > 0 && maxAttempts < message.attempts;
    if (autoFinish && this.listenerCount('discard') > 0) this.emit('discard', message);
    else this.emit('message', message);
    if (autoFinish) message.finish();
  }
  private readonly handOn = (): void => {
    const batch = this.arrived.splice(0);
    for (let i = 0; i < batch.length; i++) {
      try {
        this.deliver(batch[i]!);
      } catch (error) {
        // As with nsqjs's own tick: the exception is the process's; the rest still goes on.
        for (const rest of batch.slice(i + 1)) this.handleMessage(rest);
        throw error;
      }
    }
  };

  /** Opens (or re-opens) a connection to `host:port`; a no-op while one exists. */
  connectTo(host: string, port: number): void {
    this.connectToNSQD(host, port);
  }

  /**
   * Closes every connection and resolves once each has closed: its last
   * FIN/REQ (and, with compression, what the compressor still held) written,
   * CLS sent, and nsqd's side closed — bounded by the guard's grace period. A
   * process that exits right after must not take unwritten FINs with it.
   */
  closeGracefully(): Promise<void> {
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
    const closing = Promise.all([...this.open].map((conn) => new Promise<void>((resolve) => conn.once('closed', () => resolve()))));
    this.close();
    // The guard bounds each close; this bounds the whole in case a connection never reports.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS + 1_000)));
    return Promise.race([closing, bound]).then(() => clearTimeout(timer));
  }

  /**
   * Lets go of a message nsqd has already taken back (its timeout passed and
   * it was delivered again, with the same id): nothing is written for it —
   * a FIN or REQ would act on the new delivery — but the RDY controller
   * counts it as requeued, which is what nsqd did, so the connection's
   * in-flight budget is not held by a copy that will never be answered.
   */
  forget(message: Message): void {
    const conn = (message as TaggedMessage)[CONNECTION];
    if (message.hasResponded) return;
    markNsqjsMessageAnswered(message);
    conn?.emit('requeued');
  }

  registerConnectionListeners(conn: NsqjsConnection): void {
    // Called by connectToNSQD before the connection opens its socket.
    guardNsqjsConnection(conn, this.setup.policy);
    installFinBatch(conn);
    this.open.add(conn);
    conn.once('closed', () => this.open.delete(conn));
    (Reader.prototype as unknown as ReaderInternals).registerConnectionListeners.call(this, conn);
    const address = `${conn.nsqdHost}:${conn.nsqdPort}`;
    let subscribed = false;
    // nsqjs writes each FIN (and RDY) to the socket on its own: a syscall per
    // message, the largest single cost of a drain. The messages of one socket
    // read are handled within one macrotask, so the first of them corks the
    // socket until the next macrotask: their FINs leave in one write.
    //
    // Not for a message nsqd waits on, though: at RDY 1 (maxInFlight 1) nsqd sends the next message
    // only once it reads this one's FIN, and held to the next macrotask it would wait behind every other
    // I/O callback of the loop's turn. Its FIN leaves at the end of its own turn instead (the lean
    // message corks for that turn). With a larger RDY nsqd keeps sending meanwhile, and the FINs of
    // several reads (big messages arrive one per read or less) still share a write.
    //
    // The same listener tags the message with its connection (for forget()): the Reader hands it on a
    // tick later (handleMessage), after every listener here has run. One listener, not two, per message.
    // It runs before the RDY controller's own (connectToNSQD registers these first), so the count is of the others.
    conn.on('message', (message) => {
      (message as TaggedMessage)[CONNECTION] = conn;
      const socket = conn.conn;
      if (!socket || this.corked.has(socket) || this.rdy.soleMessageOn(conn)) return;
      socket.cork();
      this.corked.add(socket);
      setImmediate(() => {
        if (this.corked.delete(socket)) socket.uncork();
      });
    });
    conn.on('ready', () => {
      if (subscribed) return;
      subscribed = true;
      this.hooks.onSubscribed(address);
    });
    conn.on('closed', () => {
      if (!subscribed) return;
      subscribed = false;
      this.hooks.onUnsubscribed(address);
    });
  }
}

/**
 * Gives a reader connection a {@link NsqjsFinBatch}: its lean messages' FINs
 * leave in one write per turn. Every other write (RDY, REQ, TOUCH; nsqjs's
 * NOP) and the close (whose CLS the guard writes past `write`) first write the
 * FINs pending, so nothing overtakes a FIN given before it.
 */
function installFinBatch(conn: NsqjsConnection): void {
  const write = conn.write.bind(conn);
  const close = conn.close.bind(conn);
  const batch = new NsqjsFinBatch(write);
  (conn as NsqjsConnection & { [FIN_BATCH]?: NsqjsFinBatch })[FIN_BATCH] = batch;
  conn.write = (data) => {
    batch.flush();
    write(data);
  };
  conn.close = () => {
    batch.flush();
    close();
  };
}
