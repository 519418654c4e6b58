/**
 * `npm run bench:tracing`: what OpenTelemetry tracing and metrics cost (issue 13). Self-contained:
 * its own nsqd, one Nest microservice (ServerNsq) and one ClientNsq in this process, both in
 * envelope mode, 1 KiB JSON messages. Four arms, interleaved round by round so all see the same
 * machine: `off` (the default), `on` (tracing and metrics on both sides, into a real SDK: a
 * TracerProvider with a BatchSpanProcessor whose exporter drops the spans, a MeterProvider whose
 * reader never exports), `sampled` (the same, 10 % of traces recorded) and `metrics` (metrics alone). Each round emits `count`
 * messages twice: paced at `rate` msg/s (CPU per message: the cost) and flat out, `window`
 * unacknowledged at a time (throughput). Writes test/bench/results/tracing.md. No figure is asserted.
 *
 *   node dist/bench/test/bench/workloads/tracing.workload.js [--count N] [--rounds N] [--rate N] [--window N] [--arms off,on,sampled,metrics] [--out FILE]
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { ClientNsq, ServerNsq, type ClientNsqOptions, type ServerNsqOptions } from 'nestjs-transport-nsq';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NsqdNode } from '../../support/nsqd-node.js';
import { payload } from '../bench-payloads.js';

const SIZE = 1024;
const CHANNEL = 'bench';

interface Args {
  readonly count: number;
  readonly rounds: number;
  readonly window: number;
  /** Offered load of the paced rounds, messages per second. */
  readonly rate: number;
  readonly out: string;
  /** Arms to run (all by default). */
  readonly arms: readonly Arm[];
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  return {
    count: Number(value('count') ?? 6_000),
    rounds: Number(value('rounds') ?? 5),
    window: Number(value('window') ?? 200),
    rate: Number(value('rate') ?? 2_000),
    out: resolve(value('out') ?? 'test/bench/results/tracing.md'),
    arms: (value('arms')?.split(',') as Arm[] | undefined) ?? ARMS,
  };
}

/** Spans go through the SDK's batch processor and are then dropped: the cost of making them, not of shipping them. */
class DroppingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: ExportResultCode }) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A reader that never exports: the instruments aggregate as they would under a Prometheus scrape. */
class IdleReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

type Arm = 'off' | 'on' | 'sampled' | 'metrics';
const ARMS: readonly Arm[] = ['off', 'on', 'sampled', 'metrics'];

interface Otel {
  readonly tracerProvider: TracerProvider;
  /** Keeps 10 % of traces (ParentBased(TraceIdRatio 0.1)), as production setups usually do. */
  readonly sampledTracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
}

/** What one round measured. */
interface RoundFigures {
  /** Messages per second, first emit to last handler run (wall clock). */
  readonly rate: number;
  /** This process's CPU time (user + system) per message, µs: client and server both run here, nsqd does not. */
  readonly cpuPerMessageUs: number;
}

/** One round: a fresh topic, server and client; emits `count` messages and times until the last one is handled. */
async function round(nsqd: NsqdNode, arm: Arm, index: number, args: Args, otel: Otel, paced: boolean): Promise<RoundFigures> {
  const topic = `bench.tracing.${arm}.${paced ? 'paced' : 'max'}.${index}`;
  await nsqd.createTopic(topic);
  await nsqd.createChannel(topic, CHANNEL);
  let handled = 0;
  let allHandled!: () => void;
  const done = new Promise<void>((resolveDone) => (allHandled = resolveDone));

  @Controller()
  class BenchController {
    @EventPattern(topic, { channel: CHANNEL })
    handle(_event: unknown): void {
      handled += 1;
      if (handled === args.count) allHandled();
    }
  }
  @Module({ controllers: [BenchController] })
  class BenchModule {}

  const tracerProvider = arm === 'sampled' ? otel.sampledTracerProvider : otel.tracerProvider;
  const observability = arm === 'off' ? {} : arm === 'metrics' ? { metrics: { meterProvider: otel.meterProvider } } : { tracing: { tracerProvider }, metrics: { meterProvider: otel.meterProvider } };
  const serverOptions: ServerNsqOptions = { nsqdTcpAddresses: [nsqd.tcpAddress], envelope: true, maxInFlight: args.window, ...observability };
  const clientOptions: ClientNsqOptions = { nsqdTcpAddresses: [nsqd.tcpAddress], envelope: true, ...observability };
  const app = await NestFactory.createMicroservice(BenchModule, { strategy: new ServerNsq(serverOptions), logger: false });
  await app.listen();
  const client = new ClientNsq(clientOptions);
  await client.connect();
  try {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await (paced ? pacedEmits(client, topic, args.count, args.rate) : pipelined(client, topic, args.count, args.window));
    await done;
    const elapsed = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    return { rate: (args.count * 1000) / elapsed, cpuPerMessageUs: (cpu.user + cpu.system) / args.count };
  } finally {
    await client.close();
    await app.close();
  }
}

