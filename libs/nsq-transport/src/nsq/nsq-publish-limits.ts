import { InvalidNsqMessageError } from '../errors/invalid-nsq-message.error.js';

/** nsqd's real limits for one address: the configured ones until nsqd's own refusal tells better. */
export interface NsqdLimits {
  /** nsqd's `--max-msg-size`. */
  maxMessageSize: number;
  /** nsqd's `--max-body-size` (one MPUB, framing included). */
  maxBodySize: number;
}

/** What to do with one publish on a connection with these limits. */
export type NsqLimitVerdict =
  | { readonly kind: 'fits' }
  | { readonly kind: 'refused'; readonly error: InvalidNsqMessageError }
  /** Coalesced bodies only: send `parts` (each within the limits) and fail the `refused` bodies alone. */
  | { readonly kind: 'split'; readonly parts: readonly (readonly Buffer[])[]; readonly refused: ReadonlyMap<Buffer, Error> };

const FITS: NsqLimitVerdict = { kind: 'fits' };

/**
 * Checks a publish against an nsqd's limits before it is written: nsqd
 * answers an oversize message or MPUB with a fatal error that closes the
 * connection and fails every publish pipelined behind it.
 *
 * An atomic publish (one body, or a batch the caller built) is refused whole.
 * Bodies coalesced by the transport are independent emits: the ones that do
 * not fit are refused alone and the others are sent, in MPUBs that fit.
 */
export function checkPublishLimits(topic: string, bodies: readonly Buffer[], coalesced: boolean, limits: NsqdLimits, address: string): NsqLimitVerdict {
  let oversize = 0;
  let total = 4;
  for (const body of bodies) {
    if (body.length > limits.maxMessageSize) oversize++;
    total += 4 + body.length;
  }
  if (oversize === 0 && (bodies.length === 1 || total <= limits.maxBodySize)) return FITS;
  const tooBig = (body: Buffer) =>
    new InvalidNsqMessageError(`message body of ${body.length} bytes exceeds nsqd's --max-msg-size ${limits.maxMessageSize} at ${address} (topic "${topic}")`, topic);
  if (!coalesced || oversize === bodies.length) {
    const first = bodies.find((body) => body.length > limits.maxMessageSize);
    const error = first
      ? tooBig(first)
      : new InvalidNsqMessageError(`batch of ${bodies.length} messages (${total} bytes) exceeds nsqd's --max-body-size ${limits.maxBodySize} at ${address} (topic "${topic}")`, topic);
    return { kind: 'refused', error };
  }
  const refused = new Map<Buffer, Error>();
  const parts: Buffer[][] = [];
  let part: Buffer[] = [];
  let partBytes = 4;
  for (const body of bodies) {
    if (body.length > limits.maxMessageSize) {
      refused.set(body, tooBig(body));
      continue;
    }
    if (part.length > 0 && partBytes + 4 + body.length > limits.maxBodySize) {
      parts.push(part);
      part = [];
      partBytes = 4;
    }
    part.push(body);
    partBytes += 4 + body.length;
  }
  if (part.length > 0) parts.push(part);
  return { kind: 'split', parts, refused };
}

const TOO_BIG = /^E_BAD_(?:MESSAGE|BODY) [A-Z]+ (message|body) too big (\d+) > (\d+)/;

/**
 * Learns a limit from nsqd's refusal ("E_BAD_MESSAGE PUB message too big 6000
 * > 5000", "E_BAD_BODY MPUB body too big …"): nsqd 1.3 does not announce its
 * limits in IDENTIFY. Returns whether `message` was such a refusal.
 */
export function learnLimitFromRefusal(message: string, limits: NsqdLimits): boolean {
  const match = TOO_BIG.exec(message);
  if (!match) return false;
  const limit = Number(match[3]);
  if (match[1] === 'message') limits.maxMessageSize = Math.min(limits.maxMessageSize, limit);
  else limits.maxBodySize = Math.min(limits.maxBodySize, limit);
  return true;
}
