import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitForDrained } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { FaultScenario } from './support/fault-scenario.js';

const CHANNEL = 'saver';
const BACKLOG = 1_000;

describe('consumer started before its topic exists anywhere', () => {
  let cluster: NsqCluster;
  let scenario: FaultScenario;

  beforeAll(async () => {
    await buildFaultApps();
  }, 120_000);
  afterEach(async () => {
    await scenario?.cleanup();
    await cluster?.close();
  });

  it('no topic on the registered nsqd (createTopology off): the backlog published later reaches the consumer', async () => {
    const topic = 'fault.late-topic';
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
    scenario = new FaultScenario('consumer before topic (createTopology off)');
    const consumer = await scenario.consumer(
      { topic, workMs: 0, server: { lookupdHttpAddresses: [cluster.lookupd!.httpAddress], channel: CHANNEL, maxInFlight: 50, lookupdPollIntervalMs: 1_000, createTopology: false } },
      false,
    );
    const nsqd = cluster.nsqds[0]!;
    expect(await nsqd.topicStats(topic)).toBeUndefined();
    const producer = await scenario.producer({ topic, client: { nsqdTcpAddresses: [nsqd.tcpAddress] }, rate: 5_000, count: BACKLOG });
    expect((await producer.exited).code).toBe(0);
    await consumer.ready;
    await waitForDrained(cluster.nsqds, topic, CHANNEL, scenario.consumerLedgers);
    const report = scenario.check();
    scenario.record(report);
    expect(report.ok).toBe(BACKLOG);
    expect(report.handled).toBe(BACKLOG);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  it('no nsqd at all yet (only nsqlookupd): once an nsqd registers and gets the topic, the backlog reaches the consumer', async () => {
    const topic = 'fault.late-nsqd';
    cluster = await startNsqCluster({ nsqds: 0, lookupd: true });
    scenario = new FaultScenario('consumer before any nsqd');
    const consumer = await scenario.consumer(
      { topic, workMs: 0, server: { lookupdHttpAddresses: [cluster.lookupd!.httpAddress], channel: CHANNEL, maxInFlight: 50, lookupdPollIntervalMs: 1_000, readyTimeoutMs: 60_000 } },
      false,
    );
    const nsqd = await cluster.addNsqd();
    const producer = await scenario.producer({ topic, client: { nsqdTcpAddresses: [nsqd.tcpAddress] }, rate: 5_000, count: BACKLOG });
    expect((await producer.exited).code).toBe(0);
    await consumer.ready;
    await waitForDrained(cluster.nsqds, topic, CHANNEL, scenario.consumerLedgers);
    const report = scenario.check();
    scenario.record(report);
    expect(report.handled).toBe(BACKLOG);
    expect(report.lost).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });
});