/** Keeps `window` emits unacknowledged: each acknowledgement sends the next message. */
function pipelined(client: ClientNsq, topic: string, count: number, window: number): Promise<void> {
  return new Promise<void>((resolveAll, reject) => {
    let sent = 0;
    let acked = 0;
    const next = () => {
      const seq = sent++;
      client.emit(topic, payload(SIZE, seq)).subscribe({
        error: reject,
        complete: () => {
          acked += 1;
          if (acked === count) resolveAll();
          else if (sent < count) next();
        },
      });
    };
    for (let i = 0; i < Math.min(window, count); i++) next();
  });
}

/** Emits at `rate` messages per second (a slice every 10 ms): both arms do the same work per message, whatever their ceiling. */
async function pacedEmits(client: ClientNsq, topic: string, count: number, rate: number): Promise<void> {
  const perTick = Math.max(1, Math.round(rate / 100));
  const sends: Array<Promise<unknown>> = [];
  const started = performance.now();
  for (let seq = 0; seq < count; ) {
    for (let i = 0; i < perTick && seq < count; i++, seq++) sends.push(new Promise((ok, fail) => client.emit(topic, payload(SIZE, seq)).subscribe({ error: fail, complete: () => ok(undefined) })));
    const due = started + ((seq / perTick) * 10);
    await new Promise((wake) => setTimeout(wake, Math.max(0, due - performance.now())));
  }
  await Promise.all(sends);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new DroppingExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 65_536, maxExportBatchSize: 4096 })] });
  const sampledTracerProvider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
    spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 65_536, maxExportBatchSize: 4096 })],
  });
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  const otel: Otel = { tracerProvider, sampledTracerProvider, meterProvider };
  const dataPath = await mkdtemp(join(tmpdir(), 'nsq-bench-tracing-'));
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath, args: ['--mem-queue-size=1000000', '--log-level=warn'] });
  const figures: Record<Arm, RoundFigures[]> = { off: [], on: [], sampled: [], metrics: [] };
  const pacedFigures: Record<Arm, RoundFigures[]> = { off: [], on: [], sampled: [], metrics: [] };
  try {
    // One warm-up round per arm (JIT, connections), not counted.
    for (const arm of args.arms) await round(nsqd, arm, -1, { ...args, count: Math.min(args.count, 2_000) }, otel, false);
    for (let i = 0; i < args.rounds; i++) {
      // Alternate which arm goes first, so neither always runs on a warmer machine.
      const order: Arm[] = i % 2 === 0 ? [...args.arms] : [...args.arms].reverse();
      for (const arm of order) {
        const measured = await round(nsqd, arm, i, args, otel, false);
        figures[arm].push(measured);
        console.log(`round ${i + 1}/${args.rounds} ${arm} flat out: ${Math.round(measured.rate)} msg/s, ${measured.cpuPerMessageUs.toFixed(1)} µs CPU/message`);
        const paced = await round(nsqd, arm, i, args, otel, true);
        pacedFigures[arm].push(paced);
        console.log(`round ${i + 1}/${args.rounds} ${arm} at ${args.rate} msg/s: ${paced.cpuPerMessageUs.toFixed(1)} µs CPU/message`);
      }
    }
  } finally {
    await tracerProvider.forceFlush();
    await tracerProvider.shutdown();
    await sampledTracerProvider.shutdown();
    await meterProvider.shutdown();
    await nsqd.stop();
    await rm(dataPath, { recursive: true, force: true });
  }
  const rate = (arm: Arm) => median(figures[arm].map((f) => f.rate));
  const cpu = (arm: Arm) => median(figures[arm].map((f) => f.cpuPerMessageUs));
  const cpuCost = (cpu('on') / cpu('off') - 1) * 100;
  const pacedCpu = (arm: Arm) => median(pacedFigures[arm].map((f) => f.cpuPerMessageUs));
  const pacedCost = (pacedCpu('on') / pacedCpu('off') - 1) * 100;
  const sampledCost = (pacedCpu('sampled') / pacedCpu('off') - 1) * 100;
  const metricsCost = (pacedCpu('metrics') / pacedCpu('off') - 1) * 100;
  const pacedRows = (arm: Arm) => pacedFigures[arm].map((f) => f.cpuPerMessageUs.toFixed(1)).join(', ');
  const rateCost = (1 - rate('on') / rate('off')) * 100;
  const rows = (arm: Arm) => figures[arm].map((f) => `${Math.round(f.rate).toLocaleString('en-US')} / ${f.cpuPerMessageUs.toFixed(1)}`).join(', ');
  const markdown = [
    '## Tracing and metrics: what they cost (issue 13)',
    '',
    `Round trip through one nsqd on this machine: a ClientNsq emits ${args.count.toLocaleString('en-US')} JSON messages of 1 KiB (${args.window} unacknowledged at a time) to a`,
    `ServerNsq in the same process (maxInFlight ${args.window}), both in envelope mode; the figure is messages per second from the first emit to the last handler run.`,
    `\`on\`: \`tracing\` and \`metrics\` on both sides, into a real SDK (TracerProvider + BatchSpanProcessor whose exporter drops the spans; MeterProvider`,
    'with a reader that never exports): two spans, W3C headers written and read, two histograms recorded per message. `sampled`: the same with a',
    'ParentBased(TraceIdRatio 0.1) sampler, as production setups usually run. `metrics only`: `metrics` on, `tracing` off. `off`: the default.',
    `${args.rounds} rounds per arm, interleaved (first arm alternating), after one warm-up round each; medians shown. Figures: this process's CPU time`,
    'per message (client and server both run in it; nsqd does not), and messages per second (wall clock). Two kinds of round:',
    `- **paced**: ${args.rate.toLocaleString('en-US')} msg/s offered (a slice every 10 ms), so both arms do the same batching and syscalls per message and the CPU`,
    '  difference is what the instrumentation costs at a given load: the figure the budget is about;',
    `- **flat out**: ${args.window} emits unacknowledged at a time. Its ceiling depends on how well writes and reads amortise at high rates, and on a`,
    '  shared, loaded machine swings widely between rounds: shown for completeness.',
    '',
    '| arm | paced: median CPU µs / message | every paced round | flat out: median msg/s | flat out: median CPU µs / message | every flat-out round (msg/s / µs) |',
    '|---|---:|---|---:|---:|---|',
    `| off (default) | ${pacedCpu('off').toFixed(1)} | ${pacedRows('off')} | ${Math.round(rate('off')).toLocaleString('en-US')} | ${cpu('off').toFixed(1)} | ${rows('off')} |`,
    `| on (tracing + metrics) | ${pacedCpu('on').toFixed(1)} | ${pacedRows('on')} | ${Math.round(rate('on')).toLocaleString('en-US')} | ${cpu('on').toFixed(1)} | ${rows('on')} |`,
    `| on, 10 % of traces sampled | ${pacedCpu('sampled').toFixed(1)} | ${pacedRows('sampled')} | ${Math.round(rate('sampled')).toLocaleString('en-US')} | ${cpu('sampled').toFixed(1)} | ${rows('sampled')} |`,
    `| metrics only | ${pacedCpu('metrics').toFixed(1)} | ${pacedRows('metrics')} | ${Math.round(rate('metrics')).toLocaleString('en-US')} | ${cpu('metrics').toFixed(1)} | ${rows('metrics')} |`,
    '',
    `**Cost of tracing + metrics at 1 KiB, ${args.rate.toLocaleString('en-US')} msg/s: ${pacedCost.toFixed(1)} % more CPU per message with every trace recorded,`,
    `${sampledCost.toFixed(1)} % with 10 % of traces sampled, ${metricsCost.toFixed(1)} % with metrics alone** (budget: 15 %; an empty handler, so the transport's own work is the whole denominator).`,
    `Flat out: ${cpuCost.toFixed(1)} % more CPU per message, median throughput ${rateCost >= 0 ? `${rateCost.toFixed(1)} % lower` : `${(-rateCost).toFixed(1)} % higher`}.`,
    `Spans made and exported: ${exporter.exported.toLocaleString('en-US')}.`,
    '',
    'Off costs nothing per message by construction: with both options off, ClientNsq keeps its plain publish and ServerNsq builds the plain',
    'NsqConsumer (the wrapping and the observing subclass are chosen once, at construction), so the message path runs no added instruction,',
    'not even a check. The publish and consume tables of BENCHMARKS.md are that path.',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' / ')} at the end; Node ${process.version}.`,
    '',
  ].join('\n');
  await writeFile(args.out, markdown);
  console.log(`\n${markdown}`);
  console.log(`written to ${args.out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
