import type { Message } from 'nsqjs';
import { NSQD_LIMITS } from '../constants.js';
import type { NsqOpenedBody } from '../wire/nsq-envelope.js';
import { NO_HEADERS, type NsqHeaders } from '../wire/nsq-headers.js';
import { nsqjsMessageTimeoutMs } from './nsqjs/index.js';

/** How a delivery ended; `undefined` while it is still open. */
export type NsqSettlement = 'finished' | 'requeued';

/**
 * One message held by one subscription, from its arrival until it is settled
 * (FIN or REQ) exactly once.
 *
 * nsqjs only marks a message as answered on the next tick, so `finish()` then
 * `requeue()` in the same tick would send both FIN and REQ; this guard closes
 * that gap and lets the transport see whether a handler already settled it.
 *
 * While its handler runs, nsqd may deliver the same message again (its
 * timeout passed: TOUCH was off, or stopped at `maxHandlerTimeMs`). The
 * consumer then hands the new copy to this delivery instead of running the
 * handler a second time ({@link redelivered}): what the handler decides is
 * applied to the copy nsqd holds now.
 */
export class NsqDelivery {
  /** When the first copy arrived (ms since the epoch). */
  readonly receivedAt: number;
  // One of these exists per message in flight, for as long as its handler runs: only what every
  // delivery needs is a field; what the message already knows (its id, its connection's timeout)
  // is read from it, and what few deliveries need lives in `rare`.
  private current: Message;
  private settlement: NsqSettlement | undefined;
  private touchedAt: number;
  private opened: NsqOpenedBody | undefined;
  private rare: RareDeliveryState | undefined;

  constructor(
    message: Message,
    readonly topic: string,
    readonly channel: string,
    now = Date.now(),
  ) {
    this.current = message;
    this.receivedAt = now;
    this.touchedAt = now;
  }

  /** nsqd's message id (16 characters). */
  get id(): string {
    return this.current.id;
  }

  /** The nsqjs message nsqd holds in flight now (the latest copy). */
  get message(): Message {
    return this.current;
  }

  /**
   * Deliveries so far, this copy included (nsqd's count: timeouts count too),
   * less the early deliveries of a deferred message that were deferred again.
   */
  get attempts(): number {
    return Math.max(1, this.current.attempts - (this.rare?.early ?? 0));
  }

  /** The headers of an enveloped message (none for a raw one, or before it was opened). */
  get headers(): NsqHeaders {
    return this.opened?.headers ?? NO_HEADERS;
  }

  /** One header's value (`headers[name]`), read without building the header map when the envelope allows. */
  header(name: string): string | undefined {
    const opened = this.opened;
    return opened?.header ? opened.header(name) : opened?.headers[name];
  }

  /** The bytes the codec decodes: an envelope's payload, or the whole raw body. */
  get payload(): Buffer {
    return this.opened?.payload ?? this.current.body;
  }

  /**
   * Records what the body holds (envelope mode) and how many earlier
   * deliveries came before the message was due and were deferred again.
   */
  open(opened: NsqOpenedBody, earlyDeliveries: number): void {
    this.opened = opened;
    if (earlyDeliveries !== 0) this.rareState().early = earlyDeliveries;
  }

  /** How the delivery was settled, or `undefined` while open. */
  get settledAs(): NsqSettlement | undefined {
    return this.settlement;
  }

  get isSettled(): boolean {
    return this.settlement !== undefined;
  }

  /** The message timeout nsqd negotiated for the connection holding the latest copy (ms). */
  get msgTimeoutMs(): number {
    return nsqjsMessageTimeoutMs(this.current);
  }

  /** When the message was last kept alive: its arrival, its last TOUCH, or its last redelivery. */
  get lastTouchedAt(): number {
    return this.touchedAt;
  }

  /** How many copies nsqd delivered while this one was open (1 = no redelivery). */
  get copiesReceived(): number {
    return this.rare?.copies ?? 1;
  }

  /** Sends FIN. Returns false (and sends nothing) when already settled. */
  finish(): boolean {
    if (this.settlement) return false;
    this.settlement = 'finished';
    this.current.finish();
    return true;
  }

  /**
   * Sends REQ with `delayMs` (clamped to nsqd's default `--max-req-timeout`).
   * `backoff` also slows the whole subscription down, as go-nsq does on failures.
   * Returns false (and sends nothing) when already settled.
   */
  requeue(delayMs: number, backoff: boolean): boolean {
    if (this.settlement) return false;
    this.settlement = 'requeued';
    // NaN would reach nsqd as "REQ <id> NaN", a fatal E_INVALID closing the connection.
    const delay = Number.isNaN(delayMs) ? 0 : Math.min(Math.max(0, Math.round(delayMs)), NSQD_LIMITS.maxRequeueDelayMs);
    this.current.requeue(delay, backoff);
    return true;
  }

  /** Why the handler rejected the message as poison, if it did. */
  get rejectedBecause(): string | undefined {
    return this.rare?.rejection;
  }

  /**
   * Marks the message as one no retry can fix: once the handler returns, the
   * transport dead-letters it instead of requeueing. Ignored once settled.
   */
  reject(reason: string): boolean {
    if (this.settlement) return false;
    this.rareState().rejection ??= reason;
    return true;
  }

  /** Resets nsqd's timeout for this message; a no-op once settled. */
  touch(now = Date.now()): boolean {
    if (this.settlement) return false;
    this.touchedAt = now;
    this.current.touch();
    return true;
  }

  /**
   * nsqd delivered this message again while it was open here: later
   * settlements (and TOUCHes) go to `message`. Returns the copy it replaces,
   * which nsqd no longer holds and which must never be answered.
   */
  redelivered(message: Message, now = Date.now()): Message {
    const previous = this.current;
    this.current = message;
    this.rareState().copies += 1;
    this.touchedAt = now;
    return previous;
  }

  private rareState(): RareDeliveryState {
    return (this.rare ??= { copies: 1, early: 0, rejection: undefined });
  }
}

/** What only some deliveries need: a redelivery, early deliveries of a deferred message, a rejection. */
interface RareDeliveryState {
  /** Copies nsqd delivered while the delivery was open (1 = no redelivery). */
  copies: number;
  /** Deliveries nsqd made before the message was due (re-deferred, not handled): not attempts. */
  early: number;
  /** Why the handler rejected the message as poison, if it did. */
  rejection: string | undefined;
}
