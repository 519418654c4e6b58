import { NsqEventType } from 'nestjs-transport-nsq';
import { startTlsNsqd, type TlsNsqd } from '../security/support/tls-nsqd.js';
import { startConsumer } from '../support/nest-harness.js';
import { waitFor } from '../support/wait-for.js';

/** Consumers started and closed one after the other; each close is one chance for the race below. */
const ROUNDS = 30;
const MESSAGES_PER_ROUND = 4;

/**
 * nsqd reads a deflate stream up to its final block (the one that carries
 * CLS) and closes the connection there. Our close used to end the TLS socket
 * right behind that block, sending a close_notify nsqd never reads; when it
 * arrived after nsqd's last read, nsqd's close of a socket with unread bytes
 * was a reset, and a graceful close reported `read ECONNRESET` (about one
 * close in eight to thirty here, more when FINs left uncorked). A race, so the
 * spec closes many times; every FIN reached nsqd either way.
 */
describe('ServerNsq.close() over deflate + TLS', () => {
  let server: TlsNsqd;

  beforeAll(async () => {
    server = await startTlsNsqd('close-deflate');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it(
    `ends without a socket error, ${ROUNDS} closes in a row, each message FINed once`,
    async () => {
      const { nsqd, ca } = server;
      const topic = 'close.deflate.tls';
      await nsqd.createChannel(topic, 'c');
      const errors: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        await nsqd.publishMany(
          topic,
          Array.from({ length: MESSAGES_PER_ROUND }, (_, i) => JSON.stringify({ round, i })),
        );
        const consumer = await startConsumer([{ topic, channel: 'c' }], {
          nsqdTcpAddresses: [nsqd.tcpAddress],
          compression: 'deflate',
          tls: { ca },
          maxInFlight: MESSAGES_PER_ROUND,
        });
        consumer.server.on(NsqEventType.ERROR, (error) => errors.push(`round ${round}: ${error.name}: ${error.message}`));
        await consumer.waitForDeliveries(MESSAGES_PER_ROUND);
        await consumer.close();
      }
      await waitFor(async () => (await nsqd.channelStats(topic, 'c'))?.in_flight_count === 0, { message: 'messages still in flight' });
      const channel = (await nsqd.channelStats(topic, 'c'))!;
      expect({
        errors,
        depth: channel.depth,
        requeued: channel.requeue_count,
        timedOut: channel.timeout_count,
        delivered: channel.message_count,
      }).toEqual({
        errors: [],
        depth: 0,
        requeued: 0,
        timedOut: 0,
        delivered: ROUNDS * MESSAGES_PER_ROUND,
      });
    },
    120_000,
  );
});
