import { setTimeout as handlerWork } from 'node:timers/promises';
import { NsqEventType } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { startConsumer } from '../support/nest-harness.js';
import type { NsqdNode } from '../support/nsqd-node.js';
import { waitForValue } from '../support/wait-for.js';
import { type TestCa, TestPki } from '../security/support/test-pki.js';

const MESSAGES = 40;
/**
 * Asked of nsqd in IDENTIFY. A FIN that never reached nsqd shows up as that
 * message leaving in-flight only when this fires, counted in timeout_count;
 * long enough that a loaded machine never reaches it with the handlers
 * themselves.
 */
const MSG_TIMEOUT_MS = 10_000;

const CASES = [
  { compression: 'none', tls: false },
  { compression: 'deflate', tls: false },
  { compression: 'snappy', tls: false },
  { compression: 'none', tls: true },
  { compression: 'deflate', tls: true },
  { compression: 'snappy', tls: true },
] as const;

/**
 * Issue #8: with compression, nsqjs's close() used to destroy the socket while
 * FINs still sat in the compressor, so messages whose handlers finished during
 * the drain came back after msg-timeout. Judged by nsqd's own counters.
 */
describe('ServerNsq.close() drains every FIN to nsqd under wire compression and TLS', () => {
  let cluster: NsqCluster;
  let pki: TestPki;
  let ca: TestCa;
  let nsqd: NsqdNode;

  beforeAll(async () => {
    pki = await TestPki.create();
    ca = await pki.ca('drain');
    const server = await ca.issue('nsqd', ['IP:127.0.0.1']);
    cluster = await startNsqCluster({ nsqds: 0, lookupd: false });
    nsqd = await cluster.addNsqd([`--tls-cert=${server.certFile}`, `--tls-key=${server.keyFile}`]);
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
    await pki?.cleanup();
  });

  it.each(CASES.map((c) => ({ ...c, label: `${c.compression}${c.tls ? ' + TLS' : ''}` })))(
    '$label: 40 in flight, handlers finishing during the drain — each FINed once, none left in flight, requeued or timed out',
    async ({ compression, tls }) => {
      const topic = `drain.${compression}.${tls ? 'tls' : 'plain'}`;
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
          ...(tls ? { tls: { ca: ca.cert } } : {}),
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
      await waitForValue(async () => ((await nsqd.channelStats(topic, 'c'))?.in_flight_count === 0 ? true : undefined), {
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
