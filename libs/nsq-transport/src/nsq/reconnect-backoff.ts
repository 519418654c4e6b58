/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from `minMs`
 * to `maxMs` (never more), spread ±`jitter` so a fleet of clients does not reconnect to a
 * restarted nsqd in lockstep.
 */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number, jitter = 0.3, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  const spread = base * jitter * (random() * 2 - 1);
  // Capped after the jitter so `maxMs` really is the longest wait.
  return Math.min(maxMs, Math.max(0, Math.round(base + spread)));
}
