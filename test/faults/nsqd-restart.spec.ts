import { setTimeout as delay } from 'node:timers/promises';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { acknowledgedAfter, acknowledgedSoFar, heldByNsqdAt, longestEmitMs, metrics, readLines, waitForDrained } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { FaultScenario } from './support/fault-scenario.js';

const CHANNEL = 'saver';
const PUBLISH_TIMEOUT_MS = 1_000;
/** nsqd's in-memory queue per topic and per channel; beyond it messages go to the disk queue. */
const MEM_QUEUE_SIZE = 1_000;
const MAX_IN_FLIGHT = 20;
const OUTAGE_MS = 2_000;

const producerOptions = (addresses: string[]) => ({ nsqdTcpAddresses: addresses, publishTimeoutMs: PUBLISH_TIMEOUT_MS, reconnectMaxDelayMs: 500 });
const consumerOptions = (addresses: string[]) => ({ nsqdTcpAddresses: addresses, channel: CHANNEL, maxInFlight: MAX_IN_FLIGHT, lookupdPollIntervalMs: 1_000 });

describe('nsqd faults under continuous emit and consume', () => {
  let cluster: NsqCluster;
  let scenario: FaultScenario;

  beforeAll(async () => {
    await buildFaultApps();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false, nsqdArgs: [`--mem-queue-size=${MEM_QUEUE_SIZE}`] });
  }, 120_000);
  afterEach(async () => {
    await scenario?.cleanup();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('nsqd SIGTERMed and restarted: every acknowledged message is handled (nsqd persisted its queues)', async () => {
    const topic = 'fault.nsqd-term';
    const nsqd = cluster.nsqds[0]!;
    scenario = new FaultScenario('nsqd SIGTERM + restart');
    await scenario.consumer({ topic, server: consumerOptions([nsqd.tcpAddress]), workMs: 2 });
    const producer = await scenario.producer({ topic, client: producerOptions([nsqd.tcpAddress]), rate: 1_000, count: 0 });

    await waitFor(() => acknowledgedSoFar(scenario.producerLedgers) >= 1_000, { timeoutMs: 15_000, message: 'no traffic before the fault' });
    const stoppedAt = Date.now();
    await nsqd.stop();
    // Down long enough for emits to hit publishTimeoutMs.
    await delay(OUTAGE_MS);
    await nsqd.restart();
    const restartedAt = Date.now();
    await waitFor(() => acknowledgedAfter(scenario.producerLedgers, restartedAt) >= 1_000, { timeoutMs: 20_000, message: 'the producer did not recover' });
    expect((await producer.terminate()).code).toBe(0);
    await waitForDrained([nsqd], topic, CHANNEL, scenario.consumerLedgers);

    const report = scenario.check();
    const longest = longestEmitMs(scenario.producerLedgers);
    scenario.record(report, { faults: 1, longestEmitMs: longest, outageMs: OUTAGE_MS });
    if (report.lost.length > 0) console.info(diagnoseLost(report.lost, scenario.producerLedgers, stoppedAt, nsqd.output()));
    // The outage was felt: emits ended (failed or unknown) instead of waiting for nsqd.
    expect(report.failed + report.unknown).toBeGreaterThan(0);
    expect(report.unsettled).toBe(0);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.failedButHandled).toEqual([]);
    expect(longest).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + 750);
  });

  it('nsqd SIGKILLed: emits fail within publishTimeoutMs, new emits succeed after the restart, loss stays inside nsqd’s memory window', async () => {
    const topic = 'fault.nsqd-kill';
    const nsqd = cluster.nsqds[0]!;
    scenario = new FaultScenario('nsqd SIGKILL + restart', true);
    await scenario.consumer({ topic, server: consumerOptions([nsqd.tcpAddress]), workMs: 2 });
    const producer = await scenario.producer({ topic, client: producerOptions([nsqd.tcpAddress]), rate: 1_000, count: 0 });

    await waitFor(() => acknowledgedSoFar(scenario.producerLedgers) >= 1_000, { timeoutMs: 15_000, message: 'no traffic before the fault' });
    await nsqd.kill();
    // Nothing emitted from here on can be acknowledged by the killed nsqd.
    const killedAt = Date.now();
    await delay(OUTAGE_MS);
    await nsqd.restart();
    const restartedAt = Date.now();
    await waitFor(() => acknowledgedAfter(scenario.producerLedgers, restartedAt) >= 1_000, { timeoutMs: 20_000, message: 'new emits did not succeed after the restart' });
    expect((await producer.terminate()).code).toBe(0);
    await waitForDrained([nsqd], topic, CHANNEL, scenario.consumerLedgers);

    const report = scenario.check();
    const longest = longestEmitMs(scenario.producerLedgers);
    // NSQ's documented loss on SIGKILL: what nsqd held in memory — up to --mem-queue-size
    // messages in the topic's queue plus as many in the channel's, plus the channel's
    // in-flight messages (at most the consumer's RDY = maxInFlight) and deferred ones (none here).
    const window = 2 * MEM_QUEUE_SIZE + MAX_IN_FLIGHT;
    const held = heldByNsqdAt(killedAt, scenario.producerLedgers, scenario.consumerLedgers);
    scenario.record(report, { faults: 1, longestEmitMs: longest, lossWindow: window, heldAtKill: held.size, outageMs: restartedAt - killedAt });
    expect(report.unsettled).toBe(0);
    expect(report.failed + report.unknown).toBeGreaterThan(0);
    expect(report.lost.length).toBeLessThanOrEqual(window);
    // Lost messages can only be ones nsqd acknowledged before it died and had not seen handled.
    expect(report.lost.filter((id) => !held.has(id))).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.failedButHandled).toEqual([]);
    expect(longest).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + 750);
  });

  it('nsqd SIGKILLed with a backlog and no consumer: exactly the in-memory part is lost, the disk part survives', async () => {
    const topic = 'fault.nsqd-kill-backlog';
    const nsqd = cluster.nsqds[0]!;
    const backlog = MEM_QUEUE_SIZE + 500;
    scenario = new FaultScenario('nsqd SIGKILL with a backlog (loss window measured)', true);
    await nsqd.createChannel(topic, CHANNEL);
    const producer = await scenario.producer({ topic, client: producerOptions([nsqd.tcpAddress]), rate: 5_000, count: backlog });
    expect((await producer.exited).code).toBe(0);
    const channel = await nsqd.channelStats(topic, CHANNEL);
    // The first --mem-queue-size messages sit in the channel's memory queue, the rest in its disk queue.
    expect(channel?.depth).toBe(backlog);
    expect(channel?.backend_depth).toBe(backlog - MEM_QUEUE_SIZE);
    // Past nsqd's --sync-timeout (2 s) the disk queue's metadata is on disk too.
    await delay(2_500);
    await nsqd.kill();
    await nsqd.restart();
    await scenario.consumer({ topic, server: consumerOptions([nsqd.tcpAddress]), workMs: 0 });
    await waitForDrained([nsqd], topic, CHANNEL, scenario.consumerLedgers);

    const report = scenario.check();
    scenario.record(report, { faults: 1, lossWindow: MEM_QUEUE_SIZE, backlog });
    expect(report.ok).toBe(backlog);
    // NSQ's documented loss, no more: the memory queue. Our transport adds nothing to it.
    expect(report.lost.length).toBe(MEM_QUEUE_SIZE);
    expect(report.handled).toBe(backlog - MEM_QUEUE_SIZE);
    expect(report.unexpected).toEqual([]);
  });

  it('nsqd paused (SIGSTOP): emits time out within publishTimeoutMs, pending publishes stay bounded, nothing is lost', async () => {
    const topic = 'fault.nsqd-stop';
    const nsqd = cluster.nsqds[0]!;
    const maxPendingPublishes = 300;
    scenario = new FaultScenario('nsqd SIGSTOP + SIGCONT');
    await scenario.consumer({ topic, server: consumerOptions([nsqd.tcpAddress]), workMs: 2 });
    const producer = await scenario.producer({
      topic,
      client: { ...producerOptions([nsqd.tcpAddress]), maxPendingPublishes },
      rate: 1_000,
      count: 0,
      metricsIntervalMs: 100,
    });

    await waitFor(() => acknowledgedSoFar(scenario.producerLedgers) >= 1_000, { timeoutMs: 15_000, message: 'no traffic before the fault' });
    nsqd.pause();
    await delay(4_000);
    nsqd.resume();
    const resumedAt = Date.now();
    await waitFor(() => acknowledgedAfter(scenario.producerLedgers, resumedAt) >= 1_000, { timeoutMs: 20_000, message: 'emits did not recover after SIGCONT' });
    expect((await producer.terminate()).code).toBe(0);
    await waitForDrained([nsqd], topic, CHANNEL, scenario.consumerLedgers);

    const report = scenario.check();
    const longest = longestEmitMs(scenario.producerLedgers);
    const samples = metrics(producer.ledger);
    const maxOutstanding = Math.max(...samples.map((m) => m[5]!));
    const heaps = samples.map((m) => m[1]!);
    scenario.record(report, { faults: 1, longestEmitMs: longest, maxOutstanding, maxPendingPublishes, heapGrowthMB: Math.round((Math.max(...heaps) - heaps[0]!) / 1e5) / 10 });
    expect(report.unsettled).toBe(0);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.failedButHandled).toEqual([]);
    // Emits during the pause ended in time: timed out (unknown) or refused past maxPendingPublishes.
    expect(report.unknown + report.failed).toBeGreaterThan(0);
    expect(longest).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + 750);
    // In memory: never more than maxPendingPublishes publishes pending in the client (the app's own
    // bookkeeping may add one tick of emits on top), and the heap does not grow with the outage.
    expect(maxOutstanding).toBeLessThanOrEqual(maxPendingPublishes + 50);
    expect(Math.max(...heaps) - heaps[0]!).toBeLessThan(30 * 1024 * 1024);
  });
});

/** When an acknowledged message went missing: when it was emitted and acknowledged relative to the fault, and what nsqd logged. */
function diagnoseLost(lost: readonly string[], producerLedgers: readonly string[], faultAt: number, nsqdOutput: string): string {
  const times = new Map<string, string[]>();
  for (const path of producerLedgers) for (const [kind, id, at] of readLines(path)) if (lost.includes(id!)) times.set(id!, [...(times.get(id!) ?? []), `${kind}@${Number(at) - faultAt}ms`]);
  const nsqdErrors = nsqdOutput.split('\n').filter((line) => /ERROR|WARN|FATAL/.test(line));
  return `lost relative to the fault: ${JSON.stringify(Object.fromEntries(times))}\nnsqd errors:\n${nsqdErrors.join('\n')}`;
}
