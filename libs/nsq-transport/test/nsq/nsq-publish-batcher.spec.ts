import { jest } from '@jest/globals';
import { NsqPublishBatcher } from '../../src/nsq/nsq-publish-batcher.js';

interface Sent {
  topic: string;
  bodies: readonly Buffer[];
  resolve: () => void;
  reject: (error: Error) => void;
}

function setup(limits: { maxMessages?: number; maxBytes?: number; lingerMs?: number } = {}) {
  const sent: Sent[] = [];
  const batcher = new NsqPublishBatcher({ maxMessages: 100, maxBytes: 1024, lingerMs: 0, ...limits }, (topic, bodies) => {
    return new Promise<void>((resolve, reject) => sent.push({ topic, bodies: [...bodies], resolve, reject }));
  });
  return { batcher, sent };
}

const body = (text: string) => Buffer.from(text);
const macrotask = () => new Promise((resolve) => setImmediate(resolve));

describe('NsqPublishBatcher', () => {
  it('coalesces publishes made in one burst into one send per topic', async () => {
    const { batcher, sent } = setup();
    const a = [batcher.add('t1', body('a')), batcher.add('t1', body('b')), batcher.add('t2', body('c')), batcher.add('t1', body('d'))];
    expect(sent).toHaveLength(0);
    await macrotask();
    expect(sent.map((s) => [s.topic, s.bodies.map(String)])).toEqual([
      ['t1', ['a', 'b', 'd']],
      ['t2', ['c']],
    ]);
    sent.forEach((s) => s.resolve());
    await expect(Promise.all(a)).resolves.toHaveLength(4);
  });

  it('fails every publish of a batch with the batch error, and only that batch', async () => {
    const { batcher, sent } = setup();
    const first = [batcher.add('t', body('a')), batcher.add('t', body('b'))];
    await macrotask();
    const second = batcher.add('t', body('c'));
    await macrotask();
    const failure = new Error('E_BAD_BODY');
    sent[0]!.reject(failure);
    sent[1]!.resolve();
    await expect(first[0]).rejects.toBe(failure);
    await expect(first[1]).rejects.toBe(failure);
    await expect(second).resolves.toBeUndefined();
  });

  it('starts a new batch when the message count is reached', async () => {
    const { batcher, sent } = setup({ maxMessages: 2 });
    void batcher.add('t', body('a'));
    void batcher.add('t', body('b'));
    void batcher.add('t', body('c'));
    expect(sent.map((s) => s.bodies.map(String))).toEqual([['a', 'b']]);
    await macrotask();
    expect(sent.map((s) => s.bodies.map(String))).toEqual([['a', 'b'], ['c']]);
  });

  it('starts a new batch before the byte bound is crossed, framing included', async () => {
    // 4-byte count + (4 + 10) per message: two fit in 32 bytes, three do not.
    const { batcher, sent } = setup({ maxBytes: 32 });
    for (const text of ['0123456789', '0123456789', '0123456789']) void batcher.add('t', body(text));
    await macrotask();
    expect(sent.map((s) => s.bodies.length)).toEqual([2, 1]);
  });

  it('sends a message larger than the byte bound alone', async () => {
    const { batcher, sent } = setup({ maxBytes: 16 });
    void batcher.add('t', body('small'));
    void batcher.add('t', body('x'.repeat(100)));
    await macrotask();
    expect(sent.map((s) => s.bodies.map((b) => b.length))).toEqual([[5], [100]]);
  });

  it('waits lingerMs for company when configured', async () => {
    jest.useFakeTimers();
    try {
      const { batcher, sent } = setup({ lingerMs: 50 });
      void batcher.add('t', body('a'));
      jest.advanceTimersByTime(49);
      void batcher.add('t', body('b'));
      expect(sent).toHaveLength(0);
      jest.advanceTimersByTime(1);
      expect(sent.map((s) => s.bodies.map(String))).toEqual([['a', 'b']]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('flushAll sends open batches at once', () => {
    const { batcher, sent } = setup({ lingerMs: 10_000 });
    void batcher.add('t', body('a'));
    batcher.flushAll();
    expect(sent).toHaveLength(1);
  });
});
