import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NsqBinaryNotFoundError } from './nsq-binary-not-found.error.js';

/** The NSQ programs `test/scripts/install-nsq.sh` provides. */
export type NsqProgram = 'nsqd' | 'nsqlookupd' | 'nsqadmin' | 'nsq_tail' | 'to_nsq' | 'bench_writer' | 'bench_reader';

/**
 * The repository root: two levels above this file (test/support/), or the working directory when
 * that does not look like the repository (e.g. this file was copied or bundled elsewhere).
 */
export function repoRoot(): string {
  const fromThisFile = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return existsSync(join(fromThisFile, 'package.json')) ? fromThisFile : process.cwd();
}

/**
 * Absolute path of an NSQ program: `<repo>/.nsq/bin/<name>` first (the pinned version the install
 * script provides), else the first match on PATH.
 *
 * @throws NsqBinaryNotFoundError when neither has it, telling to run `npm run nsq:install`.
 * @example
 * spawn(nsqBinary('nsq_tail'), [`--nsqd-tcp-address=${nsqd.tcpAddress}`, '--topic=t']);
 */
export function nsqBinary(name: NsqProgram): string {
  const candidates = [
    join(repoRoot(), '.nsq', 'bin'),
    ...(process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== ''),
  ].map((dir) => join(dir, name));
  const found = candidates.find(isExecutableFile);
  if (found === undefined) throw new NsqBinaryNotFoundError(name, candidates);
  return found;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
