import { encodeFrame, encodeMessageData, encodeRawFrame, FrameType, MESSAGE_HEADER_BYTES } from '../../support/nsq-frames.js';
import { SeededRandom } from '../../support/seeded-random.js';

export type FuzzRole = 'producer' | 'consumer';

/** Where a connection's script stops behaving like nsqd. */
export type FuzzPhase =
  /** As soon as the client connects, before it said anything. */
  | 'on-connect'
  /** Instead of the IDENTIFY answer. */
  | 'identify'
  /** IDENTIFY says auth_required; instead of the AUTH answer. */
  | 'auth'
  /** Right after a complete handshake (producer: IDENTIFY answered; consumer: SUB acknowledged). */
  | 'after-handshake'
  /** Producer: instead of the answer to its first PUB. */
  | 'on-publish';

/**
 * What the fake does once its bytes are written: wait for the client to drop
 * the connection (only after a protocol violation, with heartbeats trickling so
 * the client's idle timeout cannot be what ends it), close it, reset it, or go
 * silent (the client's idle timeout must end it).
 */
export type FuzzEnding = 'wait-for-drop' | 'end' | 'reset' | 'silence';

/** What a correct client must make of a plan's bytes, per {@link readAsClient}. */
export type FuzzVerdict =
  /** A protocol violation at frame `frame`: the client must report an error and drop the connection. */
  | { readonly kind: 'must-fail'; readonly reason: FuzzViolation; readonly detail: string; readonly frame: number }
  /** Outside what the contract decides (nsqd turning on TLS or compression unasked, a non-fatal E_* at the wrong time): only "no crash" is judged. */
  | { readonly kind: 'unspecified'; readonly reason: string }
  /** Frames a client takes as they are; the last one may be cut short. */
  | { readonly kind: 'clean'; readonly truncated: boolean };

/** What made a plan's bytes a protocol violation. */
export type FuzzViolation = 'frame-size' | 'frame-type' | 'short-message' | 'fatal-error-frame' | 'identify-answer' | 'auth-answer';

export interface NsqdFuzzPlan {
  readonly role: FuzzRole;
  readonly index: number;
  readonly phase: FuzzPhase;
  /** The bytes, in the writes that carry them (a write boundary may split a frame anywhere). */
  readonly chunks: readonly Buffer[];
  /** Frames generated (random byte runs count as one). */
  readonly frames: number;
  readonly verdict: FuzzVerdict;
  readonly ending: FuzzEnding;
}

/**
 * A frame size no correct client may buffer for: the transport refuses
 * anything above 64 MiB; this line is drawn far above it so the verdicts do
 * not depend on that constant.
 */
export const FUZZ_HUGE_FRAME_BYTES = 2 ** 28;

const NON_FATAL_ERRORS = new Set(['E_FIN_FAILED', 'E_REQ_FAILED', 'E_TOUCH_FAILED']);

type FrameKind =
  | 'heartbeat'
  | 'ok'
  | 'text'
  | 'json'
  | 'error-non-fatal'
  | 'error-fatal'
  | 'message'
  | 'short-message'
  | 'unknown-type'
  | 'negative-size'
  | 'tiny-size'
  | 'huge-size'
  | 'size-too-large'
  | 'size-too-small'
  | 'random-bytes';

/** Valid traffic dominates so that violations come after parsing work; consumers get messages, producers answers. */
const FRAME_WEIGHTS: Readonly<Record<FuzzRole, Readonly<Record<FrameKind, number>>>> = {
  consumer: {
    message: 14, heartbeat: 8, ok: 2, text: 2, json: 2, 'error-non-fatal': 1, 'error-fatal': 1, 'short-message': 2, 'unknown-type': 2,
    'negative-size': 2, 'tiny-size': 1, 'huge-size': 2, 'size-too-large': 2, 'size-too-small': 2, 'random-bytes': 3,
  },
  producer: {
    message: 2, heartbeat: 12, ok: 6, text: 3, json: 2, 'error-non-fatal': 1, 'error-fatal': 1, 'short-message': 2, 'unknown-type': 2,
    'negative-size': 2, 'tiny-size': 1, 'huge-size': 2, 'size-too-large': 2, 'size-too-small': 2, 'random-bytes': 3,
  },
};

const WELL_FORMED_WEIGHTS: Readonly<Record<FuzzRole, Readonly<Partial<Record<FrameKind, number>>>>> = {
  consumer: { message: 14, heartbeat: 8, ok: 2, text: 2 },
  producer: { message: 1, heartbeat: 12, ok: 6, text: 3 },
};

const PHASE_WEIGHTS: Readonly<Record<FuzzRole, Readonly<Partial<Record<FuzzPhase, number>>>>> = {
  producer: { 'on-connect': 15, identify: 25, auth: 10, 'after-handshake': 25, 'on-publish': 25 },
  consumer: { 'on-connect': 15, identify: 25, auth: 10, 'after-handshake': 50 },
};

