import type { BenchArm, BenchTarget } from '../bench-arm.interface.js';
import { until } from '../bench-cell.js';

/** Heap and off-heap (Buffers) bytes after two full collections. */
function retained(): { heap: number; external: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory workload needs node --expose-gc');
  gc();
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, external: usage.external };
}

/** Per held message: total, and the JS heap and Buffer parts of it. */
export interface MemoryResult {
  readonly bytesPerMessage: number;
  readonly heapBytesPerMessage: number;
  readonly bufferBytesPerMessage: number;
}

/**
 * Bytes the process retains per message held in flight: the consumer
 * (maxInFlight = `count`) has `count` handlers running at once, each keeping
 * its decoded payload and waiting on a promise the workload resolves at the
 * end; heap + external (Buffers) after two full collections, minus the same
 * for the idle subscribed consumer, divided by `count`.
 *
 * It counts everything a message in flight keeps alive, whoever allocated it:
 * the client library's message and its body, the transport's per-message
 * state (delivery, context, in-flight registry entry, callbacks), and for the
 * Nest arms Nest's handler pipeline (the promises and the suspended async
 * frame of `RpcProxy` / `RpcContextCreator` / `InterceptorsConsumer`, about
 * 1.1 KB per message for any Nest transport). `memory-profile.ts` breaks the
 * figure down by object kind from heap snapshots, and measures Nest's share
 * alone (`nest-floor`).
 */
export async function runMemory(
  arm: BenchArm,
  target: BenchTarget,
  topic: string,
  channel: string,
  count: number,
  fill: () => Promise<void>,
): Promise<MemoryResult> {
  // Each held message keeps its decoded payload alive, as a real handler that
  // is still working on it does (otherwise raw nsqjs would not count it).
  const held: Array<{ payload: unknown; release: () => void }> = [];
  const consumer = await arm.createConsumer(target, {
    topic,
    channel,
    maxInFlight: count,
    onMessage: (payload) => new Promise<void>((release) => held.push({ payload, release })),
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const idle = retained();
    await fill();
    await until(() => held.length >= count, 60_000, `${arm.id} holding ${count} messages`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const loaded = retained();
    const heap = (loaded.heap - idle.heap) / count;
    const buffers = (loaded.external - idle.external) / count;
    return { bytesPerMessage: heap + buffers, heapBytesPerMessage: heap, bufferBytesPerMessage: buffers };
  } finally {
    for (const entry of held) entry.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await consumer.close();
  }
}
