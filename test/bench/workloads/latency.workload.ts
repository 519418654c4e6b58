import { performance } from 'node:perf_hooks';
import type { BenchArm, BenchTarget } from '../bench-arm.interface.js';
import { until } from '../bench-cell.js';
import { payload } from '../bench-payloads.js';
import { percentile } from '../bench-stats.js';

export interface LatencySpec {
  readonly rate: number;
  readonly durationMs: number;
  readonly maxInFlight: number;
  readonly outputBufferTimeoutMs?: number;
  /** -1 = nsqd's output buffering off (each message written at once); undefined = nsqd's default. */
  readonly outputBufferSize?: number;
}

/**
 * Latency percentiles, in ms: `p*` and `max` from each message's scheduled
 * send time to its handler (open loop), `emitP*` from the moment the arm's
 * publish was called to its handler (the transport's own part: without the
 * lateness of Node's 1 ms timers, which every arm shares).
 */
export interface LatencyResult {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly emitP50: number;
  readonly emitP99: number;
  readonly emitP999: number;
  readonly samples: number;
}

/**
 * Open loop: messages leave on a fixed schedule whatever the consumer does,
 * and each one's latency runs from its scheduled send time to its handler
 * (so a stalled publisher counts against the arm instead of hiding). The
 * time each publish was called is kept too, for the emit → handler figure:
 * a timer tick sends late by up to a millisecond (Node's timer resolution),
 * the same for every arm, and that lateness dominates the scheduled
 * figure's p50 at 1,000/s.
 */
export async function runLatency(arm: BenchArm, target: BenchTarget, topic: string, channel: string, size: number, spec: LatencySpec): Promise<LatencyResult> {
  const total = Math.max(1, Math.round((spec.rate * spec.durationMs) / 1000));
  const latencies = new Float64Array(total);
  const emitLatencies = new Float64Array(total);
  const emittedAt = new Float64Array(total);
  let received = 0;
  const consumer = await arm.createConsumer(target, {
    topic,
    channel,
    maxInFlight: spec.maxInFlight,
    ...(spec.outputBufferTimeoutMs !== undefined ? { outputBufferTimeoutMs: spec.outputBufferTimeoutMs } : {}),
    ...(spec.outputBufferSize !== undefined ? { outputBufferSize: spec.outputBufferSize } : {}),
    onMessage: (message) => {
      const index = message.seq;
      if (index >= 0 && index < total && latencies[index] === 0) {
        const now = performance.now();
        latencies[index] = now - message.t;
        emitLatencies[index] = now - emittedAt[index]!;
        received++;
      }
    },
  });
  const producer = await arm.createProducer(target, topic);
  let failure: Error | undefined;
  try {
    const interval = 1000 / spec.rate;
    const start = performance.now() + 5;
    let sent = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
        while (sent < due) {
          const seq = sent++;
          const message = payload(size, seq, start + seq * interval);
          emittedAt[seq] = performance.now();
          producer.publish(topic, message, (error) => {
            if (error) failure ??= error;
          });
        }
        if (sent >= total) resolve();
        else setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - performance.now())));
      };
      setTimeout(tick, 5);
    });
    await until(() => received >= total || failure !== undefined, spec.durationMs + 15_000, `${arm.id} latency: receiving ${total} messages`);
    if (failure) throw failure;
  } finally {
    await producer.close();
    await consumer.close();
  }
  const sorted = latencies.slice().sort();
  const emitSorted = emitLatencies.slice().sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1]!,
    emitP50: percentile(emitSorted, 50),
    emitP99: percentile(emitSorted, 99),
    emitP999: percentile(emitSorted, 99.9),
    samples: total,
  };
}
