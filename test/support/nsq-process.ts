import { existsSync, readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { freePorts } from './free-port.js';
import { nsqBinary, type NsqProgram } from './nsq-binaries.js';
import { NsqProcessStartError } from './nsq-process-start.error.js';
import { OutputTail } from './output-tail.js';
import { reapOnExit } from './process-reaper.js';
import { waitFor } from './wait-for.js';

/** What to run and how to tell it is ready. */
export interface NsqProcessSpec {
  /** Which NSQ program to run, resolved with `nsqBinary`. */
  readonly program: NsqProgram;
  readonly args: readonly string[];
  /** `host:port` of the program's HTTP listener; `GET /ping` answering `OK` means ready. */
  readonly httpAddress: string;
  /** Name used in error messages, e.g. `nsqd#2`. */
  readonly label: string;
  /**
   * How long the program gets to answer `/ping` after spawning, in milliseconds.
   * @default 10000
   */
  readonly startTimeoutMs?: number;
}

/** How a run of the program ended. */
export interface NsqProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<NsqProcessExit>;
  /** Settles once stdout and stderr are drained too, so the output tail is complete. */
  readonly drained: Promise<void>;
  exit?: NsqProcessExit;
}

const DEFAULT_START_TIMEOUT_MS = 10_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 1_000;
/** A restarted program gets its old ports back; the OS may need a moment to release them. */
const REBIND_WINDOW_MS = 5_000;
const PORT_ATTEMPTS = 5;

/**
 * One NSQ program (nsqd, nsqlookupd, ...) bound to 127.0.0.1, started and stopped on demand with the
 * same arguments each time. Its stdout/stderr are kept (bounded) for error messages.
 *
 * @example
 * const lookupd = new NsqProcess({ program: 'nsqlookupd', args, httpAddress: '127.0.0.1:4161', label: 'nsqlookupd' });
 * await lookupd.start();
 * lookupd.pause(); lookupd.resume();
 * await lookupd.stop();
 */
export class NsqProcess {
  /** The last output of the program, across restarts. */
  readonly output = new OutputTail();
  private run?: Run;

  constructor(readonly spec: NsqProcessSpec) {}

  /** PID of the current run, if it is running. */
  get pid(): number | undefined {
    return this.isRunning() ? this.run?.child.pid : undefined;
  }

  /** True while the program has been spawned and has not exited (a paused program is running). */
  isRunning(): boolean {
    return this.run !== undefined && this.run.exit === undefined;
  }

  /**
   * Spawns the program and resolves once `/ping` answers `OK`.
   *
   * @throws NsqProcessStartError when it exits first (`addressInUse` tells a port clash) or stays
   *   silent past `startTimeoutMs`; the process is killed in that case.
   */
  async start(): Promise<void> {
    if (this.isRunning()) throw new Error(`${this.spec.label} is already running (pid ${this.pid})`);
    const run = this.spawn();
    this.run = run;
    const startTimeoutMs = this.spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    try {
      // Stop polling as soon as the process dies: its output then says why, no need to wait 10 s.
      await waitFor(async () => run.exit !== undefined || (await this.ping()), {
        timeoutMs: startTimeoutMs,
        intervalMs: 20,
      });
    } catch {
      await this.kill();
      throw new NsqProcessStartError(this.spec.label, `no answer on http://${this.spec.httpAddress}/ping within ${startTimeoutMs} ms`, this.output.text(), false);
    }
    if (run.exit !== undefined) {
      await run.drained;
      const output = this.output.text();
      throw new NsqProcessStartError(this.spec.label, `exited early (${describeExit(run.exit)})`, output, /address already in use/i.test(output));
    }
  }

  /**
   * Starts the program again with the same arguments (same ports, same data directory), stopping it
   * first if it runs. Retries for a few seconds while a port is still held by the previous run.
   */
  async restart(): Promise<void> {
    if (this.isRunning()) await this.stop();
    const deadline = Date.now() + REBIND_WINDOW_MS;
    for (;;) {
      try {
        return await this.start();
      } catch (error) {
        if (!(error instanceof NsqProcessStartError && error.addressInUse) || Date.now() >= deadline) throw error;
        await delay(100);
      }
    }
  }