/** The plan of the `index`-th connection of a fuzz run: a pure function of (seed, role, index). */
export function planConnection(seed: number, role: FuzzRole, index: number): NsqdFuzzPlan {
  const random = SeededRandom.derive(seed ^ (role === 'producer' ? 0x50 : 0xc0), index);
  const phase = random.weighted(PHASE_WEIGHTS[role]);
  const answerPending = phase === 'on-connect' || phase === 'identify' ? 'identify' : phase === 'auth' ? 'auth' : undefined;
  // Mostly short runs, sometimes long ones; a third of them well-formed throughout (the reader's everyday work, cut anywhere).
  const count = 1 + Math.floor(random.next() ** 3 * 120);
  const wellFormed = random.chance(1 / 3);
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    // An answer is expected first: make it mostly an answer-like frame, so the IDENTIFY/AUTH parsing gets exercised.
    const kind: FrameKind =
      i === 0 && answerPending && random.chance(0.7)
        ? random.pick(['json', 'json', 'text', 'ok'] as const)
        : random.weighted(wellFormed ? WELL_FORMED_WEIGHTS[role] : FRAME_WEIGHTS[role]);
    frames.push(makeFrame(random, kind, answerPending === 'auth'));
  }
  const bytes = Buffer.concat(frames);
  const verdict = readAsClient(bytes, answerPending);
  const ending: FuzzEnding =
    verdict.kind === 'must-fail' ? 'wait-for-drop' : random.weighted({ end: 60, reset: 34, silence: role === 'consumer' ? 6 : 3 });
  return { role, index, phase, chunks: split(random, bytes), frames: count, verdict, ending };
}

/** One line to reproduce and discuss a plan: its coordinates, verdict, ending and first bytes. */
export function describePlan(plan: NsqdFuzzPlan): string {
  const head = Buffer.concat(plan.chunks).subarray(0, 48).toString('hex');
  const verdict = plan.verdict.kind === 'must-fail' ? `must-fail at frame ${plan.verdict.frame} (${plan.verdict.reason}: ${plan.verdict.detail})` : plan.verdict.kind === 'unspecified' ? `unspecified (${plan.verdict.reason})` : `clean${plan.verdict.truncated ? ', last frame cut short' : ''}`;
  return `${plan.role} #${plan.index} ${plan.phase}: ${plan.frames} frame(s), ${verdict}, then ${plan.ending}; first bytes ${head}`;
}

/**
 * The reference reading of nsqd's byte stream, as the contract of the
 * transport's frame reader and IDENTIFY/AUTH guards states it: frames are
 * `[int32 size][int32 type][data]`; a size below 4 or absurdly large, an
 * unknown type, a message frame shorter than its header, a fatal `E_*` error,
 * and an IDENTIFY or AUTH answer that is not a JSON object (IDENTIFY may also
 * be "OK") are violations. Reading stops at the first one, and at anything
 * that takes the connection out of what can be judged from the bytes alone.
 */
export function readAsClient(bytes: Buffer, answerPending: 'identify' | 'auth' | undefined): FuzzVerdict {
  let pending = answerPending;
  let at = 0;
  for (let frame = 0; ; frame++) {
    const left = bytes.length - at;
    if (left === 0) return { kind: 'clean', truncated: false };
    if (left < 4) return { kind: 'clean', truncated: true };
    const size = bytes.readInt32BE(at);
    if (size < 4 || size >= FUZZ_HUGE_FRAME_BYTES) return { kind: 'must-fail', reason: 'frame-size', detail: `size ${size}`, frame };
    if (left < 4 + size) {
      // A client may refuse a bad header before the frame is complete, or wait for the rest: both are right.
      if (left >= 8 && !isKnownType(bytes.readInt32BE(at + 4))) return { kind: 'unspecified', reason: 'cut-short frame of unknown type' };
      return { kind: 'clean', truncated: true };
    }
    const type = bytes.readInt32BE(at + 4);
    const data = bytes.subarray(at + 8, at + 4 + size);
    at += 4 + size;
    if (!isKnownType(type)) return { kind: 'must-fail', reason: 'frame-type', detail: `type ${type}`, frame };
    if (type === FrameType.MESSAGE) {
      if (data.length < MESSAGE_HEADER_BYTES) return { kind: 'must-fail', reason: 'short-message', detail: `${data.length} bytes`, frame };
      continue;
    }
    if (type === FrameType.ERROR) {
      const code = data.toString('utf8').trimStart().split(/\s+/)[0] ?? '';
      if (!NON_FATAL_ERRORS.has(code)) return { kind: 'must-fail', reason: 'fatal-error-frame', detail: JSON.stringify(code.slice(0, 20)), frame };
      return { kind: 'unspecified', reason: `${code} frame` };
    }
    if (pending === undefined) continue;
    const text = data.toString('utf8');
    if (pending === 'identify' && text === 'OK') {
      pending = undefined;
      continue;
    }
    const answer = parseJson(text);
    if (answer === undefined || answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
      return { kind: 'must-fail', reason: `${pending}-answer`, detail: 'not a JSON object', frame };
    }
    const flags = answer as Record<string, unknown>;
    if (pending === 'identify' && ['tls_v1', 'deflate', 'snappy', 'auth_required'].some((flag) => flags[flag] === true)) {
      return { kind: 'unspecified', reason: 'IDENTIFY answer turns on TLS, compression or AUTH unasked' };
    }
    pending = undefined;
  }
}

