import { spawn, type ChildProcess } from 'node:child_process';
import { OutputTail } from '../../support/output-tail.js';
import { reapOnExit } from '../../support/process-reaper.js';
import { repoRoot } from '../../support/nsq-binaries.js';
import type { FaultConsumerConfig } from '../apps/fault-consumer.js';
import type { FaultProducerConfig } from '../apps/fault-producer.js';
import { faultAppPath } from './build-fault-apps.js';

export interface FaultAppExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A fault app (consumer or producer) running as a child process. */
export interface FaultApp {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly output: OutputTail;
  readonly exited: Promise<FaultAppExit>;
  readonly isRunning: () => boolean;
  /** Resolves once the app printed its ready line (consumer: listen() resolved; producer: connected). */
  readonly ready: Promise<void>;
  /** SIGKILL, resolves on exit. */
  kill(): Promise<FaultAppExit>;
  /** SIGTERM (the app's shutdown hooks drain and exit), resolves on exit. */
  terminate(): Promise<FaultAppExit>;
}

const READY_LINE = 'FAULT-APP-READY';

export function startFaultConsumer(config: FaultConsumerConfig, readyTimeoutMs = 60_000): FaultApp {
  return startFaultApp('fault-consumer', config, readyTimeoutMs);
}

export function startFaultProducer(config: FaultProducerConfig, readyTimeoutMs = 60_000): FaultApp {
  return startFaultApp('fault-producer', config, readyTimeoutMs);
}

/**
 * Spawns a compiled fault app (run `buildFaultApps()` first) with `--expose-gc`
 * so its metrics show settled heap; `ready` tells when it is up.
 */
function startFaultApp(app: 'fault-consumer' | 'fault-producer', config: object, readyTimeoutMs: number): FaultApp {
  const output = new OutputTail(64 * 1024);
  const child = spawn(process.execPath, ['--expose-gc', faultAppPath(app)], {
    cwd: repoRoot(),
    env: { ...process.env, FAULT_CONFIG: JSON.stringify(config), NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reapOnExit(child);
  let exit: FaultAppExit | undefined;
  const exited = new Promise<FaultAppExit>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${app} not ready within ${readyTimeoutMs} ms:\n${output.text()}`)), readyTimeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk);
      if (output.text().includes(READY_LINE)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk));
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited before ready (${e.signal ?? e.code}):\n${output.text()}`));
    });
  });
  ready.catch(() => undefined);
  const signal = async (name: NodeJS.Signals) => {
    if (exit === undefined) child.kill(name);
    return exited;
  };
  return {
    child,
    pid: child.pid!,
    output,
    exited,
    isRunning: () => exit === undefined,
    ready,
    kill: () => signal('SIGKILL'),
    terminate: () => signal('SIGTERM'),
  };
}
