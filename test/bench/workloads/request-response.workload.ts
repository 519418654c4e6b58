/**
 * `npm run bench:rpc`: request-response (`client.send` → `@MessagePattern` →
 * reply) latency and throughput at 1, 10 and 100 requests in flight, for this
 * transport against Nest's built-in NATS, Redis and RabbitMQ transports on the
 * machine's own servers (127.0.0.1: NATS 4222, Redis 6379, RabbitMQ 5672
 * guest/guest), in one run. Self-contained: starts its own nsqd, writes its
 * section to test/bench/results/request-response.md. An arm whose server or
 * client package (`nats`, `ioredis`, `amqplib` + `amqp-connection-manager`,
 * loaded by Nest itself) is missing is reported as skipped, not faked.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, MessagePattern, Payload, Transport, type ClientProxy, type MicroserviceOptions } from '@nestjs/microservices';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { lastValueFrom } from 'rxjs';
import { ClientNsq, NsqMessagePattern, ServerNsq } from 'nestjs-transport-nsq';
import { Reader, type Message } from 'nsqjs';
import { splitAddress } from '../arms/arm-helpers.js';
import { connectReader, connectWriter } from '../arms/raw-nsqjs.arm.js';
import { nsqBinary, repoRoot } from '../../support/nsq-binaries.js';
import { NsqdNode } from '../../support/nsqd-node.js';
import { percentile, summarize, type Summary } from '../bench-stats.js';

const PATTERN = 'bench.rpc';
const ALL_CONCURRENCY = [1, 10, 100] as const;
const SMOKE = process.argv.includes('--smoke');
/** Requests measured per cell (after a warm-up of a tenth of it). */
const REQUESTS: Record<(typeof ALL_CONCURRENCY)[number], number> = SMOKE ? { 1: 200, 10: 500, 100: 1_000 } : { 1: 2_000, 10: 5_000, 100: 20_000 };
const REPETITIONS = SMOKE ? 1 : Number(argument('--rounds') ?? 5);
/** `--only nsq,nats,floor`: a subset of the arms. */
const ONLY = argument('--only')?.split(',');
/** `--out FILE`: where the section goes (default test/bench/results/request-response.md). */
const OUT = argument('--out');
/** `--baseline DIR[,DIR]`: adds an arm served by each such build of the library (a copy of libs/nsq-transport/dist): A/B in one run. */
const BASELINES = argument('--baseline')?.split(',');
/** `--concurrency 10,100`: a subset of the concurrencies. */
const CONCURRENCY = ALL_CONCURRENCY.filter((c) => argument('--concurrency')?.split(',').map(Number).includes(c) ?? true);
const PAYLOAD = { id: 'req-0001', amount: 42, note: 'request-response bench payload' };

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

interface RpcArm {
  /** The broker's TCP port on 127.0.0.1 (its process's CPU time is read from /proc). */
  readonly brokerPort: number;
  readonly id: string;
  readonly label: string;
  /** Packages Nest loads for it: checked first, since Nest's loader ends the process when one is missing. */
  readonly packages: readonly string[];
  /** A diagnostic arm (not a Nest transport): shown for reference, not compared. */
  readonly diagnostic?: boolean;
  /** Starts the responder and the caller; `request()` sends one request and resolves with its reply. */
  open(): Promise<OpenArm>;
}

interface OpenArm {
  request(): Promise<unknown>;
  close(): Promise<void>;
}

interface Cell {
  readonly p50: number;
  readonly p99: number;
  readonly throughput: number;
  /** CPU time of this process (caller and responder) per request, µs. */
  readonly cpuUs: number;
  /** CPU time of the broker's process per request, µs. */
  readonly brokerCpuUs: number;
  /** write and read system calls of this process per request (Linux /proc/self/io). */
  readonly writes: number;
  readonly reads: number;
}

@Controller()
class NsqEchoController {
  @NsqMessagePattern(PATTERN, { channel: 'bench', maxInFlight: 200 })
  echo(@Payload() data: unknown): unknown {
    return data;
  }
}

@Controller()
class EchoController {
  @MessagePattern(PATTERN)
  echo(@Payload() data: unknown): unknown {
    return data;
  }
}

/** A Nest microservice answering PATTERN and a ClientProxy calling it. */
async function openNest(id: string, server: MicroserviceOptions, client: ClientProxy, controller: new () => unknown = id === 'nsq' ? NsqEchoController : EchoController, pattern = PATTERN): Promise<OpenArm> {
  @Module({ controllers: [controller] })
  class BenchRpcModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(BenchRpcModule, { ...server, logger: ['error'] });
  try {
    await app.listen();
    await client.connect();
  } catch (error) {
    await client.close();
    await app.close();
    throw error;
  }
  return {
    request: () => lastValueFrom(client.send(pattern, PAYLOAD)),
    close: async () => {
      await client.close();
      await app.close();
    },
  };
}

