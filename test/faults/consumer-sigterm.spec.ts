import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { handledSoFar, readLines, waitForDrained } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { FaultScenario } from './support/fault-scenario.js';

const TOPIC = 'fault.term-consumer';
const CHANNEL = 'saver';
const MESSAGES = 2_000;
const DRAIN_TIMEOUT_MS = 1_500;
/** Every 37th message takes longer than the drain timeout. */
const SLOW_EVERY = 37;
const SLOW_MS = 6_000;

describe('consumer SIGTERMed under load', () => {
  let cluster: NsqCluster;
  let scenario: FaultScenario;

  beforeAll(async () => {
    await buildFaultApps();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    scenario = new FaultScenario('consumer SIGTERM under load');
  }, 120_000);
  afterAll(async () => {
    await scenario?.cleanup();
    await cluster?.close();
  });

  it('exits 0 after finishing and FINing its in-flight handlers; starts none after close; the too-slow one is redelivered', async () => {
    const nsqd = cluster.nsqds[0]!;
    await nsqd.createChannel(TOPIC, CHANNEL);
    const server = { nsqdTcpAddresses: [nsqd.tcpAddress], channel: CHANNEL, maxInFlight: 20, drainTimeoutMs: DRAIN_TIMEOUT_MS, lookupdPollIntervalMs: 1_000 };
    const producer = await scenario.producer({ topic: TOPIC, client: { nsqdTcpAddresses: [nsqd.tcpAddress] }, rate: 4_000, count: MESSAGES });
    expect((await producer.exited).code).toBe(0);

    const first = await scenario.consumer({ topic: TOPIC, server, workMs: 25, slowEvery: SLOW_EVERY, slowMs: SLOW_MS });
    // Under load: every slot busy, slow handlers among them.
    await waitFor(() => handledSoFar([first.ledger]) >= 300, { timeoutMs: 20_000, message: 'the first consumer handled too little' });
    const terminatedAt = Date.now();
    expect(await first.terminate()).toEqual({ code: 0, signal: null });
    const exitMs = Date.now() - terminatedAt;

    const lines = readLines(first.ledger);
    const closeAt = Number(lines.find(([kind]) => kind === 'C')?.[1]);
    expect(closeAt).toBeGreaterThan(0);
    const started = new Map(lines.filter(([kind]) => kind === 'S').map(([, id, , at]) => [id!, Number(at)]));
    const done = new Set(lines.filter(([kind]) => kind === 'D').map(([, id]) => id!));
    // No handler started once close() began.
    expect([...started.values()].filter((at) => at > closeAt)).toEqual([]);
    // Handlers running at close: the quick ones finished during the drain, only the slow ones did not.
    const unfinished = [...started.keys()].filter((id) => !done.has(id));
    const seq = (id: string) => Number(id.split('-')[1]);
    expect(unfinished.filter((id) => seq(id) % SLOW_EVERY !== 0)).toEqual([]);
    expect(unfinished.length).toBeGreaterThan(0);
    const finishedDuringDrain = lines.filter(([kind, , , at]) => kind === 'D' && Number(at) >= closeAt).length;

    // A second consumer, with no slow handlers, gets the rest and the requeued slow ones.
    const second = await scenario.consumer({ topic: TOPIC, server, workMs: 1 });
    await waitForDrained(cluster.nsqds, TOPIC, CHANNEL, scenario.consumerLedgers);
    const secondIds = new Set(readLines(second.ledger).filter(([kind, , result]) => kind === 'D' && result === 'ok').map(([, id]) => id!));
    expect(unfinished.filter((id) => !secondIds.has(id))).toEqual([]);
    // What the first consumer finished was FINed: none of it came back.
    expect([...done].filter((id) => secondIds.has(id))).toEqual([]);

    const report = scenario.check();
    scenario.record(report, { faults: 1, exitMs, finishedDuringDrain, slowRedelivered: unfinished.length });
    expect(report.ok).toBe(MESSAGES);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.duplicates).toBe(0);
    // The drain is bounded by drainTimeoutMs (plus process start-up/shutdown overhead).
    expect(exitMs).toBeLessThan(DRAIN_TIMEOUT_MS + 3_000);
  });
});
