/**
 * Diagnostic: what turning nsqd's output buffering off (`outputBufferSize: -1`,
 * IDENTIFY output_buffer_size -1: nsqd writes each message at once) costs a
 * consumer in throughput. Drains a pre-filled channel (the consume workload:
 * messages per second between the 1st and 99th percentile of deliveries) at
 * maxInFlight 100 and 1000 with nsqd's default buffering (16 KiB / 250 ms) and
 * with it off, for ours and raw nsqjs; the four configurations of one size and
 * mif run back to back in rotated order each repetition, so every off/default
 * ratio compares figures taken side by side. Prints a Markdown table (and
 * writes it to `--out FILE` when given); asserts nothing.
 *
 *   node dist/bench/test/bench/output-buffer-main.js [--reps N] [--sizes 100,1024] [--arms ours,raw] [--out FILE]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchArm, BenchTarget } from './bench-arm.interface.js';
import { BenchFiller } from './bench-filler.js';
import { sizeLabel } from './bench-payloads.js';
import { FULL_PLAN } from './bench-plan.js';
import { summarize } from './bench-stats.js';
import { NestNsqArm } from './arms/nest-nsq.arm.js';
import { RawNsqjsTunedArm } from './arms/raw-nsqjs-tuned.arm.js';
import { RawNsqjsArm } from './arms/raw-nsqjs.arm.js';
import { runConsumeMeasured, type ConsumeOutputBuffer } from './workloads/consume.workload.js';
import { NsqdNode } from '../support/nsqd-node.js';

const CHANNEL = 'bench';
const MAX_IN_FLIGHT = [100, 1000] as const;
const BUFFERING: ReadonlyArray<{ readonly id: 'default' | 'off'; readonly output: ConsumeOutputBuffer }> = [
  { id: 'default', output: {} },
  { id: 'off', output: { outputBufferSize: -1 } },
];

interface Figures {
  rate: number[];
  cpu: number[];
}

async function main(): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1_000);
  const argv = process.argv.slice(2);
  const value = (flag: string) => (argv.indexOf(flag) >= 0 ? argv[argv.indexOf(flag) + 1] : undefined);
  const reps = Number(value('--reps') ?? 5);
  const sizes = (value('--sizes') ?? '100,1024').split(',').map(Number);
  const wanted = new Set((value('--arms') ?? 'ours,raw').split(','));
  const arms: BenchArm[] = [new NestNsqArm(), new RawNsqjsArm(), new RawNsqjsTunedArm()].filter((a) => wanted.has(a.id));
  const log = (line: string) => process.stderr.write(`[bench:output-buffer ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const dataPath = await mkdtemp(join(tmpdir(), 'nsq-bench-obs-'));
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath, args: ['--mem-queue-size=10000000', '--log-level=warn'] });
  const target: BenchTarget = { nsqdTcpAddress: nsqd.tcpAddress };
  const filler = await BenchFiller.connect(nsqd.tcpAddress);
  const loadBefore = loadavg();
  const startedAt = new Date().toISOString();
  let seq = 0;
  const topic = () => `bench-obs-${process.pid}-${++seq}`;
  const figures = new Map<string, Figures>();
  const at = (arm: string, buffering: string, mif: number, size: number) => {
    const key = `${arm}/${buffering}/${mif}/${size}`;
    if (!figures.has(key)) figures.set(key, { rate: [], cpu: [] });
    return figures.get(key)!;
  };
  const drain = async (arm: BenchArm, size: number, count: number, mif: number, output: ConsumeOutputBuffer) => {
    const t = topic();
    await nsqd.createTopic(t);
    await nsqd.createChannel(t, CHANNEL);
    await filler.fill(t, size, count);
    try {
      return await runConsumeMeasured(arm, target, t, CHANNEL, count, mif, output);
    } finally {
      await nsqd.deleteTopic(t);
    }
  };
  try {
    // Warm-up, not recorded.
    for (const arm of arms) for (const { output } of BUFFERING) await drain(arm, 1024, 3_000, 100, output);
    const configs = arms.flatMap((arm) => BUFFERING.map((b) => ({ arm, ...b })));
    for (const size of sizes) {
      for (const mif of MAX_IN_FLIGHT) {
        const count = FULL_PLAN.consumeCount(mif, size);
        log(`consume mif ${mif} ${sizeLabel(size)} × ${count}`);
        for (let rep = 0; rep < reps; rep++) {
          for (const { arm, id, output } of configs.map((_, i) => configs[(i + rep) % configs.length]!)) {
            const m = await drain(arm, size, count, mif, output);
            at(arm.id, id, mif, size).rate.push(m.rate);
            at(arm.id, id, mif, size).cpu.push(m.cpuMicrosPerMessage);
          }
        }
      }
    }
  } finally {
    filler.close();
    await nsqd.stop();
    await rm(dataPath, { recursive: true, force: true });
    clearInterval(keepAlive);
  }
  const k = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(n >= 100_000 ? 0 : 1)}k` : n.toFixed(0));
  const spread = (values: number[], fmt: (n: number) => string) => {
    const s = summarize(values);
    return `${fmt(s.median)} <sub>${fmt(s.min)}–${fmt(s.max)}</sub>`;
  };
  const ratio = (a: number[], b: number[]) => spread(a.map((x, i) => x / b[i]!), (n) => `${n.toFixed(2)}×`);
  const lines = [
    '## Consume with nsqd output buffering off (`outputBufferSize: -1`) vs nsqd default (16 KiB / 250 ms)',
    '',
    `${startedAt} → ${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load ${loadBefore.map((l) => l.toFixed(2)).join(' / ')} before, ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')} after; ${reps} repetition(s), configurations rotated per repetition. Drain of a pre-filled channel; msg/s between the 1st and 99th percentile of deliveries; CPU = this process (the consumer), µs per message.`,
    '',
    '| Arm | mif | Size | default (msg/s) | off (msg/s) | off / default | CPU µs/msg default | CPU µs/msg off |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const arm of arms) {
    for (const mif of MAX_IN_FLIGHT) {
      for (const size of sizes) {
        const d = at(arm.id, 'default', mif, size);
        const o = at(arm.id, 'off', mif, size);
        lines.push(`| ${arm.label} | ${mif} | ${sizeLabel(size)} | ${spread(d.rate, k)} | ${spread(o.rate, k)} | **${ratio(o.rate, d.rate)}** | ${spread(d.cpu, (n) => n.toFixed(1))} | ${spread(o.cpu, (n) => n.toFixed(1))} |`);
      }
    }
  }
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(text);
  const out = value('--out');
  if (out) await writeFile(out, text);
}

main().then(
  () => setTimeout(() => process.exit(process.exitCode ?? 0), 100).unref(),
  (error: unknown) => {
    process.stderr.write(`FATAL ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
