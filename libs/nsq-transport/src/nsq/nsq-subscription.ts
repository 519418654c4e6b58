import type { Message } from 'nsqjs';
import { NsqjsSubscriber, type NsqjsReaderConfig, type NsqjsSubscriberHooks } from './nsqjs/index.js';
import { splitAddress } from './nsq-address.js';
import { reconnectDelay } from './reconnect-backoff.js';

/** What a subscription needs of its reader: an {@link NsqjsSubscriber}, or a fake in unit specs. */
export interface NsqSubscriptionReader {
  connect(): void;
  connectTo(host: string, port: number): void;
  queryLookupd(): unknown;
  pause(): void;
  closeGracefully(): Promise<void>;
  forget(message: Message): void;
}

export type NsqReaderFactory = (topic: string, channel: string, config: NsqjsReaderConfig, hooks: NsqjsSubscriberHooks) => NsqSubscriptionReader;

const nsqjsReader: NsqReaderFactory = (topic, channel, config, hooks) => new NsqjsSubscriber(topic, channel, config, hooks);

/** What a consumer uses of a subscription (so its unit specs can script one). */
export interface NsqSubscriptionPort {
  readonly topic: string;
  readonly channel: string;
  readonly isSubscribed: boolean;
  readonly subscribedAddresses: readonly string[];
  /** The nsqjs Reader underneath (what `ServerNsq.unwrap()` returns). */
  readonly reader: unknown;
  start(): void;
  whenSubscribed(): Promise<void>;
  queryLookupd(): void;
  pause(): void;
  /** Resolves once every connection has closed (its last FIN/REQ written, also through a compressor). */
  close(): Promise<void>;
  forget(message: Message): void;
}

export interface NsqSubscriptionHooks {
  onMessage(message: Message): void;
  onSubscribed(address: string): void;
  onUnsubscribed(address: string): void;
  /** `failures`: errors since this subscription was last subscribed somewhere (1 = the first of an outage). */
  onError(error: Error, failures: number): void;
}

/**
 * One (topic, channel) subscription: an nsqjs Reader plus what nsqjs lacks —
 * per-connection readiness and fast reconnects while a connection is missing
 * (nsqjs only retries every poll interval).
 */
export class NsqSubscription implements NsqSubscriptionPort {
  readonly reader: NsqSubscriptionReader;
  private readonly subscribed = new Set<string>();
  private readonly subscribedWaiters = new Set<() => void>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retries = 0;
  private failures = 0;
  private stopped = false;

  constructor(
    readonly topic: string,
    readonly channel: string,
    private readonly config: NsqjsReaderConfig,
    private readonly hooks: NsqSubscriptionHooks,
    private readonly maxRetryDelayMs: number,
    createReader: NsqReaderFactory = nsqjsReader,
  ) {
    this.reader = createReader(topic, channel, config, {
      onMessage: (message) => hooks.onMessage(message),
      onError: (error) => hooks.onError(error, ++this.failures),
      onSubscribed: (address) => {
        this.subscribed.add(address);
        this.retries = 0;
        this.failures = 0;
        hooks.onSubscribed(address);
        for (const resolve of this.subscribedWaiters) resolve();
        this.subscribedWaiters.clear();
      },
      onUnsubscribed: (address) => {
        this.subscribed.delete(address);
        hooks.onUnsubscribed(address);
        this.scheduleRetry();
      },
    });
  }

  /** nsqd addresses this subscription is currently subscribed on. */
  get subscribedAddresses(): readonly string[] {
    return [...this.subscribed];
  }

  get isSubscribed(): boolean {
    return this.subscribed.size > 0;
  }

  /** Asks lookupd again for the nsqds holding the topic (and connects to new ones). */
  queryLookupd(): void {
    void this.reader.queryLookupd();
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

  /** Lets go of a copy nsqd has redelivered since: nothing is sent for it (see NsqjsSubscriber.forget). */
  forget(message: Message): void {
    this.reader.forget(message);
  }

  /** Closes every connection; resolves once all have closed (their last FIN/REQ written). */
  close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.subscribedWaiters.clear();
    return this.reader.closeGracefully();
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
        this.reader.connectTo(...splitAddress(address));
      }
      const lookupd = this.config.lookupdHTTPAddresses as string[];
      if (lookupd.length > 0 && this.subscribed.size === 0) this.queryLookupd();
      if (missingDirect.length > 0 || (lookupd.length > 0 && this.subscribed.size === 0)) this.scheduleRetry();
    }, delay);
    this.retryTimer.unref();
  }
}
