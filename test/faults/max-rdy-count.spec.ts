import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { handledSoFar, waitForDrained } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { FaultScenario } from './support/fault-scenario.js';

const TOPIC = 'fault.max-rdy';
const CHANNEL = 'saver';
const MAX_RDY_COUNT = 20;
const MESSAGES = 2_000;

describe('maxInFlight above nsqd --max-rdy-count', () => {
  let cluster: NsqCluster;
  let scenario: FaultScenario;

  beforeAll(async () => {
    await buildFaultApps();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false, nsqdArgs: [`--max-rdy-count=${MAX_RDY_COUNT}`] });
    scenario = new FaultScenario(`maxInFlight 200 > --max-rdy-count=${MAX_RDY_COUNT}`);
  }, 120_000);
  afterAll(async () => {
    await scenario?.cleanup();
    await cluster?.close();
  });

  it('delivers everything on one connection: RDY is capped at max_rdy_count from IDENTIFY, no fatal E_INVALID', async () => {
    const nsqd = cluster.nsqds[0]!;
    await nsqd.createChannel(TOPIC, CHANNEL);
    const producer = await scenario.producer({ topic: TOPIC, client: { nsqdTcpAddresses: [nsqd.tcpAddress] }, rate: 5_000, count: MESSAGES });
    expect((await producer.exited).code).toBe(0);
    const consumer = await scenario.consumer({ topic: TOPIC, workMs: 20, server: { nsqdTcpAddresses: [nsqd.tcpAddress], channel: CHANNEL, maxInFlight: 200 } });

    const readyCounts: number[] = [];
    const clientIds = new Set<string>();
    await waitFor(
      async () => {
        for (const client of (await nsqd.channelStats(TOPIC, CHANNEL))?.clients ?? []) {
          readyCounts.push(client.ready_count);
          clientIds.add(`${client.client_id}/${client.remote_address}`);
        }
        return handledSoFar(scenario.consumerLedgers) >= MESSAGES;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'not everything was delivered' },
    );
    await waitForDrained(cluster.nsqds, TOPIC, CHANNEL, scenario.consumerLedgers);
    const report = scenario.check();
    scenario.record(report, { maxReadyCountSeen: Math.max(...readyCounts), connections: clientIds.size });
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(Math.max(...readyCounts)).toBe(MAX_RDY_COUNT);
    // One connection for the whole run: nsqd never closed it over a bad RDY.
    expect(clientIds.size).toBe(1);
    expect(consumer.output.text()).not.toMatch(/E_INVALID|Lost nsqd/);
    expect(nsqd.output()).not.toMatch(/RDY count \d+ out of range/);
  });
});
