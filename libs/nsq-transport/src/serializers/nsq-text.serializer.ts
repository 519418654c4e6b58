import type { NsqSerializer } from '../interfaces/nsq-codec.interface.js';

/** Sends strings as UTF-8 bytes, unchanged; anything else is refused rather than guessed at. */
export class NsqTextSerializer implements NsqSerializer {
  serialize(value: unknown): Buffer {
    if (typeof value !== 'string') {
      throw new TypeError(`the text codec takes strings, received a ${value === null ? 'null' : typeof value}`);
    }
    return Buffer.from(value, 'utf8');
  }
}
