/**
 * Where the bytes of a held (in-flight, handler parked) message go: one arm,
 * `count` messages held, heap snapshots of the idle and the loaded consumer,
 * and the difference per message grouped by V8 node (constructor, closure
 * name, "system / Context", array kinds...). Not part of `npm run bench`.
 *
 *   node --expose-gc dist/bench/test/bench/memory-profile.js ours 100 5000 [--snapshot] [--lib DIR]
 *
 * Arguments: raw|ours|nats|nest-floor|plain-floor, size, count (nats: Nest's NATS transport on
 * 127.0.0.1:4222, emit → handler; the floors: no broker, size unused); `--snapshot` adds the breakdown (slow:
 * two heap snapshots); `--lib DIR` runs "ours" from another build of the
 * library (a directory holding its package.json and dist/, for A/B against a
 * copy of the build before a change).
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { NsqdNode } from '../support/nsqd-node.js';
import { startConsumerApp } from './arms/nest-apps.js';
import { NEST_BROKERS, NestBrokerArm } from './arms/nest-broker.arm.js';
import { RawNsqjsArm } from './arms/raw-nsqjs.arm.js';
import { payload } from './bench-payloads.js';
import type { BenchConsumer, BenchConsumerSpec, BenchTarget } from './bench-arm.interface.js';
import { BenchFiller } from './bench-filler.js';
import { until } from './bench-cell.js';

interface NodeTally {
  count: number;
  bytes: number;
}

/** Self bytes and counts per `type:name` of a .heapsnapshot; closures also by where their function is defined. */
async function tallySnapshot(file: string): Promise<Map<string, NodeTally>> {
  const snapshot = JSON.parse(await readFile(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]]; location_fields: string[] } };
    nodes: number[];
    edges: number[];
    locations: number[];
    strings: string[];
  };
  const meta = snapshot.snapshot.meta;
  const { nodes, edges, strings } = snapshot;
  const width = meta.node_fields.length;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const edgeCountAt = meta.node_fields.indexOf('edge_count');
  const edgeWidth = meta.edge_fields.length;
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index');
  const edgeToAt = meta.edge_fields.indexOf('to_node');
  const edgeTypes = meta.edge_types[0];
  const types = meta.node_types[0];
  const firstEdge = new Uint32Array(nodes.length / width + 1);
  for (let n = 0, e = 0; n < nodes.length / width; n++) {
    firstEdge[n] = e;
    e += nodes[n * width + edgeCountAt]! * edgeWidth;
  }
  /** The node an edge named `name` of node `n` (an ordinal) points to, as an ordinal. */
  const follow = (n: number, name: string): number | undefined => {
    for (let e = firstEdge[n]!; e < firstEdge[n]! + nodes[n * width + edgeCountAt]! * edgeWidth; e += edgeWidth) {
      const type = edgeTypes[edges[e + edgeTypeAt]!];
      if (type === 'element' || type === 'hidden') continue;
      if (strings[edges[e + edgeNameAt]!] === name) return edges[e + edgeToAt]! / width;
    }
    return undefined;
  };
  const where = new Map<number, string>();
  const locWidth = meta.location_fields.length;
  const objectAt = meta.location_fields.indexOf('object_index');
  const lineAt = meta.location_fields.indexOf('line');
  for (let i = 0; i < snapshot.locations.length; i += locWidth) {
    const n = snapshot.locations[i + objectAt]! / width;
    if (types[nodes[n * width + typeAt]!] !== 'closure') continue;
    const shared = follow(n, 'shared');
    const script = shared === undefined ? undefined : (follow(shared, 'script') ?? follow(shared, 'script_or_debug_info'));
    const scriptName = script === undefined ? undefined : follow(script, 'name');
    const url = scriptName === undefined ? '?' : strings[nodes[scriptName * width + nameAt]!]!;
    where.set(n, `${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${snapshot.locations[i + lineAt]! + 1}`);
  }
  /** Anonymous and generic nodes are named by their first retainer: `<- owner.edge`. */
  const generic = (type: string, name: string): boolean =>
    (type === 'array' && (name === '' || name === '(object properties)')) ||
    (type === 'object' && (name === 'system / Context' || name === 'Promise' || name === 'Object' || name === 'Array' || name === 'Generator')) ||
    (type === 'hidden' && name === 'system / PromiseReaction') ||
    (type === 'closure' && name === '');
  const retainer = new Map<number, string>();
  const describe = (n: number): string => {
    const type = types[nodes[n * width + typeAt]!]!;
    const name = strings[nodes[n * width + nameAt]!]!;
    return type === 'closure' ? `${name}@${where.get(n) ?? '?'}` : name.length > 40 ? `${name.slice(0, 37)}...` : name;
  };
  if (process.env.BY_RETAINER) {
    for (let n = 0; n < nodes.length / width; n++) {
      for (let e = firstEdge[n]!; e < firstEdge[n]! + nodes[n * width + edgeCountAt]! * edgeWidth; e += edgeWidth) {
        const to = edges[e + edgeToAt]! / width;
        if (retainer.has(to)) continue;
        const edgeType = edgeTypes[edges[e + edgeTypeAt]!]!;
        if (edgeType === 'weak') continue;
        const toType = types[nodes[to * width + typeAt]!]!;
        if (!generic(toType, strings[nodes[to * width + nameAt]!]!)) continue;
        const edgeName = edgeType === 'element' || edgeType === 'hidden' ? `[${edges[e + edgeNameAt]}]` : strings[edges[e + edgeNameAt]!]!;
        retainer.set(to, ` <- ${describe(n)}.${edgeName}`);
      }
    }
  }
  const tallies = new Map<string, NodeTally>();
  for (let n = 0; n < nodes.length / width; n++) {
    const i = n * width;
    const type = types[nodes[i + typeAt]!]!;
    let name = strings[nodes[i + nameAt]!]!;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number') name = '';
    if (name.length > 60) name = `${name.slice(0, 57)}...`;
    if (type === 'closure') name = `${name}@${where.get(n) ?? '?'}`;
    const key = `${type}:${name}${retainer.get(n) ?? ''}`;
    const tally = tallies.get(key) ?? { count: 0, bytes: 0 };
    tally.count += 1;
    tally.bytes += nodes[i + sizeAt]!;
    tallies.set(key, tally);
  }
  return tallies;
}

