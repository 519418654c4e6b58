import { startTlsNsqd, type TlsNsqd } from '../security/support/tls-nsqd.js';
import { waitFor } from '../support/wait-for.js';
import { WIRE_CASES } from '../support/wire-cases.js';
import { readLines } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { FaultScenario } from './support/fault-scenario.js';

const CHANNEL = 'saver';
const MESSAGES = 40;
/** Handler time: every handler is still running when SIGTERM arrives and finishes during the drain. */
const WORK_MS = 300;
/** Asked of nsqd in IDENTIFY: a FIN that never reached nsqd shows as a timeout after this. */
const MSG_TIMEOUT_MS = 10_000;

/**
 * Issue #8, the drain as applications run it: SIGTERM → Nest's shutdown hooks
 * → ServerNsq.close() → process.exit(). Whatever close() leaves for later —
 * FINs still in a compressor, a socket still flushing — dies with the
 * process, so close() may only resolve once every FIN has left it.
 */
describe('consumer SIGTERMed while its handlers finish: every FIN reaches nsqd before the process exits', () => {
  let server: TlsNsqd;
  let scenario: FaultScenario | undefined;

  beforeAll(async () => {
    await buildFaultApps();
    server = await startTlsNsqd('sigterm');
  }, 120_000);
  afterEach(async () => {
    await scenario?.cleanup();
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each(WIRE_CASES)(
    '$label: exits 0; nothing left in flight, requeued or timed out',
    async ({ compression, tls, label, tag }) => {
      const { nsqd, ca } = server;
      const topic = `sigterm-drain.${tag}`;
      scenario = new FaultScenario(`consumer SIGTERM, handlers finishing in the drain, ${label}`);
      await nsqd.createChannel(topic, CHANNEL);
      await scenario.publishOverHttp(nsqd, topic, MESSAGES);
      const consumer = await scenario.consumer({
        topic,
        server: {
          nsqdTcpAddresses: [nsqd.tcpAddress],
          compression,
          ...(tls ? { tls: { ca } } : {}),
          channel: CHANNEL,
          maxInFlight: MESSAGES,
          msgTimeoutMs: MSG_TIMEOUT_MS,
          drainTimeoutMs: 20_000,
        },
        workMs: WORK_MS,
      });
      const started = () => readLines(consumer.ledger).filter(([kind]) => kind === 'S').length;
      await waitFor(() => started() === MESSAGES, { timeoutMs: 20_000, message: () => `only ${started()} handlers started` });
      expect(await consumer.terminate()).toEqual({ code: 0, signal: null });

      const lines = readLines(consumer.ledger);
      const closeAt = Number(lines.find(([kind]) => kind === 'C')?.[1]);
      const finishedInDrain = lines.filter(([kind, , result, at]) => kind === 'D' && result === 'ok' && Number(at) >= closeAt).length;
      // A FIN that reached nsqd takes its message out of flight at once; a lost one leaves it there
      // until msg-timeout, which then counts it in timeout_count and puts it back in the queue.
      await waitFor(async () => (await nsqd.channelStats(topic, CHANNEL))?.in_flight_count === 0, {
        timeoutMs: MSG_TIMEOUT_MS + 20_000,
        message: 'messages still in flight',
      });
      const channel = (await nsqd.channelStats(topic, CHANNEL))!;
      const report = scenario.check();
      scenario.record(report, { faults: 1, finishedInDrain, timedOut: channel.timeout_count });
      expect(finishedInDrain).toBeGreaterThan(0);
      expect({
        handled: report.handled,
        handlerRuns: report.invocations,
        inFlight: channel.in_flight_count,
        depth: channel.depth,
        requeued: channel.requeue_count,
        timedOut: channel.timeout_count,
      }).toEqual({ handled: MESSAGES, handlerRuns: MESSAGES, inFlight: 0, depth: 0, requeued: 0, timedOut: 0 });
    },
    MSG_TIMEOUT_MS + 60_000,
  );
});
