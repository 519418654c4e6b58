import { setTimeout as handlerWork } from 'node:timers/promises';
import { NsqEventType } from 'nestjs-transport-nsq';
import { startTlsNsqd, type TlsNsqd } from '../security/support/tls-nsqd.js';
import { startConsumer } from '../support/nest-harness.js';
import { waitFor } from '../support/wait-for.js';
import { WIRE_CASES } from '../support/wire-cases.js';

const MESSAGES = 40;
/**
 * Asked of nsqd in IDENTIFY. A FIN that never reached nsqd shows up as that
 * message leaving in-flight only when this fires, counted in timeout_count;
 * long enough that a loaded machine never reaches it with the handlers
 * themselves.
 */
const MSG_TIMEOUT_MS = 10_000;

/**
 * Issue #8: with compression, nsqjs's close() used to destroy the socket while
 * FINs still sat in the compressor, so messages whose handlers finished during
 * the drain came back after msg-timeout. Judged by nsqd's own counters.
 */
describe('ServerNsq.close() drains every FIN to nsqd under wire compression and TLS', () => {
  let server: TlsNsqd;

  beforeAll(async () => {
    server = await startTlsNsqd('drain');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it.each(WIRE_CASES)(
    '$label: 40 in flight, handlers finishing during the drain — each FINed once, none left in flight, requeued or timed out',
    async ({ compression, tls, tag }) => {
      const { nsqd, ca } = server;
      const topic = `drain.${tag}`;
      await nsqd.createChannel(topic, 'c');
      await nsqd.publishMany(topic, Array.from({ length: MESSAGES }, (_, i) => JSON.stringify({ i })));

      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const finished: number[] = [];
      const consumer = await startConsumer(
        [
          {
            topic,
            channel: 'c',
            behavior: async (payload) => {
              const { i } = payload as { i: number };
              await gate;
              // Staggered endings: FINs are written all through the drain, the last ones just before close.
              await handlerWork((i % 10) * 3);
              finished.push(i);
            },
          },
        ],
        {
          nsqdTcpAddresses: [nsqd.tcpAddress],
          compression,
          ...(tls ? { tls: { ca } } : {}),
          maxInFlight: MESSAGES,
          msgTimeoutMs: MSG_TIMEOUT_MS,
          drainTimeoutMs: 20_000,
        },
      );
      await consumer.waitForDeliveries(MESSAGES);
      // A clean close breaks nothing: no stream or socket error may be reported on the way out.
      const errors: string[] = [];
      consumer.server.on(NsqEventType.ERROR, (error) => errors.push(`${error.name}: ${error.message}`));
      const inFlightBeforeClose = (await nsqd.channelStats(topic, 'c'))?.in_flight_count;
      const closing = consumer.close();
      release();
      await closing;

      // Each FIN that reached nsqd takes its message out of flight at once; a lost one leaves it
      // there until msg-timeout, then counts it in timeout_count and puts it back in the queue.
      await waitFor(async () => (await nsqd.channelStats(topic, 'c'))?.in_flight_count === 0, {
        timeoutMs: MSG_TIMEOUT_MS + 20_000,
        message: 'messages still in flight',
      });
      const channel = (await nsqd.channelStats(topic, 'c'))!;
      expect({
        errors,
        inFlightBeforeClose,
        handlerRuns: consumer.deliveries.length,
        finishedHandlers: new Set(finished).size,
        inFlight: channel.in_flight_count,
        depth: channel.depth,
        deferred: channel.deferred_count,
        requeued: channel.requeue_count,
        timedOut: channel.timeout_count,
        delivered: channel.message_count,
      }).toEqual({
        errors: [],
        inFlightBeforeClose: MESSAGES,
        handlerRuns: MESSAGES,
        finishedHandlers: MESSAGES,
        inFlight: 0,
        depth: 0,
        deferred: 0,
        requeued: 0,
        timedOut: 0,
        delivered: MESSAGES,
      });
    },
    MSG_TIMEOUT_MS + 40_000,
  );
});
