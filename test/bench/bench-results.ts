/** One (workload, size, arm) cell: every repetition's figures. */
export interface CellResult {
  readonly workload: string;
  readonly size: number;
  readonly arm: string;
  /** Metric name → one value per repetition (msg/s, ms or bytes, see `units`). */
  readonly metrics: Record<string, number[]>;
  /** Event-loop delay p99 and max (ms) per repetition. */
  readonly loopDelayP99: number[];
  readonly loopDelayMax: number[];
  /** Messages per cell, or the open-loop rate for latency cells. */
  readonly parameter?: number;
  readonly errors: string[];
}

export interface BenchResults {
  readonly plan: string;
  readonly startedAt: string;
  finishedAt: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly os: string;
    loadBefore: readonly number[];
    loadAfter: readonly number[];
  };
  readonly versions: Record<string, string>;
  readonly commands: readonly string[];
  /** Free text given with --note (e.g. which library build was measured). */
  readonly note?: string;
  readonly arms: ReadonlyArray<{ readonly id: string; readonly label: string; readonly runnable: boolean; readonly note?: string }>;
  readonly units: Record<string, string>;
  readonly cells: CellResult[];
}
