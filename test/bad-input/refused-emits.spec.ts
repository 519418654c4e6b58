import { InvalidMessageException } from '@nestjs/microservices/errors/invalid-message.exception.js';
import { lastValueFrom } from 'rxjs';
import {
  type ClientNsq,
  InvalidNsqMessageError,
  InvalidNsqNameError,
  NsqEventType,
  NsqRecordBuilder,
  NsqTransportError,
} from 'nestjs-transport-nsq';
import { emit, startClient } from '../support/nest-harness.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { recordBadInputs } from './bad-input-tally.js';

const MAX_MESSAGE_SIZE = 1024;
const MAX_BATCH_BYTES = 4096;

const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

/**
 * [label, topic, payload, expected error class] — each must be refused before anything is written.
 * A null/undefined pattern or payload is refused by Nest's ClientProxy itself, before the transport
 * sees it, with Nest's InvalidMessageException (as in every Nest transport).
 */
const BAD_EMITS: Array<[string, unknown, unknown, new (...args: never[]) => Error]> = [
  ['empty topic', '', { x: 1 }, InvalidNsqNameError],
  ['topic of 65 characters', 'x'.repeat(65), { x: 1 }, InvalidNsqNameError],
  ['topic with a space', 'bad topic', { x: 1 }, InvalidNsqNameError],
  ['topic injecting a protocol line', 'ok\nPUB other', { x: 1 }, InvalidNsqNameError],
  ['topic with CRLF', 'ok\r\n', { x: 1 }, InvalidNsqNameError],
  ['topic with a NUL byte', 'ok\u0000', { x: 1 }, InvalidNsqNameError],
  ['topic with a slash', '../etc', { x: 1 }, InvalidNsqNameError],
  ['non-ASCII topic', 'commandé', { x: 1 }, InvalidNsqNameError],
  ['#ephemeral alone', '#ephemeral', { x: 1 }, InvalidNsqNameError],
  ['misplaced #ephemeral', 'a#ephemeralb', { x: 1 }, InvalidNsqNameError],
  ['null topic', null, { x: 1 }, InvalidMessageException],
  ['boolean topic', true, { x: 1 }, InvalidNsqNameError],
  ['object pattern (Nest-style)', { cmd: 'orders' }, { x: 1 }, InvalidNsqNameError],
  ['undefined payload', 'bad.input', undefined, InvalidMessageException],
  ['null payload', 'bad.input', null, InvalidMessageException],
  ['payload with no JSON form', 'bad.input', { toJSON: () => undefined }, InvalidNsqMessageError],
  ['function payload', 'bad.input', () => 1, InvalidNsqMessageError],
  ['symbol payload', 'bad.input', Symbol('s'), InvalidNsqMessageError],
  ['BigInt payload', 'bad.input', 10n, InvalidNsqMessageError],
  ['circular payload', 'bad.input', circular, InvalidNsqMessageError],
  ['body one byte over maxMessageSize', 'bad.input', 'y'.repeat(MAX_MESSAGE_SIZE - 1), InvalidNsqMessageError],
  ['body far over maxMessageSize', 'bad.input', { blob: 'z'.repeat(2 * 1024 * 1024) }, InvalidNsqMessageError],
  ['empty batch', 'bad.input', new NsqRecordBuilder().setBatch([]).build(), InvalidNsqMessageError],
  ['batch over maxBatchBytes', 'bad.input', new NsqRecordBuilder().setBatch(Array.from({ length: 8 }, () => 'w'.repeat(600))).build(), InvalidNsqMessageError],
  ['batch with one oversize member', 'bad.input', new NsqRecordBuilder().setBatch([{ ok: 1 }, 'v'.repeat(MAX_MESSAGE_SIZE)]).build(), InvalidNsqMessageError],
  ['batch with one unserializable member', 'bad.input', new NsqRecordBuilder().setBatch([{ ok: 1 }, undefined]).build(), InvalidNsqMessageError],
  ['negative delay', 'bad.input', new NsqRecordBuilder({ x: 1 }).setDelay(-1).build(), InvalidNsqMessageError],
  ['NaN delay', 'bad.input', new NsqRecordBuilder({ x: 1 }).setDelay(Number.NaN).build(), InvalidNsqMessageError],
  ['fractional delay', 'bad.input', new NsqRecordBuilder({ x: 1 }).setDelay(1.5).build(), InvalidNsqMessageError],
  ['delay over max-req-timeout', 'bad.input', new NsqRecordBuilder({ x: 1 }).setDelay(3_600_001).build(), InvalidNsqMessageError],
];

describe('bad emits are refused locally, typed, with nothing written to nsqd', () => {
  let cluster: NsqCluster;
  let client: ClientNsq;
  let text: ClientNsq;
  const disconnects: string[] = [];

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    const nsqdTcpAddresses = [cluster.nsqds[0]!.tcpAddress];
    client = await startClient({ nsqdTcpAddresses, maxMessageSize: MAX_MESSAGE_SIZE, maxBatchBytes: MAX_BATCH_BYTES });
    text = await startClient({ nsqdTcpAddresses, codec: 'text' });
    for (const c of [client, text]) c.on(NsqEventType.DISCONNECTED, (info) => disconnects.push(info.address));
  });
  afterAll(async () => {
    await client?.close();
    await text?.close();
    await cluster?.close();
  });

  async function nsqdTotals(): Promise<{ topics: string[]; messages: number }> {
    const stats = await cluster.nsqds[0]!.stats();
    return { topics: stats.topics.map((t) => t.topic_name).sort(), messages: stats.topics.reduce((sum, t) => sum + t.message_count, 0) };
  }

  it.each(BAD_EMITS)('%s', async (_label, topic, payload, errorClass) => {
    const before = await nsqdTotals();
    const error = await lastValueFrom(client.emit(topic, payload), { defaultValue: undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(errorClass);
    if (errorClass !== InvalidMessageException) expect(error).toBeInstanceOf(NsqTransportError);
    expect((error as Error).message.length).toBeLessThan(400);
    // Nothing reached nsqd: no topic created, no message stored, the connection was not dropped.
    expect(await nsqdTotals()).toEqual(before);
    expect(disconnects).toEqual([]);
  });

  it('text codec: an empty string and non-strings are refused', async () => {
    const before = await nsqdTotals();
    for (const payload of ['', 42, { a: 1 }, Buffer.from('bytes')]) {
      await expect(emit(text, 'bad.text', payload)).rejects.toBeInstanceOf(InvalidNsqMessageError);
    }
    expect(await nsqdTotals()).toEqual(before);
  });

  it('after every refusal the same connection still publishes', async () => {
    await emit(client, 'bad.after', { fine: true });
    await emit(text, 'bad.after', 'fine');
    expect((await cluster.nsqds[0]!.topicStats('bad.after'))?.message_count).toBe(2);
    expect(disconnects).toEqual([]);
    recordBadInputs('emits', BAD_EMITS.length + 4);
  });
});
