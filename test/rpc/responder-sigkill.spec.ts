import { EventEmitter } from 'node:events';
import { lastValueFrom } from 'rxjs';
import { ClientNsq, NsqRequestTimeoutError } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { buildRpcApps, startRpcResponderProcess } from './support/rpc-app.js';

const TOPIC = 'rpc.sigkill';
const REQUESTS = 20;

/** Listeners on every nsqjs Writer of the client: what a leak per request would grow. */
function listenerTotal(client: ClientNsq): number {
  return client.unwrap<EventEmitter[]>().reduce((sum, writer) => sum + writer.eventNames().reduce((n, name) => n + writer.listenerCount(name), 0), 0);
}

describe('request-response: the responder process is SIGKILLed mid-request', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;

  beforeAll(async () => {
    await buildRpcApps();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await cluster?.close();
  });

  it('every caller gets NsqRequestTimeoutError: no hang, nothing left pending, listeners flat', async () => {
    const nsqdTcpAddresses = [cluster.nsqds[0]!.tcpAddress];
    const responder = await startRpcResponderProcess({ topic: TOPIC, holdMs: 600_000, server: { nsqdTcpAddresses, maxInFlight: REQUESTS } });
    client = new ClientNsq({ nsqdTcpAddresses, requestTimeoutMs: 2_000 });
    await client.connect();
    const listenersBefore = listenerTotal(client);

    const outcomes = Array.from({ length: REQUESTS }, (_, i) => lastValueFrom(client.send(TOPIC, { i })).catch((error: unknown) => error));
    // Mid-request: every handler has started and is holding its request.
    await waitFor(() => responder.requestsSeen() >= REQUESTS, { timeoutMs: 15_000, message: () => `handlers started: ${responder.requestsSeen()}` });
    expect(await responder.kill()).toBe('SIGKILL');

    for (const outcome of await Promise.all(outcomes)) {
      expect(outcome).toBeInstanceOf(NsqRequestTimeoutError);
      expect(outcome).toMatchObject({ pattern: TOPIC, timeoutMs: 2_000 });
    }
    expect(client.pendingRequests).toBe(0);
    expect(listenerTotal(client)).toBe(listenersBefore);
  });
});
