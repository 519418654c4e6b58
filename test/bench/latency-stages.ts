/**
 * Diagnostic (not part of `npm run bench`): where the end-to-end latency of
 * the open-loop latency cell goes, stage by stage, for raw nsqjs and for our
 * transport (and, with `--baseline DIR`, for another build of it: A/B in one
 * run). Everything is observed from outside — the sockets' `write`, `_write` /
 * `_writev` and 'data', and the nsqjs Reader's 'message' — so the library
 * carries no instrumentation; every arm pays the same observation cost.
 *
 *   node --expose-gc dist/bench/test/bench/latency-stages.js [--sizes 100,65536] [--arms raw,ours,nats,redis,rmq]
 *     [--rounds 3] [--seconds 3] [--rate 1000] [--obt 25] [--baseline DIR]
 *
 * Another broker's arm (nats, redis, rmq) gets the emit and handler stages only.
 * "emit → handler" leaves out the schedule's own timer lateness (scheduled →
 * emit, most of a 1,000/s cell's p50 and the same for every arm).
 *
 * Stages of message `seq` (performance.now(), ms; latency runs from `scheduled`):
 *   scheduled  its send time on the open-loop schedule
 *   emit       the arm's publish called (Writer.publish / ClientNsq.emit)
 *   pubCall    its PUB/MPUB frame handed to the producer socket (`write`)
 *   pubFlush   that frame handed to the kernel (`_write` / `_writev`: after any cork)
 *   ack        nsqd's OK for it read on the producer socket
 *   recv       the first bytes of its message frame read on the consumer socket
 *   recvLast   the last bytes of that frame read
 *   message    the nsqjs Reader's 'message' event for it (ours: where the delivery is created)
 *   serverHandle  ours: ServerNsq#handleMessage entered (the delivery registered, before decoding)
 *   handleEvent   ours: ServerNsq#handleEvent entered (decoded, before Nest's handler proxy)
 *   handler    the handler entered (the latency cell's end point)
 *   finCall    its FIN handed to the consumer socket
 *   finFlush   its FIN handed to the kernel
 */
import { Duplex } from 'node:stream';
import net from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { Reader } from 'nsqjs';
import * as ours from 'nestjs-transport-nsq';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget } from './bench-arm.interface.js';
import type { BenchPayload } from './bench-payloads.js';
import { percentile } from './bench-stats.js';
import { RawNsqjsArm } from './arms/raw-nsqjs.arm.js';
import { NEST_BROKERS, NestBrokerArm } from './arms/nest-broker.arm.js';
import { startConsumerApp, startPublisherApp } from './arms/nest-apps.js';
import { runLatency } from './workloads/latency.workload.js';
import { NsqdNode } from '../support/nsqd-node.js';

const STAGES = ['emit', 'pubCall', 'pubFlush', 'ack', 'recv', 'recvLast', 'message', 'serverHandle', 'handleEvent', 'handler', 'finCall', 'finFlush'] as const;
type Stage = (typeof STAGES)[number];

/** What one cell records; the hooks write into `current`. */
class Recording {
  readonly at: Record<Stage, Float64Array>;
  readonly scheduled: Float64Array;
  readonly idToSeq = new Map<string, number>();
  rdyWrites = 0;
  writesToKernel = { producer: 0, consumer: 0 };
  gcMs = 0;
  gcCount = 0;
  /** The longest pause and its kind (perf_hooks' NODE_PERFORMANCE_GC_*: 1 minor, 2 major, 4 incremental, 8 weak callbacks). */
  gcLongest: [number, number] = [0, 0];
  readonly gcSpans: Array<[number, number]> = [];

  constructor(readonly total: number) {
    this.at = Object.fromEntries(STAGES.map((s) => [s, new Float64Array(total)])) as Record<Stage, Float64Array>;
    this.scheduled = new Float64Array(total);
  }

  mark(stage: Stage, seq: number, now = performance.now()): void {
    if (seq >= 0 && seq < this.total && this.at[stage][seq] === 0) this.at[stage][seq] = now;
  }
}

let current: Recording | undefined;
/** nsqd's TCP port: only its sockets are followed (another broker's protocol also says PUB and SUB). */
let nsqdPort = -1;

// ---- socket hooks (installed once; they only record while a cell runs) ----

