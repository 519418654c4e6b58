import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { nsqBinary } from '../support/nsq-binaries.js';

const run = promisify(execFile);

/**
 * Settings comparable to the Node arms: one connection (GOMAXPROCS=1; each
 * tool opens one connection per GOMAXPROCS, and a Node arm has one connection
 * and one JS thread), MPUBs of 200 like the hand-batching raw arm, RDY 1000
 * like the consume arms' largest maxInFlight.
 */
const GO_ENV = { ...process.env, GOMAXPROCS: '1' };
export const CEILING_RDY = 1000;
export const CEILING_BATCH = 200;

/** nsqd's --max-body-size is 5 MiB: bench_writer's MPUBs of big messages must stay under it. */
function batchSizeFor(size: number): number {
  return Math.max(1, Math.min(CEILING_BATCH, Math.floor((4 * 1024 * 1024) / (size + 4))));
}

/** Parses the `... - 123.456ops/s - ...` line both Go tools print. */
function opsPerSecond(output: string, program: string): number {
  const match = /([0-9.]+)ops\/s/.exec(output);
  if (!match) throw new Error(`${program} printed no ops/s figure:\n${output}`);
  return Number(match[1]);
}

/** nsqd's own bench_writer (MPUB, one connection, see GO_ENV) for `seconds`: messages per second. */
export async function benchWriter(nsqdTcpAddress: string, topic: string, size: number, seconds: number): Promise<number> {
  const { stdout, stderr } = await run(
    nsqBinary('bench_writer'),
    [`--nsqd-tcp-address=${nsqdTcpAddress}`, `--topic=${topic}`, `--size=${size}`, `--batch-size=${batchSizeFor(size)}`, `--runfor=${seconds}s`],
    { timeout: (seconds + 30) * 1000, maxBuffer: 1 << 20, env: GO_ENV },
  );
  return opsPerSecond(stdout + stderr, 'bench_writer');
}

/**
 * nsqd's own bench_reader (RDY 1000, one connection, see GO_ENV) for `seconds`.
 * It divides what it read by the whole run time, so the channel must hold
 * more than it can read in that time.
 */
export async function benchReader(nsqdTcpAddress: string, topic: string, channel: string, size: number, seconds: number): Promise<number> {
  const { stdout, stderr } = await run(
    nsqBinary('bench_reader'),
    [`--nsqd-tcp-address=${nsqdTcpAddress}`, `--topic=${topic}`, `--channel=${channel}`, `--size=${size}`, `--rdy=${CEILING_RDY}`, `--runfor=${seconds}s`],
    { timeout: (seconds + 30) * 1000, maxBuffer: 1 << 20, env: GO_ENV },
  );
  return opsPerSecond(stdout + stderr, 'bench_reader');
}
