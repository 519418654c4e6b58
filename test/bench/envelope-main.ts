/**
 * `npm run bench:envelope`: the cost of the envelope (WIRE.md §2), ours with
 * `envelope: false` (raw bodies) against ours with `envelope: true` (two
 * headers on every message), in one run with the arms alternated per
 * repetition. `--baseline DIR` adds a third arm: the library built from
 * another commit (DIR is its `libs/nsq-transport`, built, in a worktree
 * whose node_modules is this one's), run raw — what "off costs nothing" is
 * measured against. Publish: pipelined ×100 emits; consume: drain a pre-filled
 * channel at maxInFlight 100 (the raw arm's channel holds raw bodies, the
 * envelope arm's envelopes). Writes test/bench/results/envelope.md (and
 * .json); `--smoke` runs tiny counts into .tmp/ and asserts nothing.
 *
 *   node --expose-gc dist/bench/test/bench/envelope-main.js [--smoke] [--reps N] [--baseline DIR]
 */
import { lastValueFrom } from 'rxjs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ours from 'nestjs-transport-nsq';
import { pathToFileURL } from 'node:url';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget } from './bench-arm.interface.js';
import { payload, sizeLabel, type BenchPayload } from './bench-payloads.js';
import { summarize } from './bench-stats.js';
import { startConsumerApp, startPublisherApp } from './arms/nest-apps.js';
import { runConsume } from './workloads/consume.workload.js';
import { runPublish } from './workloads/publish.workload.js';
import { NsqdNode } from '../support/nsqd-node.js';

/** The headers every envelope-arm message carries: a trace context and a tenant, as an instrumented app would. */
const HEADERS = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tenant: 'acme' };
const SIZES = [100, 1024] as const;
const CHANNEL = 'bench';

type Library = typeof ours;

/** Ours, with or without the envelope; with it, every emit carries {@link HEADERS}. */
class OursArm implements BenchArm {
  constructor(
    private readonly envelope: boolean,
    readonly id: string,
    readonly label: string,
    private readonly lib: Library = ours,
  ) {}

  async createProducer(target: BenchTarget): Promise<BenchProducer> {
    const { ClientNsq, NsqRecordBuilder } = this.lib;
    const { app, client } = await startPublisherApp(ClientNsq, { nsqdTcpAddresses: [target.nsqdTcpAddress], closeTimeoutMs: 2_000, ...this.envelopeOption() });
    const record = (data: BenchPayload) => (this.envelope ? new NsqRecordBuilder(data).setHeaders(HEADERS).build() : data);
    return {
      publish: (topic, data, done) => client.emit(topic, record(data)).subscribe({ complete: () => done(), error: (error: Error) => done(error) }),
      close: async () => {
        await app.close();
      },
    };
  }

  async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
    const { ServerNsq, NsqEventPattern } = this.lib;
    const server = new ServerNsq({ nsqdTcpAddresses: [target.nsqdTcpAddress], channel: spec.channel, maxInFlight: spec.maxInFlight, drainTimeoutMs: 2_000, ...this.envelopeOption() });
    const app = await startConsumerApp(server, NsqEventPattern(spec.topic, { channel: spec.channel }), spec.onMessage);
    return { close: () => app.close() };
  }

  /** The baseline build predates the option: it is only passed when on. */
  private envelopeOption(): { envelope?: boolean } {
    return this.envelope ? { envelope: true } : {};
  }

  /** Fills topic/channel with `count` messages as this arm's producer writes them (MPUBs of 500). */
  async fill(target: BenchTarget, topic: string, size: number, count: number): Promise<void> {
    const { ClientNsq, NsqRecordBuilder } = this.lib;
    const client = new ClientNsq({ nsqdTcpAddresses: [target.nsqdTcpAddress], ...this.envelopeOption() });
    try {
      for (let seq = 0; seq < count; seq += 500) {
        const batch = Array.from({ length: Math.min(500, count - seq) }, (_, i) => payload(size, seq + i));
        const builder = new NsqRecordBuilder<BenchPayload>().setBatch(batch);
        if (this.envelope) builder.setHeaders(HEADERS);
        await lastValueFrom(client.emit(topic, builder.build()), { defaultValue: undefined });
      }
    } finally {
      await client.close();
    }
  }
}

