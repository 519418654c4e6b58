import { LOOPBACK } from './free-port.js';
import type { NsqProcess } from './nsq-process.js';

/**
 * What nsqd and nsqlookupd nodes share: their loopback addresses and the
 * signals a fault test sends them. Each delegates to its {@link NsqProcess}.
 */
export abstract class NsqNode {
  protected constructor(
    protected readonly process: NsqProcess,
    readonly tcpPort: number,
    readonly httpPort: number,
  ) {}

  /** `127.0.0.1:<tcp port>`. */
  get tcpAddress(): string {
    return `${LOOPBACK}:${this.tcpPort}`;
  }

  /** `127.0.0.1:<http port>`. */
  get httpAddress(): string {
    return `${LOOPBACK}:${this.httpPort}`;
  }

  /** PID while running. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** The last lines the program logged, for failure messages. */
  output(): string {
    return this.process.output.text();
  }

  /** Clean stop (SIGTERM); waits for exit. nsqd writes memory, in-flight and deferred messages to disk. */
  stop(): Promise<void> {
    return this.process.stop();
  }

  /** Crash (SIGKILL); waits for exit. Whatever nsqd held in memory is lost. */
  kill(): Promise<void> {
    return this.process.kill();
  }

  /** Freezes the program (SIGSTOP): connections stay open but nothing is answered, like a hung server. */
  pause(): void {
    this.process.pause();
  }

  /** Continues after {@link pause} (SIGCONT). */
  resume(): void {
    this.process.resume();
  }

  /**
   * Starts the program again on the same ports (and, for nsqd, the same data directory, so persisted
   * messages come back), stopping it first if it runs. Resolves on `/ping`.
   */
  restart(): Promise<void> {
    return this.process.restart();
  }

  isRunning(): boolean {
    return this.process.isRunning();
  }
}
