import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { nsqBinary } from '../support/nsq-binaries.js';

const run = promisify(execFile);

/** nsqd's --max-body-size is 5 MiB: bench_writer's MPUBs of big messages must stay under it. */
function batchSizeFor(size: number): number {
  return Math.max(1, Math.min(200, Math.floor((4 * 1024 * 1024) / (size + 4))));
}

/** Parses the `... - 123.456ops/s - ...` line both Go tools print. */
function opsPerSecond(output: string, program: string): number {
  const match = /([0-9.]+)ops\/s/.exec(output);
  if (!match) throw new Error(`${program} printed no ops/s figure:\n${output}`);
  return Number(match[1]);
}

/** nsqd's own bench_writer (MPUB, one connection per core) for `seconds`: messages per second. */
export async function benchWriter(nsqdTcpAddress: string, topic: string, size: number, seconds: number): Promise<number> {
  const { stdout, stderr } = await run(
    nsqBinary('bench_writer'),
    [`--nsqd-tcp-address=${nsqdTcpAddress}`, `--topic=${topic}`, `--size=${size}`, `--batch-size=${batchSizeFor(size)}`, `--runfor=${seconds}s`],
    { timeout: (seconds + 30) * 1000, maxBuffer: 1 << 20 },
  );
  return opsPerSecond(stdout + stderr, 'bench_writer');
}

/**
 * nsqd's own bench_reader (RDY 2500, one connection per core) for `seconds`.
 * It divides what it read by the whole run time, so the channel must hold
 * more than it can read in that time.
 */
export async function benchReader(nsqdTcpAddress: string, topic: string, channel: string, size: number, seconds: number): Promise<number> {
  const { stdout, stderr } = await run(
    nsqBinary('bench_reader'),
    [`--nsqd-tcp-address=${nsqdTcpAddress}`, `--topic=${topic}`, `--channel=${channel}`, `--size=${size}`, `--runfor=${seconds}s`],
    { timeout: (seconds + 30) * 1000, maxBuffer: 1 << 20 },
  );
  return opsPerSecond(stdout + stderr, 'bench_reader');
}
