import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { handledSoFar, waitForDrained } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { FaultScenario } from './support/fault-scenario.js';

const TOPIC = 'fault.kill-consumer';
const CHANNEL = 'saver';
const MESSAGES = 3_000;

describe('consumer SIGKILLed mid-stream, then restarted', () => {
  let cluster: NsqCluster;
  let scenario: FaultScenario;

  beforeAll(async () => {
    await buildFaultApps();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
    scenario = new FaultScenario('consumer SIGKILL + restart');
  }, 120_000);
  afterAll(async () => {
    await scenario?.cleanup();
    await cluster?.close();
  });

  it('handles every acknowledged message: the killed consumer’s in-flight ones come back after msg_timeout', async () => {
    const nsqd = cluster.nsqds[0]!;
    const consumerConfig = {
      topic: TOPIC,
      workMs: 2,
      server: { lookupdHttpAddresses: [cluster.lookupd!.httpAddress], channel: CHANNEL, maxInFlight: 50, msgTimeoutMs: 2_000, lookupdPollIntervalMs: 1_000 },
    };
    const first = await scenario.consumer(consumerConfig);
    const producer = await scenario.producer({ topic: TOPIC, client: { nsqdTcpAddresses: [nsqd.tcpAddress] }, rate: 1_500, count: MESSAGES });

    // Mid-stream: handlers running, messages in flight, more queued.
    await waitFor(() => handledSoFar([first.ledger]) >= 500, { timeoutMs: 20_000, message: 'the first consumer handled nothing' });
    expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    const inFlightAtKill = (await nsqd.channelStats(TOPIC, CHANNEL))?.in_flight_count ?? 0;

    await scenario.consumer(consumerConfig);
    expect((await producer.exited).code).toBe(0);
    await waitForDrained(cluster.nsqds, TOPIC, CHANNEL, scenario.consumerLedgers);

    const report = scenario.check();
    scenario.record(report, { faults: 1, inFlightAtKill });
    expect(report.unsettled).toBe(0);
    expect(report.ok).toBe(MESSAGES);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.failedButHandled).toEqual([]);
    // The kill really caught messages in flight, and they came back.
    expect(inFlightAtKill).toBeGreaterThan(0);
  });
});
