import { stringify } from 'lossless-json';
import type { NsqSerializer } from '../interfaces/nsq-codec.interface.js';

/**
 * Encodes a payload as UTF-8 JSON in which a `bigint` is a JSON number with
 * all its digits (`JSON.stringify` throws on one): what Go's `json.Unmarshal`
 * reads into an `int64`/`uint64` exactly. Other values are written as
 * {@link NsqJsonSerializer} writes them.
 *
 * @example
 * new NsqJsonBigIntSerializer().serialize({ id: 9223372036854775807n }).toString();
 * // '{"id":9223372036854775807}'
 */
export class NsqJsonBigIntSerializer implements NsqSerializer {
  serialize(value: unknown): Buffer {
    const text = toJson(value);
    if (text === undefined) {
      throw new TypeError(`a ${typeof value} payload has no JSON representation`);
    }
    return Buffer.from(text, 'utf8');
  }
}

function toJson(value: unknown): string | undefined {
  try {
    // The native encoder first: most payloads carry no bigint, and it is 2 to 3 times faster than lossless-json.
    return JSON.stringify(value);
  } catch (error) {
    // A TypeError: a bigint, or a cycle. lossless-json writes the bigint; on a cycle it would only
    // overflow the stack, so the native error, which names the cycle, is the one to report.
    if (!(error instanceof TypeError)) throw error;
    try {
      return stringify(value);
    } catch {
      throw error;
    }
  }
}
