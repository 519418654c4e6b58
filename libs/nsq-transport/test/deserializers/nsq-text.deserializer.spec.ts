import { NsqTextDeserializer } from '../../src/deserializers/nsq-text.deserializer.js';

// TextDecoder lives outside Jest's sandbox, so its TypeError is another realm's class: match on the name.
const INVALID_UTF8 = expect.objectContaining({ name: 'TypeError' });

const deserializer = new NsqTextDeserializer();

describe('NsqTextDeserializer', () => {
  it.each(['héllo "world" 🌍', ''])('decodes UTF-8 %p', (text) => {
    expect(deserializer.deserialize(Buffer.from(text, 'utf8'))).toBe(text);
  });

  it.each<[string, number[]]>([
    ['a stray continuation byte', [0x61, 0x80]],
    ['a truncated sequence', [0xc3]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['0xff', [0xff]],
  ])('refuses invalid UTF-8: %s', (_label, bytes) => {
    expect(() => deserializer.deserialize(Buffer.from(bytes))).toThrow(INVALID_UTF8);
  });
});
