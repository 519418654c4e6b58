import { setTimeout as work } from 'node:timers/promises';
import { NsqEventType, type NsqContext, type NsqDeadLetterInfo, type ServerNsqOptions } from 'nestjs-transport-nsq';
import { Reader } from 'nsqjs';
import { LogCapture } from '../security/support/log-capture.js';
import { startConsumer, type TestConsumer } from '../support/nest-harness.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';

const CHANNEL = 'worker';
const MSG_TIMEOUT_MS = 1_000;
/** Each handler works this long: well past the message timeout nsqd was asked for. */
const WORK_MS = 2_500;
const MESSAGES = 5;
const TOPICS = { touch: 'slow.touch', noTouch: 'slow.no-touch', overtime: 'slow.max-handler-time' } as const;

/** Slow work that lasts until nsqd has given the message out again (its attempts grow: the copy joined this run). */
const untilRedelivered = (ctx: NsqContext) => waitFor(() => ctx.getAttempts() > 1, { timeoutMs: 20_000, message: 'nsqd did not deliver the message again' });

/**
 * A handler slower than the message timeout runs once per message, never
 * beside another run of the same message, and its success is FINed — never
 * dead-lettered — whether the transport keeps the message with TOUCH (the
 * default), or nsqd delivers it again meanwhile (TOUCH off, or past
 * maxHandlerTimeMs). Judged by counts: runs per message, overlapping runs,
 * dead letters, and nsqd's own timeout count.
 */
describe('handlers slower than the message timeout', () => {
  let cluster: NsqCluster;
  let logs: LogCapture;
  const consumers: TestConsumer[] = [];
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    logs = LogCapture.install();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    await timeoutsWatched(Object.values(TOPICS));
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await cluster?.close();
  });

  /**
   * nsqd looks for timed-out messages only on the channels it listed at its
   * last refresh (every 5 s, not configurable): until then a new channel's
   * messages never time out. Creates the test channels and a probe channel,
   * and waits until a message left unanswered on the probe times out.
   */
  async function timeoutsWatched(topics: readonly string[]): Promise<void> {
    for (const topic of topics) await nsqd().createChannel(topic, CHANNEL);
    await nsqd().createChannel('slow.probe', CHANNEL);
    await nsqd().publish('slow.probe', 'probe');
    const reader = new Reader('slow.probe', CHANNEL, { nsqdTCPAddresses: [nsqd().tcpAddress], messageTimeout: MSG_TIMEOUT_MS });
    reader.on('error', () => undefined);
    reader.on('message', () => undefined); // never answered
    reader.connect();
    try {
      await waitFor(async () => ((await nsqd().channelStats('slow.probe', CHANNEL))?.timeout_count ?? 0) > 0, { timeoutMs: 15_000, message: 'nsqd never timed the probe out' });
    } finally {
      reader.close();
    }
  }

  /** Runs `MESSAGES` slow messages through a consumer with `options`; returns what happened per message. */
  async function runSlow(topic: string, options: Partial<ServerNsqOptions>, slowWork: (ctx: NsqContext) => Promise<unknown>) {
    const dlq = `${topic}.dead`;
    const running = new Map<number, number>();
    const runs = new Map<number, number>();
    let overlapping = 0;
    const consumer = await startConsumer(
      [
        {
          topic,
          channel: CHANNEL,
          behavior: async (payload, ctx) => {
            const { i } = payload as { i: number };
            runs.set(i, (runs.get(i) ?? 0) + 1);
            running.set(i, (running.get(i) ?? 0) + 1);
            if (running.get(i)! > 1) overlapping += 1;
            await slowWork(ctx);
            running.set(i, running.get(i)! - 1);
          },
        },
      ],
      { nsqdTcpAddresses: [nsqd().tcpAddress], maxInFlight: MESSAGES, msgTimeoutMs: MSG_TIMEOUT_MS, maxAttempts: 2, requeueDelayMs: 0, deadLetterTopic: dlq, ...options },
      true,
    );
    consumers.push(consumer);
    const deadLetters: NsqDeadLetterInfo[] = [];
    consumer.server.on(NsqEventType.DEAD_LETTER, (info) => deadLetters.push(info));
    await nsqd().publishMany(topic, Array.from({ length: MESSAGES }, (_, i) => JSON.stringify({ i })));
    // Settled: nothing queued, nothing in flight, every message run to completion at least once.
    await waitFor(
      async () => {
        const channel = await nsqd().channelStats(topic, CHANNEL);
        return runs.size === MESSAGES && [...running.values()].every((n) => n === 0) && channel?.depth === 0 && channel.in_flight_count === 0 && channel.deferred_count === 0;
      },
      { timeoutMs: 30_000, message: () => `runs ${JSON.stringify([...runs])}, running ${JSON.stringify([...running])}` },
    );
    const channel = (await nsqd().channelStats(topic, CHANNEL))!;
    return { runs, overlapping, deadLetters, channel, deadLettered: (await nsqd().topicStats(dlq))?.message_count ?? 0 };
  }

  it('keeps each message with TOUCH while its handler runs: one run each, no redelivery, FINed, nothing dead-lettered', async () => {
    const { runs, overlapping, deadLetters, channel, deadLettered } = await runSlow(TOPICS.touch, {}, () => work(WORK_MS));
    expect([...runs.values()]).toEqual(Array.from({ length: MESSAGES }, () => 1));
    expect(overlapping).toBe(0);
    expect(deadLetters).toEqual([]);
    expect(deadLettered).toBe(0);
    // nsqd never timed them out: TOUCH reached it in time.
    expect(channel.timeout_count).toBe(0);
    expect(channel.requeue_count).toBe(0);
    expect(channel.message_count).toBe(MESSAGES);
  });

  it('without TOUCH, the copies nsqd delivers again wait for the running handler: one run each, FINed, nothing dead-lettered past maxAttempts', async () => {
    const { runs, overlapping, deadLetters, channel, deadLettered } = await runSlow(TOPICS.noTouch, { autoTouch: false }, untilRedelivered);
    // nsqd did time them out and deliver them again, past maxAttempts (2)...
    expect(channel.timeout_count).toBeGreaterThanOrEqual(MESSAGES);
    // ...yet each handler ran once, alone, and its success stood.
    expect([...runs.values()]).toEqual(Array.from({ length: MESSAGES }, () => 1));
    expect(overlapping).toBe(0);
    expect(deadLetters).toEqual([]);
    expect(deadLettered).toBe(0);
  });

  it('stops touching past maxHandlerTimeMs and says so once per message; the redelivered copy still waits for its handler', async () => {
    const topic = TOPICS.overtime;
    const before = logs.lines.length;
    const { runs, overlapping, deadLetters, channel } = await runSlow(topic, { maxHandlerTimeMs: 1_000 }, untilRedelivered);
    const lines = logs.lines.slice(before);
    expect(lines.filter((line) => line.includes('maxHandlerTimeMs') && line.includes(topic))).toHaveLength(MESSAGES);
    expect(channel.timeout_count).toBeGreaterThanOrEqual(MESSAGES);
    expect([...runs.values()]).toEqual(Array.from({ length: MESSAGES }, () => 1));
    expect(overlapping).toBe(0);
    expect(deadLetters).toEqual([]);
  });
});
