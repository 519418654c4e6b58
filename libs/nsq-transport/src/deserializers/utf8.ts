import { isUtf8 } from 'node:buffer';

const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Decodes strict UTF-8 (a leading BOM is dropped, as TextDecoder does);
 * throws a TypeError on invalid sequences instead of silently producing U+FFFD.
 *
 * Validates with simdutf (`isUtf8`) and decodes with Buffer#toString rather
 * than a fatal TextDecoder: TextDecoder returns two-byte strings even for
 * ASCII, so a decoded 64 KiB body cost 128 KiB of heap, and its JSON values
 * kept that width for as long as the handler held them.
 */
export function decodeUtf8(body: Uint8Array): string {
  if (!isUtf8(body)) throw new TypeError('The encoded data was not valid for encoding utf-8');
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const start = buffer.length >= 3 && buffer[0] === BOM[0] && buffer[1] === BOM[1] && buffer[2] === BOM[2] ? 3 : 0;
  return buffer.toString('utf8', start);
}