type Role = 'producer' | 'consumer' | undefined;
interface Watched {
  __role?: Role;
  /** Producer: frames written and not yet answered, each with the seqs it carries. */
  __pending?: number[][];
  /** Consumer: bytes of the current message frame still to read, and its seq. */
  __need?: number;
  __seq?: number;
}

const SEQ = Buffer.from('"seq":');
function seqsIn(buf: Buffer): number[] {
  const seqs: number[] = [];
  for (let at = buf.indexOf(SEQ); at >= 0; at = buf.indexOf(SEQ, at + 6)) {
    let n = 0;
    let i = at + 6;
    while (i < buf.length && buf[i]! >= 0x30 && buf[i]! <= 0x39) n = n * 10 + (buf[i++]! - 0x30);
    seqs.push(n);
    // Bodies are `{"seq":N,"t":…,"pad":"xxx…"}`: skip the pad.
    const pad = buf.indexOf('"}', i);
    if (pad < 0) break;
    at = pad - 4;
  }
  return seqs;
}

function asBuffer(chunk: unknown): Buffer | undefined {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'latin1');
  return undefined;
}

function onWriteCall(socket: Watched, buf: Buffer): void {
  const rec = current;
  if (!rec || (socket as unknown as net.Socket).remotePort !== nsqdPort) return;
  const head = buf.toString('latin1', 0, Math.min(4, buf.length));
  if (head === 'SUB ') socket.__role = 'consumer';
  if (head === 'PUB ' || head === 'MPUB' || head === 'DPUB') {
    socket.__role = 'producer';
    (socket.__pending ??= []).push([]);
  }
  if (socket.__role === 'producer') {
    const now = performance.now();
    const frame = socket.__pending?.[socket.__pending.length - 1];
    for (const seq of seqsIn(buf)) {
      frame?.push(seq);
      rec.mark('pubCall', seq, now);
    }
  } else if (socket.__role === 'consumer') {
    if (head === 'RDY ') rec.rdyWrites++;
    forEachFin(buf, (id) => rec.mark('finCall', rec.idToSeq.get(id) ?? -1));
  }
}

function onKernelWrite(socket: Watched, bufs: Buffer[]): void {
  const rec = current;
  if (!rec || !socket.__role) return;
  const now = performance.now();
  rec.writesToKernel[socket.__role]++;
  for (const buf of bufs) {
    if (socket.__role === 'producer') for (const seq of seqsIn(buf)) rec.mark('pubFlush', seq, now);
    else forEachFin(buf, (id) => rec.mark('finFlush', rec.idToSeq.get(id) ?? -1, now));
  }
}

function forEachFin(buf: Buffer, each: (id: string) => void): void {
  for (let at = buf.indexOf('FIN '); at >= 0 && at + 20 <= buf.length; at = buf.indexOf('FIN ', at + 21)) each(buf.toString('latin1', at + 4, at + 20));
}

function onData(socket: Watched, buf: Buffer): void {
  const rec = current;
  if (!rec || !socket.__role) return;
  const now = performance.now();
  if (socket.__role === 'producer') {
    // Answers are small frames, read whole: `[size][type 0]OK`.
    for (let at = 0; at + 8 <= buf.length; ) {
      const size = buf.readInt32BE(at);
      if (buf.readInt32BE(at + 4) === 0 && buf.toString('latin1', at + 8, at + 4 + size) === 'OK') {
        for (const seq of socket.__pending?.shift() ?? []) rec.mark('ack', seq, now);
      }
      at += 4 + size;
    }
    return;
  }
  let at = 0;
  while (at < buf.length) {
    if ((socket.__need ?? 0) > 0) {
      const take = Math.min(socket.__need!, buf.length - at);
      socket.__need! -= take;
      at += take;
      if (socket.__need === 0 && socket.__seq !== undefined) rec.mark('recvLast', socket.__seq, now);
      continue;
    }
    // A frame's header split over two reads is not followed (rare at these rates): the rest of the read is skipped.
    if (buf.length - at < 8 + 26 + 8) return;
    const size = buf.readInt32BE(at);
    const type = buf.readInt32BE(at + 4);
    socket.__seq = undefined;
    if (type === 2) {
      const id = buf.toString('latin1', at + 8 + 10, at + 8 + 26);
      const seq = seqsIn(buf.subarray(at + 34, Math.min(buf.length, at + 34 + 32)))[0];
      if (seq !== undefined) {
        rec.idToSeq.set(id, seq);
        rec.mark('recv', seq, now);
        socket.__seq = seq;
      }
    }
    const available = buf.length - at;
    if (available >= 4 + size) {
      if (socket.__seq !== undefined) rec.mark('recvLast', socket.__seq, now);
      at += 4 + size;
    } else {
      socket.__need = 4 + size - available;
      return;
    }
  }
}

