import { isUtf8 } from 'node:buffer';
import { InvalidNsqHeaderError } from '../errors/invalid-nsq-header.error.js';
import { NsqDecodeError } from '../errors/nsq-decode.error.js';
import { writeUtf8 } from '../serializers/utf8-bytes.js';
import { keepNsqEnvelopePrefix, keepsNsqEnvelopePrefix, keptNsqEnvelopePrefix, NO_HEADERS, NSQ_HEADER, NSQ_HEADER_LIMITS, type NsqHeaders } from './nsq-headers.js';

/** `"\0NQE"`: no JSON or UTF-8 text body starts with a NUL byte (WIRE.md §2.1); the encoder writes its bytes one by one. */
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
  /** The `nsq-deliver-at` header's value, read without building the header map (absent on a raw body). */
  readonly deliverAt?: string;
  /**
   * One header's value, found in the envelope's bytes without building the
   * header map (what a trace propagator reads per message: `traceparent`,
   * `tracestate`); the same value `headers[name]` gives. Absent on a raw body.
   */
  header?(name: string): string | undefined;
}

/** The prefix of an envelope without headers, shared by every such emit (only ever copied from). */
const EMPTY_PREFIX = Buffer.from([0x00, 0x4e, 0x51, 0x45, NSQ_ENVELOPE_VERSION, 0, 0, 0]);

/**
 * The envelope's bytes before the payload, for headers already validated
 * one by one ({@link normalizeNsqHeaders}); checks the limits of the whole
 * set (count, section bytes) and throws {@link InvalidNsqHeaderError} past
 * them. Computed once per emit and shared by every body of a batch; a set
 * `normalizeNsqHeaders` returned (frozen) keeps its prefix, so the same set
 * sent again is not encoded again. The result is only ever copied from.
 */
export function encodeNsqEnvelopePrefix(headers: NsqHeaders): Buffer {
  const kept = keptNsqEnvelopePrefix(headers);
  if (kept !== undefined) return kept;
  let count = 0;
  let size = FIXED_BYTES;
  for (const name in headers) {
    count += 1;
    size += 1 + name.length + 4 + Buffer.byteLength(headers[name]!, 'utf8');
  }
  if (count === 0) return EMPTY_PREFIX;
  if (count > NSQ_HEADER_LIMITS.maxCount) throw new InvalidNsqHeaderError(`${count} headers exceed the limit of ${NSQ_HEADER_LIMITS.maxCount}`);
  if (size - FIXED_BYTES > NSQ_HEADER_LIMITS.maxSectionBytes) {
    throw new InvalidNsqHeaderError(`headers of ${size - FIXED_BYTES} bytes exceed the limit of ${NSQ_HEADER_LIMITS.maxSectionBytes}`);
  }
  // A kept prefix gets memory of its own: a slice of Buffer's shared pool would keep the whole pool alive.
  const keep = keepsNsqEnvelopePrefix(headers);
  const prefix = keep ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size);
  prefix[0] = 0x00;
  prefix[1] = 0x4e;
  prefix[2] = 0x51;
  prefix[3] = 0x45;
  prefix[4] = NSQ_ENVELOPE_VERSION;
  prefix[5] = 0;
  prefix[6] = count >>> 8;
  prefix[7] = count & 0xff;
  let offset = FIXED_BYTES;
  for (const name in headers) {
    // Names are short tokens: a loop (one byte per character, as latin1 writes) beats a native call.
    prefix[offset] = name.length;
    for (let i = 0; i < name.length; i++) prefix[offset + 1 + i] = name.charCodeAt(i);
    offset += 1 + name.length;
    const length = prefix.write(headers[name]!, offset + 4, 'utf8');
    prefix[offset] = length >>> 24;
    prefix[offset + 1] = (length >>> 16) & 0xff;
    prefix[offset + 2] = (length >>> 8) & 0xff;
    prefix[offset + 3] = length & 0xff;
    offset += 4 + length;
  }
  if (keep) keepNsqEnvelopePrefix(headers, prefix);
  return prefix;
}

/** One enveloped body: `headers` (already validated) and `payload` (the codec's bytes). */
export function encodeNsqEnvelope(headers: NsqHeaders, payload: Buffer | Uint8Array): Buffer {
  const prefix = encodeNsqEnvelopePrefix(headers);
  return Buffer.concat([prefix, payload], prefix.length + payload.length);
}

/**
 * One enveloped body from a codec's text: `prefix` ({@link encodeNsqEnvelopePrefix})
 * and the text's UTF-8 bytes written into one allocation, with no
 * intermediate Buffer of the payload.
 */
