import { isUtf8 } from 'node:buffer';
import { InvalidNsqHeaderError } from '../errors/invalid-nsq-header.error.js';
import { NsqDecodeError } from '../errors/nsq-decode.error.js';
import { isValidNsqHeaderName, NO_HEADERS, NSQ_HEADER_LIMITS, type NsqHeaders } from './nsq-headers.js';

/** `"\0NQE"`: no JSON or UTF-8 text body starts with a NUL byte (WIRE.md §2.1). */
const MAGIC = 0x00_4e_51_45;
/** The contract version this transport writes and reads. */
export const NSQ_ENVELOPE_VERSION = 1;
/** Magic, version, flags, header count. */
const FIXED_BYTES = 8;

/** A body taken apart: its headers and the payload bytes the codec reads. */
export interface NsqOpenedBody {
  readonly headers: NsqHeaders;
  readonly payload: Buffer;
  /** Whether the body was an envelope (a raw body has no headers). */
  readonly enveloped: boolean;
}

/**
 * The envelope's bytes before the payload, for headers already validated
 * one by one ({@link normalizeNsqHeaders}); checks the limits of the whole
 * set (count, section bytes) and throws {@link InvalidNsqHeaderError} past
 * them. Computed once per emit and shared by every body of a batch.
 */
export function encodeNsqEnvelopePrefix(headers: NsqHeaders): Buffer {
  let count = 0;
  let size = FIXED_BYTES;
  for (const name in headers) {
    count += 1;
    size += 1 + name.length + 4 + Buffer.byteLength(headers[name]!, 'utf8');
  }
  if (count > NSQ_HEADER_LIMITS.maxCount) throw new InvalidNsqHeaderError(`${count} headers exceed the limit of ${NSQ_HEADER_LIMITS.maxCount}`);
  if (size - FIXED_BYTES > NSQ_HEADER_LIMITS.maxSectionBytes) {
    throw new InvalidNsqHeaderError(`headers of ${size - FIXED_BYTES} bytes exceed the limit of ${NSQ_HEADER_LIMITS.maxSectionBytes}`);
  }
  const prefix = Buffer.allocUnsafe(size);
  prefix.writeUInt32BE(MAGIC, 0);
  prefix[4] = NSQ_ENVELOPE_VERSION;
  prefix[5] = 0;
  prefix.writeUInt16BE(count, 6);
  let offset = FIXED_BYTES;
  for (const name in headers) {
    prefix[offset] = name.length;
    offset += 1 + prefix.write(name, offset + 1, 'latin1');
    const length = prefix.write(headers[name]!, offset + 4, 'utf8');
    prefix.writeUInt32BE(length, offset);
    offset += 4 + length;
  }
  return prefix;
}

/** One enveloped body: `headers` (already validated) and `payload` (the codec's bytes). */
export function encodeNsqEnvelope(headers: NsqHeaders, payload: Buffer | Uint8Array): Buffer {
  const prefix = encodeNsqEnvelopePrefix(headers);
  return Buffer.concat([prefix, payload], prefix.length + payload.length);
}

/** Whether `body` starts with the envelope's magic (whatever its version). */
export function isNsqEnvelope(body: Buffer): boolean {
  return body.length >= 4 && body[0] === 0x00 && body.readUInt32BE(0) === MAGIC;
}

/**
 * Takes a body apart: an envelope into its headers and payload, a raw body
 * into no headers and itself. Throws {@link NsqDecodeError} for an envelope
 * that breaks WIRE.md §2.1 (unknown version, flags, truncated, bad names or
 * values, a repeated name); its message never quotes the body (not even a header name).
 */
export function openNsqBody(body: Buffer): NsqOpenedBody {
  if (!isNsqEnvelope(body)) return { headers: NO_HEADERS, payload: body, enveloped: false };
  if (body.length < FIXED_BYTES) throw malformed('it ends inside its fixed fields');
  const version = body[4]!;
  if (version !== NSQ_ENVELOPE_VERSION) throw malformed(`version ${version} is not known (this transport reads version ${NSQ_ENVELOPE_VERSION})`);
  if (body[5] !== 0) throw malformed(`flags 0x${body[5]!.toString(16)} are not 0`);
  const count = body.readUInt16BE(6);
  if (count > NSQ_HEADER_LIMITS.maxCount) throw malformed(`${count} headers exceed ${NSQ_HEADER_LIMITS.maxCount}`);
  const headers = Object.create(null) as Record<string, string>;
  let offset = FIXED_BYTES;
  for (let i = 0; i < count; i++) {
    if (offset + 1 > body.length) throw malformed(`header ${i + 1} of ${count} runs past the body`);
    const nameLength = body[offset]!;
    if (offset + 1 + nameLength + 4 > body.length) throw malformed(`header ${i + 1} of ${count} runs past the body`);
    const name = body.toString('latin1', offset + 1, offset + 1 + nameLength);
    if (!isValidNsqHeaderName(name)) throw malformed(`header ${i + 1} has an invalid name`);
    if (name in headers) throw malformed(`header ${i + 1} repeats an earlier name`);
    offset += 1 + nameLength;
    const valueLength = body.readUInt32BE(offset);
    if (valueLength > NSQ_HEADER_LIMITS.maxValueBytes) throw malformed(`header ${i + 1} is ${valueLength} bytes, over ${NSQ_HEADER_LIMITS.maxValueBytes}`);
    if (offset + 4 + valueLength > body.length) throw malformed(`header ${i + 1} of ${count} runs past the body`);
    const start = offset + 4;
    if (!isUtf8(body.subarray(start, start + valueLength))) throw malformed(`header ${i + 1} is not valid UTF-8`);
    headers[name] = body.toString('utf8', start, start + valueLength);
    offset += 4 + valueLength;
    if (offset - FIXED_BYTES > NSQ_HEADER_LIMITS.maxSectionBytes) throw malformed(`its headers exceed ${NSQ_HEADER_LIMITS.maxSectionBytes} bytes`);
  }
  return { headers: Object.freeze(headers), payload: body.subarray(offset), enveloped: true };
}

function malformed(why: string): NsqDecodeError {
  return new NsqDecodeError(`malformed envelope: ${why} (WIRE.md §2.1)`);
}