/**
 * The floor: what nsqd itself allows for one request-response on this
 * machine. Bare nsqjs, the same four hops as the transport (PUB request,
 * delivery to the responder, PUB reply, delivery to the caller) over four
 * connections, with the best settings: nsqd's output buffer off on both
 * consuming connections, RDY 1000, a PUB per message as soon as it exists,
 * FIN at once. No envelope, no Nest: a correlation id, a separator, the JSON.
 */
async function openFloor(nsqdTcpAddress: string): Promise<OpenArm> {
  const topic = 'bench.floor';
  const replyTopic = 'bench.floor.reply';
  const reader = (t: string, c: string) => new Reader(t, c, { nsqdTCPAddresses: [nsqdTcpAddress], maxInFlight: 1_000, outputBufferSize: -1 } as never);
  const writer = () => connectWriter(nsqdTcpAddress, 'floor', {});
  const subscribed = (r: Reader) => {
    r.on('error', () => undefined);
    return connectReader(r, 'floor');
  };
  const requests = await writer();
  const replies = await writer();
  const responder = reader(topic, 'responder');
  const caller = reader(replyTopic, 'caller');
  const pending = new Map<string, (value: unknown) => void>();
  responder.on('message', (message: Message) => {
    replies.publish(replyTopic, message.body);
    message.finish();
  });
  caller.on('message', (message: Message) => {
    message.finish();
    const body = message.body as Buffer;
    const bar = body.indexOf(0x7c);
    const id = body.toString('latin1', 0, bar);
    pending.get(id)?.(JSON.parse(body.toString('utf8', bar + 1)));
    pending.delete(id);
  });
  await Promise.all([subscribed(responder), subscribed(caller)]);
  let next = 0;
  return {
    request: () =>
      new Promise((resolve, reject) => {
        const id = (++next).toString(36);
        pending.set(id, resolve);
        requests.publish(topic, Buffer.from(`${id}|${JSON.stringify(PAYLOAD)}`), (error?: Error) => {
          if (error) reject(error);
        });
      }),
    close: async () => {
      caller.close();
      responder.close();
      requests.close();
      replies.close();
    },
  };
}

/**
 * A minimal NSQ V2 connection for the socket floor: IDENTIFY with nsqd's
 * output buffer off, then frames in and commands out. Every command written
 * during one event-loop turn leaves in one write (cork, uncork on the next
 * tick); publishes of one turn leave as one PUB or MPUB.
 */
class FloorConnection {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private corked = false;
  private bodies: Buffer[] = [];
  private readonly answered: Array<() => void> = [];

  private constructor(socket: Socket, private readonly onMessage: (id: Buffer, body: Buffer) => void) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => undefined);
  }

  static async open(host: string, port: number, onMessage: (id: Buffer, body: Buffer) => void = () => undefined): Promise<FloorConnection> {
    const socket = connect({ host, port });
    await once(socket, 'connect');
    const connection = new FloorConnection(socket, onMessage);
    socket.write('  V2');
    const identify = Buffer.from(JSON.stringify({ client_id: 'floor', hostname: 'floor', user_agent: 'floor', feature_negotiation: false, output_buffer_size: -1 }));
    await connection.command(Buffer.concat([Buffer.from('IDENTIFY\n'), u32(identify.length), identify]));
    return connection;
  }

  async subscribe(topic: string, channel: string, rdy: number): Promise<void> {
    await this.command(Buffer.from(`SUB ${topic} ${channel}\n`));
    this.write(Buffer.from(`RDY ${rdy}\n`));
  }

  /** Queues `body` for this turn's PUB/MPUB to `topic` (one topic per connection here). */
  publish(topic: string, body: Buffer): void {
    this.bodies.push(body);
    if (this.bodies.length > 1) return;
    process.nextTick(() => {
      const bodies = this.bodies;
      this.bodies = [];
      const frame =
        bodies.length === 1
          ? Buffer.concat([Buffer.from(`PUB ${topic}\n`), u32(bodies[0]!.length), bodies[0]!])
          : Buffer.concat([Buffer.from(`MPUB ${topic}\n`), u32(4 + bodies.reduce((n, b) => n + 4 + b.length, 0)), u32(bodies.length), ...bodies.flatMap((b) => [u32(b.length), b])]);
      this.answered.push(() => undefined);
      this.write(frame);
    });
  }

  finish(id: Buffer): void {
    this.write(Buffer.concat([FIN, id, NEWLINE]));
  }

  close(): void {
    this.socket.destroy();
  }

  private command(frame: Buffer): Promise<void> {
    return new Promise((resolve) => {
      this.answered.push(resolve);
      this.write(frame);
    });
  }

  private write(frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let at = 0;
    while (this.buffered.length - at >= 8) {
      const size = this.buffered.readUInt32BE(at);
      if (this.buffered.length - at < 4 + size) break;
      const type = this.buffered.readUInt32BE(at + 4);
      const data = this.buffered.subarray(at + 8, at + 4 + size);
      at += 4 + size;
      if (type === 2) this.onMessage(data.subarray(10, 26), data.subarray(26));
      else if (type === 1) throw new Error(`nsqd: ${data.toString()}`);
      else if (data.toString() === '_heartbeat_') this.write(Buffer.from('NOP\n'));
      else this.answered.shift()?.();
    }
    this.buffered = this.buffered.subarray(at);
  }
}