export function encodeNsqEnvelopeText(prefix: Buffer, text: string): Buffer {
  const textBytes = Buffer.byteLength(text, 'utf8');
  const body = Buffer.allocUnsafe(prefix.length + textBytes);
  // Up to a few dozen bytes a loop is quicker than a native copy (TypedArray#set past that).
  if (prefix.length <= 32) for (let i = 0; i < prefix.length; i++) body[i] = prefix[i]!;
  else body.set(prefix, 0);
  writeUtf8(body, text, prefix.length, textBytes);
  return body;
}

/** Whether `body` starts with the envelope's magic (whatever its version). */
export function isNsqEnvelope(body: Buffer): boolean {
  return body.length >= 4 && body[0] === 0x00 && body.readUInt32BE(0) === MAGIC;
}

/** Bytes of a valid header name (WIRE.md §2.2: an HTTP token, lower case). */
const TOKEN_BYTE = new Uint8Array(256);
for (const c of "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~") TOKEN_BYTE[c.charCodeAt(0)] = 1;
/** Up to this many headers, repeats are found by comparing name bytes; past it, with a set of names. */
const PAIRWISE_MAX = 16;
const DELIVER_AT = NSQ_HEADER.deliverAt;

/**
 * An envelope checked whole on arrival (every WIRE.md §2.1 rule), whose
 * header map is built only when read: most handlers never read it, and a
 * null-prototype object per message costs more than the checks. The
 * envelope is `bytes` from `start` on (a message frame, read in place).
 */
class NsqOpenedEnvelope implements NsqOpenedBody {
  private decoded: NsqHeaders | undefined = undefined;

  constructor(
    private readonly bytes: Buffer,
    private readonly start: number,
    private readonly count: number,
    readonly payload: Buffer,
    readonly deliverAt: string | undefined,
  ) {}

  get enveloped(): boolean {
    return true;
  }

  get headers(): NsqHeaders {
    return (this.decoded ??= decodeCheckedHeaders(this.bytes, this.start, this.count));
  }

  header(name: string): string | undefined {
    if (this.decoded) return this.decoded[name];
    const bytes = this.bytes;
    const length = name.length;
    let offset = this.start + FIXED_BYTES;
    for (let i = 0; i < this.count; i++) {
      const nameLength = bytes[offset]!;
      const valueAt = offset + 1 + nameLength;
      const valueLength = bytes.readUInt32BE(valueAt);
      if (nameLength === length && sameName(bytes, offset + 1, name)) return bytes.toString('utf8', valueAt + 4, valueAt + 4 + valueLength);
      offset = valueAt + 4 + valueLength;
    }
    return undefined;
  }
}

