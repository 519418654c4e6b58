/**
 * Diagnostic, not part of the report: one publish cell (size × mode) for raw
 * nsqjs and for one or more builds of our library, repetitions interleaved,
 * with CPU time and GC counts per repetition. For A/B work on the publish path.
 *
 *   node --expose-gc dist/bench/test/bench/publish-probe.js [--size 65536] [--mode pipelined-100|pipelined-1000|serial]
 *     [--count 3000] [--reps 5] [--arms raw,tuned,ours,base,lib:NAME] [--lib-base .tmp/base/dist/esm/index.js]
 *
 * `ours` is the library as built (`nestjs-transport-nsq`), `base` the build at
 * `--lib-base` (a copy of an earlier dist with its package.json), loaded side by
 * side in the same process; `lib:NAME` is the build copied to `.tmp/NAME/` (its
 * package.json and dist/). Prints one line per run and the medians.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Type } from '@nestjs/common';
import { RawNsqjsArm } from './arms/raw-nsqjs.arm.js';
import { RawNsqjsTunedArm } from './arms/raw-nsqjs-tuned.arm.js';
import { startPublisherApp } from './arms/nest-apps.js';
import type { BenchProducer, BenchTarget, PublishCallback } from './bench-arm.interface.js';
import type { BenchPayload } from './bench-payloads.js';
import { runPublish, type PublishMode } from './workloads/publish.workload.js';
import { NsqdNode } from '../support/nsqd-node.js';

/** `queued`: bytes waiting in the socket's userland write queue (ours only). */
type Maker = (target: BenchTarget) => Promise<BenchProducer & { queued?: () => number }>;

