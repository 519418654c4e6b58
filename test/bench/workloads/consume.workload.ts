import { performance } from 'node:perf_hooks';
import type { BenchArm, BenchConsumerSpec, BenchTarget } from '../bench-arm.interface.js';
import { until } from '../bench-cell.js';

/**
 * Drains `count` messages already waiting in topic/channel with the arm's
 * consumer at `maxInFlight`; returns messages per second between the 1st and
 * the 99th percentile of deliveries. That leaves out connection and Nest boot
 * at the start, and at the end nsqd's output buffer: with maxInFlight > 1 the
 * last partial 16 KiB buffer waits for nsqd's flush tick (250 ms by default),
 * which would otherwise count as consumer time.
 */
export async function runConsume(arm: BenchArm, target: BenchTarget, topic: string, channel: string, count: number, maxInFlight: number, output: ConsumeOutputBuffer = {}): Promise<number> {
  return (await runConsumeMeasured(arm, target, topic, channel, count, maxInFlight, output)).rate;
}

/** nsqd's output buffering asked for by the consumer (undefined fields: nsqd's defaults, 16 KiB / 250 ms). */
export type ConsumeOutputBuffer = Pick<BenchConsumerSpec, 'outputBufferSize' | 'outputBufferTimeoutMs'>;

/** What {@link runConsumeMeasured} measures between the 1st and the 99th percentile of deliveries. */
export interface ConsumeMeasurement {
  /** Messages per second. */
  readonly rate: number;
  /** This process's CPU time (user + system) per message, in µs: the whole process, so the arm's own work (nsqd runs apart). */
  readonly cpuMicrosPerMessage: number;
}

/** {@link runConsume}, with the process's CPU time per message over the same window. */
export async function runConsumeMeasured(
  arm: BenchArm,
  target: BenchTarget,
  topic: string,
  channel: string,
  count: number,
  maxInFlight: number,
  output: ConsumeOutputBuffer = {},
): Promise<ConsumeMeasurement> {
  let received = 0;
  let first = 0;
  let last = 0;
  let cpuFirst: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  const from = Math.floor(count * 0.01);
  const to = Math.max(from + 1, Math.ceil(count * 0.99) - 1);
  const consumer = await arm.createConsumer(target, {
    topic,
    channel,
    maxInFlight,
    ...output,
    onMessage: () => {
      if (received === from) {
        first = performance.now();
        cpuFirst = process.cpuUsage();
      } else if (received === to) {
        last = performance.now();
        cpu = process.cpuUsage(cpuFirst);
      }
      received++;
    },
  });
  try {
    await until(() => received >= count, 120_000, `${arm.id} consuming ${count} messages at maxInFlight ${maxInFlight}`);
  } finally {
    await consumer.close();
  }
  return { rate: ((to - from) * 1000) / (last - first), cpuMicrosPerMessage: cpu ? (cpu.user + cpu.system) / (to - from) : Number.NaN };
}
