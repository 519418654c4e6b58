import { utf8Bytes, writeUtf8 } from '../../src/serializers/utf8-bytes.js';

describe('utf8Bytes / writeUtf8', () => {
  const texts = {
    'short ASCII': '{"a":1}',
    'long ASCII': `{"pad":"${'x'.repeat(2_000)}"}`,
    'long Latin-1 (é is 2 UTF-8 bytes)': `{"pad":"${'é'.repeat(600)}${'x'.repeat(600)}"}`,
    'long with an emoji': `${'x'.repeat(500)}😀${'y'.repeat(500)}`,
    'long with a lone surrogate': `${'x'.repeat(500)}\ud800${'y'.repeat(500)}`,
    'long with a one-byte char above 0x7f only': `${'x'.repeat(500)}\u00ff`,
    empty: '',
  };

  it.each(Object.entries(texts))('encodes %s exactly as Buffer.from(text, "utf8")', (_, text) => {
    expect(utf8Bytes(text)).toEqual(Buffer.from(text, 'utf8'));
    const bytes = Buffer.byteLength(text, 'utf8');
    const buffer = Buffer.alloc(3 + bytes, 0xee);
    writeUtf8(buffer, text, 3, bytes);
    expect(buffer.subarray(3)).toEqual(Buffer.from(text, 'utf8'));
    expect(buffer.subarray(0, 3)).toEqual(Buffer.from([0xee, 0xee, 0xee]));
  });
});
