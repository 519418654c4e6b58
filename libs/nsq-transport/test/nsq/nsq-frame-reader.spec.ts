import { NsqProtocolError } from '../../src/errors/nsq-protocol.error.js';
import { encodeFrame } from '../../../../test/support/nsq-frames.js';
import { NSQ_FRAME_TYPE, NsqFrameReader } from '../../src/nsq/nsq-frame-reader.js';

const frame = encodeFrame;
const message = (body: string) => frame(NSQ_FRAME_TYPE.message, Buffer.concat([Buffer.alloc(10), Buffer.from('0123456789abcdef'), Buffer.from(body)]));

const drain = (reader: NsqFrameReader) => {
  const frames: Array<{ type: number; data: string }> = [];
  for (let f = reader.next(); f; f = reader.next()) frames.push({ type: f.type, data: f.data.toString('latin1') });
  return frames;
};

describe('NsqFrameReader', () => {
  it('reads every frame of one chunk', () => {
    const reader = new NsqFrameReader(1024, 'nsqd:4150');
    reader.push(Buffer.concat([frame(0, 'OK'), frame(1, 'E_INVALID x'), frame(0, '_heartbeat_')]));
    expect(drain(reader)).toEqual([
      { type: 0, data: 'OK' },
      { type: 1, data: 'E_INVALID x' },
      { type: 0, data: '_heartbeat_' },
    ]);
  });

  it.each([1, 3, 5, 9, 64])('reads frames split into chunks of %p bytes, in order', (step) => {
    const bytes = Buffer.concat([frame(0, 'OK'), message('hello'), frame(0, 'x'.repeat(100)), message('')]);
    const reader = new NsqFrameReader(1024, 'nsqd:4150');
    const frames: Array<{ type: number; data: string }> = [];
    for (let at = 0; at < bytes.length; at += step) {
      reader.push(bytes.subarray(at, at + step));
      frames.push(...drain(reader));
    }
    expect(frames.map((f) => f.type)).toEqual([0, 2, 0, 2]);
    expect(frames[2]!.data).toBe('x'.repeat(100));
    expect(frames[1]!.data.endsWith('hello')).toBe(true);
  });

  it('waits for the rest of a frame without failing', () => {
    const reader = new NsqFrameReader(1024, 'nsqd:4150');
    const bytes = frame(0, 'OK');
    reader.push(bytes.subarray(0, 6));
    expect(reader.next()).toBeUndefined();
    reader.push(bytes.subarray(6));
    expect(reader.next()?.data.toString()).toBe('OK');
  });

  it.each<[string, Buffer, RegExp]>([
    ['a negative size', Buffer.from([0xff, 0xff, 0xff, 0x9c]), /frame size of -100 bytes/],
    ['a size below 4', Buffer.from([0, 0, 0, 3]), /frame size of 3 bytes/],
    ['a size above the bound', Buffer.from([0x7f, 0xff, 0xff, 0xff]), /frame size of 2147483647 bytes \(expected 4\.\.1024\)/],
    ['an unknown type', frame(3, 'x'), /unknown frame type 3/],
    ['a message frame shorter than its header', frame(2, 'x'.repeat(25)), /shorter than its 26-byte header/],
  ])('throws NsqProtocolError naming the address on %s, before buffering a body', (_label, bytes, pattern) => {
    const reader = new NsqFrameReader(1024, 'nsqd:4150');
    reader.push(bytes);
    const error = (() => {
      try {
        reader.next();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(NsqProtocolError);
    expect((error as NsqProtocolError).message).toMatch(pattern);
    expect((error as NsqProtocolError).address).toBe('nsqd:4150');
  });

  it('copies a frame split between reads alone: the frames after it stay views of the read they came in', () => {
    const bytes = Buffer.concat([message('first'), message('second'), message('third')]);
    const cut = message('first').length + 7;
    // Buffer.alloc: not a slice of Node's shared pool, so its ArrayBuffer is its own.
    const later = Buffer.alloc(bytes.length - cut);
    bytes.copy(later, 0, cut);
    const reader = new NsqFrameReader(1024, 'nsqd:4150');
    reader.push(Buffer.from(bytes.subarray(0, cut)));
    expect(reader.next()?.data.subarray(26).toString()).toBe('first');
    expect(reader.next()).toBeUndefined();
    reader.push(later);
    const split = reader.next()!;
    const after = reader.next()!;
    expect([split.data.subarray(26).toString(), after.data.subarray(26).toString()]).toEqual(['second', 'third']);
    expect(split.data.buffer).not.toBe(later.buffer);
    expect(after.data.buffer).toBe(later.buffer);
    expect(reader.next()).toBeUndefined();
    expect(reader.pendingBytes).toBe(0);
  });

  it('hands over what it has not read, and is empty afterwards', () => {
    const reader = new NsqFrameReader(1024, 'nsqd:4150');
    reader.push(Buffer.concat([frame(0, 'OK'), Buffer.from([1, 2, 3])]));
    reader.push(Buffer.from([4, 5]));
    expect(reader.next()?.data.toString()).toBe('OK');
    expect(reader.takeRemainder()).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    expect(reader.takeRemainder()).toBeUndefined();
    expect(reader.next()).toBeUndefined();
  });

  it('survives a bounded fuzz of random bytes: frames or NsqProtocolError, nothing else', () => {
    let seed = 0x5eed;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let frames = 0;
    let violations = 0;
    for (let run = 0; run < 2000; run++) {
      const reader = new NsqFrameReader(4096, 'nsqd:4150');
      const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * (random() < 0.5 ? 8 : 256))));
      reader.push(bytes);
      try {
        while (reader.next()) frames++;
      } catch (error) {
        expect(error).toBeInstanceOf(NsqProtocolError);
        violations++;
      }
    }
    expect(frames + violations).toBeGreaterThan(0);
  });
});
