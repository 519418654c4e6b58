import { HttpException, HttpStatus } from '@nestjs/common';
import { NsqDecodeError } from '../errors/nsq-decode.error.js';
import { NsqPoisonMessageError } from '../errors/nsq-poison-message.error.js';
import type { NsqDeadLetterInfo } from '../events/nsq.events.js';

export type NsqDeadLetterReason = NsqDeadLetterInfo['reason'];

/** What to do with a delivery. `detail` is log-safe: never any byte of the body. */
export type NsqSettlementAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'finish' }
  | { readonly kind: 'requeue'; readonly delayMs: number; readonly backoff: boolean; readonly detail?: string }
  | { readonly kind: 'dead-letter'; readonly reason: NsqDeadLetterReason; readonly detail?: string };

export interface NsqSettlementPolicy {
  /** 0 = never give up. */
  readonly maxAttempts: number;
  readonly requeueDelayMs: (attempts: number) => number;
  /** Requeue failures with channel-wide backoff (RDY 0, then probes) instead of delaying only the failed message. */
  readonly backoff: boolean;
}

/** How handling a delivery ended, as the policy needs to know it. */
export interface NsqHandlingOutcome {
  /** The decoder or a handler failed (with `error`, which may be anything a handler throws). */
  readonly failed: boolean;
  readonly error?: unknown;
  /** The handler settled the delivery itself through its context. */
  readonly alreadySettled: boolean;
  readonly attempts: number;
  /** `ctx.reject(reason)` was called. */
  readonly rejected?: string;
}

/** HTTP statuses Nest's validation raises: the payload is wrong, so no retry can succeed. */
const POISON_STATUSES: ReadonlySet<number> = new Set([HttpStatus.BAD_REQUEST, HttpStatus.UNPROCESSABLE_ENTITY]);
/** Longest detail put in a log line or a dead-letter event. */
const MAX_DETAIL = 1_000;

const NONE: NsqSettlementAction = { kind: 'none' };
const FINISH: NsqSettlementAction = { kind: 'finish' };

/**
 * Before the handler runs: a message already delivered more than
 * `maxAttempts` times (timeouts count too) is given up on without running it.
 */
export function decideOnArrival(attempts: number, policy: NsqSettlementPolicy): NsqSettlementAction | undefined {
  return policy.maxAttempts > 0 && attempts > policy.maxAttempts ? { kind: 'dead-letter', reason: 'max-attempts' } : undefined;
}

/**
 * After the handlers ran. The one place FIN/REQ/dead-letter is decided:
 * - settled by the handler through the context → nothing more;
 * - poison (`ctx.reject()`, an undecodable body, {@link NsqPoisonMessageError},
 *   a 400/422 `HttpException` such as a ValidationPipe's) → dead-letter at once;
 * - success → FIN;
 * - failure on the last allowed attempt → dead-letter;
 * - failure before that → REQ after the policy's delay: only this message
 *   waits, unless `backoff` asks for channel-wide backoff.
 */
export function decideAfterHandling(outcome: NsqHandlingOutcome, policy: NsqSettlementPolicy): NsqSettlementAction {
  if (outcome.alreadySettled) return NONE;
  if (outcome.rejected !== undefined) return { kind: 'dead-letter', reason: 'rejected', detail: clip(outcome.rejected) };
  if (!outcome.failed) return FINISH;
  const poison = poisonOf(outcome.error);
  if (poison) return { kind: 'dead-letter', ...poison };
  const detail = describeFailure(outcome.error);
  if (policy.maxAttempts > 0 && outcome.attempts >= policy.maxAttempts) return { kind: 'dead-letter', reason: 'max-attempts', detail };
  const delayMs = policy.requeueDelayMs(outcome.attempts);
  // A user-supplied delay function may return anything; never let NaN reach the wire.
  return { kind: 'requeue', delayMs: Number.isFinite(delayMs) ? Math.max(0, delayMs) : 0, backoff: policy.backoff, detail };
}

/** Why `error` marks the message as poison (no retry can fix it), or undefined if a retry might. */
export function poisonOf(error: unknown): { readonly reason: NsqDeadLetterReason; readonly detail: string } | undefined {
  if (error instanceof NsqDecodeError) return { reason: 'undecodable', detail: clip(error.message) };
  if (error instanceof NsqPoisonMessageError) return { reason: 'rejected', detail: clip(error.message) };
  if (error instanceof HttpException && POISON_STATUSES.has(error.getStatus())) return { reason: 'rejected', detail: describeFailure(error) };
  return undefined;
}

/**
 * A one-line description of what a handler threw, for logs. An HttpException
 * contributes its response's messages (a ValidationPipe's field errors);
 * Nest's RPC filter shape `{ status, message }` its message.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const messages = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
    const text = Array.isArray(messages) ? messages.map(String).join('; ') : typeof messages === 'string' ? messages : error.message;
    return clip(`${error.name}: ${text}`);
  }
  if (error instanceof Error) return clip(`${error.name}: ${error.message}`);
  if (error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return clip((error as { message: string }).message);
  return clip(String(error));
}

function clip(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ');
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL)}…` : line;
}