/** The difference between two snapshots per message, largest first. */
async function printBreakdown(idleFile: string, loadedFile: string, count: number): Promise<void> {
    const [before, after] = [await tallySnapshot(idleFile), await tallySnapshot(loadedFile)];
    const rows: Array<[string, number, number]> = [];
    for (const [key, tally] of after) {
      const base = before.get(key) ?? { count: 0, bytes: 0 };
      const bytes = (tally.bytes - base.bytes) / count;
      if (Math.abs(bytes) >= 4) rows.push([key, (tally.count - base.count) / count, bytes]);
    }
    rows.sort((a, b) => b[2] - a[2]);
    let total = 0;
    for (const [key, objects, bytes] of rows) {
      total += bytes;
      process.stdout.write(`  ${bytes.toFixed(1).padStart(8)} B  ${objects.toFixed(2).padStart(6)}/msg  ${key}\n`);
    }
    process.stdout.write(`  ${total.toFixed(1).padStart(8)} B  total of the rows above (snapshot self sizes)\n`);
  
}

function collect(): { heap: number; external: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, external: usage.external };
}

async function createOurs(libDir: string | undefined, target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
  const lib = (await import(libDir ? pathToFileURL(join(resolve(libDir), 'dist/esm/index.js')).href : 'nestjs-transport-nsq')) as typeof import('nestjs-transport-nsq');
  const server = new lib.ServerNsq({ nsqdTcpAddresses: [target.nsqdTcpAddress], channel: spec.channel, maxInFlight: spec.maxInFlight, drainTimeoutMs: 2_000 });
  const app = await startConsumerApp(server, lib.NsqEventPattern(spec.topic, { channel: spec.channel }), spec.onMessage);
  return { close: () => app.close() };
}

/**
 * Nest's own per-invocation objects, without any broker: a do-nothing
 * transport (a Server that only collects Nest's handlers) in the same minimal
 * app, its `@EventPattern` handler called `count` times with a context, each
 * result followed by one `then` (as raw nsqjs's arm follows its handler's
 * promise), every handler parked. `plain` calls the bench's handler directly
 * instead: the difference is what Nest's handler pipeline retains per
 * message in flight, whatever the transport.
 */
