import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { resolveTestNsqdOptions } from './resolve-test-nsqd-options.js';
import { TestNsqdStartError } from './test-nsqd-start.error.js';

/** How {@link TestNsqd.start} runs nsqd. */
export interface TestNsqdOptions {
  /** The nsqd program: a path, or a name looked up on `PATH`. @default 'nsqd' */
  readonly binary?: string;
  /** Extra nsqd flags, e.g. `['--msg-timeout=5s']`. @default [] */
  readonly args?: readonly string[];
  /** How long nsqd may take to answer `/ping`. @default 10000 */
  readonly startTimeoutMs?: number;
}

/** Fixed limits (the options' defaults are in resolve-test-nsqd-options.ts). */
const LIMITS = {
  stopTimeoutMs: 5_000,
  /** Free ports are picked, then bound by nsqd: another process may take one in between. */
  portAttempts: 3,
  /** Lines of nsqd's output kept for an error: its first ones (a refused flag) and its last ones. */
  outputLines: 20,
} as const;

/** nsqds still running when the test process exits are killed, not left behind. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * A real nsqd for integration tests, on free loopback ports with a throwaway
 * data directory. Needs the NSQ programs on `PATH` (or `binary`). Point
 * `ServerNsq` / `ClientNsq` at `tcpAddress`; `httpAddress` serves `/stats`.
 *
 * @example
 * ```ts
 * let nsqd: TestNsqd;
 * beforeAll(async () => { nsqd = await TestNsqd.start(); });
 * afterAll(() => nsqd?.stop());
 *
 * const client = new ClientNsq({ nsqdTcpAddresses: [nsqd.tcpAddress] });
 * ```
 */
export class TestNsqd {
  /** Settles when the process is gone (or never started). */
  private readonly exited: Promise<void>;
  /** Settles once its output is read to the end too (or it never started). */
  private readonly drained: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dataPath: string,
    /** `127.0.0.1:port` of nsqd's TCP listener (what the transport connects to). */
    readonly tcpAddress: string,
    /** `127.0.0.1:port` of nsqd's HTTP API (`/ping`, `/stats?format=json`, `/pub`). */
    readonly httpAddress: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    this.drained = new Promise((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    });
  }

  /**
   * Starts nsqd and resolves once it answers `/ping`; rejects with
   * {@link TestNsqdStartError} (or InvalidNsqOptionError for bad options).
   */
  static async start(options: TestNsqdOptions = {}): Promise<TestNsqd> {
    const { binary, args: extraArgs, startTimeoutMs } = resolveTestNsqdOptions(options);
    for (let attempt = 1; ; attempt++) {
      const dataPath = await mkdtemp(join(tmpdir(), 'test-nsqd-'));
      const [tcpPort, httpPort] = await freePorts();
      const tcpAddress = `127.0.0.1:${tcpPort}`;
      const httpAddress = `127.0.0.1:${httpPort}`;
      const args = [`--tcp-address=${tcpAddress}`, `--http-address=${httpAddress}`, `--data-path=${dataPath}`, ...extraArgs];
      const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const nsqd = new TestNsqd(child, dataPath, tcpAddress, httpAddress);
      const output = collectOutput(child);
      try {
        await nsqd.whenReady(startTimeoutMs);
        track(child);
        return nsqd;
      } catch (error) {
        await nsqd.stop();
        await nsqd.drained;
        // Read by shape: under Jest, Node's own errors come from another realm than `Error`.
        const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
        if (code === 'ENOENT') throw new TestNsqdStartError(`"${binary}" was not found: put the NSQ programs (nsqd) on PATH, or pass { binary }`, '');
        const text = output();
        if (/address already in use/i.test(text) && attempt < LIMITS.portAttempts) continue;
        throw new TestNsqdStartError(`nsqd did not start: ${typeof message === 'string' ? message : String(error)}`, text);
      }
    }
  }

  /** SIGTERM (SIGKILL if it lingers), then removes the data directory. Safe to call twice. */
  async stop(): Promise<void> {
    const alive = this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    if (alive) {
      this.child.kill('SIGTERM');
      const lingering = delay(LIMITS.stopTimeoutMs, 'lingering', { ref: false });
      if ((await Promise.race([this.exited, lingering])) === 'lingering') {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    running.delete(this.child);
    await rm(this.dataPath, { recursive: true, force: true });
  }

  private async whenReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const failed = new Promise<never>((_, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code, signal) => reject(new Error(`nsqd exited (${signal ?? `code ${code}`})`)));
    });
    // Keeps an early exit from being an unhandled rejection once ready.
    failed.catch(() => undefined);
    while (Date.now() < deadline) {
      const answered = await Promise.race([ping(this.httpAddress), failed]);
      if (answered) return;
      await Promise.race([delay(25), failed]);
    }
    throw new Error(`no answer on http://${this.httpAddress}/ping within ${timeoutMs} ms`);
  }
}

async function ping(httpAddress: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${httpAddress}/ping`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Two ports free a moment ago; both are held until both are known, so they differ. */
async function freePorts(): Promise<[number, number]> {
  const servers = [createServer(), createServer()];
  try {
    const ports = await Promise.all(
      servers.map(async (server) => {
        server.listen(0, '127.0.0.1');
        await once(server, 'listening');
        const address = server.address();
        if (address === null || typeof address === 'string') throw new Error('no TCP port assigned');
        return address.port;
      }),
    );
    return [ports[0]!, ports[1]!];
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Keeps nsqd's first and last output lines, for the error message of a failed start. */
function collectOutput(child: ChildProcess): () => string {
  const first: string[] = [];
  const last: string[] = [];
  let dropped = 0;
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.length === 0) continue;
      if (first.length < LIMITS.outputLines) {
        first.push(line);
        continue;
      }
      last.push(line);
      if (last.length > LIMITS.outputLines) {
        last.shift();
        dropped++;
      }
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => [...first, ...(dropped > 0 ? [`… ${dropped} lines …`] : []), ...last].join('\n');
}

function track(child: ChildProcess): void {
  // The test process may exit with nsqd still running (a forgotten stop()): it
  // must not wait for nsqd, and the exit hook below ends nsqd.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const orphan of running) orphan.kill('SIGKILL');
  });
}
