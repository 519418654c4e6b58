import type { Message } from 'nsqjs';

/**
 * nsqjs 0.13's Message, as far as this file reads or sets it: `createMessage`
 * copies the connection's negotiated timeouts onto every message, and
 * `respond()` stops answering once `hasResponded` is set.
 */
interface NsqjsMessageInternals {
  msgTimeout?: unknown;
  hasResponded: boolean;
  trackTimeoutId?: NodeJS.Timeout | null;
}

/** nsqd's default `--msg-timeout`: what a connection without feature negotiation gets. */
const DEFAULT_MSG_TIMEOUT_MS = 60_000;

/**
 * The message timeout nsqd negotiated, in IDENTIFY, for the connection that
 * delivered `message` (ms): nsqd may clamp a requested `msgTimeoutMs`, so
 * this, not the option, is what a TOUCH schedule must be based on. Falls back
 * to nsqd's default if the field is missing (it never is on 0.13). A number,
 * not an object: it is read for every message.
 */
export function nsqjsMessageTimeoutMs(message: Message): number {
  const timeout = (message as unknown as NsqjsMessageInternals).msgTimeout;
  return typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_MSG_TIMEOUT_MS;
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
