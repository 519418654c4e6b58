/**
 * `npm run bench:tracing`: what OpenTelemetry tracing and metrics cost (issue 13). Self-contained:
 * its own nsqd, one Nest microservice (ServerNsq) and one ClientNsq in this process, both in
 * envelope mode, 1 KiB JSON messages. Two arms, interleaved round by round so both see the same
 * machine: `off` (the default) and `on` (tracing and metrics on both sides, into a real SDK: a
 * TracerProvider with a BatchSpanProcessor whose exporter drops the spans, a MeterProvider whose
 * reader never exports). Each round emits `count` messages, `window` unacknowledged at a time, and
 * times first emit → last handler run. Writes test/bench/results/tracing.md. No figure is asserted.
 *
 *   node dist/bench/test/bench/workloads/tracing.workload.js [--count N] [--rounds N] [--out FILE]
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
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
  readonly out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  return {
    count: Number(value('count') ?? 20_000),
    rounds: Number(value('rounds') ?? 7),
    window: Number(value('window') ?? 200),
    out: resolve(value('out') ?? 'test/bench/results/tracing.md'),
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

type Arm = 'off' | 'on';

/** One round: a fresh topic, server and client; emits `count` messages and times until the last one is handled. */
async function round(nsqd: NsqdNode, arm: Arm, index: number, args: Args, otel: { tracerProvider: TracerProvider; meterProvider: MeterProvider }): Promise<number> {
  const topic = `bench.tracing.${arm}.${index}`;
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

  const observability = arm === 'on' ? { tracing: { tracerProvider: otel.tracerProvider }, metrics: { meterProvider: otel.meterProvider } } : {};
  const serverOptions: ServerNsqOptions = { nsqdTcpAddresses: [nsqd.tcpAddress], envelope: true, maxInFlight: args.window, ...observability };
  const clientOptions: ClientNsqOptions = { nsqdTcpAddresses: [nsqd.tcpAddress], envelope: true, ...observability };
  const app = await NestFactory.createMicroservice(BenchModule, { strategy: new ServerNsq(serverOptions), logger: false });
  await app.listen();
  const client = new ClientNsq(clientOptions);
  await client.connect();
  try {
    const started = performance.now();
    await pipelined(client, topic, args.count, args.window);
    await done;
    return (args.count * 1000) / (performance.now() - started);
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
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  const dataPath = await mkdtemp(join(tmpdir(), 'nsq-bench-tracing-'));
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath, args: ['--mem-queue-size=1000000', '--log-level=warn'] });
  const figures: Record<Arm, number[]> = { off: [], on: [] };
  try {
    // One warm-up round per arm (JIT, connections), not counted.
    for (const arm of ['off', 'on'] as const) await round(nsqd, arm, -1, { ...args, count: Math.min(args.count, 2_000) }, { tracerProvider, meterProvider });
    for (let i = 0; i < args.rounds; i++) {
      // Alternate which arm goes first, so neither always runs on a warmer machine.
      const order: Arm[] = i % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const arm of order) {
        const rate = await round(nsqd, arm, i, args, { tracerProvider, meterProvider });
        figures[arm].push(rate);
        console.log(`round ${i + 1}/${args.rounds} ${arm}: ${Math.round(rate)} msg/s`);
      }
    }
  } finally {
    await tracerProvider.forceFlush();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    await nsqd.stop();
    await rm(dataPath, { recursive: true, force: true });
  }
  const off = median(figures.off);
  const on = median(figures.on);
  const cost = (1 - on / off) * 100;
  const rows = (arm: Arm) => figures[arm].map((r) => Math.round(r).toLocaleString('en-US')).join(', ');
  const markdown = [
    '## Tracing and metrics: what they cost (issue 13)',
    '',
    `Round trip through one nsqd on this machine: a ClientNsq emits ${args.count.toLocaleString('en-US')} JSON messages of 1 KiB (${args.window} unacknowledged at a time) to a`,
    `ServerNsq in the same process (maxInFlight ${args.window}), both in envelope mode; the figure is messages per second from the first emit to the last handler run.`,
    `\`on\`: \`tracing\` and \`metrics\` on both sides, into a real SDK (TracerProvider + BatchSpanProcessor whose exporter drops the spans; MeterProvider`,
    'with a reader that never exports): two spans, W3C headers written and read, five instruments touched per message. `off`: the default.',
    `${args.rounds} rounds per arm, interleaved (first arm alternating), after one warm-up round each; median shown.`,
    '',
    '| arm | median msg/s | every round |',
    '|---|---:|---|',
    `| off (default) | ${Math.round(off).toLocaleString('en-US')} | ${rows('off')} |`,
    `| on (tracing + metrics) | ${Math.round(on).toLocaleString('en-US')} | ${rows('on')} |`,
    '',
    `**Cost of tracing + metrics at 1 KiB: ${cost.toFixed(1)} %** of throughput (budget: 15 %). Spans made and exported: ${exporter.exported.toLocaleString('en-US')}.`,
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
