import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delay while a cell ran, in ms. */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Sampling interval of the event-loop delay monitor, in ms. */
const RESOLUTION_MS = 1;

/**
 * Runs `body` while sampling event-loop delay (perf_hooks monitorEventLoopDelay,
 * 1 ms resolution). The histogram records the whole interval between samples,
 * so the resolution is subtracted: the figures are time lost beyond schedule.
 */
export async function withLoopDelay<T>(body: () => Promise<T>): Promise<{ value: T; loopDelay: LoopDelay }> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const late = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  try {
    const value = await body();
    histogram.disable();
    return { value, loopDelay: { p50: late(histogram.percentile(50)), p99: late(histogram.percentile(99)), max: late(histogram.max) } };
  } finally {
    histogram.disable();
  }
}

/** Resolves once `condition()` holds (polled every `everyMs`), rejects after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string, everyMs = 2): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
