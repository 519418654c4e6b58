import type { Message } from 'nsqjs';
import { NSQD_LIMITS } from '../../constants.js';

/**
 * nsqjs 0.13's Message, as far as this file reads or sets it: `createMessage`
 * copies the connection's negotiated timeouts onto every message, and
 * `respond()` stops answering once `hasResponded` is set.
 */
interface NsqjsMessageInternals {
  msgTimeout?: unknown;
  maxMsgTimeout?: unknown;
  hasResponded: boolean;
  trackTimeoutId?: NodeJS.Timeout | null;
}

/** nsqd's default `--msg-timeout`: what a connection without feature negotiation gets. */
const DEFAULT_MSG_TIMEOUT_MS = 60_000;

/** The timeouts nsqd applies to one delivered message, in milliseconds. */
export interface NsqjsMessageTimeouts {
  /** Time nsqd waits for FIN/REQ/TOUCH before redelivering (`msg_timeout` from IDENTIFY). */
  readonly msgTimeoutMs: number;
  /** Longest nsqd lets TOUCH extend a message from its delivery (`max_msg_timeout`). */
  readonly maxMsgTimeoutMs: number;
}

/**
 * The timeouts nsqd negotiated, in IDENTIFY, for the connection that
 * delivered `message`: nsqd may clamp a requested `msgTimeoutMs`, so this,
 * not the option, is what a TOUCH schedule must be based on. Falls back to
 * nsqd's defaults if the fields are missing (they never are on 0.13).
 */
export function nsqjsMessageTimeouts(message: Message): NsqjsMessageTimeouts {
  const internals = message as unknown as NsqjsMessageInternals;
  return {
    msgTimeoutMs: positive(internals.msgTimeout) ?? DEFAULT_MSG_TIMEOUT_MS,
    maxMsgTimeoutMs: positive(internals.maxMsgTimeout) ?? NSQD_LIMITS.maxMsgTimeoutMs,
  };
}

/**
 * Makes nsqjs treat `message` as answered without writing anything: nsqd has
 * already taken it back (its timeout passed and it was delivered again), so a
 * FIN, REQ or TOUCH sent for this copy would act on the new delivery, which
 * has the same id. Also stops the copy's timeout tracking timer.
 */
export function markNsqjsMessageAnswered(message: Message): void {
  const internals = message as unknown as NsqjsMessageInternals;
  internals.hasResponded = true;
  if (internals.trackTimeoutId) clearTimeout(internals.trackTimeoutId);
  internals.trackTimeoutId = null;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
