import { NsqEventType } from 'nestjs-transport-nsq';
import { LogCapture } from '../security/support/log-capture.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { startClient, startConsumer } from '../support/nest-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * An nsqd that stays down makes every reconnect attempt fail. Each failure
 * reaches on('error'); the log gets the first one of the outage and then one
 * line at each power of two, never a line per retry.
 */
describe('connection errors during an outage', () => {
  let cluster: NsqCluster;
  let logs: LogCapture;

  beforeAll(async () => {
    logs = LogCapture.install();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('server and client: every error is an event, the log holds about log2(errors) lines', async () => {
    const nsqd = cluster.nsqds[0]!;
    const options = { nsqdTcpAddresses: [nsqd.tcpAddress], reconnectMinDelayMs: 10, reconnectMaxDelayMs: 20 };
    const consumer = await startConsumer([{ topic: 'outage.log', channel: 'c' }], { nsqdTcpAddresses: [nsqd.tcpAddress], lookupdPollIntervalMs: 1000 }, true);
    logs = LogCapture.install();
    const client = await startClient(options);
    const serverErrors: Error[] = [];
    const clientErrors: Error[] = [];
    consumer.server.on(NsqEventType.ERROR, (error) => serverErrors.push(error));
    client.on(NsqEventType.ERROR, (error) => clientErrors.push(error));
    try {
      await nsqd.kill();
      await waitFor(() => serverErrors.length >= 8 && clientErrors.length >= 8, { timeoutMs: 30_000, message: 'not enough reconnect failures seen' });
      const serverLines = logs.lines.filter((line) => String(line).startsWith('error [ServerNsq]')).length;
      const clientLines = logs.lines.filter((line) => String(line).startsWith('error [ClientNsq]')).length;
      expect(serverLines).toBeGreaterThan(0);
      expect(clientLines).toBeGreaterThan(0);
      expect(serverLines).toBeLessThanOrEqual(Math.floor(Math.log2(serverErrors.length)) + 2);
      expect(clientLines).toBeLessThanOrEqual(Math.floor(Math.log2(clientErrors.length)) + 2);
    } finally {
      await client.close();
      await consumer.app.close();
      await nsqd.restart();
    }
  });
});