function arg(flag: string, fallback: string): string {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

function modeOf(text: string): PublishMode {
  if (text === 'serial') return { kind: 'serial' };
  const window = /^pipelined-(\d+)$/.exec(text);
  if (window) return { kind: 'pipelined', window: Number(window[1]) };
  throw new Error(`unknown mode ${text}`);
}

async function libraryMaker(specifier: string): Promise<Maker> {
  const lib = (await import(specifier)) as { ClientNsq: Type<unknown>; NsqRecordBuilder: new () => unknown };
  return async (target) => {
    const { app, client } = await startPublisherApp(lib.ClientNsq, { nsqdTcpAddresses: [target.nsqdTcpAddress], closeTimeoutMs: 2_000 });
    const sockets = () => (client as unknown as { unwrap(): { conn?: { conn?: { writableLength: number } } }[] }).unwrap().map((w) => w.conn?.conn);
    return {
      queued: () => sockets().reduce((sum, socket) => sum + (socket?.writableLength ?? 0), 0),
      publish(topic: string, payload: BenchPayload, done: PublishCallback): void {
        client.emit(topic, payload).subscribe({ complete: () => done(), error: (error: Error) => done(error) });
      },
      close: () => app.close(),
    };
  };
}

/** Time lost in gaps of at least `GAP_MS` between consecutive acknowledgements (stalls), per cell. */
const GAP_MS = 8;
const gaps = { count: 0, ms: 0, last: 0, queuedSum: 0, queuedMax: 0, samples: 0, acks: 0, arrayBuffersMax: 0 };

/** Wraps a producer so every acknowledgement is timed. */
function timed(producer: BenchProducer & { queued?: () => number }): BenchProducer {
  return {
    ...producer,
    publish(topic, payload, done) {
      producer.publish(topic, payload, (error) => {
        const now = performance.now();
        if (gaps.last > 0 && now - gaps.last >= GAP_MS) {
          gaps.count++;
          gaps.ms += now - gaps.last;
        }
        gaps.last = now;
        if (++gaps.acks % 25 === 0) gaps.arrayBuffersMax = Math.max(gaps.arrayBuffersMax, process.memoryUsage().arrayBuffers);
        if (producer.queued) {
          const q = producer.queued();
          gaps.samples++;
          gaps.queuedSum += q;
          if (q > gaps.queuedMax) gaps.queuedMax = q;
        }
        done(error);
      });
    },
  };
}

/** nsqd's CPU time so far (user + system), in µs, from /proc (Linux). */
function nsqdCpuUs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/** This process's minor page faults so far, from /proc (Linux). */
function minorFaults(): number {
  return Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[7]);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1_000);
  const size = Number(arg('--size', '65536'));
  const mode = modeOf(arg('--mode', 'pipelined-100'));
  const count = Number(arg('--count', mode.kind === 'serial' ? '1500' : '3000'));
  const reps = Number(arg('--reps', '5'));
  const armIds = arg('--arms', 'raw,ours').split(',');
  const makers = new Map<string, Maker>();
  for (const id of armIds) {
    if (id === 'raw') makers.set(id, (target) => new RawNsqjsArm().createProducer(target));
    else if (id === 'tuned') makers.set(id, (target) => new RawNsqjsTunedArm().createProducer(target));
    else if (id === 'ours') makers.set(id, await libraryMaker('nestjs-transport-nsq'));
    else if (id === 'base') makers.set(id, await libraryMaker(pathToFileURL(resolve(arg('--lib-base', '.tmp/base/dist/esm/index.js'))).href));
    else if (id.startsWith('lib:')) makers.set(id, await libraryMaker(pathToFileURL(resolve(`.tmp/${id.slice(4)}/dist/esm/index.js`)).href));
    else throw new Error(`unknown arm ${id}`);
  }
  let gcMajor = 0;
  let gcMinor = 0;
  let gcMs = 0;
  /** Entries reach the observer later, after the counters were reset: the explicit gc() before a run must not count in it. */
  let runStart = Infinity;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.startTime < runStart) continue;
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === 4) gcMajor++;
      else gcMinor++;
      gcMs += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath: await mkdtemp(join(tmpdir(), 'nsq-probe-')), args: ['--mem-queue-size=10000000', '--log-level=warn'] });
  const target: BenchTarget = { nsqdTcpAddress: nsqd.tcpAddress };
  let seq = 0;
  const results = new Map<string, { rate: number[]; cpu: number[]; nsqd: number[] }>();
  // Warm-up, not recorded.
  for (const [, make] of makers) {
    const topic = `probe-${process.pid}-${++seq}`;
    const producer = await make(target);
    await runPublish(producer, topic, size, Math.min(count, 500), mode);
    await producer.close();
    await nsqd.deleteTopic(topic);
  }
  for (let rep = 0; rep < reps; rep++) {
    const order = [...makers.keys()];
    const rotated = order.map((_, i) => order[(i + rep) % order.length]!);
    for (const id of rotated) {
      const topic = `probe-${process.pid}-${++seq}`;
      const producer = timed(await makers.get(id)!(target));
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setImmediate(r));
      gcMajor = gcMinor = gcMs = 0;
      gaps.acks = gaps.arrayBuffersMax = 0;
      gaps.count = gaps.ms = gaps.queuedSum = gaps.queuedMax = gaps.samples = 0;
      gaps.last = runStart = performance.now();
      const nsqd0 = nsqdCpuUs(nsqd.pid);
      const faults0 = minorFaults();
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = process.cpuUsage();
      const rate = await runPublish(producer, topic, size, count, mode);
      const cpu = process.cpuUsage(cpu0);
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const usPerMsg = (cpu.user + cpu.system) / count;
      const nsqdPerMsg = (nsqdCpuUs(nsqd.pid) - nsqd0) / count;
      const faultsPerMsg = (minorFaults() - faults0) / count;
      await new Promise((r) => setImmediate(r));
      const entry = results.get(id) ?? { rate: [], cpu: [], nsqd: [] };
      entry.nsqd.push(nsqdPerMsg);
      entry.rate.push(rate);
      entry.cpu.push(usPerMsg);
      results.set(id, entry);
      console.log(`rep ${rep} ${id.padEnd(10)} ${rate.toFixed(0).padStart(7)} msg/s  elu ${elu.toFixed(2)} cpu ${usPerMsg.toFixed(1)} µs/msg (user ${(cpu.user / count).toFixed(1)} sys ${(cpu.system / count).toFixed(1)}) nsqd ${nsqdPerMsg.toFixed(1)} µs/msg  faults ${faultsPerMsg.toFixed(1)}/msg  gc major ${gcMajor} minor ${gcMinor} ${gcMs.toFixed(0)} ms  arrayBuffers max ${(gaps.arrayBuffersMax / 2 ** 20).toFixed(0)} MiB  stalls ≥${GAP_MS} ms: ${gaps.count} = ${gaps.ms.toFixed(0)} ms${gaps.samples ? `  socket queue at acks: mean ${(gaps.queuedSum / gaps.samples / 1024).toFixed(0)} KiB max ${(gaps.queuedMax / 1024).toFixed(0)} KiB` : ''}`);
      await producer.close();
      await nsqd.deleteTopic(topic);
    }
  }
  for (const [id, { rate, cpu, nsqd: server }] of results) {
    console.log(`median ${id.padEnd(10)} ${median(rate).toFixed(0).padStart(7)} msg/s  cpu ${median(cpu).toFixed(1)} µs/msg  nsqd ${median(server).toFixed(1)} µs/msg`);
  }
  await nsqd.stop();
  clearInterval(keepAlive);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
