import { NSQD_LIMITS } from '../constants.js';
import { InvalidNsqHeaderError } from '../errors/invalid-nsq-header.error.js';
import { InvalidNsqMessageError } from '../errors/invalid-nsq-message.error.js';
import type { NsqBody, NsqSerializer } from '../interfaces/nsq-codec.interface.js';
import { NsqRecord } from '../record-builders/nsq.record-builder.js';
import { NsqJsonSerializer } from '../serializers/nsq-json.serializer.js';
import { encodeNsqEnvelopePrefix, encodeNsqEnvelopeText } from '../wire/nsq-envelope.js';
import { mergeNsqHeaders, NO_HEADERS, normalizeNsqHeaders, NSQ_HEADER, type NsqHeaders } from '../wire/nsq-headers.js';
import { assertNsqName } from './nsq-names.js';

/** What goes on the wire for one emit: PUB, DPUB (delay) or MPUB (several bodies). */
export interface NsqPublishRequest {
  readonly topic: string;
  readonly bodies: readonly Buffer[];
  readonly delayMs: number;
}

export interface PublishSettings {
  readonly maxMessageSize: number;
  readonly maxBatchBytes: number;
  /** Write envelopes with headers (WIRE.md §2) instead of the codec's bytes alone. */
  readonly envelope: boolean;
}

/** Headers an emit gets besides its record's own. */
export interface PublishHeaders {
  /** A Nest 12 dispatch hook's `packet.metadata`: validated as user headers. */
  readonly metadata?: unknown;
  /** The transport's own (trace context, request-response), already valid; may use `nsq-` names. */
  readonly transport?: NsqHeaders;
}

/**
 * Turns an emit into wire bodies and checks everything nsqd would reject
 * fatally (closing the connection and failing every other publish on it):
 * topic name, empty or oversize bodies, batch size, delay range.
 *
 * Returns without a promise when the serializer answers synchronously (the
 * built-in ones do): `emit()` is hot, and a promise per message is
 * measurable. Refusals are thrown synchronously, or rejected when async.
 */
export function buildPublishRequest(
  pattern: unknown,
  data: unknown,
  serializer: NsqSerializer,
  settings: PublishSettings,
  extra?: PublishHeaders,
): NsqPublishRequest | Promise<NsqPublishRequest> {
  // As Nest's own clients route patterns: a number is its decimal string (`@EventPattern(4242)` subscribes to "4242").
  const topic = typeof pattern === 'number' ? String(pattern) : pattern;
  assertNsqName('topic', topic);
  const record = data instanceof NsqRecord ? data : undefined;
  const payloads: readonly unknown[] = record?.isBatch ? (record.data as readonly unknown[]) : [record ? record.data : data];
  if (payloads.length === 0) throw new InvalidNsqMessageError(`the batch for topic "${topic}" is empty`, topic);
  const delayMs = record?.options.delayMs ?? 0;
  if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > NSQD_LIMITS.maxRequeueDelayMs) {
    throw new InvalidNsqMessageError(`delay ${String(delayMs)} ms is outside nsqd's range 0..${NSQD_LIMITS.maxRequeueDelayMs} ms`, topic);
  }
  const prefix = envelopePrefix(topic, record?.options.headers, delayMs, settings.envelope, extra);
  // The built-in JSON codec (not a subclass, which may override serialize()) hands its text to the envelope.
  const textual = prefix !== undefined && serializer.constructor === NsqJsonSerializer ? (serializer as NsqJsonSerializer) : undefined;
  // Arrays of their final length: an empty array's first push allocates room for 17 (a few hundred bytes per emit).
  const encoded = new Array<NsqBody | Promise<NsqBody>>(payloads.length);
  let asynchronous = false;
  for (let i = 0; i < payloads.length; i++) {
    const body = textual ? encodeText(textual, payloads[i], topic) : encode(serializer, payloads[i], topic);
    if (isThenable(body)) asynchronous = true;
    encoded[i] = body;
  }
  if (!asynchronous) return checkBodies(topic, encoded as NsqBody[], delayMs, settings, prefix);
  return Promise.all(encoded).then(
    (bodies) => checkBodies(topic, bodies, delayMs, settings, prefix),
    (error: unknown) => {
      throw serializationError(error, topic);
    },
  );
}

