/**
 * Diagnostic: the consumer's envelope step alone, in one process, this build
 * against `--baseline DIR` (a built `libs/nsq-transport` of another commit),
 * rounds alternated. The baseline opens `message.body` (nsqjs slices the body
 * out of the frame on every read) with `openNsqBody`; this build opens the
 * envelope in the frame with `openNsqBodyAt` when it has it. Two headers
 * (`traceparent`, `tenant`) and a 1 KiB JSON payload, as bench:envelope sends.
 *
 *   node dist/bench/test/bench/envelope-open-micro.js --baseline DIR
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Opened {
  readonly payload: Buffer;
  readonly deliverAt?: string;
}
interface EnvelopeModule {
  encodeNsqEnvelope(headers: Record<string, string>, payload: Buffer): Buffer;
  openNsqBody(body: Buffer): Opened;
  openNsqBodyAt?(bytes: Buffer, start: number): Opened;
}

const FRAME_HEADER = 26;
const MESSAGES = 1_000;
const ROUNDS = 400;

async function load(dir: string): Promise<EnvelopeModule> {
  return (await import(pathToFileURL(join(resolve(dir), 'dist/esm/wire/nsq-envelope.js')).href)) as EnvelopeModule;
}

function opener(lib: EnvelopeModule): (frame: Buffer) => Opened {
  const at = lib.openNsqBodyAt;
  return at ? (frame) => at(frame, FRAME_HEADER) : (frame) => lib.openNsqBody(frame.subarray(FRAME_HEADER));
}

function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(p * (sorted.length - 1))]!;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--baseline');
  if (at < 0) throw new Error('--baseline DIR is required');
  const base = await load(argv[at + 1]!);
  const ours = await load('libs/nsq-transport');
  const headers = Object.assign(Object.create(null) as Record<string, string>, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tenant: 'acme' });
  const frames = Array.from({ length: MESSAGES }, (_, seq) =>
    Buffer.concat([Buffer.alloc(FRAME_HEADER, 0x30), base.encodeNsqEnvelope(headers, Buffer.from(JSON.stringify({ seq, t: 0, pad: 'x'.repeat(984) })))]),
  );
  const run = (open: (frame: Buffer) => Opened) => () => {
    let sum = 0;
    for (const frame of frames) {
      const opened = open(frame);
      sum += opened.payload.length + (opened.deliverAt === undefined ? 0 : 1);
    }
    return sum;
  };
  const arms: Record<string, () => number> = { baseline: run(opener(base)), this: run(opener(ours)) };
  const times: Record<string, number[]> = { baseline: [], this: [] };
  for (const name in arms) for (let i = 0; i < 500; i++) arms[name]!();
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 ? ['baseline', 'this'] : ['this', 'baseline']) {
      const start = process.hrtime.bigint();
      arms[name]!();
      times[name]!.push(Number(process.hrtime.bigint() - start) / MESSAGES);
    }
  }
  for (const name in times) {
    const v = times[name]!;
    process.stdout.write(`${name.padEnd(8)} ns per message: min ${quantile(v, 0).toFixed(0)}, p10 ${quantile(v, 0.1).toFixed(0)}, p25 ${quantile(v, 0.25).toFixed(0)}, median ${quantile(v, 0.5).toFixed(0)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
