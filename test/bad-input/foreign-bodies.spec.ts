import { NsqEventType, type NsqDeadLetterInfo } from 'nestjs-transport-nsq';
import { startConsumer, type TestConsumer } from '../support/nest-harness.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { recordBadInputs } from './bad-input-tally.js';

const TOPIC = 'foreign.bodies';
const DLQ = 'foreign.bodies.dead';
const DEPTH = 5_000;

/** Bodies a non-Nest producer may publish, and whether the JSON codec must refuse them as poison. */
const BODIES: Array<[string, Buffer, 'poison' | 'delivered']> = [
  ['plain text, not JSON', Buffer.from('hello world'), 'poison'],
  ['truncated JSON', Buffer.from('{"a":1'), 'poison'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xfe, 0x7d]), 'poison'],
  ['overlong UTF-8 encoding of "/"', Buffer.from([0x22, 0xc0, 0xaf, 0x22]), 'poison'],
  ['binary (PNG header and zeros)', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]), 'poison'],
  ['raw NUL inside a JSON string', Buffer.from('{"a":"\u0000"}'), 'poison'],
  ['__proto__ key', Buffer.from('{"__proto__":{"polluted":true}}'), 'poison'],
  ['nested __proto__ key', Buffer.from('{"a":{"b":[{"__proto__":{"polluted":true}}]}}'), 'poison'],
  ['escaped \\u005f_proto__ key', Buffer.from('{"\\u005f_proto__":{"polluted":true}}'), 'poison'],
  ['constructor.prototype', Buffer.from('{"constructor":{"prototype":{"polluted":true}}}'), 'poison'],
  ['__proto__ deep inside a nested document', Buffer.from('{"a":'.repeat(500) + '{"__proto__":{"polluted":true}}' + '}'.repeat(500)), 'poison'],
  ['null', Buffer.from('null'), 'delivered'],
  ['a JSON string', Buffer.from('"just text"'), 'delivered'],
  ['a JSON number beyond double range', Buffer.from('1e400'), 'delivered'],
  ['constructor as a plain key', Buffer.from('{"constructor":"fine"}'), 'delivered'],
  [`arrays nested ${DEPTH} deep`, Buffer.from('['.repeat(DEPTH) + ']'.repeat(DEPTH)), 'delivered'],
  ['objects nested 2,000 deep', Buffer.from('{"a":'.repeat(2_000) + '1' + '}'.repeat(2_000)), 'delivered'],
  ['UTF-8 BOM before JSON', Buffer.from('\ufeff{"bom":true}'), 'delivered'],
];

describe('bodies from foreign producers', () => {
  let cluster: NsqCluster;
  let consumer: TestConsumer;
  const deadLetters: NsqDeadLetterInfo[] = [];

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    consumer = await startConsumer([{ topic: TOPIC, channel: 'worker' }], {
      nsqdTcpAddresses: [cluster.nsqds[0]!.tcpAddress],
      deadLetterTopic: DLQ,
      maxInFlight: 5,
    });
    consumer.server.on(NsqEventType.DEAD_LETTER, (info) => deadLetters.push(info));
  });
  afterAll(async () => {
    await consumer?.close();
    await cluster?.close();
  });

  it('poison bodies are dead-lettered unchanged without running the handler; valid JSON of any shape is delivered; nothing crashes or pollutes', async () => {
    const nsqd = cluster.nsqds[0]!;
    await nsqd.createChannel(DLQ, 'inspect');
    for (const [, body] of BODIES) await nsqd.publish(TOPIC, body);
    const poison = BODIES.filter(([, , fate]) => fate === 'poison');
    const delivered = BODIES.filter(([, , fate]) => fate === 'delivered');

    await waitFor(() => deadLetters.length >= poison.length && consumer.deliveries.length >= delivered.length, {
      timeoutMs: 20_000,
      message: () => `dead-lettered ${deadLetters.length}/${poison.length}, delivered ${consumer.deliveries.length}/${delivered.length}`,
    });
    await waitFor(async () => {
      const channel = await nsqd.channelStats(TOPIC, 'worker');
      return channel?.depth === 0 && channel.in_flight_count === 0;
    }, { message: 'the channel did not drain' });

    expect(deadLetters.every((info) => info.reason === 'undecodable' && info.attempts === 1)).toBe(true);
    expect(deadLetters).toHaveLength(poison.length);
    // Handlers saw exactly the valid bodies, byte for byte.
    expect(consumer.deliveries.map((d) => d.body.toString('hex')).sort()).toEqual(delivered.map(([, body]) => body.toString('hex')).sort());
    expect(consumer.deliveries.find((d) => d.payload === null)).toBeDefined();
    // The dead-letter topic holds the poison bodies unchanged.
    expect((await nsqd.topicStats(DLQ))?.message_count).toBe(poison.length);
    // No prototype was touched.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();

    // And the consumer is still healthy.
    await nsqd.publish(TOPIC, '{"after":true}');
    await consumer.waitForDeliveries(delivered.length + 1);
    recordBadInputs('foreign bodies', BODIES.length);
  });
});
