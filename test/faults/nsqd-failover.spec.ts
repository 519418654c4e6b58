import { setTimeout as delay } from 'node:timers/promises';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { acknowledgedAfter, handledSoFar, heldByNsqdAt, longestEmitMs, waitForDrained } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { FaultScenario } from './support/fault-scenario.js';

const TOPIC = 'fault.failover';
const CHANNEL = 'saver';
const PUBLISH_TIMEOUT_MS = 1_000;
const MEM_QUEUE_SIZE = 1_000;
const MAX_IN_FLIGHT = 20;

describe('two nsqds behind nsqlookupd, one SIGKILLed and restarted', () => {
  let cluster: NsqCluster;
  let scenario: FaultScenario;

  beforeAll(async () => {
    await buildFaultApps();
    cluster = await startNsqCluster({ nsqds: 2, lookupd: true, nsqdArgs: [`--mem-queue-size=${MEM_QUEUE_SIZE}`] });
    scenario = new FaultScenario('2 nsqds + lookupd, one SIGKILLed', true);
  }, 120_000);
  afterAll(async () => {
    await scenario?.cleanup();
    await cluster?.close();
  });

  it('the producer fails over, the consumer keeps consuming from the other nsqd and picks the first back up', async () => {
    const [a, b] = cluster.nsqds as [NonNullable<(typeof cluster.nsqds)[0]>, NonNullable<(typeof cluster.nsqds)[0]>];
    const clientsOn = async (node: typeof a) => (await node.channelStats(TOPIC, CHANNEL))?.clients.length ?? 0;
    const messagesOn = async (node: typeof a) => (await node.topicStats(TOPIC))?.message_count ?? 0;

    await scenario.consumer({
      topic: TOPIC,
      workMs: 2,
      server: { lookupdHttpAddresses: [cluster.lookupd!.httpAddress], channel: CHANNEL, maxInFlight: MAX_IN_FLIGHT, lookupdPollIntervalMs: 1_000 },
    });
    const producer = await scenario.producer({
      topic: TOPIC,
      client: { nsqdTcpAddresses: [a.tcpAddress, b.tcpAddress], publishTimeoutMs: PUBLISH_TIMEOUT_MS, reconnectMaxDelayMs: 500 },
      rate: 1_000,
      count: 0,
    });
    // Both nsqds carry traffic and have the consumer.
    await waitFor(async () => (await messagesOn(a)) > 200 && (await messagesOn(b)) > 200 && (await clientsOn(a)) > 0 && (await clientsOn(b)) > 0, {
      timeoutMs: 20_000,
      message: 'traffic did not reach both nsqds',
    });

    const handledAtKill = handledSoFar(scenario.consumerLedgers);
    await a.kill();
    // Nothing emitted from here on can be acknowledged by a.
    const killedAt = Date.now();
    // Failover: acknowledged emits keep coming (from b alone) and the consumer keeps handling them.
    await waitFor(() => acknowledgedAfter(scenario.producerLedgers, killedAt + PUBLISH_TIMEOUT_MS) >= 500, { timeoutMs: 10_000, message: 'the producer did not fail over' });
    await waitFor(() => handledSoFar(scenario.consumerLedgers) >= handledAtKill + 1_000, { timeoutMs: 10_000, message: 'the consumer stopped consuming' });
    await delay(500);

    await a.restart();
    const messagesBefore = await messagesOn(a);
    // Back: the consumer resubscribes to a, and the producer publishes to it again.
    await waitFor(async () => (await clientsOn(a)) > 0, { timeoutMs: 15_000, message: 'the consumer did not pick the restarted nsqd back up' });
    await waitFor(async () => (await messagesOn(a)) > messagesBefore + 200, { timeoutMs: 15_000, message: 'the producer did not return to the restarted nsqd' });
    expect((await producer.terminate()).code).toBe(0);
    await waitForDrained(cluster.nsqds, TOPIC, CHANNEL, scenario.consumerLedgers);

    const report = scenario.check();
    const longest = longestEmitMs(scenario.producerLedgers);
    // Loss bound of the killed nsqd alone: its topic and channel memory queues plus its in-flight.
    const window = 2 * MEM_QUEUE_SIZE + MAX_IN_FLIGHT;
    // And only messages an nsqd held when a died: acknowledged before, not handled by then.
    const held = heldByNsqdAt(killedAt, scenario.producerLedgers, scenario.consumerLedgers);
    scenario.record(report, { faults: 1, longestEmitMs: longest, lossWindow: window, heldAtKill: held.size });
    expect(report.unsettled).toBe(0);
    expect(report.lost.length).toBeLessThanOrEqual(window);
    expect(report.lost.filter((id) => !held.has(id))).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.failedButHandled).toEqual([]);
    expect(longest).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + 750);
  });
});