const FIN = Buffer.from('FIN ');
const NEWLINE = Buffer.from('\n');

function u32(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(value);
  return b;
}

/**
 * The socket floor: the four hops over four minimal connections
 * ({@link FloorConnection}), writes coalesced per event-loop turn. What a
 * client costing next to nothing gets from nsqd here.
 */
async function openSocketFloor(nsqdTcpAddress: string): Promise<OpenArm> {
  const [host, port] = [nsqdTcpAddress.split(':')[0]!, Number(nsqdTcpAddress.split(':')[1])];
  const topic = 'bench.sfloor';
  const replyTopic = 'bench.sfloor.reply';
  const pending = new Map<string, (value: unknown) => void>();
  const requests = await FloorConnection.open(host, port);
  const replies = await FloorConnection.open(host, port);
  const responder: FloorConnection = await FloorConnection.open(host, port, (id, body) => {
    replies.publish(replyTopic, Buffer.from(body));
    responder.finish(Buffer.from(id));
  });
  const caller: FloorConnection = await FloorConnection.open(host, port, (id, body) => {
    caller.finish(Buffer.from(id));
    const bar = body.indexOf(0x7c);
    const key = body.toString('latin1', 0, bar);
    pending.get(key)?.(JSON.parse(body.toString('utf8', bar + 1)));
    pending.delete(key);
  });
  await responder.subscribe(topic, 'responder', 1_000);
  await caller.subscribe(replyTopic, 'caller', 1_000);
  let next = 0;
  return {
    request: () =>
      new Promise((resolve) => {
        const id = (++next).toString(36);
        pending.set(id, resolve);
        requests.publish(topic, Buffer.from(`${id}|${JSON.stringify(PAYLOAD)}`));
      }),
    close: async () => {
      for (const c of [caller, responder, requests, replies]) c.close();
    },
  };
}

/** The same echo served by another build of the library (`--baseline DIR`: a copy of libs/nsq-transport/dist): an A/B arm. */
async function openBaseline(dir: string, nsqdTcpAddress: string, pattern: string): Promise<OpenArm> {
  const lib = (await import(pathToFileURL(join(resolve(dir), 'esm', 'index.js')).href)) as typeof import('nestjs-transport-nsq');
  class BaselineEchoController {
    echo(data: unknown): unknown {
      return data;
    }
  }
  lib.NsqMessagePattern(pattern, { channel: 'bench', maxInFlight: 200 })(BaselineEchoController.prototype, 'echo', Object.getOwnPropertyDescriptor(BaselineEchoController.prototype, 'echo')!);
  Controller()(BaselineEchoController);
  return openNest(
    'nsq-base',
    { strategy: new lib.ServerNsq({ nsqdTcpAddresses: [nsqdTcpAddress] }) },
    new lib.ClientNsq({ nsqdTcpAddresses: [nsqdTcpAddress] }) as unknown as ClientProxy,
    BaselineEchoController,
    pattern,
  );
}

