import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { ClientNsq } from 'nestjs-transport-nsq';
import { buildGoProgram, type GoProgram } from '../support/go-program.js';
import { repoRoot } from '../support/nsq-binaries.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { OutputTail } from '../support/output-tail.js';
import { reapOnExit } from '../support/process-reaper.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'rpc.go';

// test/rpc/go-responder is written from WIRE.md alone (§2, §5) with go-nsq:
// if it answers our send(), a Go service can.
describe('request-response: a Go (go-nsq) service answers per WIRE.md', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;
  let program: GoProgram | undefined;
  let responder: ChildProcess | undefined;
  const output = new OutputTail();

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    program = await buildGoProgram(join(repoRoot(), 'test', 'rpc', 'go-responder'));
    const binary = program.binary;
    const nsqd = cluster.nsqds[0]!.tcpAddress;
    responder = spawn(binary, ['-nsqd', nsqd, '-topic', TOPIC], { stdio: ['ignore', 'pipe', 'pipe'] });
    reapOnExit(responder);
    responder.stdout!.on('data', (chunk: Buffer) => output.push(chunk));
    responder.stderr!.on('data', (chunk: Buffer) => output.push(chunk));
    await waitFor(() => output.includes('GO-RESPONDER-READY') || responder!.exitCode !== null, { timeoutMs: 30_000, message: () => `Go responder not ready:\n${output.text()}` });
    expect(responder.exitCode).toBeNull();
    client = new ClientNsq({ nsqdTcpAddresses: [nsqd], requestTimeoutMs: 10_000 });
  }, 240_000);
  afterAll(async () => {
    await client?.close();
    if (responder && responder.exitCode === null) {
      const exited = new Promise((resolve) => responder!.once('exit', resolve));
      responder.kill('SIGTERM');
      await exited;
    }
    await cluster?.close();
    await program?.remove();
  });

  it('one value', async () => {
    await expect(lastValueFrom(client.send(TOPIC, { n: 21 }))).resolves.toEqual({ doubled: 42, from: 'go' });
  });

  it('several values, then an empty complete', async () => {
    await expect(lastValueFrom(client.send(TOPIC, { count: 5 }).pipe(toArray()))).resolves.toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
  });

  it('an error reply, in Nest RPC error shape', async () => {
    await expect(lastValueFrom(client.send(TOPIC, { fail: 'out of stock' }))).rejects.toEqual({ status: 'error', message: 'out of stock' });
    expect(client.pendingRequests).toBe(0);
    expect(client.lateReplies).toBe(0);
  });
});
