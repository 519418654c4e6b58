/**
 * Diagnostic, not part of the published figures: the consume side of
 * `bench:envelope` alone, at one size, with two builds of the library A/B in
 * one process (this one and `--baseline DIR`, as envelope-main takes it),
 * each run raw and enveloped, arms rotated per repetition. Prints, per arm,
 * median msg/s and this process's CPU µs per message, and per build the
 * envelope / raw ratios of each repetition. Writes only under `--out`.
 *
 *   node --expose-gc dist/bench/test/bench/envelope-consume-ab.js --out .tmp/ab [--baseline DIR] [--reps N] [--size 1024] [--count 60000] [--mif 100] [--arms new-raw,new-env]
 *
 * `--arms raw-tuned,new-raw,base-raw` measures against issue 16's baseline (raw nsqjs + cork).
 */
import { lastValueFrom } from 'rxjs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Session } from 'node:inspector/promises';
import * as ours from 'nestjs-transport-nsq';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget } from './bench-arm.interface.js';
import { payload, type BenchPayload } from './bench-payloads.js';
import { summarize } from './bench-stats.js';
import { startConsumerApp } from './arms/nest-apps.js';
import { runConsumeMeasured } from './workloads/consume.workload.js';
import { RawNsqjsTunedArm } from './arms/raw-nsqjs-tuned.arm.js';
import { NsqdNode } from '../support/nsqd-node.js';

const HEADERS = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tenant: 'acme' };
const CHANNEL = 'bench';
type Library = typeof ours;

/** Raw nsqjs + cork (issue 16's baseline), its channel filled with raw bodies by this build's client. */
class RawTunedArm extends RawNsqjsTunedArm {
  fill(target: BenchTarget, topic: string, size: number, count: number): Promise<void> {
    return new Arm('raw-tuned', '', ours, false).fill(target, topic, size, count);
  }
}

class Arm implements BenchArm {
  constructor(
    readonly id: string,
    readonly label: string,
    private readonly lib: Library,
    private readonly envelope: boolean,
    /** Bytes added to this arm's payloads (a raw arm as large on the wire as an enveloped one). */
    private readonly extraBytes = 0,
    /** What the channel is filled with, when not what the server reads: raw bodies, or envelopes without headers. */
    private readonly fillAs?: 'raw' | 'no-headers',
  ) {}

  createProducer(): Promise<BenchProducer> {
    throw new Error('consume only');
  }

  async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
    const { ServerNsq, NsqEventPattern } = this.lib;
    const server = new ServerNsq({ nsqdTcpAddresses: [target.nsqdTcpAddress], channel: spec.channel, maxInFlight: spec.maxInFlight, drainTimeoutMs: 2_000, ...(this.envelope ? { envelope: true } : {}) });
    const app = await startConsumerApp(server, NsqEventPattern(spec.topic, { channel: spec.channel }), spec.onMessage);
    return { close: () => app.close() };
  }

  /** Filled by this process's own build (the bytes on the wire are the same for both builds). */
  async fill(target: BenchTarget, topic: string, size: number, count: number): Promise<void> {
    const { ClientNsq, NsqRecordBuilder } = ours;
    const enveloped = this.envelope && this.fillAs !== 'raw';
    const client = new ClientNsq({ nsqdTcpAddresses: [target.nsqdTcpAddress], ...(enveloped ? { envelope: true } : {}) });
    try {
      // nsqd's --max-body-size is 5 MiB: an MPUB of at most 4 MiB.
      const per = Math.max(1, Math.min(500, Math.floor((4 * 1024 * 1024) / (size + this.extraBytes + 200))));
      for (let seq = 0; seq < count; seq += per) {
        const batch = Array.from({ length: Math.min(per, count - seq) }, (_, i) => payload(size + this.extraBytes, seq + i));
        const builder = new NsqRecordBuilder<BenchPayload>().setBatch(batch);
        if (enveloped && this.fillAs !== 'no-headers') builder.setHeaders(HEADERS);
        await lastValueFrom(client.emit(topic, builder.build()), { defaultValue: undefined });
      }
    } finally {
      await client.close();
    }
  }
}

