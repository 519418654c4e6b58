/** What to do with a delivery. */
export type NsqSettlementAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'finish' }
  | { readonly kind: 'requeue'; readonly delayMs: number; readonly backoff: boolean }
  | { readonly kind: 'dead-letter'; readonly reason: 'max-attempts' | 'undecodable' | 'rejected' };

export interface NsqSettlementPolicy {
  /** 0 = never give up. */
  readonly maxAttempts: number;
  readonly requeueDelayMs: (attempts: number) => number;
  readonly backoff: boolean;
}

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
 * After the handlers ran. The one place FIN/REQ is decided:
 * - settled by the handler through the context → nothing more;
 * - rejected as poison by the handler → give up at once (dead-letter);
 * - success → FIN;
 * - failure on the last allowed attempt → give up (dead-letter);
 * - failure before that → REQ after the policy's delay.
 */
export function decideAfterHandling(
  outcome: { readonly ok: boolean; readonly alreadySettled: boolean; readonly attempts: number; readonly rejected?: boolean },
  policy: NsqSettlementPolicy,
): NsqSettlementAction {
  if (outcome.alreadySettled) return NONE;
  if (outcome.rejected) return { kind: 'dead-letter', reason: 'rejected' };
  if (outcome.ok) return FINISH;
  if (policy.maxAttempts > 0 && outcome.attempts >= policy.maxAttempts) return { kind: 'dead-letter', reason: 'max-attempts' };
  const delayMs = policy.requeueDelayMs(outcome.attempts);
  // A user-supplied delay function may return anything; never let NaN reach the wire.
  return { kind: 'requeue', delayMs: Number.isFinite(delayMs) ? Math.max(0, delayMs) : 0, backoff: policy.backoff };
}
