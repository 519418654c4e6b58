import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { ClientNsq } from 'nestjs-transport-nsq';
import { nsqBinary } from '../support/nsq-binaries.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { emit, startClient, startConsumer } from '../support/nest-harness.js';

const run = promisify(execFile);

// nsq_tail and to_nsq are NSQ's own Go tools, built on go-nsq like
// kratos-transport: if they read and write our messages, Go services do too.
describe('wire format: the body is the payload bytes alone', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress] });
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.close();
  });

  it('an emitted payload reads as plain JSON in nsq_tail (go-nsq)', async () => {
    const topic = 'wire.to-go';
    await nsqd().createTopic(topic);
    await nsqd().createChannel(topic, 'tail');
    const payload = { id: 'evt-1', amount: 3, text: 'héllo' };
    await emit(client, topic, payload);
    const { stdout } = await run(nsqBinary('nsq_tail'), [`--nsqd-tcp-address=${nsqd().tcpAddress}`, `--topic=${topic}`, '--channel=tail', '-n', '1'], { timeout: 15_000 });
    expect(stdout.trim()).toBe(JSON.stringify(payload));
  });

  it('lines published by to_nsq (go-nsq) and by nsqd HTTP /pub reach handlers decoded', async () => {
    const topic = 'wire.from-go';
    const consumer = await startConsumer([{ topic, channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress] });
    try {
      const toNsq = spawn(nsqBinary('to_nsq'), [`--nsqd-tcp-address=${nsqd().tcpAddress}`, `--topic=${topic}`], { stdio: ['pipe', 'ignore', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => toNsq.on('exit', resolve));
      toNsq.stdin.end('{"from":"to_nsq","n":1}\n{"from":"to_nsq","n":2}\n');
      expect(await exited).toBe(0);
      await nsqd().publish(topic, '{"from":"curl","n":3}');
      const deliveries = await consumer.waitForDeliveries(3);
      expect(deliveries.map((d) => d.payload)).toEqual(
        expect.arrayContaining([
          { from: 'to_nsq', n: 1 },
          { from: 'to_nsq', n: 2 },
          { from: 'curl', n: 3 },
        ]),
      );
    } finally {
      await consumer.close();
    }
  });

  it('text and raw codecs carry strings and bytes unchanged', async () => {
    const textTopic = 'wire.text';
    const rawTopic = 'wire.raw';
    const textConsumer = await startConsumer([{ topic: textTopic, channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'text' });
    const rawConsumer = await startConsumer([{ topic: rawTopic, channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'raw' });
    const textClient = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'text' });
    const rawClient = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'raw' });
    try {
      const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x0a]);
      await emit(textClient, textTopic, 'plain text, not JSON');
      await emit(rawClient, rawTopic, bytes);
      const [text] = await textConsumer.waitForDeliveries(1);
      const [raw] = await rawConsumer.waitForDeliveries(1);
      expect(text!.payload).toBe('plain text, not JSON');
      expect(Buffer.isBuffer(raw!.payload)).toBe(true);
      expect((raw!.payload as Buffer).equals(bytes)).toBe(true);
    } finally {
      await Promise.all([textClient.close(), rawClient.close(), textConsumer.close(), rawConsumer.close()]);
    }
  });

  it('a custom serializer and deserializer decide the bytes', async () => {
    const topic = 'wire.custom';
    const serializer = { serialize: (value: unknown) => Buffer.from(`v1|${JSON.stringify(value)}`) };
    const deserializer = { deserialize: (body: Buffer) => ({ version: body.subarray(0, 2).toString(), value: JSON.parse(body.subarray(3).toString()) as unknown }) };
    const consumer = await startConsumer([{ topic, channel: 'c' }], { nsqdTcpAddresses: [nsqd().tcpAddress], deserializer });
    const custom = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], serializer });
    try {
      await emit(custom, topic, { a: 1 });
      const [delivery] = await consumer.waitForDeliveries(1);
      expect(delivery!.body.toString()).toBe('v1|{"a":1}');
      expect(delivery!.payload).toEqual({ version: 'v1', value: { a: 1 } });
    } finally {
      await Promise.all([custom.close(), consumer.close()]);
    }
  });
});
