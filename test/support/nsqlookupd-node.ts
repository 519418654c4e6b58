import { LOOPBACK } from './free-port.js';
import { nsqHttpJson } from './nsq-http.js';
import { NsqNode } from './nsq-node.js';
import { NsqProcess, startOnFreePorts } from './nsq-process.js';
import type { LookupdProducer } from './nsq-stats.js';

/**
 * A real nsqlookupd on 127.0.0.1, on ports of its own. Created by `startNsqCluster`.
 *
 * @example
 * const producers = await cluster.lookupd!.producers();
 * new ServerNsq({ lookupdHttpAddresses: [cluster.lookupd!.httpAddress] });
 */
export class NsqLookupdNode extends NsqNode {
  private constructor(process: NsqProcess, tcpPort: number, httpPort: number) {
    super(process, tcpPort, httpPort);
  }

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

  /** The nsqds registered with this lookupd (`GET /nodes`). */
  async producers(): Promise<readonly LookupdProducer[]> {
    const nodes = await nsqHttpJson<{ producers: LookupdProducer[] | null }>(this.httpAddress, '/nodes');
    return nodes.producers ?? [];
  }
}
