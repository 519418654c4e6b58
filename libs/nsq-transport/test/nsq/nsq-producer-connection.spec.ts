import { encodePublishFrame } from '../../src/nsq/nsq-producer-connection.js';

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('encodePublishFrame', () => {
  it('writes PUB <topic>\\n, the body size and the body for one message', () => {
    const body = Buffer.from('{"a":1}');
    expect(encodePublishFrame('orders', [body])).toEqual(Buffer.concat([Buffer.from('PUB orders\n'), int32(body.length), body]));
  });

  it('writes MPUB <topic>\\n, the total size, the count and each sized body for several', () => {
    const bodies = [Buffer.from('x'), Buffer.from(''), Buffer.from('héllo')];
    const payload = Buffer.concat([int32(3), ...bodies.flatMap((b) => [int32(b.length), b])]);
    expect(encodePublishFrame('t#ephemeral', bodies)).toEqual(Buffer.concat([Buffer.from('MPUB t#ephemeral\n'), int32(payload.length), payload]));
  });

  it('writes DPUB <topic> <ms>\\n, the body size and the body for a delayed message', () => {
    const body = Buffer.from('later');
    expect(encodePublishFrame('orders', [body], 1500)).toEqual(Buffer.concat([Buffer.from('DPUB orders 1500\n'), int32(body.length), body]));
  });

  it('copies bodies, so later changes to them do not alter the frame', () => {
    const body = Buffer.from('abc');
    const frame = encodePublishFrame('t', [body]);
    body.fill(0);
    expect(frame.subarray(frame.length - 3).toString()).toBe('abc');
  });
});