function arms(nsqdTcpAddress: string): RpcArm[] {
  const nsqdPort = Number(nsqdTcpAddress.split(':')[1]);
  const nest = (id: string, options: MicroserviceOptions) => () => openNest(id, options, ClientProxyFactory.create(options as never) as unknown as ClientProxy);
  return [
    {
      id: 'nsq',
      brokerPort: nsqdPort,
      label: 'nestjs-transport-nsq (this transport, nsqd 1.3)',
      packages: [],
      open: () =>
        openNest('nsq', { strategy: new ServerNsq({ nsqdTcpAddresses: [nsqdTcpAddress] }) }, new ClientNsq({ nsqdTcpAddresses: [nsqdTcpAddress] }) as unknown as ClientProxy),
    },
    ...(BASELINES ?? []).map((dir, i) => ({
      id: `nsq-base${i + 1}`,
      brokerPort: nsqdPort,
      label: `nestjs-transport-nsq, other build ${i + 1} (${dir})`,
      packages: [],
      diagnostic: true,
      open: () => openBaseline(dir, nsqdTcpAddress, `${PATTERN}.base${i + 1}`),
    })),
    { id: 'nats', brokerPort: 4222, label: 'Nest NATS (Transport.NATS)', packages: ['@nats-io/transport-node'], open: nest('nats', { transport: Transport.NATS, options: { servers: ['nats://127.0.0.1:4222'] } }) },
    { id: 'redis', brokerPort: 6379, label: 'Nest Redis (Transport.REDIS)', packages: ['ioredis'], open: nest('redis', { transport: Transport.REDIS, options: { host: '127.0.0.1', port: 6379 } }) },
    {
      id: 'rmq',
      brokerPort: 5672,
      label: 'Nest RabbitMQ (Transport.RMQ)',
      packages: ['amqplib', 'amqp-connection-manager'],
      open: nest('rmq', { transport: Transport.RMQ, options: { urls: ['amqp://guest:guest@127.0.0.1:5672'], queue: 'bench_rpc', queueOptions: { durable: false } } }),
    },
    {
      id: 'floor',
      brokerPort: nsqdPort,
      label: 'diagnostic: bare nsqjs ping-pong (the NSQ floor, 4 hops, no Nest)',
      packages: [],
      diagnostic: true,
      open: () => openFloor(nsqdTcpAddress),
    },
    {
      id: 'sfloor',
      brokerPort: nsqdPort,
      label: 'diagnostic: minimal socket client ping-pong (the NSQ floor, 4 hops, writes coalesced per turn)',
      packages: [],
      diagnostic: true,
      open: () => openSocketFloor(nsqdTcpAddress),
    },
  ];
}

/** `count` requests with `concurrency` in flight; latency of each, and the rate over the whole cell. */
async function cell(arm: OpenArm, brokerPid: number | undefined, concurrency: number, count: number): Promise<Cell> {
  const latencies: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const broker0 = processCpuUs(brokerPid);
  const io0 = syscalls();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const t0 = performance.now();
        await arm.request();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const broker = processCpuUs(brokerPid) - broker0;
  const io = syscalls();
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    throughput: (count / elapsed) * 1000,
    cpuUs: (cpu.user + cpu.system) / count,
    brokerCpuUs: broker / count,
    writes: (io.writes - io0.writes) / count,
    reads: (io.reads - io0.reads) / count,
  };
}

/** System calls that read and wrote so far (NaN off Linux). */
function syscalls(): { reads: number; writes: number } {
  try {
    const io = readFileSync('/proc/self/io', 'utf8');
    return { reads: Number(/syscr: (\d+)/.exec(io)?.[1]), writes: Number(/syscw: (\d+)/.exec(io)?.[1]) };
  } catch {
    return { reads: Number.NaN, writes: Number.NaN };
  }
}

/** The pid listening on 127.0.0.1:`port` (Linux `ss`), undefined when it cannot be told. */
function listenerPid(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const pid = /pid=(\d+)/.exec(out)?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    return undefined;
  }
}

/** User + system CPU time of process `pid` so far, µs (NaN when unreadable). */
function processCpuUs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

