import { decodeUtf8 } from '../../src/deserializers/utf8.js';

// TextDecoder lives outside Jest's sandbox, so its TypeError is another realm's class: match on the name.
const INVALID_UTF8 = expect.objectContaining({ name: 'TypeError' });

describe('decodeUtf8', () => {
  it('decodes valid UTF-8', () => {
    expect(decodeUtf8(Buffer.from('Zoë 🌍', 'utf8'))).toBe('Zoë 🌍');
  });

  it('refuses invalid bytes instead of substituting U+FFFD', () => {
    expect(() => decodeUtf8(new Uint8Array([0x61, 0xff]))).toThrow(INVALID_UTF8);
  });

  it('does not carry a truncated sequence over into the next body', () => {
    expect(() => decodeUtf8(new Uint8Array([0xe2, 0x82]))).toThrow(INVALID_UTF8);
    // Completed by the bytes before, 0xac would decode as "€".
    expect(() => decodeUtf8(new Uint8Array([0xac]))).toThrow(INVALID_UTF8);
    expect(decodeUtf8(new Uint8Array([0x61]))).toBe('a');
  });

  it('drops a leading byte order mark', () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe('{}');
  });
});
