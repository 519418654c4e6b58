import { PAYLOAD_SIZES } from './bench-payloads.js';
import type { PublishMode } from './workloads/publish.workload.js';

/** Message counts and repetitions of one run. */
export interface BenchPlan {
  readonly name: 'full' | 'smoke';
  readonly repetitions: number;
  readonly sizes: readonly number[];
  readonly publishModes: readonly PublishMode[];
  /** Messages per publish cell, by mode kind and size. */
  publishCount(mode: PublishMode, size: number): number;
  readonly consumeMaxInFlight: readonly number[];
  consumeCount(maxInFlight: number, size: number): number;
  /** Emit → handler: messages per cell, and how many may be between emit and handler. */
  e2eCount(size: number): number;
  readonly e2eWindow: number;
  /** Latency scenarios to run (keys as in bench-main.ts); undefined = all. */
  readonly latencyScenarios?: ReadonlySet<string>;
  /** Sizes of the memory workload; undefined = `sizes`. */
  readonly memorySizes?: readonly number[];
  /** Open-loop duration of one latency cell. */
  readonly latencyDurationMs: number;
  /** Messages held in flight by the memory workload. */
  readonly memoryInFlight: number;
  /** bench_writer / bench_reader run time. */
  readonly ceilingSeconds: number;
}

const PUBLISH_MODES: readonly PublishMode[] = [{ kind: 'serial' }, { kind: 'pipelined', window: 100 }, { kind: 'pipelined', window: 1000 }, { kind: 'batched', batchSize: 100 }];

/**
 * Per-cell message counts: at least ~0.1 s for the fastest arm (ours, pipelined
 * 100 B, about 1 M msg/s) and a few seconds for the slowest, on a 2-core machine.
 */
function fullPublishCount(mode: PublishMode, size: number): number {
  const big = size >= 65_536;
  if (mode.kind === 'serial') return big ? 1_500 : 8_000;
  return big ? 3_000 : size >= 1024 ? 60_000 : 100_000;
}

function fullConsumeCount(maxInFlight: number, size: number): number {
  const big = size >= 65_536;
  if (maxInFlight === 1) return big ? 1_500 : 5_000;
  return big ? 3_000 : 60_000;
}

function fullE2eCount(size: number): number {
  return size >= 65_536 ? 3_000 : 40_000;
}

export const FULL_PLAN: BenchPlan = {
  name: 'full',
  repetitions: 5,
  sizes: PAYLOAD_SIZES,
  publishModes: PUBLISH_MODES,
  publishCount: fullPublishCount,
  consumeMaxInFlight: [1, 100, 1000],
  consumeCount: fullConsumeCount,
  e2eCount: fullE2eCount,
  e2eWindow: 1000,
  latencyDurationMs: 1_000,
  memoryInFlight: 1_000,
  ceilingSeconds: 2,
};

/** CI: every arm and workload once with tiny counts, to keep the harness working (no timing asserted). */
export const SMOKE_PLAN: BenchPlan = {
  name: 'smoke',
  repetitions: 1,
  sizes: PAYLOAD_SIZES,
  publishModes: PUBLISH_MODES,
  publishCount: (mode, size) => Math.max(20, Math.round(fullPublishCount(mode, size) / 100)),
  consumeMaxInFlight: [1, 100, 1000],
  consumeCount: (maxInFlight, size) => Math.max(20, Math.round(fullConsumeCount(maxInFlight, size) / 100)),
  e2eCount: (size) => Math.max(20, Math.round(fullE2eCount(size) / 100)),
  e2eWindow: 1000,
  // Under a minute: two fixed-rate scenarios (the second passes outputBufferSize -1 through every NSQ arm) and one derived from the throughput cells; memory at one size.
  latencyScenarios: new Set(['latency.1000ps.mif-1.obt-default', 'latency.1000ps.mif-100.ob-off', 'latency.half-max.mif-100.obt-25']),
  memorySizes: [1024],
  latencyDurationMs: 100,
  memoryInFlight: 50,
  ceilingSeconds: 0.2,
};
