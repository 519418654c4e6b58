import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { handledSoFar, metrics, waitForDrained } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { FaultScenario } from './support/fault-scenario.js';

/**
 * Steady-rate soak. CI runs 10,000 messages; `npm run test:soak` runs 100,000
 * (SOAK_MESSAGES overrides both).
 */
const MESSAGES = Number(process.env.SOAK_MESSAGES ?? 10_000);
const RATE = Number(process.env.SOAK_RATE ?? 2_000);
const TOPIC = 'fault.soak';
const CHANNEL = 'saver';
/** Every 20th message fails its first attempt (5 %). */
const FAIL_EVERY = 20;
const durationMs = (MESSAGES / RATE) * 1000;

describe(`soak: ${MESSAGES} messages at ${RATE}/s, ${100 / FAIL_EVERY} % handler failures`, () => {
  let cluster: NsqCluster;
  let scenario: FaultScenario;

  beforeAll(async () => {
    await buildFaultApps();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    scenario = new FaultScenario(`soak ${MESSAGES}`);
  }, 120_000);
  afterAll(async () => {
    await scenario?.cleanup();
    await cluster?.close();
  });

  it(
    'counts match, failed attempts are retried once each, and heap, handles and listeners stay flat',
    async () => {
      const nsqd = cluster.nsqds[0]!;
      await nsqd.createChannel(TOPIC, CHANNEL);
      const metricsIntervalMs = Math.max(250, Math.round(durationMs / 40));
      const consumer = await scenario.consumer({
        topic: TOPIC,
        workMs: 1,
        failEvery: FAIL_EVERY,
        metricsIntervalMs,
        server: { nsqdTcpAddresses: [nsqd.tcpAddress], channel: CHANNEL, maxInFlight: 100, requeueDelayMs: 100, backoff: false },
      });
      const producer = await scenario.producer({ topic: TOPIC, client: { nsqdTcpAddresses: [nsqd.tcpAddress] }, rate: RATE, count: MESSAGES, metricsIntervalMs });
      expect((await producer.exited).code).toBe(0);
      await waitFor(() => handledSoFar(scenario.consumerLedgers) >= MESSAGES, { timeoutMs: 60_000, message: 'the consumer fell behind' });
      await waitForDrained([nsqd], TOPIC, CHANNEL, scenario.consumerLedgers);
      // One more sample once idle: timers held by handlers and retries must be gone again.
      await new Promise((resolve) => setTimeout(resolve, 2 * metricsIntervalMs + 100));

      const report = scenario.check();
      const consumerFlat = flatness(metrics(consumer.ledger));
      // The producer exited after its last emit; its final sample is its idle one.
      const producerFlat = flatness(metrics(producer.ledger));
      scenario.record(report, { rate: RATE, plannedFailures: Math.ceil(MESSAGES / FAIL_EVERY), consumer: consumerFlat, producer: producerFlat });
      expect(report.ok).toBe(MESSAGES);
      expect(report.handled).toBe(MESSAGES);
      expect(report.lost).toEqual([]);
      expect(report.unexpected).toEqual([]);
      // Each planned failure was retried exactly once; anything else would be a redelivery.
      expect(report.invocations).toBe(MESSAGES + Math.ceil(MESSAGES / FAIL_EVERY) + report.duplicates);
      for (const flat of [consumerFlat, producerFlat]) {
        expect(flat.heapGrowthMB).toBeLessThan(15);
        expect(flat.handlesGrowth).toBeLessThanOrEqual(3);
        expect(flat.listenersGrowth).toBeLessThanOrEqual(0);
        expect(flat.idleTimersGrowth).toBeLessThanOrEqual(2);
      }
    },
    durationMs + 120_000,
  );
});

/**
 * Compares the first and last third of the run (after the first sample's warm-up): growth of the
 * peaks of heap, non-timer handles and listeners; timers (held by running handlers and retries)
 * are compared between the first sample and the last, idle one.
 */
function flatness(samples: number[][]): { samples: number; heapGrowthMB: number; handlesGrowth: number; listenersGrowth: number; idleTimersGrowth: number } {
  const usable = samples.slice(1);
  const third = Math.max(1, Math.floor(usable.length / 3));
  const first = usable.slice(0, third);
  const last = usable.slice(-third);
  const peak = (rows: number[][], column: number) => Math.max(...rows.map((row) => row[column]!));
  return {
    samples: usable.length,
    heapGrowthMB: Math.round((peak(last, 1) - peak(first, 1)) / 1e5) / 10,
    handlesGrowth: peak(last, 2) - peak(first, 2),
    listenersGrowth: peak(last, 3) - peak(first, 3),
    idleTimersGrowth: samples.at(-1)![4]! - samples[0]![4]!,
  };
}
