/** An nsqd as nsqlookupd's `/nodes` describes it. */
export interface NsqdNode {
  readonly tcpAddress: string;
  readonly httpAddress: string;
}

interface LookupdNodes {
  producers?: Array<{ broadcast_address?: string; hostname?: string; tcp_port: number; http_port: number }>;
}

const withHttp = (address: string): string => (/^https?:\/\//.test(address) ? address : `http://${address}`);
const hostForUrl = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/**
 * The topology a consumer prepares through nsqlookupd: the nsqds lookupd
 * knows, and on each of them (once) every topic and channel the consumer
 * subscribes to. Asked again while a subscription waits, because an nsqd that
 * registers with lookupd after the first ask has no topic yet, so lookupd
 * would never name it for that topic.
 */
export class NsqTopology {
  private readonly prepared = new Set<string>();
  private readonly found = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly lookupdHttpAddresses: readonly string[],
    private readonly pairs: ReadonlyArray<{ readonly topic: string; readonly channel: string }>,
    private readonly create: boolean,
    private readonly timeoutMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** nsqd TCP addresses learnt from lookupd so far. */
  get discovered(): readonly string[] {
    return [...this.found];
  }

  /** Asks every lookupd for its nsqds and creates the topology on those not prepared yet; one run at a time. */
  prepare(): Promise<void> {
    if (this.lookupdHttpAddresses.length === 0) return Promise.resolve();
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<void> {
    const nodes = await discoverNsqds(this.lookupdHttpAddresses, this.timeoutMs, this.onError);
    for (const node of nodes) this.found.add(node.tcpAddress);
    const fresh = nodes.filter((node) => !this.prepared.has(node.tcpAddress));
    if (!this.create || fresh.length === 0) return;
    for (const node of await createTopology(fresh, this.pairs, this.timeoutMs, this.onError)) this.prepared.add(node.tcpAddress);
  }
}

/** Every nsqd registered with any of the lookupds (deduplicated); unreachable lookupds are reported, not thrown. */
export async function discoverNsqds(lookupdHttpAddresses: readonly string[], timeoutMs: number, onError: (error: Error) => void): Promise<NsqdNode[]> {
  const nodes = new Map<string, NsqdNode>();
  await Promise.all(
    lookupdHttpAddresses.map(async (lookupd) => {
      try {
        const response = await fetch(`${withHttp(lookupd)}/nodes`, { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) throw new Error(`nsqlookupd ${lookupd} answered ${response.status} to /nodes`);
        const body = (await response.json()) as LookupdNodes;
        for (const producer of body.producers ?? []) {
          const host = hostForUrl(producer.broadcast_address || producer.hostname || '127.0.0.1');
          const node = { tcpAddress: `${host}:${producer.tcp_port}`, httpAddress: `${host}:${producer.http_port}` };
          nodes.set(node.tcpAddress, node);
        }
      } catch (error) {
        onError(error instanceof Error ? error : new Error(String(error)));
      }
    }),
  );
  return [...nodes.values()];
}

/**
 * Creates each topic and channel on each nsqd, so messages published before
 * the first consumer connects are kept for the channel instead of being
 * missed by it. nsqd's `/channel/create` answers 404 until the topic exists.
 * Resolves with the nodes where everything was created; failures are reported.
 */
export async function createTopology(
  nodes: readonly NsqdNode[],
  pairs: ReadonlyArray<{ readonly topic: string; readonly channel: string }>,
  timeoutMs: number,
  onError: (error: Error) => void,
): Promise<NsqdNode[]> {
  const topics = [...new Set(pairs.map((p) => p.topic))];
  const done = await Promise.all(
    nodes.map(async (node) => {
      try {
        await Promise.all(topics.map((topic) => post(node, '/topic/create', { topic }, timeoutMs)));
        await Promise.all(pairs.map(({ topic, channel }) => post(node, '/channel/create', { topic, channel }, timeoutMs)));
        return node;
      } catch (error) {
        onError(error instanceof Error ? error : new Error(String(error)));
        return undefined;
      }
    }),
  );
  return done.filter((node): node is NsqdNode => node !== undefined);
}

async function post(node: NsqdNode, path: string, params: Record<string, string>, timeoutMs: number): Promise<void> {
  const response = await fetch(`http://${node.httpAddress}${path}?${new URLSearchParams(params)}`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`nsqd ${node.httpAddress} answered ${response.status} to ${path} ${Object.values(params).join('/')}`);
}
