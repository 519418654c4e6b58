import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Last-resort cleanup for the programs the harness starts: they must not outlive the test run, even
 * when a test forgets `cluster.close()`, fails in `beforeAll`, or the Jest worker is killed.
 *
 * Two mechanisms, because neither is enough alone:
 * - `process.on('exit')` kills every live child synchronously. It works when the harness runs in plain
 *   Node, but NOT inside Jest: each test file sees a copy of `process` whose listeners never fire.
 * - A watchdog per child: a tiny `sh` that blocks reading a pipe from us and SIGKILLs the child when
 *   that pipe reaches EOF, i.e. when this process is gone for whatever reason (exit, crash, SIGKILL).
 *   When the child exits normally we kill the watchdog first, so it never signals a recycled PID.
 */
const live = new Set<ChildProcess>();

const WATCHDOG_SCRIPT = 'read -r _ignored; kill -KILL "$1" 2>/dev/null';

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Registers a freshly spawned child for last-resort cleanup; it leaves the registry when it exits.
 *
 * @example
 * const child = spawn(nsqBinary('nsqd'), args);
 * reapOnExit(child);
 */
export function reapOnExit(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  live.add(child);
  const watchdog = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'nsq-watchdog', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Neither the watchdog nor its pipe may keep the test process alive.
  watchdog.unref();
  const pipe = watchdog.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null;
  pipe?.unref?.();
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  child.once('exit', () => {
    live.delete(child);
    watchdog.kill('SIGKILL');
  });
}

/** PIDs of every child still registered (alive as far as this process knows). */
export function liveChildPids(): number[] {
  return [...live].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
}
