import type { NsqSerializer } from '../interfaces/nsq-codec.interface.js';
import { utf8Bytes } from './utf8-bytes.js';

/** Encodes a payload as UTF-8 JSON, the body Go services and `nsq_tail` expect by default. */
export class NsqJsonSerializer implements NsqSerializer {
  serialize(value: unknown): Buffer {
    return utf8Bytes(this.serializeToText(value));
  }

  /**
   * The JSON text `serialize()` encodes. An envelope writes it straight
   * after its headers (one allocation instead of a payload Buffer and a copy).
   */
  serializeToText(value: unknown): string {
    // JSON.stringify returns undefined for undefined, functions and symbols;
    // Buffer.from(undefined) would throw an unhelpful TypeError.
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new TypeError(`a ${typeof value} payload has no JSON representation`);
    }
    return text;
  }
}
