import { isInteger, parse } from 'lossless-json';
import secureJsonParse from 'secure-json-parse';
import type { NsqDeserializer } from '../interfaces/nsq-codec.interface.js';
import { decodeUtf8 } from './utf8.js';

const FORBIDDEN = { protoAction: 'error', constructorAction: 'error' } as const;

// Every integer JSON.parse would round (beyond ±(2^53−1)) is written with 16 digits or more. A body
// without such a run parses to the same value with the native JSON.parse, 2 to 3 times faster than
// lossless-json's parser, so only bodies that may carry a large integer pay for the exact parse.
const SIXTEEN_DIGITS = /\d{16}/;

/** Safe integers stay `number`; only the integers a `number` cannot hold exactly become `bigint`. */
function parseNumber(text: string): number | bigint {
  if (!isInteger(text)) return Number(text);
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

const LOSSLESS = {
  parseNumber,
  // JSON.parse keeps the last of repeated keys; lossless-json would throw. Same body, same value on both paths.
  onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue,
};

/**
 * Decodes a UTF-8 JSON body keeping large integers exact: integers beyond
 * ±(2^53−1) (int64 and uint64 from Go, snowflake ids) become `bigint`, every
 * other number stays a `number`. Otherwise the same guarantees as
 * {@link NsqJsonDeserializer}: invalid UTF-8, invalid JSON and bodies carrying
 * `__proto__` or `constructor.prototype` keys are poison.
 *
 * @example
 * new NsqJsonBigIntDeserializer().deserialize(Buffer.from('{"id":9007199254740993,"n":1}'));
 * // { id: 9007199254740993n, n: 1 }
 */
export class NsqJsonBigIntDeserializer implements NsqDeserializer {
  deserialize(body: Buffer): unknown {
    const text = decodeUtf8(body);
    const value: unknown = SIXTEEN_DIGITS.test(text) ? parse(text, null, LOSSLESS) : JSON.parse(text);
    // lossless-json stores a "__proto__" key as an own property, as JSON.parse does: the same scan finds it.
    if (value !== null && typeof value === 'object') secureJsonParse.scan(value as Record<string, unknown>, FORBIDDEN);
    return value;
  }
}
