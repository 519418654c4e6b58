import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../support/nsq-binaries.js';
import { OutputTail } from '../../support/output-tail.js';
import { reapOnExit } from '../../support/process-reaper.js';
import { waitFor } from '../../support/wait-for.js';
import type { RpcResponderConfig } from '../apps/rpc-responder.js';

/** Compiles test/rpc/apps with the library sources into dist/rpc (the app imports the sources by relative path). */
export async function buildRpcApps(): Promise<void> {
  const root = repoRoot();
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'test/rpc/apps/tsconfig.app.json'], { cwd: root });
}

export interface RpcResponderProcess {
  readonly child: ChildProcess;
  readonly output: OutputTail;
  /** Requests its handler has started, as announced on stdout. */
  requestsSeen(): number;
  kill(): Promise<NodeJS.Signals | null>;
}

/** Starts the compiled responder app; resolves once it listens. */
export async function startRpcResponderProcess(config: RpcResponderConfig): Promise<RpcResponderProcess> {
  const output = new OutputTail(64 * 1024);
  const child = spawn(process.execPath, [join(repoRoot(), 'dist/rpc/test/rpc/apps/rpc-responder.js')], {
    cwd: repoRoot(),
    env: { ...process.env, RPC_CONFIG: JSON.stringify(config), NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reapOnExit(child);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk));
  await waitFor(() => output.text().includes('RPC-RESPONDER-READY') || child.exitCode !== null, { timeoutMs: 60_000, message: () => `responder not ready:\n${output.text()}` });
  if (child.exitCode !== null) throw new Error(`responder exited:\n${output.text()}`);
  return {
    child,
    output,
    requestsSeen: () => output.text().split('\n').filter((line) => line.startsWith('RPC-REQUEST ')).length,
    kill: () => {
      child.kill('SIGKILL');
      return exited;
    },
  };
}