function installHooks(libs: readonly Lib[]): void {
  const proto = net.Socket.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const write = proto['write']!;
  proto['write'] = function (this: Watched, chunk: unknown, ...rest: unknown[]) {
    const buf = asBuffer(chunk);
    if (buf) onWriteCall(this, buf);
    return write.call(this, chunk, ...rest);
  };
  const _write = proto['_write']!;
  proto['_write'] = function (this: Watched, chunk: unknown, ...rest: unknown[]) {
    const buf = asBuffer(chunk);
    if (buf) onKernelWrite(this, [buf]);
    return _write.call(this, chunk, ...rest);
  };
  const _writev = proto['_writev']!;
  proto['_writev'] = function (this: Watched, chunks: unknown, ...rest: unknown[]) {
    onKernelWrite(
      this,
      (chunks as Array<{ chunk: unknown }>).map((c) => asBuffer(c.chunk)).filter((b): b is Buffer => b !== undefined),
    );
    return _writev.call(this, chunks, ...rest);
  };
  const emit = Duplex.prototype.emit;
  proto['emit'] = function (this: Watched, event: unknown, ...args: unknown[]) {
    if (event === 'data' && Buffer.isBuffer(args[0])) onData(this, args[0]);
    return emit.call(this as never, event as string, ...args);
  } as never;
  const readerEmit = (Reader.prototype as unknown as { emit: (...args: unknown[]) => boolean }).emit;
  (Reader.prototype as unknown as { emit: (...args: unknown[]) => boolean }).emit = function (this: unknown, event: unknown, ...args: unknown[]) {
    const rec = current;
    if (rec && event === 'message') {
      const message = args[0] as { id: string };
      rec.mark('message', rec.idToSeq.get(message.id) ?? -1);
    }
    return readerEmit.call(this, event, ...args);
  };
  for (const lib of libs) {
    const server = lib.ServerNsq.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    const handleMessage = server['handleMessage']!;
    server['handleMessage'] = function (this: unknown, delivery: unknown, ...rest: unknown[]) {
      const rec = current;
      if (rec) rec.mark('serverHandle', rec.idToSeq.get((delivery as { id: string }).id) ?? -1);
      return handleMessage.call(this, delivery, ...rest);
    };
    const handleEvent = server['handleEvent']!;
    server['handleEvent'] = function (this: unknown, pattern: unknown, packet: unknown, ...rest: unknown[]) {
      const rec = current;
      if (rec) rec.mark('handleEvent', (packet as { data: { seq: number } }).data.seq);
      return handleEvent.call(this, pattern, packet, ...rest);
    };
  }
  new PerformanceObserver((list) => {
    const rec = current;
    if (!rec) return;
    for (const entry of list.getEntries()) {
      rec.gcMs += entry.duration;
      rec.gcCount++;
      if (entry.duration > rec.gcLongest[0]) rec.gcLongest = [entry.duration, ((entry as { detail?: { kind?: number } }).detail?.kind ?? 0)];
      rec.gcSpans.push([entry.startTime, entry.startTime + entry.duration]);
    }
  }).observe({ entryTypes: ['gc'] });
}

// ---- arms ----

type Lib = Pick<typeof ours, 'ClientNsq' | 'ServerNsq' | 'NsqEventPattern'>;

/** Our transport from `lib` (this build, or a baseline's dist), as the bench's NestNsqArm runs it. */
function oursArm(id: string, lib: Lib): BenchArm {
  return {
    id,
    label: id,
    async createProducer(target: BenchTarget): Promise<BenchProducer> {
      const { app, client } = await startPublisherApp(lib.ClientNsq, { nsqdTcpAddresses: [target.nsqdTcpAddress], closeTimeoutMs: 2_000 });
      return {
        publish(topic, payload, done) {
          client.emit(topic, payload).subscribe({ complete: () => done(), error: (error: Error) => done(error) });
        },
        close: () => app.close(),
      };
    },
    async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
      const server = new lib.ServerNsq({
        nsqdTcpAddresses: [target.nsqdTcpAddress],
        channel: spec.channel,
        maxInFlight: spec.maxInFlight,
        drainTimeoutMs: 2_000,
        ...(spec.outputBufferTimeoutMs !== undefined ? { outputBufferTimeoutMs: spec.outputBufferTimeoutMs } : {}),
      });
      const app = await startConsumerApp(server, lib.NsqEventPattern(spec.topic, { channel: spec.channel }), spec.onMessage);
      return { close: () => app.close() };
    },
  };
}

