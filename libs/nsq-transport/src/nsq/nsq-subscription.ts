import { Reader, type Message } from 'nsqjs';
import { hardenNsqdConnection, type NsqdConnectionPolicy } from './nsqd-connection-hardening.js';
import { nsqdConnectionPolicy, type NsqjsReaderConfig } from './nsqjs-config.js';
import { splitAddress } from './nsq-address.js';
import { reconnectDelay } from './reconnect-backoff.js';

/** The part of nsqjs's per-nsqd connection a subscription listens to. */
interface NsqdConnectionLike {
  readonly nsqdHost: string;
  readonly nsqdPort: number;
  /** The socket nsqjs writes FIN/REQ/RDY to (undeclared by nsqjs; checked before use). */
  readonly conn?: { cork?: unknown; uncork?: unknown };
  on(event: 'ready' | 'closed' | 'message', listener: () => void): void;
}

/** A socket whose writes can be held back and sent together. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/** Reader's (undeclared) hook that wires each new nsqd connection. */
interface ReaderInternals {
  registerConnectionListeners(conn: NsqdConnectionLike): void;
}

export interface NsqSubscriptionHooks {
  onMessage(message: Message): void;
  onSubscribed(address: string): void;
  onUnsubscribed(address: string): void;
  onError(error: Error): void;
}

/**
 * nsqjs Reader that reports each nsqd connection once its SUB is acknowledged.
 * Reader's own `ready` fires only when exactly one connection exists, so with
 * two nsqds it may never fire; per-connection readiness is what `listen()` needs.
 */
class SubscribingReader extends Reader {
  onSubscribed: (address: string) => void = () => undefined;
  onUnsubscribed: (address: string) => void = () => undefined;
  /** Sockets corked until the next macrotask (see registerConnectionListeners). */
  private readonly corked = new Set<Corkable>();
  /** TLS/AUTH safeguards for each new connection (nsqjs's own config drops our keys). */
  policy: NsqdConnectionPolicy | undefined;

  /** Writes whatever FIN/REQ/RDY are still corked (before CLS closes the sockets). */
  uncorkAll(): void {
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  }

  registerConnectionListeners(conn: NsqdConnectionLike): void {
    // Called by connectToNSQD before the connection opens its socket.
    if (this.policy) hardenNsqdConnection(conn, this.policy);
    (Reader.prototype as unknown as ReaderInternals).registerConnectionListeners.call(this, conn);
    const address = `${conn.nsqdHost}:${conn.nsqdPort}`;
    let subscribed = false;
    // nsqjs writes each FIN (and RDY) to the socket on its own: a syscall per
    // message, the largest single cost of a drain. The messages of one socket
    // read are handled within one macrotask, so the first of them corks the
    // socket until the next macrotask: their FINs leave in one write.
    conn.on('message', () => {
      const socket = conn.conn;
      if (!socket || typeof socket.cork !== 'function' || typeof socket.uncork !== 'function') return;
      const corkable = socket as Corkable;
      if (this.corked.has(corkable)) return;
      corkable.cork();
      this.corked.add(corkable);
      setImmediate(() => {
        if (this.corked.delete(corkable)) corkable.uncork();
      });
    });
    conn.on('ready', () => {
      if (subscribed) return;
      subscribed = true;
      this.onSubscribed(address);
    });
    conn.on('closed', () => {
      if (!subscribed) return;
      subscribed = false;
      this.onUnsubscribed(address);
    });
  }
}

/**
 * One (topic, channel) subscription: an nsqjs Reader plus what nsqjs lacks —
 * per-connection readiness, fast reconnects while a connection is missing
 * (nsqjs only retries every poll interval), and a count of open deliveries
 * for draining.
 */
export class NsqSubscription {
  private readonly reader: SubscribingReader;
  private readonly subscribed = new Set<string>();
  private readonly subscribedWaiters = new Set<() => void>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retries = 0;
  private stopped = false;

  constructor(
    readonly topic: string,
    readonly channel: string,
    private readonly config: NsqjsReaderConfig,
    private readonly hooks: NsqSubscriptionHooks,
    private readonly maxRetryDelayMs: number,
  ) {
    this.reader = new SubscribingReader(topic, channel, config);
    this.reader.policy = nsqdConnectionPolicy(config);
    // An 'error' event with no listener would crash the process (even E_FIN_FAILED).
    this.reader.on('error', (error: Error) => hooks.onError(error));
    this.reader.on('message', (message: Message) => hooks.onMessage(message));
    this.reader.onSubscribed = (address) => {
      this.subscribed.add(address);
      this.retries = 0;
      hooks.onSubscribed(address);
      for (const resolve of this.subscribedWaiters) resolve();
      this.subscribedWaiters.clear();
    };
    this.reader.onUnsubscribed = (address) => {
      this.subscribed.delete(address);
      hooks.onUnsubscribed(address);
      this.scheduleRetry();
    };
  }

  /** nsqd addresses this subscription is currently subscribed on. */
  get subscribedAddresses(): readonly string[] {
    return [...this.subscribed];
  }

  get isSubscribed(): boolean {
    return this.subscribed.size > 0;
  }

  get nsqjsReader(): Reader {
    return this.reader;
  }

  start(): void {
    this.reader.connect();
    this.scheduleRetry();
  }

  /** Resolves once subscribed on at least one nsqd (no timeout: callers race it). */
  whenSubscribed(): Promise<void> {
    if (this.isSubscribed) return Promise.resolve();
    return new Promise((resolve) => this.subscribedWaiters.add(resolve));
  }

  /** RDY 0 on every connection: nsqd stops sending; messages already sent still arrive. */
  pause(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.reader.pause();
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.subscribedWaiters.clear();
    this.reader.uncorkAll();
    this.reader.close();
  }

  /**
   * While some nsqd is missing, retry it with backoff (nsqjs alone would wait
   * a whole poll interval) and re-ask lookupd when nothing is connected.
   */
  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = reconnectDelay(this.retries++, 250, this.maxRetryDelayMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      const direct = this.config.nsqdTCPAddresses as string[];
      const missingDirect = direct.filter((address) => !this.subscribed.has(address));
      for (const address of missingDirect) {
        this.reader.connectToNSQD(...splitAddress(address));
      }
      const lookupd = this.config.lookupdHTTPAddresses as string[];
      if (lookupd.length > 0 && this.subscribed.size === 0) void this.reader.queryLookupd();
      if (missingDirect.length > 0 || (lookupd.length > 0 && this.subscribed.size === 0)) this.scheduleRetry();
    }, delay);
    this.retryTimer.unref();
  }
}
