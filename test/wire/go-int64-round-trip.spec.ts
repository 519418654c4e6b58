import { join } from 'node:path';
import { NsqEventType, type ClientNsq, type NsqDeadLetterInfo } from 'nestjs-transport-nsq';
import { buildGoProgram, type GoProgram } from '../support/go-program.js';
import { emit, startClient, startConsumer } from '../support/nest-harness.js';
import { repoRoot } from '../support/nsq-binaries.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';

const ABOVE_2_53 = 2n ** 53n + 1n; // 9007199254740993: the first integer a float64 cannot hold
const MAX_INT64 = 2n ** 63n - 1n;
const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;

// test/wire/go-int64 is a Go service reduced to the wire: go-nsq, and encoding/json on a struct with
// int64/uint64 fields (kratos-transport's codec for plain Go structs), which writes them as JSON numbers.
describe('codec json-bigint: int64 and uint64 cross NSQ between Go and Nest digit for digit', () => {
  let go: GoProgram;
  let cluster: NsqCluster;
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    [go, cluster] = await Promise.all([buildGoProgram(join(repoRoot(), 'test', 'wire', 'go-int64')), startNsqCluster({ nsqds: 1, lookupd: false })]);
  }, 240_000);
  afterAll(async () => {
    await cluster?.close();
    await go?.remove();
  });

  it("a Go publisher's int64 and uint64 reach the handler as the exact bigint, safe integers and floats as numbers", async () => {
    const topic = 'wire.int64.from-go';
    const bigint = await startConsumer([{ topic, channel: 'bigint' }], { nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'json-bigint' });
    const json = await startConsumer([{ topic, channel: 'json' }], { nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'json' });
    try {
      const ids = [ABOVE_2_53, MAX_INT64, MIN_INT64, 7n];
      const { stdout } = await go.run(['publish', '-nsqd', nsqd().tcpAddress, '-topic', topic, '-ids', ids.join(','), '-unsigned', String(MAX_UINT64)]);
      // What Go put on the wire: plain JSON numbers, every digit.
      expect(stdout.trim()).toBe(
        '{"id":9007199254740993,"ids":[9007199254740993,9223372036854775807,-9223372036854775808,7],"owner":{"id":7,"name":"acme"},"unsigned":18446744073709551615,"qty":42,"price":9.99}',
      );

      const [exact] = await bigint.waitForDeliveries(1);
      expect(exact!.payload).toStrictEqual({
        id: ABOVE_2_53,
        ids: [ABOVE_2_53, MAX_INT64, MIN_INT64, 7],
        owner: { id: 7, name: 'acme' },
        unsigned: MAX_UINT64,
        qty: 42,
        price: 9.99,
      });
      // The same body under the json codec: JSON.parse rounds, which is what this codec is for.
      const [rounded] = await json.waitForDeliveries(1);
      expect((rounded!.payload as { id: number }).id).toBe(9007199254740992);
    } finally {
      await Promise.all([bigint.close(), json.close()]);
    }
  });

  it("an emitted bigint is what Go's json.Unmarshal reads into int64 and uint64, exactly", async () => {
    const topic = 'wire.int64.to-go';
    await nsqd().createTopic(topic);
    await nsqd().createChannel(topic, 'go');
    let client: ClientNsq | undefined;
    try {
      client = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'json-bigint' });
      await emit(client, topic, {
        id: MAX_INT64,
        ids: [ABOVE_2_53, MIN_INT64, MAX_INT64, 7],
        owner: { id: MIN_INT64, name: 'acme' },
        unsigned: MAX_UINT64,
        qty: 42,
        price: 9.99,
      });
      const { stdout } = await go.run(['consume', '-nsqd', nsqd().tcpAddress, '-topic', topic, '-channel', 'go', '-count', '1']);
      // go-int64 prints every integer it unmarshalled as a decimal string.
      expect(JSON.parse(stdout.trim())).toStrictEqual({
        id: '9223372036854775807',
        ids: ['9007199254740993', '-9223372036854775808', '9223372036854775807', '7'],
        owner: { id: '-9223372036854775808', name: 'acme' },
        unsigned: '18446744073709551615',
        qty: '42',
        price: '9.99',
      });
    } finally {
      await client?.close();
    }
  });

  it('dead-letters as undecodable, without running the handler, a body that would pollute prototypes, as the json codec does', async () => {
    const topic = 'wire.int64.poison';
    const consumer = await startConsumer([{ topic, channel: 'bigint' }], { nsqdTcpAddresses: [nsqd().tcpAddress], codec: 'json-bigint', deadLetterTopic: 'wire.int64.dead' });
    const deadLetters: NsqDeadLetterInfo[] = [];
    consumer.server.on(NsqEventType.DEAD_LETTER, (info) => deadLetters.push(info));
    try {
      await nsqd().publish(topic, '{"id":9007199254740993,"__proto__":{"polluted":true}}');
      await nsqd().publish(topic, '{"id":9007199254740993,"constructor":{"prototype":{"polluted":true}}}');
      await nsqd().publish(topic, '{"id":9007199254740993');
      await nsqd().publish(topic, '{"id":9007199254740993}');
      const [delivery] = await consumer.waitForDeliveries(1);
      expect(delivery!.payload).toStrictEqual({ id: ABOVE_2_53 });
      await waitFor(() => deadLetters.length === 3, { timeoutMs: 15_000, message: () => `dead letters: ${JSON.stringify(deadLetters)}` });
      expect(deadLetters.map((info) => info.reason)).toEqual(['undecodable', 'undecodable', 'undecodable']);
      expect(consumer.deliveries).toHaveLength(1);
      expect(Object.prototype).not.toHaveProperty('polluted');
    } finally {
      await consumer.close();
    }
  });
});