  /**
   * Clean stop: SIGTERM (nsqd then persists its queues), resolves when the process has exited.
   * Escalates to SIGKILL after `timeoutMs`. Does nothing when not running.
   */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    const run = this.run;
    if (run === undefined || run.exit !== undefined) return;
    run.child.kill('SIGTERM');
    // A paused (SIGSTOP) process only acts on SIGTERM once continued.
    run.child.kill('SIGCONT');
    const escalation = new AbortController();
    const killLater = delay(timeoutMs, undefined, { signal: escalation.signal }).then(
      () => run.child.kill('SIGKILL'),
      () => undefined,
    );
    await run.exited;
    escalation.abort();
    await killLater;
  }

  /** Crash: SIGKILL (nsqd loses what it held in memory), resolves when the process has exited. */
  async kill(): Promise<void> {
    const run = this.run;
    if (run === undefined || run.exit !== undefined) return;
    run.child.kill('SIGKILL');
    await run.exited;
  }

  /** Freezes the process (SIGSTOP): its sockets stay open but nothing answers, like a hung server. */
  pause(): void {
    this.signal('SIGSTOP');
    // SIGSTOP takes effect when the kernel next schedules the process: until then its running threads
    // may still answer a command sent right after pause(). Return once it is really stopped.
    const pid = this.pid;
    if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return;
    const until = Date.now() + 2_000;
    while (Date.now() < until && !/^\d+ \(.*\) [Tt] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) {
      // Busy-wait on purpose: pause() is synchronous for its callers, and the stop lands within microseconds.
    }
  }

  /** Continues a paused process (SIGCONT). */
  resume(): void {
    this.signal('SIGCONT');
  }

  /** True when `GET /ping` answers `OK` within `timeoutMs`. */
  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
    try {
      const response = await fetch(`http://${this.spec.httpAddress}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
      return response.ok && (await response.text()).trim() === 'OK';
    } catch {
      return false;
    }
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.isRunning()) throw new Error(`${this.spec.label} is not running; cannot send ${signal}`);
    this.run!.child.kill(signal);
  }

  private spawn(): Run {
    const child = spawn(nsqBinary(this.spec.program), [...this.spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The harness must never be what keeps a test process alive; process-reaper cleans up instead.
    child.unref();
    for (const stream of [child.stdout, child.stderr]) {
      (stream as Socket | null)?.unref();
      stream?.on('data', (chunk: Buffer) => this.output.push(chunk));
    }
    const run: Run = {
      child,
      exited: new Promise((resolve) => {
        const settle = (exit: NsqProcessExit) => {
          run.exit ??= exit;
          resolve(run.exit);
        };
        child.once('exit', (code, signal) => settle({ code, signal }));
        // Spawning itself failed (e.g. EACCES): there will be no 'exit'.
        child.once('error', (error) => {
          this.output.push(`spawn failed: ${error.message}\n`);
          settle({ code: null, signal: null });
        });
      }),
      drained: new Promise((resolve) => {
        child.once('close', () => resolve());
        child.once('error', () => resolve());
      }),
    };
    reapOnExit(child);
    return run;
  }
}

/**
 * Allocates `portCount` free loopback ports, builds a process on them and starts it; when the program
 * reports "address already in use" (another process took a port in between), tries again with new
 * ports, up to 5 times.
 *
 * @example
 * const { process, ports: [tcpPort, httpPort] } = await startOnFreePorts(2, ([tcp, http]) => ({ program: 'nsqlookupd', ... }));
 */
export async function startOnFreePorts(
  portCount: number,
  build: (ports: readonly number[]) => NsqProcessSpec,
): Promise<{ process: NsqProcess; ports: readonly number[] }> {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(portCount);
    const process = new NsqProcess(build(ports));
    try {
      await process.start();
      return { process, ports };
    } catch (error) {
      if (!(error instanceof NsqProcessStartError && error.addressInUse) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

function describeExit(exit: NsqProcessExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
}
