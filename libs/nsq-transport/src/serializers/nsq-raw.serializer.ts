import type { NsqSerializer } from '../interfaces/nsq-codec.interface.js';

/** Sends Buffers and Uint8Arrays byte for byte: for payloads already encoded (protobuf, msgpack…). */
export class NsqRawSerializer implements NsqSerializer {
  serialize(value: unknown): Buffer {
    if (Buffer.isBuffer(value)) return value;
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    throw new TypeError(`the raw codec takes Buffers or Uint8Arrays, received a ${value === null ? 'null' : typeof value}`);
  }
}
