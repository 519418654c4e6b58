import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { reapOnExit } from '../../../test/support/process-reaper.js';

/** One compiled app (dist/apps/<app>/main.js) as a child process named `name` (saver-1, …), its output in `logPath`. */
export class ServiceProcess {
  private readonly child: ChildProcess;
  private exitedWith: string | undefined;
  private stopping = false;

  constructor(
    readonly name: string,
    readonly logPath: string,
    root: string,
    /** Which app: `agent` or `saver`. */
    app: 'agent' | 'saver',
    env: Record<string, string>,
    onUnexpectedExit: (name: string, how: string) => void,
  ) {
    const log = createWriteStream(logPath);
    // Its own process group: Ctrl-C reaches the demo, which stops the apps in order (agent, then saver).
    this.child = spawn(process.execPath, [join('dist', 'apps', app, 'main.js')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    reapOnExit(this.child);
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
    this.child.once('exit', (code, signal) => {
      this.exitedWith = String(signal ?? code);
      if (!this.stopping) onUnexpectedExit(name, this.exitedWith);
    });
  }

  get exited(): boolean {
    return this.exitedWith !== undefined;
  }

  /** SIGTERM (the app drains), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.exited) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
