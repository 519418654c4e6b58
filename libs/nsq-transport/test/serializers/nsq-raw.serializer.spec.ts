import { NsqRawSerializer } from '../../src/serializers/nsq-raw.serializer.js';

const serializer = new NsqRawSerializer();

describe('NsqRawSerializer', () => {
  it('sends a Buffer as it is', () => {
    const body = Buffer.from([0, 255, 1]);
    expect(serializer.serialize(body)).toBe(body);
  });

  it('sends exactly the bytes a Uint8Array view covers', () => {
    const view = new Uint8Array([9, 0, 255, 9]).subarray(1, 3);
    const body = serializer.serialize(view);
    expect(Buffer.isBuffer(body)).toBe(true);
    expect([...body]).toEqual([0, 255]);
  });

  it.each<unknown>(['text', [1, 2], { data: [1] }, 42, null, undefined])('refuses %p', (value) => {
    expect(() => serializer.serialize(value)).toThrow(TypeError);
  });
});