/** Wraps an arm so the emit and handler stages are recorded (the same wrapper for every arm). */
function observed(arm: BenchArm): BenchArm {
  return {
    id: arm.id,
    label: arm.label,
    async createProducer(target, topic) {
      const producer = await arm.createProducer(target, topic);
      return {
        publish(t: string, payload: BenchPayload, done) {
          const rec = current;
          if (rec) {
            rec.mark('emit', payload.seq);
            rec.scheduled[payload.seq] = payload.t;
          }
          producer.publish(t, payload, done);
        },
        close: () => producer.close(),
      };
    },
    createConsumer(target, spec) {
      return arm.createConsumer(target, {
        ...spec,
        onMessage: (payload) => {
          current?.mark('handler', payload.seq);
          return spec.onMessage(payload);
        },
      });
    },
  };
}

// ---- report ----

interface CellSummary {
  readonly arm: string;
  readonly size: number;
  readonly round: number;
  /** Per stage: p50 and p99 of (stage − scheduled), µs. */
  readonly fromScheduled: Record<Stage, [number, number]>;
  /** Per stage: p50 of (stage − previous stage) over messages where both are known, µs. */
  readonly step: Record<Stage, number>;
  readonly latency: { p50: number; p99: number };
  /** p50 / p99 µs of handler − emit: the transport's own part, without the schedule's timer lateness. */
  readonly transport: [number, number];
  readonly rdyWrites: number;
  readonly kernelWrites: { producer: number; consumer: number };
  readonly gcMs: number;
  readonly gcCount: number;
  readonly gcLongest: [number, number];
  /** p99 messages whose scheduled→handler window overlapped a GC pause. */
  readonly slowWithGc: string;
  /** p50 / p99 µs: recv → FIN to the kernel (the consumer's part of a mif-1 cycle). */
  readonly service: [number, number];
  /** p50 / p99 µs: FIN to the kernel → the next message's first bytes, when that message was already published (nsqd's part). */
  readonly turnaround: [number, number];
  /** Messages that had to wait at nsqd for the previous one's FIN. */
  readonly queued: number;
  /** Process CPU per message, µs. */
  readonly cpuPerMessage: number;
}

function p50p99(values: number[]): [number, number] {
  values.sort((a, b) => a - b);
  return [percentile(values, 50), percentile(values, 99)];
}

