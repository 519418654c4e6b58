import { spawn, type ChildProcess } from 'node:child_process';
import { OutputTail } from '../../support/output-tail.js';
import { repoRoot } from '../../support/nsq-binaries.js';
import { reapOnExit } from '../../support/process-reaper.js';
import { freePort } from '../../support/free-port.js';
import { waitFor } from '../../support/wait-for.js';
import { getJson } from './http.js';

/** The compiled saver (dist/apps/saver/main.js) as a child process, so it can be killed for real. */
export interface SaverProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: OutputTail;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

export async function spawnSaver(env: Record<string, string>): Promise<SaverProcess> {
  const port = await freePort();
  const output = new OutputTail();
  const child = spawn(process.execPath, ['dist/apps/saver/main.js'], {
    cwd: repoRoot(),
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, SAVER_HOST: '127.0.0.1', SAVER_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reapOnExit(child);
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  const url = `http://127.0.0.1:${port}`;
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(
    async () => {
      if (gone) throw new Error('saver exited');
      return (await getJson<{ status: string }>(`${url}/health`)).body.status === 'ok';
    },
    // PGlite boots and migrates in seconds, but past 30 s when both cores are busy.
    { timeoutMs: 90_000, intervalMs: 100, message: () => `saver did not become healthy:\n${output.text()}` },
  );
  return { url, child, output, exited };
}