function isKnownType(type: number): boolean {
  return type === FrameType.RESPONSE || type === FrameType.ERROR || type === FrameType.MESSAGE;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function makeFrame(random: SeededRandom, kind: FrameKind, authAnswer: boolean): Buffer {
  switch (kind) {
    case 'heartbeat':
      return encodeFrame(FrameType.RESPONSE, '_heartbeat_');
    case 'ok':
      return encodeFrame(FrameType.RESPONSE, 'OK');
    case 'text':
      return encodeFrame(FrameType.RESPONSE, random.text(random.int(0, 64)));
    case 'json':
      return encodeFrame(FrameType.RESPONSE, jsonAnswer(random, authAnswer));
    case 'error-non-fatal':
      return encodeFrame(FrameType.ERROR, `${random.pick([...NON_FATAL_ERRORS])} ${random.text(random.int(0, 32))}`);
    case 'error-fatal':
      return encodeFrame(FrameType.ERROR, random.chance(0.7) ? `${random.pick(['E_INVALID', 'E_BAD_TOPIC', 'E_BAD_MESSAGE', 'E_AUTH_FAILED'])} ${random.text(random.int(0, 32))}` : random.text(random.int(1, 32)));
    case 'message':
      return encodeFrame(FrameType.MESSAGE, encodeMessageData(alphanumeric(random, 16), random.bytes(random.int(0, 300)), random.int(1, 5)));
    case 'short-message':
      return encodeFrame(FrameType.MESSAGE, random.bytes(random.int(0, MESSAGE_HEADER_BYTES - 1)));
    case 'unknown-type':
      return encodeFrame(random.pick([3, 4, 7, 255, 65_536, -1, random.int(3, 2 ** 31 - 1)]), random.bytes(random.int(0, 32)));
    case 'negative-size':
      return encodeRawFrame(-random.int(1, 2 ** 31), FrameType.RESPONSE, random.bytes(random.int(0, 16)));
    case 'tiny-size':
      return encodeRawFrame(random.int(0, 3), random.int(0, 2), random.bytes(random.int(0, 16)));
    case 'huge-size':
      return encodeRawFrame(random.int(FUZZ_HUGE_FRAME_BYTES, 2 ** 31 - 1), random.int(0, 2), random.bytes(random.int(0, 64)));
    case 'size-too-large': {
      const data = random.bytes(random.int(0, 64));
      return encodeRawFrame(4 + data.length + random.int(1, 4096), random.int(0, 2), data);
    }
    case 'size-too-small': {
      const data = random.bytes(random.int(1, 64));
      return encodeRawFrame(4 + data.length - random.int(1, data.length), random.int(0, 2), data);
    }
    case 'random-bytes':
      return random.bytes(random.int(1, 64));
  }
}

/** An answer-shaped JSON text: a proper IDENTIFY/AUTH answer, something JSON but not an object, broken JSON, or flags turned on unasked. */
function jsonAnswer(random: SeededRandom, authAnswer: boolean): string {
  const proper = authAnswer
    ? { identity: 'fuzz', identity_url: '', permission_count: 1 }
    : { max_rdy_count: 2500, version: '1.3.0', max_msg_timeout: 900_000, msg_timeout: 60_000, tls_v1: false, deflate: false, snappy: false, auth_required: false };
  switch (random.weighted({ proper: 4, scalar: 2, cut: 2, flags: 1 })) {
    case 'proper':
      return JSON.stringify(proper);
    case 'scalar':
      return random.pick(['null', '1', '[]', '"OK?"', 'true', '[{"max_rdy_count":1}]']);
    case 'cut': {
      const text = JSON.stringify(proper);
      return text.slice(0, random.int(0, text.length - 1));
    }
    case 'flags':
      return JSON.stringify({ ...proper, [random.pick(['tls_v1', 'deflate', 'snappy', 'auth_required'])]: true });
  }
  return '';
}

function alphanumeric(random: SeededRandom, length: number): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[random.int(0, alphabet.length - 1)];
  return text;
}

/** The bytes in 1..12 writes; sometimes the first ones byte by byte. */
function split(random: SeededRandom, bytes: Buffer): Buffer[] {
  if (bytes.length <= 1 || random.chance(0.4)) return [bytes];
  const cuts = new Set<number>();
  if (random.chance(0.15)) for (let i = 1; i < Math.min(bytes.length, 24); i++) cuts.add(i);
  for (let i = random.int(1, 11); i > 0; i--) cuts.add(random.int(1, bytes.length - 1));
  const at = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  const chunks: Buffer[] = [];
  for (let i = 1; i < at.length; i++) chunks.push(bytes.subarray(at[i - 1]!, at[i]!));
  return chunks;
}