interface Row {
  readonly workload: string;
  readonly size: number;
  readonly figures: Record<string, number[]>;
  /** This process's CPU time per message (µs; producer or consumer and Nest, not nsqd), per arm and repetition. */
  readonly cpu: Record<string, number[]>;
}

/** Runs `work` (returning msg/s for `count` messages) and also records this process's CPU µs per message. */
async function measured(count: number, cpu: number[], work: () => Promise<number>): Promise<number> {
  const start = process.cpuUsage();
  const rate = await work();
  const used = process.cpuUsage(start);
  cpu.push((used.user + used.system) / count);
  return rate;
}

async function main(): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1_000);
  const argv = process.argv.slice(2);
  const smoke = argv.includes('--smoke');
  const repsAt = argv.indexOf('--reps');
  const reps = repsAt >= 0 ? Number(argv[repsAt + 1]) : smoke ? 1 : 7;
  const publishCount = (size: number) => (smoke ? 200 : size >= 1024 ? 60_000 : 100_000);
  const consumeCount = smoke ? 200 : 60_000;
  const outDir = resolve(smoke ? '.tmp/bench-smoke' : 'test/bench/results');
  const baselineAt = argv.indexOf('--baseline');
  // --baseline-envelope: the baseline arm runs with the envelope on (an A/B of two envelope builds).
  const baselineEnvelope = argv.includes('--baseline-envelope');
  const arms = [new OursArm(false, 'raw', 'ours, envelope: false (raw body)'), new OursArm(true, 'envelope', 'ours, envelope: true (2 headers)')];
  if (baselineAt >= 0) {
    const dir = resolve(argv[baselineAt + 1]!);
    const lib = (await import(pathToFileURL(join(dir, 'dist/esm/index.js')).href)) as Library;
    const label = argv.indexOf('--baseline-label') >= 0 ? argv[argv.indexOf('--baseline-label') + 1]! : dir;
    arms.push(new OursArm(baselineEnvelope, 'baseline', `baseline build (${label}), ${baselineEnvelope ? 'envelope: true (2 headers)' : 'raw'}`, lib));
  }
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath: await mkdtemp(join(tmpdir(), 'nsq-bench-envelope-')), args: ['--mem-queue-size=1000000', '--log-level=warn'] });
  const target: BenchTarget = { nsqdTcpAddress: nsqd.tcpAddress };
  const loadBefore = loadavg();
  const startedAt = new Date().toISOString();
  let seq = 0;
  const topic = () => `bench-envelope-${process.pid}-${++seq}`;
  const rows: Row[] = [];
  const log = (line: string) => process.stderr.write(`[bench:envelope ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  try {
    // Warm-up, not recorded.
    for (const arm of arms) {
      const producer = await arm.createProducer(target);
      await runPublish(producer, topic(), 1024, smoke ? 50 : 5_000, { kind: 'pipelined', window: 100 });
      await producer.close();
    }
    for (const size of SIZES) {
      for (const workload of ['publish.pipelined-100', 'consume.mif-100'] as const) {
        const row: Row = { workload, size, figures: Object.fromEntries(arms.map((a) => [a.id, []])), cpu: Object.fromEntries(arms.map((a) => [a.id, []])) };
        log(`${workload} ${sizeLabel(size)}`);
        for (let rep = 0; rep < reps; rep++) {
          // Rotate which arm goes first.
          for (const arm of arms.map((_, i) => arms[(i + rep) % arms.length]!)) {
            const t = topic();
            if (workload === 'publish.pipelined-100') {
              const producer = await arm.createProducer(target);
              try {
                const count = publishCount(size);
                row.figures[arm.id]!.push(await measured(count, row.cpu[arm.id]!, () => runPublish(producer, t, size, count, { kind: 'pipelined', window: 100 })));
              } finally {
                await producer.close();
              }
            } else {
              await nsqd.createTopic(t);
              await nsqd.createChannel(t, CHANNEL);
              await arm.fill(target, t, size, consumeCount);
              row.figures[arm.id]!.push(await measured(consumeCount, row.cpu[arm.id]!, () => runConsume(arm, target, t, CHANNEL, consumeCount, 100)));
            }
            await nsqd.deleteTopic(t);
          }
        }
        rows.push(row);
      }
    }
  } finally {
    await nsqd.stop();
    clearInterval(keepAlive);
  }
  const k = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(n >= 100_000 ? 0 : 1)}k` : n.toFixed(0));
  const cell = (values: number[]) => {
    const s = summarize(values);
    return `${k(s.median)} <sub>${k(s.min)}–${k(s.max)}</sub>`;
  };
  /** Median (min–max) of per-repetition ratios a/b. */
  const ratio = (a: number[], b: number[]) => {
    const s = summarize(a.map((x, i) => x / b[i]!));
    return `**${s.median.toFixed(2)}×** <sub>${s.min.toFixed(2)}–${s.max.toFixed(2)}</sub>`;
  };
  const baseline = arms.some((a) => a.id === 'baseline');
  const us = (values: number[]) => {
    const s = summarize(values);
    return `${s.median.toFixed(2)} <sub>${s.min.toFixed(2)}–${s.max.toFixed(2)}</sub>`;
  };
  const versus = baselineEnvelope ? 'envelope / baseline' : 'raw / baseline';
  const lines = [
    '## Envelope on and off (`npm run bench:envelope`)',
    '',
    `${startedAt} → ${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load ${loadBefore.map((l) => l.toFixed(2)).join(' / ')} before, ${loadavg().map((l) => l.toFixed(2)).join(' / ')} after; ${reps} repetition(s), arms alternated.`,
    'Raw = `envelope: false` (the default: bodies are the JSON alone); envelope = `envelope: true` with two headers (`traceparent`, `tenant`) on every message, opened by the server.',
    ...(baseline
      ? ['', `Baseline = ${arms.find((a) => a.id === 'baseline')!.label}${baselineEnvelope ? '' : ': the library before the envelope existed'}.`, '']
      : ['']),
    `| Workload | Size | raw (msg/s) | envelope (msg/s) |${baseline ? ' baseline (msg/s) |' : ''} envelope / raw |${baseline ? ` ${versus} |` : ''}`,
    `|---|---|---|---|---|${baseline ? '---|---|' : ''}`,
    ...rows.map((r) => {
      const f = r.figures;
      const base = baseline ? ` ${cell(f.baseline!)} |` : '';
      const offCost = baseline ? ` ${ratio(baselineEnvelope ? f.envelope! : f.raw!, f.baseline!)} |` : '';
      return `| ${r.workload} | ${sizeLabel(r.size)} | ${cell(f.raw!)} | ${cell(f.envelope!)} |${base} ${ratio(f.envelope!, f.raw!)} |${offCost}`;
    }),
    '',
    'Ratios are medians of per-repetition ratios (min–max in small type).',
    '',
    `This process's CPU time per message, µs (client or server and Nest in this process; nsqd not counted):`,
    '',
    `| Workload | Size | raw | envelope |${baseline ? ' baseline |' : ''} envelope − raw |${baseline ? ` ${baselineEnvelope ? 'baseline − raw' : ''} |` : ''}`,
    `|---|---|---|---|---|${baseline ? '---|---|' : ''}`,
    ...rows.map((r) => {
      const c = r.cpu;
      const extra = (a: number[], b: number[]) => us(a.map((x, i) => x - b[i]!));
      const base = baseline ? ` ${us(c.baseline!)} |` : '';
      const baseExtra = baseline ? ` ${baselineEnvelope ? extra(c.baseline!, c.raw!) : ''} |` : '';
      return `| ${r.workload} | ${sizeLabel(r.size)} | ${us(c.raw!)} | ${us(c.envelope!)} |${base} ${extra(c.envelope!, c.raw!)} |${baseExtra}`;
    }),
    '',
  ];
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'envelope.md'), lines.join('\n'));
  await writeFile(join(outDir, 'envelope.json'), JSON.stringify({ startedAt, reps, rows }, null, 2));
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