function resolvable(name: string): boolean {
  try {
    createRequire(join(repoRoot(), 'package.json')).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** What one arm measured at one concurrency: a cell per round, and the round's p50 over NATS's in the same round. */
interface Series {
  readonly cells: Cell[];
  readonly ratios: number[];
}

async function main(): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1_000);
  const dataRoot = await mkdtemp(join(tmpdir(), 'nsq-bench-rpc-'));
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath: dataRoot, args: ['--log-level=warn'] });
  const opened = new Map<RpcArm, OpenArm>();
  const skipped = new Map<RpcArm, string>();
  const series = new Map<string, Series>();
  const loads: number[] = [loadavg()[0]!];
  try {
    for (const arm of arms(nsqd.tcpAddress).filter((a) => ONLY === undefined || ONLY.includes(a.id))) {
      const missing = arm.packages.filter((name) => !resolvable(name));
      if (missing.length > 0) {
        skipped.set(arm, `skipped: ${missing.join(', ')} not installed`);
        continue;
      }
      try {
        opened.set(arm, await arm.open());
      } catch (error) {
        skipped.set(arm, `skipped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
    }
    // Rounds interleaved: every arm runs each round at the same concurrency before the next round, starting from a rotating arm,
    // so a busy moment on the shared machine falls on all of them alike.
    const order = [...opened.keys()];
    const pids = new Map(order.map((arm) => [arm, listenerPid(arm.brokerPort)]));
    for (const concurrency of CONCURRENCY) {
      for (const arm of order) await cell(opened.get(arm)!, pids.get(arm), concurrency, Math.ceil(REQUESTS[concurrency] / 10));
      for (let r = 0; r < REPETITIONS; r++) {
        const round = new Map<string, Cell>();
        for (let i = 0; i < order.length; i++) {
          const arm = order[(i + r) % order.length]!;
          round.set(arm.id, await cell(opened.get(arm)!, pids.get(arm), concurrency, REQUESTS[concurrency]));
        }
        loads.push(loadavg()[0]!);
        const nats = round.get('nats');
        for (const [id, c] of round) {
          const s = series.get(`${id}/${concurrency}`) ?? { cells: [], ratios: [] };
          s.cells.push(c);
          if (nats) s.ratios.push(c.p50 / nats.p50);
          series.set(`${id}/${concurrency}`, s);
        }
        process.stderr.write(`c=${concurrency} round ${r + 1}: ${[...round].map(([id, c]) => `${id} ${c.p50.toFixed(3)}`).join(', ')} (load ${loadavg()[0]!.toFixed(1)})\n`);
      }
    }
  } finally {
    for (const arm of opened.values()) await arm.close().catch(() => undefined);
    await nsqd.stop();
    await rm(dataRoot, { recursive: true, force: true });
    clearInterval(keepAlive);
  }
  const load = summarize(loads);
  const range = (s: Summary, digits: number) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
  const lines = [
    '## Request-response (`client.send` → `@MessagePattern` → reply)',
    '',
    `Run ${new Date().toISOString()}${SMOKE ? ' (smoke: short cells, not figures)' : ''}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; ` +
      `${execFileSync(nsqBinary('nsqd'), ['--version'], { encoding: 'utf8' }).trim()}. One caller process, responder in the same process; ` +
      `payload ${JSON.stringify(PAYLOAD).length} bytes of JSON echoed back. Each cell: a warm-up, then ${REPETITIONS} interleaved round(s) of ` +
      `${CONCURRENCY.map((c) => `${REQUESTS[c]} requests at ${c} in flight`).join(', ')} (every arm once per round, rotating which goes first); ` +
      `each figure is the median over the rounds with (min–max). "p50 vs Nest NATS" divides each round's p50 by NATS's in the same round. ` +
      `1-minute load average ${range(load, 1)} over the run${load.max > cpus().length ? ' (above the core count: other work shared the machine, figures are indicative)' : ''}.`,
    '',
    '| transport | in flight | p50 ms | p99 ms | requests/s | p50 vs Nest NATS | CPU µs/request: Node process | broker process | syscalls/request: write | read |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const arm of arms(nsqd.tcpAddress)) {
    const reason = skipped.get(arm);
    if (reason !== undefined) {
      lines.push(`| ${arm.label} | – | – | – | – | ${reason} | – | – | – | – |`);
      continue;
    }
    for (const concurrency of CONCURRENCY) {
      const s = series.get(`${arm.id}/${concurrency}`);
      if (!s) continue;
      const ratio = s.ratios.length > 0 ? `${range(summarize(s.ratios), 2)}×` : '–';
      lines.push(
        `| ${arm.label} | ${concurrency} | ${range(summarize(s.cells.map((c) => c.p50)), 3)} | ${range(summarize(s.cells.map((c) => c.p99)), 3)} | ` +
          `${range(summarize(s.cells.map((c) => c.throughput)), 0)} | ${ratio} | ${summarize(s.cells.map((c) => c.cpuUs)).median.toFixed(0)} | ` +
          `${summarize(s.cells.map((c) => c.brokerCpuUs)).median.toFixed(0)} | ${summarize(s.cells.map((c) => c.writes)).median.toFixed(2)} | ` +
          `${summarize(s.cells.map((c) => c.reads)).median.toFixed(2)} |`,
      );
    }
  }
  const out = OUT ?? join(repoRoot(), 'test', 'bench', 'results', 'request-response.md');
  await writeFile(out, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
