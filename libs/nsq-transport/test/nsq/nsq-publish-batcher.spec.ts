import { NsqPartialPublishError } from '../../src/nsq/nsq-partial-publish.error.js';
import { NsqBatch, NsqPublishBatcher } from '../../src/nsq/nsq-publish-batcher.js';

const body = (text: string) => Buffer.from(text);
const texts = (batch: NsqBatch) => batch.bodies.map(String);
const noop = () => undefined;

describe('NsqPublishBatcher', () => {
  const batcher = (limits: { maxMessages?: number; maxBytes?: number } = {}) => new NsqPublishBatcher({ maxMessages: 100, maxBytes: 1024, lingerMs: 0, ...limits });

  it('accumulates bodies per topic; the first body of a topic opens its batch', () => {
    const b = batcher();
    const a1 = b.add('t1', body('a'), noop);
    const b1 = b.add('t1', body('b'), noop);
    const c2 = b.add('t2', body('c'), noop);
    expect([a1.opened, b1.opened, c2.opened]).toEqual([true, false, true]);
    expect(a1.batch).toBe(b1.batch);
    expect(texts(a1.batch)).toEqual(['a', 'b']);
    expect(texts(c2.batch)).toEqual(['c']);
    expect(a1.full).toBeUndefined();
  });

  it('hands back the full batch when the message count is reached, and opens the next', () => {
    const b = batcher({ maxMessages: 2 });
    b.add('t', body('a'), noop);
    const second = b.add('t', body('b'), noop);
    const third = b.add('t', body('c'), noop);
    expect(third.full).toBe(second.batch);
    expect(texts(third.full!)).toEqual(['a', 'b']);
    expect(third.opened).toBe(true);
    expect(texts(third.batch)).toEqual(['c']);
  });

  it('closes a batch before the byte bound is crossed, framing included', () => {
    // 4-byte count + (4 + 10) per message: two fit in 32 bytes, three do not.
    const b = batcher({ maxBytes: 32 });
    const added = ['0123456789', '0123456789', '0123456789'].map((text) => b.add('t', body(text), noop));
    expect(added[2]!.full?.bodies).toHaveLength(2);
    expect(added[2]!.batch.bytes).toBe(4 + 14);
  });

  it('gives a message larger than the byte bound a batch of its own', () => {
    const b = batcher({ maxBytes: 16 });
    b.add('t', body('small'), noop);
    const big = b.add('t', body('x'.repeat(100)), noop);
    expect(big.full?.bodies.map((x) => x.length)).toEqual([5]);
    expect(big.batch.bodies.map((x) => x.length)).toEqual([100]);
  });

  it('take() removes an open batch once; takeAll() empties the accumulator', () => {
    const b = batcher();
    const { batch } = b.add('t', body('a'), noop);
    expect(b.take(batch)).toBe(true);
    expect(b.take(batch)).toBe(false);
    b.add('t', body('b'), noop);
    b.add('u', body('c'), noop);
    expect(b.takeAll().map(texts)).toEqual([['b'], ['c']]);
    expect(b.takeAll()).toEqual([]);
  });

  it('settles every emit of a batch once, in order, each with its own outcome when only some bodies were refused', () => {
    const outcomes: string[] = [];
    const settleWith = (error?: Error) => {
      const batch = new NsqBatch('t');
      batch.bodies.push(body('a'), body('b'));
      batch.callbacks.push((e) => outcomes.push(`a:${e?.message ?? 'ok'}`), (e) => outcomes.push(`b:${e?.message ?? 'ok'}`));
      batch.settle(error);
    };
    const partial = new NsqBatch('t');
    const a = body('a');
    const b = body('b');
    partial.bodies.push(a, b);
    partial.callbacks.push((e) => outcomes.push(`a:${e?.message ?? 'ok'}`), (e) => outcomes.push(`b:${e?.message ?? 'ok'}`));
    partial.settle(new NsqPartialPublishError(new Map([[b, new Error('too big')]])));
    // Settled once: a second settle reaches nobody.
    partial.settle(new Error('late'));
    settleWith();
    settleWith(new Error('E_BAD_BODY'));
    expect(outcomes).toEqual(['a:ok', 'b:too big', 'a:ok', 'b:ok', 'a:E_BAD_BODY', 'b:E_BAD_BODY']);
  });
});
