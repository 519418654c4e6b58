import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NsqdNode } from './nsqd-node.js';
import { NsqLookupdNode } from './nsqlookupd-node.js';
import { waitFor } from './wait-for.js';

/** What `startNsqCluster` starts. */
export interface NsqClusterOptions {
  /**
   * How many nsqds to start.
   * @default 1
   */
  readonly nsqds?: number;
  /**
   * Whether to start an nsqlookupd and register every nsqd with it.
   * @default true
   */
  readonly lookupd?: boolean;
  /**
   * Extra flags for every nsqd, including those added later (e.g. `['--msg-timeout=2s']`).
   * @default []
   */
  readonly nsqdArgs?: readonly string[];
}

/** Real NSQ processes on 127.0.0.1 for one test file. */
export interface NsqCluster {
  /** Present unless started with `lookupd: false`. */
  readonly lookupd?: NsqLookupdNode;
  /** Every nsqd, in start order; `addNsqd` appends here. */
  readonly nsqds: readonly NsqdNode[];
  /**
   * Starts one more nsqd with the cluster's `nsqdArgs` plus `args`; with a lookupd, resolves once the
   * lookupd lists it.
   */
  addNsqd(args?: readonly string[]): Promise<NsqdNode>;
  /** Kills every process and removes the data directories. Safe to call more than once. */
  close(): Promise<void>;
}

/** How long a new nsqd may take to show up in lookupd's `/nodes`. */
const REGISTRATION_TIMEOUT_MS = 5_000;
/** nsqd's `--node-id` must be in [0, 1024); ids only need to differ within this test process. */
const NODE_ID_LIMIT = 1024;
let lastNodeId = 0;

/**
 * Starts an nsqlookupd (unless `lookupd: false`) and `nsqds` nsqds on free loopback ports, each with
 * its own temporary data directory, and resolves once all answer `/ping` and, with a lookupd, are
 * registered with it. Tests fail (not skip) when the programs are missing: run `npm run nsq:install`.
 *
 * @example
 * let cluster: NsqCluster;
 * beforeAll(async () => { cluster = await startNsqCluster({ nsqds: 2 }); });
 * afterAll(() => cluster?.close());
 */
export async function startNsqCluster(options: NsqClusterOptions = {}): Promise<NsqCluster> {
  const cluster = new LocalNsqCluster(await mkdtemp(join(tmpdir(), 'nsq-cluster-')), options.nsqdArgs ?? []);
  try {
    if (options.lookupd ?? true) await cluster.startLookupd();
    // In parallel: each nsqd start is dominated by waiting for its /ping.
    const starts = await Promise.allSettled(Array.from({ length: options.nsqds ?? 1 }, () => cluster.addNsqd()));
    const failure = starts.find((start): start is PromiseRejectedResult => start.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    return cluster;
  } catch (error) {
    await cluster.close();
    throw error;
  }
}

class LocalNsqCluster implements NsqCluster {
  lookupd?: NsqLookupdNode;
  readonly nsqds: NsqdNode[] = [];
  private closing?: Promise<void>;

  constructor(
    private readonly rootDir: string,
    private readonly nsqdArgs: readonly string[],
  ) {}

  async startLookupd(): Promise<void> {
    this.lookupd = await NsqLookupdNode.start();
  }

  async addNsqd(args: readonly string[] = []): Promise<NsqdNode> {
    if (this.closing !== undefined) throw new Error('cannot add an nsqd: the cluster is closed');
    const nodeId = nextNodeId();
    const nsqd = await NsqdNode.start({
      nodeId,
      dataPath: await mkdtemp(join(this.rootDir, `nsqd-${nodeId}-`)),
      lookupdTcpAddresses: this.lookupd === undefined ? [] : [this.lookupd.tcpAddress],
      args: [...this.nsqdArgs, ...args],
    });
    // Registered before close() could miss it, even if the lookupd wait below fails.
    this.nsqds.push(nsqd);
    if (this.closing !== undefined) {
      await nsqd.kill();
      throw new Error('cannot add an nsqd: the cluster was closed while it started');
    }
    if (this.lookupd !== undefined) await this.waitForRegistration(this.lookupd, nsqd);
    return nsqd;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // SIGKILL, not SIGTERM: the data directories are deleted anyway, and kill also ends paused processes.
    await Promise.all([...this.nsqds.map((nsqd) => nsqd.kill()), this.lookupd?.kill()]);
    await rm(this.rootDir, { recursive: true, force: true });
  }

  private async waitForRegistration(lookupd: NsqLookupdNode, nsqd: NsqdNode): Promise<void> {
    await waitFor(async () => (await lookupd.producers()).some((p) => p.tcp_port === nsqd.tcpPort), {
      timeoutMs: REGISTRATION_TIMEOUT_MS,
      message: () => `nsqd#${nsqd.nodeId} (${nsqd.tcpAddress}) did not register with nsqlookupd ${lookupd.tcpAddress}\n${nsqd.output()}`,
    });
  }
}

function nextNodeId(): number {
  lastNodeId = (lastNodeId % (NODE_ID_LIMIT - 1)) + 1;
  return lastNodeId;
}
