import type { Message } from 'nsqjs';
import { NSQD_LIMITS } from '../constants.js';

/** How a delivery ended; `undefined` while it is still open. */
export type NsqSettlement = 'finished' | 'requeued';

/**
 * One delivery of one message to one subscription, settled exactly once.
 *
 * nsqjs only marks a message as answered on the next tick, so `finish()` then
 * `requeue()` in the same tick would send both FIN and REQ; this guard closes
 * that gap and lets the transport see whether a handler already settled it.
 */
export class NsqDelivery {
  private settlement: NsqSettlement | undefined;
  private rejection: string | undefined;

  constructor(
    readonly message: Message,
    readonly topic: string,
    readonly channel: string,
  ) {}

  /** How the delivery was settled, or `undefined` while open. */
  get settledAs(): NsqSettlement | undefined {
    return this.settlement;
  }

  get isSettled(): boolean {
    return this.settlement !== undefined;
  }

  /** Sends FIN. Returns false (and sends nothing) when already settled. */
  finish(): boolean {
    if (this.settlement) return false;
    this.settlement = 'finished';
    this.message.finish();
    return true;
  }

  /**
   * Sends REQ with `delayMs` (clamped to nsqd's default `--max-req-timeout`).
   * `backoff` also slows the whole reader down, as go-nsq does on failures.
   * Returns false (and sends nothing) when already settled.
   */
  requeue(delayMs: number, backoff: boolean): boolean {
    if (this.settlement) return false;
    this.settlement = 'requeued';
    // NaN would reach nsqd as "REQ <id> NaN", a fatal E_INVALID closing the connection.
    const delay = Number.isNaN(delayMs) ? 0 : Math.min(Math.max(0, Math.round(delayMs)), NSQD_LIMITS.maxRequeueDelayMs);
    this.message.requeue(delay, backoff);
    return true;
  }

  /** Why the handler rejected the message as poison, if it did. */
  get rejectedBecause(): string | undefined {
    return this.rejection;
  }

  /**
   * Marks the message as one no retry can fix: once the handler returns, the
   * transport dead-letters it instead of requeueing. Ignored once settled.
   */
  reject(reason: string): boolean {
    if (this.settlement) return false;
    this.rejection ??= reason;
    return true;
  }

  /** Resets nsqd's timeout for this message; a no-op once settled. */
  touch(): boolean {
    if (this.settlement) return false;
    this.message.touch();
    return true;
  }
}
