import { jest } from '@jest/globals';
import { InvalidNsqMessageError } from '../../src/errors/invalid-nsq-message.error.js';
import { InvalidNsqNameError } from '../../src/errors/invalid-nsq-name.error.js';
import type { NsqBody, NsqSerializer } from '../../src/interfaces/nsq-codec.interface.js';
import { buildPublishRequest, type PublishSettings } from '../../src/nsq/nsq-publish-request.js';

/** The request as a promise whether the serializer is synchronous or not, refusals as rejections. */
const toPublishRequest = async (...args: Parameters<typeof buildPublishRequest>) => buildPublishRequest(...args);
import { NsqRecord, NsqRecordBuilder } from '../../src/record-builders/nsq.record-builder.js';
import { NsqJsonSerializer } from '../../src/serializers/nsq-json.serializer.js';
import { catchRejection } from '../support/catch-error.js';

const LIMITS: PublishSettings = { maxMessageSize: 100, maxBatchBytes: 1000, envelope: false };
const json = new NsqJsonSerializer();
/** A serializer that hands back whatever it is given, so tests choose the exact body. */
const passThrough = { serialize: (value: unknown) => value as NsqBody };

describe('toPublishRequest', () => {
  it('turns a plain payload into one JSON body, without delay', async () => {
    const request = await toPublishRequest('orders', { id: 1 }, json, LIMITS);
    expect(request).toEqual({ topic: 'orders', bodies: [Buffer.from('{"id":1}')], delayMs: 0 });
  });

  it('publishes the data of a record, with its delay', async () => {
    const record = new NsqRecordBuilder({ id: 1 }).setDelay(60_000).build();
    expect(await toPublishRequest('orders', record, json, LIMITS)).toEqual({ topic: 'orders', bodies: [Buffer.from('{"id":1}')], delayMs: 60_000 });
  });

  it('turns a batch record of N payloads into N bodies, in order', async () => {
    const record = new NsqRecordBuilder<number>().setBatch([1, 2, 3]).build();
    const request = await toPublishRequest('orders', record, json, LIMITS);
    expect(request.bodies.map(String)).toEqual(['1', '2', '3']);
    expect(request.delayMs).toBe(0);
  });

  it.each<unknown>(['', 'a b', 'a\nPUB x', 'x'.repeat(65), true, { cmd: 'orders' }, undefined])('refuses the topic %p before serializing', async (topic) => {
    const serialize = jest.fn(() => 'x');
    const error = await catchRejection(InvalidNsqNameError, () => toPublishRequest(topic, 'payload', { serialize }, LIMITS));
    expect(error.kind).toBe('topic');
    expect(serialize).not.toHaveBeenCalled();
  });

  it('routes a number to its decimal string, as Nest\'s own clients do', async () => {
    expect((await toPublishRequest(4242, 'payload', passThrough, LIMITS)).topic).toBe('4242');
  });

  it.each<NsqBody>(['', Buffer.alloc(0), new Uint8Array(0)])('refuses an empty body (%p)', async (body) => {
    const error = await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', body, passThrough, LIMITS));
    expect(error.topic).toBe('orders');
  });

  it('refuses an empty body inside a batch', async () => {
    const record = new NsqRecord(['a', '', 'c'], {}, true);
    await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', record, passThrough, LIMITS));
  });

  it('accepts a body of exactly maxMessageSize bytes and refuses one byte more', async () => {
    await expect(toPublishRequest('orders', Buffer.alloc(100, 1), passThrough, LIMITS)).resolves.toMatchObject({ bodies: [Buffer.alloc(100, 1)] });
    await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', Buffer.alloc(101, 1), passThrough, LIMITS));
  });

  it('counts bytes, not characters', async () => {
    // 51 characters, 102 bytes in UTF-8
    await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', 'é'.repeat(51), passThrough, LIMITS));
  });

  it('counts MPUB framing against maxBatchBytes: 4 + (4 + size) per body', async () => {
    const batch = new NsqRecord([Buffer.alloc(10, 1), Buffer.alloc(10, 2)], {}, true);
    // 4 + 2 * (4 + 10) = 32 bytes on the wire
    await expect(toPublishRequest('orders', batch, passThrough, { maxMessageSize: 100, maxBatchBytes: 32, envelope: false })).resolves.toMatchObject({
      bodies: [Buffer.alloc(10, 1), Buffer.alloc(10, 2)],
    });
    await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', batch, passThrough, { maxMessageSize: 100, maxBatchBytes: 31, envelope: false }));
  });

  it('refuses an empty batch', async () => {
    const error = await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', new NsqRecordBuilder().setBatch([]).build(), json, LIMITS));
    expect(error.topic).toBe('orders');
  });

  it.each([0, 3_600_000])('accepts a delay of %p ms', async (delayMs) => {
    expect((await toPublishRequest('orders', new NsqRecord('x', { delayMs }), json, LIMITS)).delayMs).toBe(delayMs);
  });

  it.each([-1, 3_600_001, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a delay of %p ms', async (delayMs) => {
    await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', new NsqRecord('x', { delayMs }), json, LIMITS));
  });

  it.each<[string, NsqSerializer['serialize']]>([
    [
      'throws',
      () => {
        throw new TypeError('cannot encode');
      },
    ],
    ['rejects', () => Promise.reject(new TypeError('cannot encode'))],
  ])('wraps a serializer that %s, keeping the cause', async (_label, serialize) => {
    const error = await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', 'x', { serialize }, LIMITS));
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.message).toContain('cannot encode');
    expect(error.topic).toBe('orders');
  });

  it('wraps a serializer that throws a non-Error', async () => {
    const serialize = () => {
      throw 'nope'; // eslint-disable-line @typescript-eslint/only-throw-error -- what a careless serializer might do
    };
    expect((await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', 'x', { serialize }, LIMITS))).cause).toBe('nope');
  });

  it.each<[string, NsqBody, number[]]>([
    ['a string (as UTF-8)', 'hé', [0x68, 0xc3, 0xa9]],
    ['a Buffer', Buffer.from([1, 2, 3]), [1, 2, 3]],
    ['a Uint8Array view into a larger buffer', new Uint8Array([9, 1, 2, 9]).subarray(1, 3), [1, 2]],
  ])('accepts a serializer returning %s', async (_label, body, bytes) => {
    const request = await toPublishRequest('orders', 'x', { serialize: () => body }, LIMITS);
    expect(Buffer.isBuffer(request.bodies[0])).toBe(true);
    expect([...request.bodies[0]]).toEqual(bytes);
  });

  it('accepts an async serializer', async () => {
    const request = await toPublishRequest('orders', 'x', { serialize: async () => 'body' }, LIMITS);
    expect(request.bodies).toEqual([Buffer.from('body')]);
  });

  it.each<unknown>([42, null, undefined, { data: 'x' }, [1, 2]])('refuses a serializer returning %p', async (body) => {
    const error = await catchRejection(InvalidNsqMessageError, () => toPublishRequest('orders', 'x', { serialize: () => body as NsqBody }, LIMITS));
    expect(error.topic).toBe('orders');
  });
});