function summarise(arm: string, size: number, round: number, rec: Recording, result: { p50: number; p99: number }, cpuUs: number): CellSummary {
  const transport: number[] = [];
  for (let i = 0; i < rec.total; i++) if (rec.at.handler[i] !== 0 && rec.at.emit[i] !== 0) transport.push((rec.at.handler[i]! - rec.at.emit[i]!) * 1000);
  const service: number[] = [];
  const turnaround: number[] = [];
  // Messages in the order nsqd delivered them.
  const delivered = Array.from({ length: rec.total }, (_, i) => i).filter((i) => rec.at.recv[i] !== 0);
  delivered.sort((a, b) => rec.at.recv[a]! - rec.at.recv[b]!);
  for (const [k, i] of delivered.entries()) {
    const fin = rec.at.finFlush[i]!;
    if (fin === 0) continue;
    service.push((fin - rec.at.recv[i]!) * 1000);
    const next = delivered[k + 1];
    if (next !== undefined && rec.at.pubFlush[next]! !== 0 && rec.at.pubFlush[next]! < fin) turnaround.push((rec.at.recv[next]! - fin) * 1000);
  }
  const fromScheduled = {} as Record<Stage, [number, number]>;
  const step = {} as Record<Stage, number>;
  for (const [k, stage] of STAGES.entries()) {
    const deltas: number[] = [];
    const steps: number[] = [];
    for (let i = 0; i < rec.total; i++) {
      const t = rec.at[stage][i]!;
      if (t === 0 || rec.scheduled[i] === 0) continue;
      deltas.push((t - rec.scheduled[i]!) * 1000);
      const before = previousTime(rec, i, k);
      if (before !== 0) steps.push((t - before) * 1000);
    }
    deltas.sort((a, b) => a - b);
    steps.sort((a, b) => a - b);
    fromScheduled[stage] = [percentile(deltas, 50), percentile(deltas, 99)];
    step[stage] = steps.length === 0 ? Number.NaN : percentile(steps, 50);
  }
  // The slowest 1 %: how many overlapped a GC pause, and which stage took the most time in them.
  const order = Array.from({ length: rec.total }, (_, i) => i).filter((i) => rec.at.handler[i] !== 0);
  order.sort((a, b) => rec.at.handler[b]! - rec.scheduled[b]! - (rec.at.handler[a]! - rec.scheduled[a]!));
  const slow = order.slice(0, Math.max(1, Math.round(order.length / 100)));
  let withGc = 0;
  const worstStage = new Map<string, number>();
  for (const i of slow) {
    const [from, to] = [rec.scheduled[i]!, rec.at.handler[i]!];
    if (rec.gcSpans.some(([s, e]) => s < to && e > from)) withGc++;
    let worst: [string, number] = ['?', -1];
    for (const [k, stage] of STAGES.entries()) {
      const t = rec.at[stage][i]!;
      if (t === 0 || stage === 'ack' || stage === 'finCall' || stage === 'finFlush') continue;
      const step = t - previousTime(rec, i, k);
      if (step > worst[1]) worst = [stage, step];
    }
    worstStage.set(worst[0], (worstStage.get(worst[0]) ?? 0) + 1);
  }
  return {
    arm,
    size,
    round,
    fromScheduled,
    step,
    latency: { p50: result.p50 * 1000, p99: result.p99 * 1000 },
    transport: p50p99(transport),
    rdyWrites: rec.rdyWrites,
    kernelWrites: { ...rec.writesToKernel },
    gcMs: rec.gcMs,
    gcCount: rec.gcCount,
    gcLongest: rec.gcLongest,
    slowWithGc: `${withGc}/${slow.length} overlap GC; longest step: ${[...worstStage].map(([s, n]) => `${s}×${n}`).join(' ')}`,
    service: p50p99(service),
    turnaround: p50p99(turnaround),
    queued: turnaround.length,
    cpuPerMessage: cpuUs / rec.total,
  };
}

