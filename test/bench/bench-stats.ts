/** Median with the spread of the repetitions it summarises. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
}

export function summarize(values: readonly number[]): Summary {
  const runs = values.filter((v) => Number.isFinite(v));
  if (runs.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: [] };
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs };
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  const n = sortedAscending.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  return sortedAscending[rank]!;
}