async function floor(nest: boolean, count: number, snapshotDir: string | undefined): Promise<void> {
  const { Server, BaseRpcContext, EventPattern } = await import('@nestjs/microservices');
  const held: Array<{ payload: unknown; release: () => void }> = [];
  const onMessage = (payload: unknown): Promise<void> => new Promise<void>((release) => held.push({ payload, release }));
  let call: (data: unknown, context: unknown) => Promise<unknown> = onMessage as (data: unknown) => Promise<unknown>;
  let close = async (): Promise<void> => undefined;
  if (nest) {
    class CollectingServer extends Server {
      // As ServerNsq: Nest hands handler errors to the transport instead of reporting them itself.
      override readonly propagatesEventHandlerErrors = true;
      listen(callback: () => void): void {
        callback();
      }
      close(): void {}
      on(): void {}
      unwrap<T>(): T {
        return undefined as T;
      }
    }
    const server = new CollectingServer();
    const app = await startConsumerApp(server, EventPattern('floor') as MethodDecorator, onMessage as (payload: unknown) => Promise<void>);
    const handler = server.getHandlerByPattern('floor')!;
    call = (data, context) => handler(data, context) as Promise<unknown>;
    close = () => app.close();
  }
  const payloads = Array.from({ length: count }, (_, i) => ({ seq: i, body: 'x'.repeat(60) }));
  const settled = { ok: 0, failed: 0 };
  await new Promise((r) => setTimeout(r, 100));
  const idle = collect();
  const idleFile = snapshotDir ? writeHeapSnapshot(join(snapshotDir, 'idle.heapsnapshot')) : undefined;
  for (let i = 0; i < count; i++) {
    const context = new BaseRpcContext([i]);
    call(payloads[i], context).then(
      () => (settled.ok += 1),
      () => (settled.failed += 1),
    );
  }
  await until(() => held.length >= count, 10_000, 'floor holding');
  await new Promise((r) => setTimeout(r, 100));
  const loaded = collect();
  const loadedFile = snapshotDir ? writeHeapSnapshot(join(snapshotDir, 'loaded.heapsnapshot')) : undefined;
  const perMessage = (loaded.heap + loaded.external - idle.heap - idle.external) / count;
  process.stdout.write(`${nest ? 'nest-floor (Nest handler pipeline, no broker)' : 'plain-floor (the handler called directly)'} x${count}: ${Math.round(perMessage)} B/message\n`);
  if (idleFile && loadedFile) await printBreakdown(idleFile, loadedFile, count);
  for (const entry of held) entry.release();
  await new Promise((r) => setTimeout(r, 50));
  await close();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const [, value] = args.splice(at, 2);
    return value;
  };
  const snapshot = args.includes('--snapshot');
  if (snapshot) args.splice(args.indexOf('--snapshot'), 1);
  const libDir = flag('--lib');
  const [armId = 'ours', sizeArg = '100', countArg = '5000'] = args;
  const size = Number(sizeArg);
  const count = Number(countArg);
  if (armId === 'nest-floor' || armId === 'plain-floor') {
    const dir = snapshot ? await mkdtemp(join(tmpdir(), 'nsq-heap-')) : undefined;
    try {
      return await floor(armId === 'nest-floor', count, dir);
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }
  const dataPath = await mkdtemp(join(tmpdir(), 'nsq-memory-profile-'));
  // nsqd's default --max-rdy-count (2500) would cap what a connection holds.
  const nsqd = await NsqdNode.start({ nodeId: 3, dataPath, args: ['--mem-queue-size=1000000', '--log-level=warn', `--max-rdy-count=${Math.max(2500, Number(process.argv[4] ?? 0))}`] });
  const snapshotDir = await mkdtemp(join(tmpdir(), 'nsq-heap-'));
  try {
    const target = { nsqdTcpAddress: nsqd.tcpAddress };
    const topic = 'memory-profile';
    await nsqd.createTopic(topic);
    await nsqd.createChannel(topic, 'held');
    const held: Array<{ payload: unknown; release: () => void }> = [];
    const spec: BenchConsumerSpec = {
      topic,
      channel: 'held',
      maxInFlight: count,
      onMessage: (payload) => new Promise<void>((release) => held.push({ payload, release })),
    };
    const nats = armId === 'nats' ? new NestBrokerArm(NEST_BROKERS.find((b) => b.id === 'nats')!) : undefined;
    const consumer = nats ? await nats.createConsumer(target, spec) : armId === 'raw' ? await new RawNsqjsArm().createConsumer(target, spec) : await createOurs(libDir, target, spec);
    const filler = await BenchFiller.connect(nsqd.tcpAddress);
    // Nest's NATS transport (core pub/sub, no flow control): every emitted message reaches a handler at once.
    const producer = nats ? await nats.createProducer(target, topic) : undefined;
    const fill = producer
      ? () => Promise.all(Array.from({ length: count }, (_, i) => new Promise<void>((done) => producer.publish(topic, payload(size, i), () => done())))).then(() => undefined)
      : () => filler.fill(topic, size, count);
    await new Promise((r) => setTimeout(r, 100));
    const idle = collect();
    const idleFile = snapshot ? writeHeapSnapshot(join(snapshotDir, 'idle.heapsnapshot')) : undefined;
    await fill();
    await until(() => held.length >= count, 60_000, `${armId} holding ${count}`);
    await new Promise((r) => setTimeout(r, 100));
    const loaded = collect();
    const loadedFile = snapshot ? writeHeapSnapshot(join(snapshotDir, 'loaded.heapsnapshot')) : undefined;
    const heap = (loaded.heap - idle.heap) / count;
    const external = (loaded.external - idle.external) / count;
    process.stdout.write(`${armId}${libDir ? ` (${libDir})` : ''} ${size} B x${count}: ${Math.round(heap + external)} B/message (heap ${Math.round(heap)}, external ${Math.round(external)})\n`);
    if (idleFile && loadedFile) await printBreakdown(idleFile, loadedFile, count);
    for (const entry of held) entry.release();
    await new Promise((r) => setTimeout(r, 100));
    await consumer.close();
    await producer?.close();
    filler.close();
  } finally {
    await nsqd.kill();
    await rm(dataPath, { recursive: true, force: true });
    await rm(snapshotDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
