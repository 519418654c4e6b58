import { LOOPBACK } from './free-port.js';
import { nsqHttpJson } from './nsq-http.js';
import { NsqProcess, startOnFreePorts } from './nsq-process.js';
import type { LookupdProducer } from './nsq-stats.js';

/**
 * A real nsqlookupd on 127.0.0.1, on ports of its own. Created by `startNsqCluster`.
 *
 * @example
 * const producers = await cluster.lookupd!.producers();
 * new ServerNsq({ lookupdHttpAddresses: [cluster.lookupd!.httpAddress] });
 */
export class NsqLookupdNode {
  private constructor(
    private readonly process: NsqProcess,
    readonly tcpPort: number,
    readonly httpPort: number,
  ) {}

  /** Starts an nsqlookupd on free loopback ports and resolves once it answers `/ping`. */
  static async start(): Promise<NsqLookupdNode> {
    const { process, ports } = await startOnFreePorts(2, ([tcpPort, httpPort]) => ({
      program: 'nsqlookupd',
      label: 'nsqlookupd',
      httpAddress: `${LOOPBACK}:${httpPort}`,
      args: [
        `--tcp-address=${LOOPBACK}:${tcpPort}`,
        `--http-address=${LOOPBACK}:${httpPort}`,
        // Otherwise it advertises the machine's hostname, which may not resolve to loopback.
        `--broadcast-address=${LOOPBACK}`,
      ],
    }));
    return new NsqLookupdNode(process, ports[0]!, ports[1]!);
  }

  /** `127.0.0.1:<tcp port>`, for nsqd's `--lookupd-tcp-address`. */
  get tcpAddress(): string {
    return `${LOOPBACK}:${this.tcpPort}`;
  }

  /** `127.0.0.1:<http port>`, for consumers' `lookupdHttpAddresses`. */
  get httpAddress(): string {
    return `${LOOPBACK}:${this.httpPort}`;
  }

  /** PID while running. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** The last lines nsqlookupd logged, for failure messages. */
  output(): string {
    return this.process.output.text();
  }

  /** The nsqds registered with this lookupd (`GET /nodes`). */
  async producers(): Promise<readonly LookupdProducer[]> {
    const nodes = await nsqHttpJson<{ producers: LookupdProducer[] | null }>(this.httpAddress, '/nodes');
    return nodes.producers ?? [];
  }

  /** SIGTERM and wait for exit. */
  stop(): Promise<void> {
    return this.process.stop();
  }

  /** SIGKILL and wait for exit. */
  kill(): Promise<void> {
    return this.process.kill();
  }

  /** SIGSTOP: sockets stay open, nothing answers. */
  pause(): void {
    this.process.pause();
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    this.process.resume();
  }

  /** Starts again on the same ports (stopping first if running); registrations are rebuilt by the nsqds. */
  restart(): Promise<void> {
    return this.process.restart();
  }

  isRunning(): boolean {
    return this.process.isRunning();
  }
}