/**
 * The envelope's bytes before each payload, or undefined in raw mode. Headers
 * merge in this order, later winning: the dispatch hook's metadata, the
 * record's, the transport's, then `nsq-deliver-at` for a delayed emit.
 */
function envelopePrefix(topic: string, recordHeaders: NsqHeaders | undefined, delayMs: number, envelope: boolean, extra: PublishHeaders | undefined): Buffer | undefined {
  if (!envelope) {
    if (recordHeaders && Object.keys(recordHeaders).length > 0) {
      throw new InvalidNsqHeaderError(`headers cannot be published to topic "${topic}": the client writes raw bodies; set "envelope: true" on it (and on its consumers) to carry headers`);
    }
    return undefined;
  }
  // An NsqRecord built by hand (not by the builder) gets the same checks.
  const record = recordHeaders === undefined ? NO_HEADERS : normalizeNsqHeaders(recordHeaders, 'record headers');
  if (extra?.metadata === undefined && extra?.transport === undefined && delayMs === 0) return encodeNsqEnvelopePrefix(record);
  const metadata = extra?.metadata === undefined ? undefined : normalizeNsqHeaders(extra.metadata, 'dispatch hook metadata');
  const deliverAt = delayMs > 0 ? { [NSQ_HEADER.deliverAt]: String(Date.now() + delayMs) } : undefined;
  return encodeNsqEnvelopePrefix(mergeNsqHeaders(metadata, record, extra?.transport, deliverAt));
}

function checkBodies(topic: string, encoded: readonly NsqBody[], delayMs: number, limits: PublishSettings, prefix: Buffer | undefined): NsqPublishRequest {
  const bodies = new Array<Buffer>(encoded.length);
  let total = 0;
  for (let i = 0; i < encoded.length; i++) {
    const body = prefix ? envelopeBody(prefix, encoded[i]!, topic) : toBuffer(encoded[i], topic);
    if (body.length === (prefix?.length ?? 0)) throw new InvalidNsqMessageError(`an empty message body cannot be published (topic "${topic}")`, topic);
    if (body.length > limits.maxMessageSize) {
      throw new InvalidNsqMessageError(`message body of ${body.length} bytes exceeds maxMessageSize ${limits.maxMessageSize} (topic "${topic}")`, topic);
    }
    // MPUB frames each body with a 4-byte size, counted by nsqd's --max-body-size.
    total += body.length + 4;
    bodies[i] = body;
  }
  if (bodies.length > 1 && total + 4 > limits.maxBatchBytes) {
    throw new InvalidNsqMessageError(`batch of ${bodies.length} messages (${total + 4} bytes) exceeds maxBatchBytes ${limits.maxBatchBytes} (topic "${topic}")`, topic);
  }
  return { topic, bodies, delayMs };
}

/** The envelope around one payload, in one allocation when the codec gave text. */
function envelopeBody(prefix: Buffer, encoded: NsqBody, topic: string): Buffer {
  if (typeof encoded === 'string') return encodeNsqEnvelopeText(prefix, encoded);
  const payload = toBuffer(encoded, topic);
  return Buffer.concat([prefix, payload], prefix.length + payload.length);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

function encode(serializer: NsqSerializer, payload: unknown, topic: string): NsqBody | Promise<NsqBody> {
  try {
    return serializer.serialize(payload);
  } catch (error) {
    throw serializationError(error, topic);
  }
}

function encodeText(serializer: NsqJsonSerializer, payload: unknown, topic: string): string {
  try {
    return serializer.serializeToText(payload);
  } catch (error) {
    throw serializationError(error, topic);
  }
}

function serializationError(error: unknown, topic: string): InvalidNsqMessageError {
  return new InvalidNsqMessageError(`payload for topic "${topic}" could not be serialized: ${error instanceof Error ? error.message : String(error)}`, topic, { cause: error });
}

function toBuffer(body: unknown, topic: string): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new InvalidNsqMessageError(`the serializer returned a ${body === null ? 'null' : typeof body}; expected a Buffer, Uint8Array or string (topic "${topic}")`, topic);
}
