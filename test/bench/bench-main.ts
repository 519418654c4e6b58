/**
 * `npm run bench` / `npm run bench:smoke`: starts its own nsqd, runs every arm
 * through every workload (repetitions interleaved across arms, so every ratio
 * compares figures taken in the same run), writes the results JSON, then
 * BENCHMARKS.md and the SVG charts from it.
 *
 *   node --expose-gc dist/bench/test/bench/bench-main.js [--smoke] [--out DIR] [--markdown FILE]
 *     [--only publish,consume,e2e,latency,memory,ceiling] [--arms raw,raw-tuned,ours,nnt,frames,nats,redis,rmq] [--reps N] [--note TEXT]
 *
 * Full run: results and charts in test/bench/results/, the report in BENCHMARKS.md.
 * Smoke run (CI): tiny counts, one repetition, output in .tmp/bench-smoke/ only;
 * exits 1 if any arm failed a cell. No timing is asserted anywhere.
 */
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import { NestNsqTransportArm } from './arms/nest-nsq-transport.arm.js';
import { NestNsqArm } from './arms/nest-nsq.arm.js';
import { NEST_BROKERS, NestBrokerArm } from './arms/nest-broker.arm.js';
import { NodeFrameReaderArm } from './arms/node-frame-reader.arm.js';
import { RawNsqjsTunedArm } from './arms/raw-nsqjs-tuned.arm.js';
import { RawNsqjsArm } from './arms/raw-nsqjs.arm.js';
import { splitAddress, withDeadline } from './arms/arm-helpers.js';
import type { ArmWorkload, BenchArm, BenchTarget } from './bench-arm.interface.js';
import { withLoopDelay } from './bench-cell.js';
import { benchReader, benchWriter } from './bench-ceiling.js';
import { BenchFiller } from './bench-filler.js';
import { FULL_PLAN, SMOKE_PLAN, type BenchPlan } from './bench-plan.js';
import type { BenchResults, CellResult } from './bench-results.js';
import { summarize } from './bench-stats.js';
import { renderReport } from './report/render-report.js';
import { runConsume } from './workloads/consume.workload.js';
import { runEmitToHandler } from './workloads/e2e.workload.js';
import { runLatency, type LatencySpec } from './workloads/latency.workload.js';
import { runMemory } from './workloads/memory.workload.js';
import { publishModeKey, runPublish } from './workloads/publish.workload.js';
import { NsqdNode } from '../support/nsqd-node.js';
import { nsqBinary } from '../support/nsq-binaries.js';

const GROUPS = ['publish', 'consume', 'e2e', 'latency', 'memory', 'ceiling'] as const;
type Group = (typeof GROUPS)[number];
const CHANNEL = 'bench';
const CELL_TIMEOUT_MS = 180_000;

