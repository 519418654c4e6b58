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
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, MessagePattern, Payload, Transport, type ClientProxy, type MicroserviceOptions } from '@nestjs/microservices';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { lastValueFrom } from 'rxjs';
import { ClientNsq, NsqMessagePattern, ServerNsq } from 'nestjs-transport-nsq';
import { nsqBinary, repoRoot } from '../../support/nsq-binaries.js';
import { NsqdNode } from '../../support/nsqd-node.js';
import { percentile } from '../bench-stats.js';

const PATTERN = 'bench.rpc';
const CONCURRENCY = [1, 10, 100] as const;
const SMOKE = process.argv.includes('--smoke');
/** Requests measured per cell (after a warm-up of a tenth of it). */
const REQUESTS: Record<(typeof CONCURRENCY)[number], number> = SMOKE ? { 1: 200, 10: 500, 100: 1_000 } : { 1: 2_000, 10: 5_000, 100: 20_000 };
const REPETITIONS = SMOKE ? 1 : 3;
const PAYLOAD = { id: 'req-0001', amount: 42, note: 'request-response bench payload' };

interface RpcArm {
  readonly id: string;
  readonly label: string;
  /** Packages Nest loads for it: checked first, since Nest's loader ends the process when one is missing. */
  readonly packages: readonly string[];
  /** The responder's microservice options and the caller's client. */
  start(): Promise<{ server: MicroserviceOptions; client: ClientProxy }>;
}

interface Cell {
  readonly concurrency: number;
  readonly p50: number;
  readonly p99: number;
  readonly throughput: number;
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

function arms(nsqdTcpAddress: string): RpcArm[] {
  const nest = (options: MicroserviceOptions) => async () => ({ server: options, client: ClientProxyFactory.create(options as never) as unknown as ClientProxy });
  return [
    {
      id: 'nsq',
      label: 'nestjs-transport-nsq (this transport, nsqd 1.3)',
      packages: [],
      start: async () => ({ server: { strategy: new ServerNsq({ nsqdTcpAddresses: [nsqdTcpAddress] }) }, client: new ClientNsq({ nsqdTcpAddresses: [nsqdTcpAddress] }) }),
    },
    { id: 'nats', label: 'Nest NATS (Transport.NATS)', packages: ['@nats-io/transport-node'], start: nest({ transport: Transport.NATS, options: { servers: ['nats://127.0.0.1:4222'] } }) },
    { id: 'redis', label: 'Nest Redis (Transport.REDIS)', packages: ['ioredis'], start: nest({ transport: Transport.REDIS, options: { host: '127.0.0.1', port: 6379 } }) },
    {
      id: 'rmq',
      label: 'Nest RabbitMQ (Transport.RMQ)',
      packages: ['amqplib', 'amqp-connection-manager'],
      start: nest({ transport: Transport.RMQ, options: { urls: ['amqp://guest:guest@127.0.0.1:5672'], queue: 'bench_rpc', queueOptions: { durable: false } } }),
    },
  ];
}

/** `count` requests with `concurrency` in flight; latency of each, and the rate over the whole cell. */
async function cell(client: ClientProxy, concurrency: number, count: number): Promise<Cell> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const t0 = performance.now();
        await lastValueFrom(client.send(PATTERN, PAYLOAD));
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { concurrency, p50: percentile(latencies, 50), p99: percentile(latencies, 99), throughput: (count / elapsed) * 1000 };
}

async function runArm(arm: RpcArm): Promise<Cell[] | string> {
  let app: INestMicroservice | undefined;
  let client: ClientProxy | undefined;
  const missing = arm.packages.filter((name) => !resolvable(name));
  if (missing.length > 0) return `skipped: ${missing.join(', ')} not installed`;
  try {
    const started = await arm.start();
    client = started.client;
    @Module({ controllers: [arm.id === 'nsq' ? NsqEchoController : EchoController] })
    class BenchRpcModule {}
    app = await NestFactory.createMicroservice<MicroserviceOptions>(BenchRpcModule, { ...started.server, logger: ['error'] });
    await app.listen();
    await client.connect();
    const cells: Cell[] = [];
    for (const concurrency of CONCURRENCY) {
      await cell(client, concurrency, Math.ceil(REQUESTS[concurrency] / 10));
      const runs: Cell[] = [];
      for (let r = 0; r < REPETITIONS; r++) runs.push(await cell(client, concurrency, REQUESTS[concurrency]));
      // The median repetition by p50: one noisy run on a shared machine does not decide the figure.
      runs.sort((a, b) => a.p50 - b.p50);
      cells.push(runs[Math.floor(runs.length / 2)]!);
      process.stderr.write(`${arm.id} c=${concurrency}: p50 ${cells.at(-1)!.p50.toFixed(3)} ms\n`);
    }
    return cells;
  } catch (error) {
    return `skipped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  } finally {
    await client?.close();
    await app?.close();
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

async function main(): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1_000);
  const dataRoot = await mkdtemp(join(tmpdir(), 'nsq-bench-rpc-'));
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath: dataRoot, args: ['--log-level=warn'] });
  const results = new Map<RpcArm, Cell[] | string>();
  const loadBefore = loadavg()[0]!;
  try {
    for (const arm of arms(nsqd.tcpAddress)) results.set(arm, await runArm(arm));
  } finally {
    await nsqd.stop();
    await rm(dataRoot, { recursive: true, force: true });
    clearInterval(keepAlive);
  }
  const nats = results.get([...results.keys()].find((a) => a.id === 'nats')!);
  const lines = [
    '## Request-response (`client.send` → `@MessagePattern` → reply)',
    '',
    `Run ${new Date().toISOString()}${SMOKE ? ' (smoke: short cells, not figures)' : ''}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; ` +
      `${execFileSync(nsqBinary('nsqd'), ['--version'], { encoding: 'utf8' }).trim()}. One caller process, responder in the same process; ` +
      `payload ${JSON.stringify(PAYLOAD).length} bytes of JSON echoed back. Each cell: a warm-up, then ${REPETITIONS} run(s) of ` +
      `${CONCURRENCY.map((c) => `${REQUESTS[c]} requests at ${c} in flight`).join(', ')}; the run with the median p50 is shown. ` +
      `1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (above the core count, other work shared the machine: figures are indicative).`,
    '',
    '| transport | in flight | p50 ms | p99 ms | requests/s | p50 vs Nest NATS |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [arm, outcome] of results) {
    if (typeof outcome === 'string') {
      lines.push(`| ${arm.label} | – | – | – | – | ${outcome} |`);
      continue;
    }
    for (const c of outcome) {
      const base = Array.isArray(nats) ? nats.find((n) => n.concurrency === c.concurrency) : undefined;
      const ratio = base ? `${(c.p50 / base.p50).toFixed(2)}×` : '–';
      lines.push(`| ${arm.label} | ${c.concurrency} | ${c.p50.toFixed(3)} | ${c.p99.toFixed(3)} | ${Math.round(c.throughput)} | ${ratio} |`);
    }
  }
  const out = join(repoRoot(), 'test', 'bench', 'results', 'request-response.md');
  await writeFile(out, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
