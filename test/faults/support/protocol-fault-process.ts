import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../../support/nsq-binaries.js';
import { OutputTail } from '../../support/output-tail.js';
import { reapOnExit } from '../../support/process-reaper.js';
import { waitFor } from '../../support/wait-for.js';
import { PROBE_PREFIX, type ProbeEvent, type ProtocolFaultClientConfig, type ProtocolFaultCommand } from '../apps/protocol-fault-messages.js';
import { faultAppPath } from './build-fault-apps.js';
import type { FaultAppExit } from './fault-app.js';

type EventOf<K extends ProbeEvent['event']> = Extract<ProbeEvent, { event: K }>;

/**
 * The protocol-fault client app running as a child process (run
 * `buildFaultApps()` first): sends it commands, collects its PROBE events,
 * and tells a crash (an exit the test did not ask for) from a clean stop.
 */
export class ProtocolFaultProcess {
  readonly events: ProbeEvent[] = [];
  readonly output = new OutputTail(64 * 1024);
  readonly exited: Promise<FaultAppExit>;
  private exit: FaultAppExit | undefined;
  private partial = '';

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
    child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk));
    // The child may be gone when we write a command; its exit is what the test reports.
    child.stdin!.on('error', () => undefined);
  }

  static start(config: ProtocolFaultClientConfig): ProtocolFaultProcess {
    const child = spawn(process.execPath, [faultAppPath('protocol-fault-client')], {
      cwd: repoRoot(),
      env: { ...process.env, FAULT_CONFIG: JSON.stringify(config), NODE_OPTIONS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    reapOnExit(child);
    return new ProtocolFaultProcess(child);
  }

  get isRunning(): boolean {
    return this.exit === undefined;
  }

  of<K extends ProbeEvent['event']>(kind: K): Array<EventOf<K>> {
    return this.events.filter((e): e is EventOf<K> => e.event === kind);
  }

  send(command: ProtocolFaultCommand): void {
    if (this.isRunning) this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /**
   * Waits (with a deadline) until `condition` holds. Fails at once, with the
   * child's own account, if the child exits meanwhile: that is the crash the
   * tests look for.
   */
  async until(condition: () => boolean, what: string | (() => string), timeoutMs = 20_000): Promise<void> {
    const describeWait = () => (typeof what === 'string' ? what : what());
    await waitFor(() => !this.isRunning || condition(), { timeoutMs, message: () => `${describeWait()}\n${this.describe()}` });
    if (!this.isRunning) throw new Error(`the client process died while waiting for: ${describeWait()}\n${this.describe()}`);
  }

  /** Asks the app to close its client and exit; SIGKILL after the deadline. */
  async stop(timeoutMs = 15_000): Promise<FaultAppExit> {
    this.send({ cmd: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (this.isRunning) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Counts per event (and per error name), the crash if any, and the output tail: for failure messages. */
  describe(): string {
    const counts = new Map<string, number>();
    for (const e of this.events) {
      const key = e.event === 'error' ? `error ${e.name}` : e.event === 'emitted' ? `emitted ${e.ok ? 'ok' : e.name}` : e.event;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const crash = this.of('crash')[0];
    return [
      `client process: ${this.exit ? `exited (code ${this.exit.code}, signal ${this.exit.signal})` : 'running'}`,
      `events: ${[...counts].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'}`,
      ...(crash ? [`crash (${crash.origin}): ${crash.stack ?? `${crash.name}: ${crash.message}`}`] : []),
      `errors: ${this.of('error')
        .slice(0, 5)
        .map((e) => `${e.name}: ${e.message}`)
        .join(' | ')}`,
      `output tail:\n${this.output.text().slice(-4_000)}`,
    ].join('\n');
  }

  private read(chunk: Buffer): void {
    this.output.push(chunk);
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(PROBE_PREFIX)) this.events.push(JSON.parse(line.slice(PROBE_PREFIX.length)) as ProbeEvent);
    }
  }
}
