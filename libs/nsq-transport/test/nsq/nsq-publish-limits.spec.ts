import { InvalidNsqMessageError } from '../../src/errors/invalid-nsq-message.error.js';
import { checkPublishLimits, learnLimitFromRefusal, type NsqdLimits } from '../../src/nsq/nsq-publish-limits.js';

const body = (bytes: number) => Buffer.alloc(bytes, 120);
const limits = (maxMessageSize = 100, maxBodySize = 1000): NsqdLimits => ({ maxMessageSize, maxBodySize });

describe('checkPublishLimits', () => {
  it('lets what fits through', () => {
    expect(checkPublishLimits('t', [body(100)], false, limits(), 'a:1')).toEqual({ kind: 'fits' });
    expect(checkPublishLimits('t', [body(10), body(10)], true, limits(), 'a:1')).toEqual({ kind: 'fits' });
  });

  it('refuses one oversize body, naming the limit and the address', () => {
    const verdict = checkPublishLimits('t', [body(101)], false, limits(), 'a:1');
    expect(verdict.kind).toBe('refused');
    const error = (verdict as { error: Error }).error;
    expect(error).toBeInstanceOf(InvalidNsqMessageError);
    expect(error.message).toMatch(/101 bytes exceeds nsqd's --max-msg-size 100 at a:1/);
  });

  it("refuses a caller's atomic batch whole, for an oversize body or for its total", () => {
    expect(checkPublishLimits('t', [body(10), body(101)], false, limits(), 'a:1').kind).toBe('refused');
    const verdict = checkPublishLimits('t', [body(100), body(100)], false, limits(100, 150), 'a:1');
    expect((verdict as { error: Error }).error.message).toMatch(/--max-body-size 150/);
  });

  it('splits coalesced bodies: oversize ones refused alone, the rest in MPUBs within the body limit, in order', () => {
    const bodies = [body(50), body(101), body(50), body(50), body(200), body(50)];
    const verdict = checkPublishLimits('t', bodies, true, limits(100, 4 + 2 * 54), 'a:1');
    expect(verdict.kind).toBe('split');
    if (verdict.kind !== 'split') throw new Error(verdict.kind);
    const { parts, refused } = verdict;
    expect(parts).toEqual([[bodies[0], bodies[2]], [bodies[3], bodies[5]]]);
    expect([...refused.keys()]).toEqual([bodies[1], bodies[4]]);
    for (const part of parts) expect(part.reduce((n, b) => n + 4 + b.length, 4)).toBeLessThanOrEqual(4 + 2 * 54);
  });

  it('refuses coalesced bodies that are all oversize as a whole', () => {
    expect(checkPublishLimits('t', [body(101), body(102)], true, limits(), 'a:1').kind).toBe('refused');
  });
});

describe('learnLimitFromRefusal', () => {
  it.each([
    ['E_BAD_MESSAGE PUB message too big 6000 > 5000', { maxMessageSize: 5000, maxBodySize: 1000 }],
    ['E_BAD_MESSAGE MPUB message too big 6000 > 80', { maxMessageSize: 80, maxBodySize: 1000 }],
    ['E_BAD_MESSAGE DPUB message too big 6000 > 90', { maxMessageSize: 90, maxBodySize: 1000 }],
    ['E_BAD_BODY MPUB body too big 6000 > 500', { maxMessageSize: 100_000, maxBodySize: 500 }],
  ])('learns from %p', (text, expected) => {
    const known = limits(100_000, 1000);
    expect(learnLimitFromRefusal(text, known)).toBe(true);
    expect(known).toEqual(expected);
  });

  it('never raises a limit, and ignores other refusals', () => {
    const known = limits(100, 1000);
    expect(learnLimitFromRefusal('E_BAD_MESSAGE PUB message too big 6000 > 5000', known)).toBe(true);
    expect(known.maxMessageSize).toBe(100);
    expect(learnLimitFromRefusal('E_BAD_TOPIC PUB topic name "x y" is not valid', known)).toBe(false);
  });
});