/** The time of the stage a step is measured from: the latest earlier stage recorded for the message, never nsqd's OK (a side branch). */
function previousTime(rec: Recording, i: number, k: number): number {
  for (let j = k - 1; j >= 0; j--) {
    const stage = STAGES[j]!;
    if (stage === 'ack') continue;
    const t = rec.at[stage][i]!;
    if (t !== 0) return t;
  }
  return rec.scheduled[i]!;
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function printTables(all: readonly CellSummary[]): void {
  const arms = [...new Set(all.map((c) => c.arm))];
  for (const size of [...new Set(all.map((c) => c.size))]) {
    console.log(`\n### ${size} B — median over rounds; µs`);
    console.log(`| stage | ${arms.map((a) => `${a} step p50 | ${a} from sched p50 / p99`).join(' | ')} |`);
    console.log(`|---|${arms.map(() => '---|---').join('|')}|`);
    for (const stage of STAGES) {
      const cells = arms.map((arm) => {
        const of = all.filter((c) => c.arm === arm && c.size === size);
        const stepP50 = median(of.map((c) => c.step[stage]).filter((v) => !Number.isNaN(v)));
        if (Number.isNaN(stepP50) || stepP50 === undefined) return '– | –';
        const p50 = median(of.map((c) => c.fromScheduled[stage][0]));
        const p99 = median(of.map((c) => c.fromScheduled[stage][1]));
        return `${stepP50.toFixed(0)} | ${p50.toFixed(0)} / ${p99.toFixed(0)}`;
      });
      console.log(`| ${stage} | ${cells.join(' | ')} |`);
    }
    console.log(`| arm | latency p50 / p99 (µs) | emit → handler p50 / p99 (µs) | mif-1 service p50 (µs) | nsqd turnaround p50 (µs) | rounds |`);
    console.log('|---|---|---|---|---|---|');
    for (const arm of arms) {
      const of = all.filter((c) => c.arm === arm && c.size === size);
      const m = (f: (c: CellSummary) => number) => median(of.map(f)).toFixed(0);
      console.log(`| ${arm} | ${m((c) => c.latency.p50)} / ${m((c) => c.latency.p99)} | ${m((c) => c.transport[0])} / ${m((c) => c.transport[1])} | ${m((c) => c.service[0])} | ${m((c) => c.turnaround[0])} | ${of.map((c) => `${c.transport[0].toFixed(0)}`).join(', ')} |`);
    }
    for (const arm of arms) {
      for (const c of all.filter((x) => x.arm === arm && x.size === size)) {
        console.log(
          `${arm} round ${c.round}: latency p50 ${c.latency.p50.toFixed(0)} µs p99 ${c.latency.p99.toFixed(0)} µs; emit → handler p50 ${c.transport[0].toFixed(0)} µs p99 ${c.transport[1].toFixed(0)} µs; RDY writes ${c.rdyWrites}; ` +
            `kernel writes producer ${c.kernelWrites.producer} consumer ${c.kernelWrites.consumer}; GC ${c.gcCount}× ${c.gcMs.toFixed(1)} ms (longest ${c.gcLongest[0].toFixed(1)} ms, kind ${c.gcLongest[1]}); CPU ${c.cpuPerMessage.toFixed(0)} µs/msg; ` +
            `service p50/p99 ${c.service.map((v) => v.toFixed(0)).join('/')} µs; turnaround p50/p99 ${c.turnaround.map((v) => v.toFixed(0)).join('/')} µs (${c.queued} queued); slowest 1 %: ${c.slowWithGc}`,
        );
      }
    }
  }
}

// ---- main ----

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const sizes = (value('--sizes') ?? '100,65536').split(',').map(Number);
  const rounds = Number(value('--rounds') ?? 3);
  const seconds = Number(value('--seconds') ?? 3);
  const rate = Number(value('--rate') ?? 1000);
  const obt = value('--obt');
  const wanted = new Set((value('--arms') ?? 'raw,ours').split(','));
  const baseline = value('--baseline');
  const candidates: BenchArm[] = [new RawNsqjsArm(), oursArm('ours', ours), ...NEST_BROKERS.map((broker) => new NestBrokerArm(broker))];
  const libs: Lib[] = [ours];
  if (baseline) {
    const lib = (await import(pathToFileURL(join(resolve(baseline), 'esm', 'index.js')).href)) as Lib;
    libs.push(lib);
    candidates.push(oursArm('ours-base', lib));
    wanted.add('ours-base');
  }
  installHooks(libs);
  const arms = candidates.filter((arm) => wanted.has(arm.id)).map(observed);
  const keepAlive = setInterval(() => undefined, 1_000);
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath: await mkdtemp(join(tmpdir(), 'nsq-stages-')), args: ['--mem-queue-size=10000000', '--log-level=warn'] });
  const target = { nsqdTcpAddress: nsqd.tcpAddress };
  nsqdPort = Number(nsqd.tcpAddress.split(':').pop());
  const all: CellSummary[] = [];
  let topicSeq = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const size of sizes) {
        // Rotated each round, so no arm always goes first.
        const order = arms.map((_, i) => arms[(i + round) % arms.length]!);
        for (const arm of order) {
          const topic = `stages-${process.pid}-${++topicSeq}`;
          const total = Math.round(rate * seconds);
          (globalThis as { gc?: () => void }).gc?.();
          const rec = new Recording(total);
          current = rec;
          const cpu = process.cpuUsage();
          const result = await runLatency(arm, target, topic, 'bench', size, {
            rate,
            durationMs: seconds * 1000,
            maxInFlight: 1,
            ...(obt ? { outputBufferTimeoutMs: Number(obt) } : {}),
          });
          current = undefined;
          const used = process.cpuUsage(cpu);
          const summary = summarise(arm.id, size, round, rec, result, used.user + used.system);
          all.push(summary);
          process.stderr.write(`round ${round} ${size} B ${arm.id}: p50 ${summary.latency.p50.toFixed(0)} µs, p99 ${summary.latency.p99.toFixed(0)} µs\n`);
          await nsqd.deleteTopic(topic).catch(() => undefined);
        }
      }
    }
  } finally {
    clearInterval(keepAlive);
    await nsqd.stop();
  }
  printTables(all);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
