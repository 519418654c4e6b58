import { setTimeout as delay } from 'node:timers/promises';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { acknowledgedSoFar, handledSoFar, waitForDrained } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { FaultScenario } from './support/fault-scenario.js';

const TOPIC = 'fault.lookupd';
const CHANNEL = 'saver';

describe('nsqlookupd SIGKILLed, restarted, then paused', () => {
  let cluster: NsqCluster;
  let scenario: FaultScenario;

  beforeAll(async () => {
    await buildFaultApps();
    cluster = await startNsqCluster({ nsqds: 2, lookupd: true });
    scenario = new FaultScenario('nsqlookupd SIGKILL + restart + SIGSTOP');
  }, 120_000);
  afterAll(async () => {
    await scenario?.cleanup();
    await cluster?.close();
  });

  it('the consumer keeps consuming from the nsqds it knows through the outage, the restart and the pause; nothing is lost', async () => {
    const lookupd = cluster.lookupd!;
    const server = { lookupdHttpAddresses: [lookupd.httpAddress], channel: CHANNEL, maxInFlight: 20, lookupdPollIntervalMs: 1_000 };
    await scenario.consumer({ topic: TOPIC, workMs: 2, server });
    const producer = await scenario.producer({
      topic: TOPIC,
      client: { nsqdTcpAddresses: cluster.nsqds.map((n) => n.tcpAddress), publishTimeoutMs: 1_000 },
      rate: 1_000,
      count: 0,
    });
    await waitFor(() => acknowledgedSoFar(scenario.producerLedgers) >= 500, { timeoutMs: 15_000, message: 'no traffic' });

    await lookupd.kill();
    let handled = handledSoFar(scenario.consumerLedgers);
    await waitFor(() => handledSoFar(scenario.consumerLedgers) >= handled + 1_000, { timeoutMs: 10_000, message: 'consumption stopped without nsqlookupd' });
    await delay(1_000);
    await lookupd.restart();
    // (nsqd re-registers on its second lookupd heartbeat after the failure, up to 30 s later: not waited for here.)
    handled = handledSoFar(scenario.consumerLedgers);
    await waitFor(() => handledSoFar(scenario.consumerLedgers) >= handled + 1_000, { timeoutMs: 10_000, message: 'consumption stopped after the nsqlookupd restart' });

    lookupd.pause();
    handled = handledSoFar(scenario.consumerLedgers);
    await waitFor(() => handledSoFar(scenario.consumerLedgers) >= handled + 1_000, { timeoutMs: 10_000, message: 'consumption stopped with nsqlookupd paused' });
    await delay(2_000);
    lookupd.resume();

    expect((await producer.terminate()).code).toBe(0);
    await waitForDrained(cluster.nsqds, TOPIC, CHANNEL, scenario.consumerLedgers);
    const report = scenario.check();
    scenario.record(report, { faults: 3 });
    expect(report.unsettled).toBe(0);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.failedButHandled).toEqual([]);
  });
});