interface Args {
  readonly plan: BenchPlan;
  readonly outDir: string;
  readonly markdown: string | undefined;
  readonly groups: ReadonlySet<Group>;
  readonly arms: ReadonlySet<string> | undefined;
  /** Free text recorded in the results (e.g. which library build was measured). */
  readonly note: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const smoke = argv.includes('--smoke');
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const only = value('--only');
  const groups = new Set<Group>(only ? (only.split(',') as Group[]) : GROUPS);
  for (const group of groups) if (!GROUPS.includes(group)) throw new Error(`--only: unknown workload group "${group}" (known: ${GROUPS.join(', ')})`);
  const arms = value('--arms');
  const reps = value('--reps');
  const plan = smoke ? SMOKE_PLAN : FULL_PLAN;
  return {
    plan: reps ? { ...plan, repetitions: Number(reps) } : plan,
    outDir: resolve(value('--out') ?? (smoke ? '.tmp/bench-smoke' : 'test/bench/results')),
    // The smoke run must not touch the committed report.
    markdown: smoke ? undefined : resolve(value('--markdown') ?? 'BENCHMARKS.md'),
    groups,
    arms: arms ? new Set(arms.split(',')) : undefined,
    note: value('--note'),
  };
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function packageVersion(name: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(join('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Resolves when something accepts a TCP connection on `address` within `ms`. */
function answers(address: string, ms: number): Promise<boolean> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether `arm` takes part in `group` (arms without a list take part in all). */
function runs(arm: BenchArm, group: ArmWorkload): boolean {
  return arm.workloads === undefined || arm.workloads.has(group);
}

async function main(): Promise<void> {
  // The test harness unrefs nsqd's child process: without a handle of our own,
  // awaiting its exit would let Node end the run early.
  const keepAlive = setInterval(() => undefined, 1_000);
  const args = parseArgs(process.argv.slice(2));
  const { plan } = args;
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') throw new Error('run with node --expose-gc (the memory workload collects garbage)');
  const allArms: BenchArm[] = [
    new RawNsqjsArm(),
    new RawNsqjsTunedArm(),
    new NestNsqArm(),
    new NestNsqTransportArm(),
    new NodeFrameReaderArm(),
    ...NEST_BROKERS.map((broker) => new NestBrokerArm(broker)),
  ];
  const arms = allArms.filter((arm) => !args.arms || args.arms.has(arm.id));
  const dataRoot = await mkdtemp(join(tmpdir(), 'nsq-bench-'));
  log(`plan ${plan.name}: ${plan.repetitions} repetition(s), arms ${arms.map((a) => a.id).join(', ')}, groups ${[...args.groups].join(', ')}`);
  const nsqd = await NsqdNode.start({
    nodeId: 1,
    dataPath: dataRoot,
    // Messages stay in memory (not diskqueue) for every cell's size; each cell deletes its topic.
    // 10 M also holds a whole bench_writer run at 100 B, so the Go tools never touch the disk either.
    args: ['--mem-queue-size=10000000', '--log-level=warn'],
  });
  const target: BenchTarget = { nsqdTcpAddress: nsqd.tcpAddress };
  const filler = await BenchFiller.connect(nsqd.tcpAddress);
  const results: BenchResults = {
    plan: plan.name,
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${osType()} ${release()}`,
      loadBefore: loadavg(),
      loadAfter: [],
    },
    versions: {
      node: process.version,
      nsqd: execFileSync(nsqBinary('nsqd'), ['--version'], { encoding: 'utf8' }).trim(),
      nsqjs: await packageVersion('nsqjs'),
      '@nestjs/microservices': await packageVersion('@nestjs/microservices'),
      'nest-nsq-transport': await packageVersion('nest-nsq-transport'),
      'nestjs-transport-nsq': JSON.parse(await readFile('libs/nsq-transport/package.json', 'utf8')).version as string,
    },
    commands: [plan.name === 'smoke' ? 'npm run bench:smoke' : 'npm run bench', `node --expose-gc dist/bench/test/bench/bench-main.js ${process.argv.slice(2).filter((a, i, all) => a !== '--note' && all[i - 1] !== '--note').join(' ')}`.trim()],
    ...(args.note ? { note: args.note } : {}),
    arms: arms.map((arm) => ({ id: arm.id, label: arm.label, runnable: true })).concat([{ id: 'go', label: 'nsqd bench_writer / bench_reader (Go)', runnable: true }]),
    units: { throughput: 'msg/s', p50: 'ms', p99: 'ms', p999: 'ms', max: 'ms', emitP50: 'ms', emitP99: 'ms', emitP999: 'ms', bytesPerMessage: 'B' },
    cells: [],
  };
  let topicSeq = 0;
  const freshTopic = () => `bench-${process.pid}-${++topicSeq}`;
  const cellOf = (workload: string, size: number, arm: string, parameter?: number): CellResult => {
    let cell = results.cells.find((c) => c.workload === workload && c.size === size && c.arm === arm);
    if (!cell) {
      cell = { workload, size, arm, metrics: {}, loopDelayP99: [], loopDelayMax: [], errors: [], ...(parameter !== undefined ? { parameter } : {}) };
      results.cells.push(cell);
    }
    return cell;
  };
  /** Runs one repetition of one cell, recording its metrics or its error. */
  const measure = async (cell: CellResult, body: () => Promise<Record<string, number>>): Promise<void> => {
    try {
      const { value, loopDelay } = await withLoopDelay(() => withDeadline(body(), CELL_TIMEOUT_MS, `${cell.workload} ${cell.size} B ${cell.arm}`));
      for (const [name, figure] of Object.entries(value)) (cell.metrics[name] ??= []).push(figure);
      cell.loopDelayP99.push(loopDelay.p99);
      cell.loopDelayMax.push(loopDelay.max);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      cell.errors.push(message);
      log(`ERROR ${cell.workload} ${cell.size} B ${cell.arm}: ${message}`);
    }
  };
  const dropTopic = (topic: string) => nsqd.deleteTopic(topic).catch((error: unknown) => log(`deleting ${topic}: ${String(error)}\n${nsqd.output()}`));
  const runnable = (arm: BenchArm) => results.arms.find((a) => a.id === arm.id)?.runnable !== false;
  /** Each repetition runs the arms of `group` in a rotated order, so no arm always goes first. */
  const rotated = (rep: number, group: ArmWorkload) => {
    const taking = arms.filter((arm) => runs(arm, group) && runnable(arm));
    return taking.map((_, i) => taking[(i + rep) % taking.length]!);
  };
  const markUnrunnable = (arm: BenchArm, note: string) => {
    const entry = results.arms.find((a) => a.id === arm.id) as { runnable: boolean; note?: string };
    entry.runnable = false;
    entry.note = note;
  };

  // Nest's other transports need this machine's brokers: say plainly which one is missing.
  for (const arm of arms) {
    if (!(arm instanceof NestBrokerArm)) continue;
    if (!(await answers(arm.broker.address, 2_000))) {
      const note = `${arm.label}: nothing answers on ${arm.broker.address}; start that broker (docker-compose.yml) or leave the arm out with --arms`;
      log(`ERROR ${note}`);
      markUnrunnable(arm, note);
    }
  }

  const median = (workload: string, size: number, arm: string, metric: string) => summarize(results.cells.find((c) => c.workload === workload && c.size === size && c.arm === arm)?.metrics[metric] ?? []).median;

  // Warm-up (not recorded): JIT and connection code paths of every arm.
  const warmCount = plan.name === 'smoke' ? 50 : 3_000;
  for (const arm of arms.filter(runnable)) {
    const topic = freshTopic();
    try {
      if (runs(arm, 'publish')) {
        const producer = await arm.createProducer(target, topic);
        await runPublish(producer, topic, 1024, warmCount, { kind: 'pipelined', window: 100 });
        await producer.close();
      }
      await nsqd.createTopic(topic);
      await nsqd.createChannel(topic, CHANNEL);
      if (runs(arm, 'consume')) {
        await filler.fill(topic, 1024, warmCount);
        await runConsume(arm, target, topic, CHANNEL, warmCount, 100);
      }
      if (!runs(arm, 'publish') && runs(arm, 'e2e')) await runEmitToHandler(arm, target, topic, CHANNEL, 1024, { count: warmCount, window: 100, maxInFlight: 100, outputBufferTimeoutMs: 25 });
    } catch (error) {
      log(`ERROR warm-up ${arm.id}: ${error instanceof Error ? error.message : String(error)}`);
      markUnrunnable(arm, error instanceof Error ? error.message : String(error));
    }
    await dropTopic(topic);
  }

  if (args.groups.has('publish')) {
    for (const mode of plan.publishModes) {
      const workload = publishModeKey(mode);
      for (const size of plan.sizes) {
        const count = plan.publishCount(mode, size);
        log(`${workload} ${size} B × ${count}`);
        for (let rep = 0; rep < plan.repetitions; rep++) {
          for (const arm of rotated(rep, 'publish')) {
            const cell = cellOf(workload, size, arm.id, count);
            if (mode.kind === 'batched' && arm.id === 'nnt') {
              if (rep === 0) cell.errors.push('n/a: nest-nsq-transport has no batch publish (emitting an array publishes one message)');
              continue;
            }
            const topic = freshTopic();
            await measure(cell, async () => {
              const producer = await arm.createProducer(target, topic);
              try {
                return { throughput: await runPublish(producer, topic, size, count, mode) };
              } finally {
                await producer.close();
              }
            });
            await dropTopic(topic);
          }
        }
      }
    }
  }

  if (args.groups.has('consume')) {
    for (const maxInFlight of plan.consumeMaxInFlight) {
      const workload = `consume.mif-${maxInFlight}`;
      for (const size of plan.sizes) {
        const count = plan.consumeCount(maxInFlight, size);
        log(`${workload} ${size} B × ${count}`);
        for (let rep = 0; rep < plan.repetitions; rep++) {
          for (const arm of rotated(rep, 'consume')) {
            const topic = freshTopic();
            await nsqd.createTopic(topic);
            await nsqd.createChannel(topic, CHANNEL);
            await filler.fill(topic, size, count);
            await measure(cellOf(workload, size, arm.id, count), async () => ({ throughput: await runConsume(arm, target, topic, CHANNEL, count, maxInFlight) }));
            await dropTopic(topic);
          }
        }
      }
    }
  }

  if (args.groups.has('e2e')) {
    const workload = `e2e.window-${plan.e2eWindow}`;
    for (const size of plan.sizes) {
      const count = plan.e2eCount(size);
      log(`${workload} ${size} B × ${count}`);
      for (let rep = 0; rep < plan.repetitions; rep++) {
        for (const arm of rotated(rep, 'e2e')) {
          const topic = freshTopic();
          await nsqd.createTopic(topic);
          await nsqd.createChannel(topic, CHANNEL);
          const cell = cellOf(workload, size, arm.id, count);
          await measure(cell, async () => ({
            throughput: await runEmitToHandler(arm, target, topic, CHANNEL, size, { count, window: plan.e2eWindow, maxInFlight: 100, outputBufferTimeoutMs: 25 }),
          }));
          // A broker's documented default that this cell passes: its failure is that limit, not a crash of the harness.
          const limit = arm instanceof NestBrokerArm ? arm.broker.limit?.(size, plan.e2eWindow) : undefined;
          const failures = cell.errors.filter((e) => !e.startsWith('n/a:'));
          if (limit && failures.length > 0) cell.errors.splice(0, cell.errors.length, `n/a: ${limit} (${failures[0]!.replace(/\.$/, '')})`);
          await dropTopic(topic);
        }
      }
    }
  }

  if (args.groups.has('latency')) {
    // Half of what the arm sustains on its slower side (publish pipelined-1000 or consume mif-100), measured above;
    // arms without those (other brokers) use their emit → handler throughput.
    const halfMax = (arm: string, size: number, output: Pick<LatencySpec, 'outputBufferSize' | 'outputBufferTimeoutMs'>): LatencySpec | undefined => {
      const nsqMax = Math.min(median('publish.pipelined-1000', size, arm, 'throughput'), median('consume.mif-100', size, arm, 'throughput'));
      const max = Number.isFinite(nsqMax) ? nsqMax : median(`e2e.window-${plan.e2eWindow}`, size, arm, 'throughput');
      if (!Number.isFinite(max)) return undefined;
      const rate = Math.max(100, Math.round(max / 2 / 100) * 100);
      // About as many samples as the 1,000 msg/s cells, within 0.25..1 s.
      const durationMs = Math.min(plan.latencyDurationMs, Math.max(plan.latencyDurationMs / 4, (1000 * plan.latencyDurationMs) / rate));
      return { rate, durationMs, maxInFlight: 100, ...output };
    };
    // outputBufferSize -1: nsqd writes each message at once (IDENTIFY output_buffer_size -1), what a latency-sensitive consumer at mif > 1 sets.
    const scenarios: Array<{ key: string; spec: (arm: string, size: number) => LatencySpec | undefined }> = [
      { key: 'latency.1000ps.mif-1.obt-default', spec: () => ({ rate: 1000, durationMs: plan.latencyDurationMs, maxInFlight: 1 }) },
      { key: 'latency.1000ps.mif-1.obt-25', spec: () => ({ rate: 1000, durationMs: plan.latencyDurationMs, maxInFlight: 1, outputBufferTimeoutMs: 25 }) },
      { key: 'latency.1000ps.mif-100.obt-default', spec: () => ({ rate: 1000, durationMs: plan.latencyDurationMs, maxInFlight: 100 }) },
      { key: 'latency.1000ps.mif-100.obt-25', spec: () => ({ rate: 1000, durationMs: plan.latencyDurationMs, maxInFlight: 100, outputBufferTimeoutMs: 25 }) },
      { key: 'latency.1000ps.mif-100.ob-off', spec: () => ({ rate: 1000, durationMs: plan.latencyDurationMs, maxInFlight: 100, outputBufferSize: -1 }) },
      { key: 'latency.half-max.mif-100.obt-25', spec: (arm, size) => halfMax(arm, size, { outputBufferTimeoutMs: 25 }) },
    ];
    for (const scenario of scenarios.filter((sc) => !plan.latencyScenarios || plan.latencyScenarios.has(sc.key))) {
      for (const size of plan.sizes) {
        log(`${scenario.key} ${size} B`);
        for (let rep = 0; rep < plan.repetitions; rep++) {
          for (const arm of rotated(rep, 'latency')) {
            const spec = scenario.spec(arm.id, size);
            const cell = cellOf(scenario.key, size, arm.id, spec?.rate);
            if (!spec) {
              if (rep === 0) cell.errors.push('n/a: no maximum measured');
              continue;
            }
            const topic = freshTopic();
            await nsqd.createTopic(topic);
            await nsqd.createChannel(topic, CHANNEL);
            await measure(cell, async () => {
              const r = await runLatency(arm, target, topic, CHANNEL, size, spec);
              return { p50: r.p50, p99: r.p99, p999: r.p999, max: r.max, emitP50: r.emitP50, emitP99: r.emitP99, emitP999: r.emitP999 };
            });
            await dropTopic(topic);
          }
        }
      }
    }
  }

  if (args.groups.has('memory')) {
    for (const size of plan.memorySizes ?? plan.sizes) {
      const count = plan.memoryInFlight;
      log(`memory.inflight-${count} ${size} B`);
      for (let rep = 0; rep < plan.repetitions; rep++) {
        for (const arm of rotated(rep, 'memory')) {
          const topic = freshTopic();
          await nsqd.createTopic(topic);
          await nsqd.createChannel(topic, CHANNEL);
          await measure(cellOf('memory.inflight', size, arm.id, count), async () => ({
            ...(await runMemory(arm, target, topic, CHANNEL, count, () => filler.fill(topic, size, count))),
          }));
          await dropTopic(topic);
        }
      }
    }
  }

  if (args.groups.has('ceiling')) {
    for (const size of plan.sizes) {
      log(`ceiling ${size} B`);
      for (let rep = 0; rep < plan.repetitions; rep++) {
        const topic = freshTopic();
        await nsqd.createTopic(topic);
        await nsqd.createChannel(topic, CHANNEL);
        await measure(cellOf('ceiling.bench_writer', size, 'go'), async () => ({ throughput: await benchWriter(nsqd.tcpAddress, topic, size, plan.ceilingSeconds) }));
        // The writer filled the channel for longer than the reader runs, so the reader never idles.
        await measure(cellOf('ceiling.bench_reader', size, 'go'), async () => ({ throughput: await benchReader(nsqd.tcpAddress, topic, CHANNEL, size, plan.ceilingSeconds / 2) }));
        await dropTopic(topic);
      }
    }
  }

  filler.close();
  await nsqd.kill();
  await rm(dataRoot, { recursive: true, force: true });
  results.finishedAt = new Date().toISOString();
  results.machine.loadAfter = loadavg();
  await mkdir(args.outDir, { recursive: true });
  const jsonPath = join(args.outDir, 'results.json');
  await writeFile(jsonPath, `${JSON.stringify(results, null, 1)}\n`);
  log(`wrote ${jsonPath}`);
  await renderReport(results, args.outDir, args.markdown);
  const crashed = results.cells.filter((c) => c.errors.some((e) => !e.startsWith('n/a:')));
  const unrunnable = results.arms.filter((a) => !a.runnable);
  if (crashed.length > 0 || unrunnable.length > 0) {
    log(`FAILED: ${crashed.length} cell(s) with errors${unrunnable.length ? `; not runnable: ${unrunnable.map((a) => a.id).join(', ')}` : ''}`);
    process.exitCode = 1;
  } else log('done');
  clearInterval(keepAlive);
}

main().then(
  () => {
    // nsqjs and Nest leave timers behind in some error paths; the run is over.
    setTimeout(() => process.exit(process.exitCode ?? 0), 100).unref();
  },
  (error: unknown) => {
    log(`FATAL ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
