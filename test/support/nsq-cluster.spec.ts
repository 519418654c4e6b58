import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { LOOPBACK } from './free-port.js';
import { nsqBinary, type NsqProgram } from './nsq-binaries.js';
import { NsqBinaryNotFoundError } from './nsq-binary-not-found.error.js';
import { startNsqCluster, type NsqCluster } from './nsq-cluster.js';
import { NsqHttpError } from './nsq-http.error.js';
import { NsqProcess, startOnFreePorts } from './nsq-process.js';
import { NsqProcessStartError } from './nsq-process-start.error.js';
import { liveChildPids } from './process-reaper.js';
import { waitFor } from './wait-for.js';

/** True while a process with this PID exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('startNsqCluster with nsqlookupd and two nsqds', () => {
  let cluster: NsqCluster;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 2 });
  });

  afterAll(() => cluster?.close());

  it('starts every process on its own loopback ports and data directory', async () => {
    const [a, b] = cluster.nsqds;
    expect(cluster.nsqds).toHaveLength(2);
    for (const nsqd of [a!, b!]) {
      expect(nsqd.isRunning()).toBe(true);
      expect(await nsqd.ping()).toBe(true);
      expect(nsqd.tcpAddress).toBe(`127.0.0.1:${nsqd.tcpPort}`);
      expect(nsqd.httpAddress).toBe(`127.0.0.1:${nsqd.httpPort}`);
      expect(existsSync(nsqd.dataPath)).toBe(true);
    }
    expect(a!.nodeId).not.toBe(b!.nodeId);
    expect(a!.dataPath).not.toBe(b!.dataPath);
    expect(new Set([a!.tcpPort, a!.httpPort, b!.tcpPort, b!.httpPort, cluster.lookupd!.tcpPort, cluster.lookupd!.httpPort]).size).toBe(6);
  });

  it('registers both nsqds with nsqlookupd under the loopback address', async () => {
    await waitFor(async () => (await cluster.lookupd!.producers()).length === 2, { timeoutMs: 5_000, message: 'lookupd does not list 2 producers' });
    const producers = await cluster.lookupd!.producers();
    expect(producers.map((p) => `${p.broadcast_address}:${p.tcp_port}`).sort()).toEqual(cluster.nsqds.map((n) => n.tcpAddress).sort());
    expect(producers.every((p) => p.version === '1.3.0')).toBe(true);
  });

  it('publishes over HTTP and reports the depth in stats', async () => {
    const nsqd = cluster.nsqds[0]!;
    await nsqd.createChannel('harness.stats', 'c');
    await nsqd.publish('harness.stats', 'one');
    await nsqd.publishMany('harness.stats', ['two', Buffer.from('three')]);
    const channel = await nsqd.channelStats('harness.stats', 'c');
    expect(channel).toMatchObject({ channel_name: 'c', depth: 3, message_count: 3, in_flight_count: 0, clients: [] });
    expect((await nsqd.topicStats('harness.stats'))?.message_count).toBe(3);
    expect(await nsqd.topicStats('harness.absent')).toBeUndefined();
    expect(await cluster.nsqds[1]!.topicStats('harness.stats')).toBeUndefined();
    await nsqd.emptyChannel('harness.stats', 'c');
    expect((await nsqd.channelStats('harness.stats', 'c'))?.depth).toBe(0);
  });

  it('reports nsqd HTTP errors as NsqHttpError', async () => {
    const error = await cluster.nsqds[0]!.publish('harness.errors', '').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NsqHttpError);
    expect(error).toMatchObject({ status: 400, body: expect.stringContaining('MSG_EMPTY') });
  });

  it('keeps a queued message across stop (SIGTERM) and restart on the same ports and data', async () => {
    const nsqd = cluster.nsqds[1]!;
    const { tcpPort, httpPort } = nsqd;
    await nsqd.createChannel('harness.persist', 'c');
    await nsqd.publish('harness.persist', 'survives');
    const pid = nsqd.pid!;

    await nsqd.stop();
    expect(nsqd.isRunning()).toBe(false);
    expect(alive(pid)).toBe(false);
    expect(await nsqd.ping(300)).toBe(false);

    await nsqd.restart();
    expect(nsqd.isRunning()).toBe(true);
    expect(nsqd.pid).not.toBe(pid);
    expect([nsqd.tcpPort, nsqd.httpPort]).toEqual([tcpPort, httpPort]);
    expect((await nsqd.channelStats('harness.persist', 'c'))?.depth).toBe(1);
    // It registers with lookupd again after the restart.
    await waitFor(async () => (await cluster.lookupd!.producers()).some((p) => p.tcp_port === tcpPort), {
      timeoutMs: 5_000,
      message: 'restarted nsqd did not register again',
    });
  });

  it('pause() makes nsqd unresponsive and resume() brings it back', async () => {
    const nsqd = cluster.nsqds[0]!;
    nsqd.pause();
    try {
      expect(nsqd.isRunning()).toBe(true);
      expect(await nsqd.ping(300)).toBe(false);
    } finally {
      nsqd.resume();
    }
    await waitFor(() => nsqd.ping(300), { timeoutMs: 3_000, message: 'nsqd did not answer after resume' });
  });

  it('addNsqd() starts another nsqd registered with the lookupd', async () => {
    const added = await cluster.addNsqd();
    expect(cluster.nsqds).toHaveLength(3);
    expect(cluster.nsqds[2]).toBe(added);
    expect((await cluster.lookupd!.producers()).map((p) => p.tcp_port)).toContain(added.tcpPort);
  });

  it('kill() (SIGKILL) ends the process at once', async () => {
    const nsqd = cluster.nsqds[2]!;
    const pid = nsqd.pid!;
    await nsqd.kill();
    expect(nsqd.isRunning()).toBe(false);
    expect(nsqd.pid).toBeUndefined();
    expect(alive(pid)).toBe(false);
    await expect(nsqd.kill()).resolves.toBeUndefined();
    await expect(nsqd.stop()).resolves.toBeUndefined();
  });
});

describe('NsqCluster.close', () => {
  it('kills every process, paused ones included, removes data directories, and can be called again', async () => {
    const cluster = await startNsqCluster({ nsqds: 2, lookupd: true });
    const pids = [cluster.lookupd!.pid!, ...cluster.nsqds.map((n) => n.pid!)];
    const dirs = cluster.nsqds.map((n) => n.dataPath);
    cluster.nsqds[1]!.pause();

    await Promise.all([cluster.close(), cluster.close()]);
    await cluster.close();

    expect(pids.filter(alive)).toEqual([]);
    expect(liveChildPids().filter((pid) => pids.includes(pid))).toEqual([]);
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
    expect([cluster.lookupd!, ...cluster.nsqds].some((node) => node.isRunning())).toBe(false);
    await expect(cluster.addNsqd()).rejects.toThrow(/closed/);
  });
});

describe('startNsqCluster options', () => {
  let cluster: NsqCluster;

  afterEach(() => cluster?.close());

  it('starts standalone nsqds without lookupd and passes nsqdArgs to every nsqd', async () => {
    cluster = await startNsqCluster({ lookupd: false, nsqdArgs: ['--max-msg-size=16'] });
    expect(cluster.lookupd).toBeUndefined();
    const extra = await cluster.addNsqd(['--max-msg-size=32']);
    for (const [nsqd, limit] of [[cluster.nsqds[0]!, 16], [extra, 32]] as const) {
      await nsqd.publish('harness.size', 'x'.repeat(limit));
      await expect(nsqd.publish('harness.size', 'x'.repeat(limit + 1))).rejects.toMatchObject({ status: 413 });
    }
  });
});

describe('NSQ processes', () => {
  it('fail to start with the program output in the error', async () => {
    const lookupd = new NsqProcess({
      program: 'nsqlookupd',
      label: 'bad-nsqlookupd',
      args: ['--no-such-flag'],
      httpAddress: `${LOOPBACK}:1`,
    });
    const error = await lookupd.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NsqProcessStartError);
    expect(error).toMatchObject({ addressInUse: false, output: expect.stringContaining('flag provided but not defined') });
    expect(lookupd.isRunning()).toBe(false);
  });

  it('start again on new ports when a port is taken', async () => {
    const taken: Server = await new Promise((resolve) => {
      const server = createServer().listen(0, LOOPBACK, () => resolve(server));
    });
    const takenPort = (taken.address() as { port: number }).port;
    const attempted: number[] = [];
    try {
      const { process: lookupd, ports } = await startOnFreePorts(2, ([tcpPort, httpPort]) => {
        const tcp = attempted.length === 0 ? takenPort : tcpPort!;
        attempted.push(tcp);
        return {
          program: 'nsqlookupd',
          label: 'nsqlookupd',
          httpAddress: `${LOOPBACK}:${httpPort}`,
          args: [`--tcp-address=${LOOPBACK}:${tcp}`, `--http-address=${LOOPBACK}:${httpPort}`],
        };
      });
      try {
        expect(attempted).toHaveLength(2);
        expect(attempted[0]).toBe(takenPort);
        expect(ports[0]).not.toBe(takenPort);
        expect(lookupd.isRunning()).toBe(true);
      } finally {
        await lookupd.kill();
      }
    } finally {
      taken.close();
    }
  });

  it('are looked up in .nsq/bin or PATH, with a hint to install them otherwise', () => {
    expect(nsqBinary('nsqd')).toMatch(/nsqd$/);
    const error = (() => {
      try {
        return nsqBinary('no-such-nsq-program' as NsqProgram);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NsqBinaryNotFoundError);
    expect((error as Error).message).toContain('npm run nsq:install');
  });
});
