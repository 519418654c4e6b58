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
 */
export async function createTopology(nodes: readonly NsqdNode[], pairs: ReadonlyArray<{ topic: string; channel: string }>, timeoutMs: number, onError: (error: Error) => void): Promise<void> {
  const topics = [...new Set(pairs.map((p) => p.topic))];
  await Promise.all(
    nodes.map(async (node) => {
      try {
        await Promise.all(topics.map((topic) => post(node, '/topic/create', { topic }, timeoutMs)));
        await Promise.all(pairs.map(({ topic, channel }) => post(node, '/channel/create', { topic, channel }, timeoutMs)));
      } catch (error) {
        onError(error instanceof Error ? error : new Error(String(error)));
      }
    }),
  );
}

async function post(node: NsqdNode, path: string, params: Record<string, string>, timeoutMs: number): Promise<void> {
  const response = await fetch(`http://${node.httpAddress}${path}?${new URLSearchParams(params)}`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`nsqd ${node.httpAddress} answered ${response.status} to ${path} ${Object.values(params).join('/')}`);
}