/** Whether the name bytes at `start` spell `name` (a name is latin1 on the wire; a char past 0xff never matches). */
function sameName(body: Buffer, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (body[start + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Takes a body apart: an envelope into its headers and payload, a raw body
 * into no headers and itself. Throws {@link NsqDecodeError} for an envelope
 * that breaks WIRE.md §2.1 (unknown version, flags, truncated, bad names or
 * values, a repeated name); its message never quotes the body (not even a header name).
 * Every check runs here; the header map itself is built on first read.
 */
export function openNsqBody(body: Buffer): NsqOpenedBody {
  return openNsqBodyAt(body, 0);
}

/**
 * {@link openNsqBody} of the body that starts at `start` in `bytes` (a
 * message frame, whose body follows its 26-byte header), read in place: the
 * payload is the only Buffer made, where slicing the body out first made two.
 */
export function openNsqBodyAt(bytes: Buffer, start: number): NsqOpenedBody {
  const length = bytes.length;
  // The magic, byte by byte: a raw body (JSON, text) fails on its first byte.
  if (length - start < 4 || bytes[start] !== 0x00 || bytes[start + 1] !== 0x4e || bytes[start + 2] !== 0x51 || bytes[start + 3] !== 0x45) {
    return { headers: NO_HEADERS, payload: start === 0 ? bytes : bytes.subarray(start), enveloped: false };
  }
  if (length - start < FIXED_BYTES) throw malformed('it ends inside its fixed fields');
  const version = bytes[start + 4]!;
  if (version !== NSQ_ENVELOPE_VERSION) throw malformed(`version ${version} is not known (this transport reads version ${NSQ_ENVELOPE_VERSION})`);
  const flags = bytes[start + 5]!;
  if (flags !== 0) throw malformed(`flags 0x${flags.toString(16)} are not 0`);
  const count = (bytes[start + 6]! << 8) | bytes[start + 7]!;
  if (count > NSQ_HEADER_LIMITS.maxCount) throw malformed(`${count} headers exceed ${NSQ_HEADER_LIMITS.maxCount}`);
  const seen = count > PAIRWISE_MAX ? new Set<string>() : undefined;
  const sectionStart = start + FIXED_BYTES;
  let deliverAt: string | undefined;
  let offset = sectionStart;
  for (let i = 0; i < count; i++) {
    // Past this check the name and its value's length field are inside the body.
    const nameLength = offset < length ? bytes[offset]! : 0;
    if (offset + 1 + nameLength + 4 > length) throw malformed(`header ${i + 1} of ${count} runs past the body`);
    const nameStart = offset + 1;
    if (!isTokenName(bytes, nameStart, nameLength)) throw malformed(`header ${i + 1} has an invalid name`);
    if (seen ? repeatsInSet(seen, bytes, nameStart, nameLength) : repeatsEarlier(bytes, sectionStart, i, nameStart, nameLength)) {
      throw malformed(`header ${i + 1} repeats an earlier name`);
    }
    offset = nameStart + nameLength;
    const valueLength = bytes.readUInt32BE(offset);
    if (valueLength > NSQ_HEADER_LIMITS.maxValueBytes) throw malformed(`header ${i + 1} is ${valueLength} bytes, over ${NSQ_HEADER_LIMITS.maxValueBytes}`);
    const valueStart = offset + 4;
    offset = valueStart + valueLength;
    if (offset > length) throw malformed(`header ${i + 1} of ${count} runs past the body`);
    if (!isUtf8Range(bytes, valueStart, offset)) throw malformed(`header ${i + 1} is not valid UTF-8`);
    if (nameLength === DELIVER_AT.length && sameName(bytes, nameStart, DELIVER_AT)) deliverAt = bytes.toString('utf8', valueStart, offset);
    if (offset - sectionStart > NSQ_HEADER_LIMITS.maxSectionBytes) throw malformed(`its headers exceed ${NSQ_HEADER_LIMITS.maxSectionBytes} bytes`);
  }
  return new NsqOpenedEnvelope(bytes, start, count, bytes.subarray(offset), deliverAt);
}

/** The header map of an envelope {@link openNsqBodyAt} already checked. */
function decodeCheckedHeaders(bytes: Buffer, start: number, count: number): NsqHeaders {
  const headers = Object.create(null) as Record<string, string>;
  let offset = start + FIXED_BYTES;
  for (let i = 0; i < count; i++) {
    const nameLength = bytes[offset]!;
    const name = bytes.toString('latin1', offset + 1, offset + 1 + nameLength);
    offset += 1 + nameLength;
    const valueLength = bytes.readUInt32BE(offset);
    headers[name] = bytes.toString('utf8', offset + 4, offset + 4 + valueLength);
    offset += 4 + valueLength;
  }
  return Object.freeze(headers);
}

/** Same rule as `isValidNsqHeaderName`, on the bytes (a name is latin1 on the wire). */
function isTokenName(body: Buffer, start: number, length: number): boolean {
  if (length < 1 || length > NSQ_HEADER_LIMITS.maxNameLength) return false;
  for (let i = start; i < start + length; i++) if (TOKEN_BYTE[body[i]!] === 0) return false;
  return true;
}

/**
 * Whether the name at `start` (header `index`) repeats one of the headers
 * before it, found by walking them again from the first: at most
 * {@link PAIRWISE_MAX} headers, already checked, and no array per message.
 */
function repeatsEarlier(body: Buffer, sectionStart: number, index: number, start: number, length: number): boolean {
  let offset = sectionStart;
  for (let j = 0; j < index; j++) {
    const nameLength = body[offset]!;
    if (nameLength === length && sameBytes(body, start, body, offset + 1, length)) return true;
    offset += 1 + nameLength;
    offset += 4 + body.readUInt32BE(offset);
  }
  return false;
}

function repeatsInSet(seen: Set<string>, body: Buffer, start: number, length: number): boolean {
  const name = body.toString('latin1', start, start + length);
  if (seen.has(name)) return true;
  seen.add(name);
  return false;
}

function sameBytes(a: Buffer, aStart: number, b: Buffer, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** UTF-8 validity of `body[start, end)`; ASCII (the usual header) without a native call. */
function isUtf8Range(body: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && body[i]! < 0x80) i++;
  return i === end || isUtf8(body.subarray(i, end));
}

function malformed(why: string): NsqDecodeError {
  return new NsqDecodeError(`malformed envelope: ${why} (WIRE.md §2.1)`);
}