/** A process's CPU time so far (user + system, µs), from /proc (Linux); NaN elsewhere. */
async function processCpuMicros(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
  } catch {
    return Number.NaN;
  }
}

function flag(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const out = flag(argv, '--out');
  if (!out) throw new Error('--out DIR is required');
  const reps = Number(flag(argv, '--reps') ?? 5);
  const size = Number(flag(argv, '--size') ?? 1024);
  const count = Number(flag(argv, '--count') ?? 60_000);
  const mif = Number(flag(argv, '--mif') ?? 100);
  const baselineDir = flag(argv, '--baseline');
  let arms: Array<BenchArm & { fill(target: BenchTarget, topic: string, size: number, count: number): Promise<void> }> = [new Arm('new-raw', 'this build, raw', ours, false), new Arm('new-env', 'this build, envelope', ours, true)];
  if (baselineDir) {
    const lib = (await import(pathToFileURL(join(resolve(baselineDir), 'dist/esm/index.js')).href)) as Library;
    arms.push(new Arm('base-raw', 'baseline, raw', lib, false), new Arm('base-env', 'baseline, envelope', lib, true));
  }
  // new-rawbig: raw bodies as many bytes larger as the envelope's headers take (what the bytes alone cost).
  arms.push(new Arm('new-rawbig', 'this build, raw, +94 bytes', ours, false, 94));
  // Envelope mode on raw bodies (the mode's cost without a header to read), and on envelopes without headers.
  arms.push(new Arm('new-envraw', 'this build, envelope mode, raw bodies', ours, true, 0, 'raw'));
  arms.push(new Arm('new-env0', 'this build, envelope mode, envelopes without headers', ours, true, 0, 'no-headers'));
  arms.push(new RawTunedArm());
  const only = flag(argv, '--arms') ?? arms.filter((a) => !['new-rawbig', 'new-envraw', 'new-env0', 'raw-tuned'].includes(a.id)).map((a) => a.id).join(',');
  arms = arms.filter((a) => only.split(',').includes(a.id));
  // --profile DIR: a CPU profile of each measured drain only (not the fill), one file per arm and repetition.
  const profileDir = flag(argv, '--profile');
  const session = profileDir ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
  }
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath: await mkdtemp(join(tmpdir(), 'nsq-bench-envab-')), args: ['--mem-queue-size=1000000', '--log-level=warn'] });
  const target: BenchTarget = { nsqdTcpAddress: nsqd.tcpAddress };
  const loadBefore = loadavg();
  const rate: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.id, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.id, []]));
  /** nsqd's CPU µs per message over each whole drain (connect to close; 10 ms tick resolution). */
  const nsqdCpu: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.id, []]));
  const nsqdPid = (nsqd as unknown as { process: { pid: number | undefined } }).process.pid;
  let seq = 0;
  const log = (line: string) => process.stderr.write(`[envelope-consume-ab ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  try {
    // Warm-up, not recorded.
    for (const arm of arms) {
      const t = `envab-${process.pid}-${++seq}`;
      await nsqd.createTopic(t);
      await nsqd.createChannel(t, CHANNEL);
      await arm.fill(target, t, size, 5_000);
      await runConsumeMeasured(arm, target, t, CHANNEL, 5_000, 100);
      await nsqd.deleteTopic(t);
    }
    for (let rep = 0; rep < reps; rep++) {
      for (const arm of arms.map((_, i) => arms[(i + rep) % arms.length]!)) {
        const t = `envab-${process.pid}-${++seq}`;
        await nsqd.createTopic(t);
        await nsqd.createChannel(t, CHANNEL);
        await arm.fill(target, t, size, count);
        global.gc?.();
        if (session) await session.post('Profiler.start');
        const nsqdBefore = await processCpuMicros(nsqdPid);
        const m = await runConsumeMeasured(arm, target, t, CHANNEL, count, mif);
        nsqdCpu[arm.id]!.push(((await processCpuMicros(nsqdPid)) - nsqdBefore) / count);
        if (session) {
          const { profile } = await session.post('Profiler.stop');
          await mkdir(resolve(profileDir!), { recursive: true });
          await writeFile(join(resolve(profileDir!), `${arm.id}-${rep + 1}.cpuprofile`), JSON.stringify(profile));
        }
        rate[arm.id]!.push(m.rate);
        cpu[arm.id]!.push(m.cpuMicrosPerMessage);
        log(`rep ${rep + 1} ${arm.id}: ${m.rate.toFixed(0)} msg/s, ${m.cpuMicrosPerMessage.toFixed(2)} µs/msg, nsqd ${nsqdCpu[arm.id]!.at(-1)!.toFixed(2)} µs/msg`);
        await nsqd.deleteTopic(t);
      }
    }
  } finally {
    await nsqd.stop();
  }
  const med = (v: number[]) => summarize(v).median;
  const lines = [`size ${size}, maxInFlight ${mif}, count ${count}, reps ${reps}, load ${loadBefore.map((l) => l.toFixed(2)).join('/')} → ${loadavg().map((l) => l.toFixed(2)).join('/')}`];
  for (const arm of arms) lines.push(`${arm.id.padEnd(9)} median ${med(rate[arm.id]!).toFixed(0)} msg/s, ${med(cpu[arm.id]!).toFixed(2)} µs/msg  nsqd ${med(nsqdCpu[arm.id]!).toFixed(2)} µs/msg  (rates ${rate[arm.id]!.map((r) => r.toFixed(0)).join(' ')}; cpu ${cpu[arm.id]!.map((c) => c.toFixed(2)).join(' ')})`);
  for (const build of ['new', 'base']) {
    const env = rate[`${build}-env`];
    const raw = rate[`${build}-raw`];
    if (!env || !raw || env.length === 0 || raw.length === 0) continue;
    const ratios = env.map((x, i) => x / raw[i]!);
    const cpuExtra = cpu[`${build}-env`]!.map((x, i) => x - cpu[`${build}-raw`]![i]!);
    lines.push(`${build}: env/raw rate median ${med(ratios).toFixed(3)} (${ratios.map((r) => r.toFixed(3)).join(' ')}); env−raw CPU median ${med(cpuExtra).toFixed(2)} µs/msg (${cpuExtra.map((c) => c.toFixed(2)).join(' ')})`);
  }
  if (rate['new-env']?.length && rate['base-env']?.length) {
    const r = rate['new-env'].map((x, i) => x / rate['base-env']![i]!);
    const c = cpu['new-env']!.map((x, i) => x - cpu['base-env']![i]!);
    lines.push(`new-env/base-env rate median ${med(r).toFixed(3)} (${r.map((x) => x.toFixed(3)).join(' ')}); CPU diff median ${med(c).toFixed(2)} µs/msg`);
  }
  for (const id of ['new-raw', 'base-raw']) {
    const ours = rate[id];
    const tuned = rate['raw-tuned'];
    if (!ours?.length || !tuned?.length) continue;
    const r = ours.map((x, i) => x / tuned[i]!);
    const c = cpu[id]!.map((x, i) => x - cpu['raw-tuned']![i]!);
    lines.push(`${id}/raw-tuned rate median ${med(r).toFixed(3)} (min ${Math.min(...r).toFixed(3)} max ${Math.max(...r).toFixed(3)}); CPU diff median ${med(c).toFixed(2)} µs/msg`);
  }
  await mkdir(resolve(out), { recursive: true });
  await writeFile(join(resolve(out), 'envelope-consume-ab.txt'), `${lines.join('\n')}\n`);
  await writeFile(join(resolve(out), 'envelope-consume-ab.json'), JSON.stringify({ size, count, reps, rate, cpu, nsqdCpu }, null, 2));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
