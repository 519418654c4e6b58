import type { Message } from 'nsqjs';

/**
 * nsqjs 0.13's Message, as far as this file reads or sets it: `rawMessage` is
 * the message frame after its size and type (id, timestamp, attempts, body),
 * `createMessage` copies the connection's negotiated timeouts onto every
 * message, and `respond()` stops answering once `hasResponded` is set.
 */
interface NsqjsMessageInternals {
  rawMessage?: unknown;
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

/** Where the body starts in {@link nsqjsMessageFrame}: after the 8-byte timestamp, 2-byte attempts and 16-byte id. */
export const NSQJS_FRAME_BODY_START = 26;

/**
 * The frame `message` was read from (its body at {@link NSQJS_FRAME_BODY_START}),
 * or undefined when it has none (a message not made by nsqjs). nsqjs's `body`
 * is a new slice of this frame on every read: a caller that reads the body in
 * place reads this instead.
 */
export function nsqjsMessageFrame(message: Message): Buffer | undefined {
  const frame = (message as unknown as NsqjsMessageInternals).rawMessage;
  return Buffer.isBuffer(frame) && frame.length >= NSQJS_FRAME_BODY_START ? frame : undefined;
}
