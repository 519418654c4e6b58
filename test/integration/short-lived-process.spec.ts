import { execFile } from 'node:child_process';
import { buildFaultApps, faultAppPath } from '../faults/support/build-fault-apps.js';
import { freePort } from '../support/free-port.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';

interface Run {
  readonly code: number | null;
  readonly output: string;
}

const run = (address: string, mode: 'await' | 'fire'): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [faultAppPath('short-lived-emit'), address, mode], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });

/**
 * A job made of one emit (a CLI, a cron script, `createApplicationContext`)
 * must not exit while its emit is unsettled: nothing but the transport's
 * timers may be keeping the process alive, and an emit that fails must fail
 * loudly, never vanish with a zero exit code.
 */
describe('an emit in a short-lived process', () => {
  let cluster: NsqCluster;

  beforeAll(async () => {
    await buildFaultApps();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('with no nsqd, an awaited emit rejects with NsqUnavailableError and the process exits non-zero', async () => {
    const { code, output } = await run(`127.0.0.1:${await freePort()}`, 'await');
    expect(code).not.toBe(0);
    expect(output).toMatch(/NsqUnavailableError/);
    expect(output).not.toContain('emitted');
  });

  it('with no nsqd, an emit nobody subscribed to is logged as failed before the process exits', async () => {
    const { output } = await run(`127.0.0.1:${await freePort()}`, 'fire');
    expect(output).toMatch(/emit to "short\.lived" failed and nothing subscribed to its result: NsqUnavailableError/);
  });

  it('with an nsqd, the emit is stored and the process exits 0 once the client is closed', async () => {
    const nsqd = cluster.nsqds[0]!;
    const { code, output } = await run(nsqd.tcpAddress, 'await');
    expect(output).toContain('emitted');
    expect(code).toBe(0);
    expect((await nsqd.topicStats('short.lived'))?.message_count).toBe(1);
  });
});
