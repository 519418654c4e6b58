import { InvalidNsqHeaderError } from '../errors/invalid-nsq-header.error.js';

/** Headers of an enveloped message: lower-case names, string values (WIRE.md §2.2). */
export type NsqHeaders = Readonly<Record<string, string>>;

/** WIRE.md §2.2. */
export const NSQ_HEADER_LIMITS = {
  maxNameLength: 128,
  maxValueBytes: 16_384,
  maxCount: 256,
  /** Names, values and their length fields. */
  maxSectionBytes: 65_536,
} as const;

/** Prefix of the transport's own headers; user code cannot set them. */
export const RESERVED_HEADER_PREFIX = 'nsq-';

/** The transport's own headers (WIRE.md §2.3). */
export const NSQ_HEADER = {
  deliverAt: 'nsq-deliver-at',
  deadLetterTopic: 'nsq-dl-topic',
  deadLetterChannel: 'nsq-dl-channel',
  deadLetterMessageId: 'nsq-dl-message-id',
  deadLetterAttempts: 'nsq-dl-attempts',
  deadLetterReason: 'nsq-dl-reason',
  deadLetterDetail: 'nsq-dl-detail',
  deadLetterAt: 'nsq-dl-at',
  /** Request-response (WIRE.md §5): the topic the caller reads replies on. */
  replyTo: 'nsq-reply-to',
  /** Request-response: the caller's id of the request, echoed on every reply. */
  correlationId: 'nsq-correlation-id',
  /** Request-response: when the caller stops waiting (ms since the epoch); a responder skips a request past it. */
  expiresAt: 'nsq-expires-at',
  /** Request-response: `next`, `complete` or `error`. */
  replyStatus: 'nsq-reply-status',
  /** Request-response: the reply's position among the replies of one run (0, 1, …). */
  replySeq: 'nsq-reply-seq',
  /** Request-response: the request's delivery attempt whose handler run wrote the reply. */
  replyAttempt: 'nsq-reply-attempt',
} as const;

/** An HTTP token (RFC 9110 tchar), lower case. */
const NAME = /^[a-z0-9!#$%&'*+\-.^_`|~]+$/;

/** An empty, frozen header set (the headers of a raw message). */
export const NO_HEADERS: NsqHeaders = Object.freeze(Object.create(null) as Record<string, string>);

/**
 * A header set this module produced: already valid, not checked again on
 * every emit. Its prototype is empty (no `Object.prototype` names, as with a
 * null prototype); being a class instance, V8 keeps it a fast-mode object,
 * quick to fill and to enumerate, and `#valid in` is a brand no other object
 * can carry (cheaper than a WeakSet). Treated as immutable, as `NsqHeaders` says;
 * only a frozen set (one {@link normalizeNsqHeaders} shares between emits)
 * keeps its encoded envelope prefix: its names and values can no longer change.
 */
class NormalizedNsqHeaders {
  readonly #valid = true;
  #prefix: Buffer | undefined = undefined;

  static is(value: object): boolean {
    return #valid in value;
  }

  static create(): Record<string, string> {
    return new NormalizedNsqHeaders() as unknown as Record<string, string>;
  }

  static prefixOf(value: object): Buffer | undefined {
    return #valid in value ? (value as NormalizedNsqHeaders).#prefix : undefined;
  }

  static keepsPrefix(value: object): boolean {
    return #valid in value && Object.isFrozen(value);
  }

  static keepPrefix(value: object, prefix: Buffer): void {
    if (NormalizedNsqHeaders.keepsPrefix(value)) (value as NormalizedNsqHeaders).#prefix = prefix;
  }
}
Object.setPrototypeOf(NormalizedNsqHeaders.prototype, null);
delete (NormalizedNsqHeaders.prototype as { constructor?: unknown }).constructor;

/**
 * The envelope prefix kept for `headers` by {@link keepNsqEnvelopePrefix},
 * or undefined. Only a frozen set this module returned keeps one.
 */
export function keptNsqEnvelopePrefix(headers: NsqHeaders): Buffer | undefined {
  return NormalizedNsqHeaders.prefixOf(headers);
}

/** Whether `headers` can keep its envelope prefix: a frozen set of this module's. */
export function keepsNsqEnvelopePrefix(headers: NsqHeaders): boolean {
  return NormalizedNsqHeaders.keepsPrefix(headers);
}

/** Keeps `prefix` (the encoding of `headers`, never written to afterwards) on `headers` if {@link keepsNsqEnvelopePrefix}. */
export function keepNsqEnvelopePrefix(headers: NsqHeaders, prefix: Buffer): void {
  NormalizedNsqHeaders.keepPrefix(headers, prefix);
}

/**
 * A user header set validated recently, by content: the names as given (in
 * `Object.keys` order), their lower-cased names and their values. An app
 * sends the same few sets on every emit, usually as a constant or a fresh
 * literal of the same strings; comparing the strings again costs far less
 * than validating and encoding them, and nothing about the user's object is
 * trusted (a mutated object, whatever its identity, no longer matches and is
 * validated afresh).
 */
interface RememberedHeaders {
  readonly given: readonly string[];
  readonly names: readonly string[];
  readonly values: readonly string[];
  readonly reserved: boolean;
  /**
   * The frozen set every later match returns (and which keeps its encoded
   * prefix), made on the first match: a set seen once (a per-request trace
   * id) costs neither a freeze nor a prefix of its own memory.
   */
  shared: Record<string, string> | undefined;
}
/** Few sets, small ones: a bounded memory (strings and one prefix each), a miss costs a few comparisons. */
const REMEMBERED_SETS = 4;
const REMEMBERED_MAX_COUNT = 16;
const REMEMBERED_MAX_CHARS = 4_096;
const remembered: Array<RememberedHeaders | undefined> = new Array<RememberedHeaders | undefined>(REMEMBERED_SETS).fill(undefined);
let rememberNext = 0;

function recall(values: readonly unknown[], given: readonly string[], reserved: boolean): Record<string, string> | undefined {
  for (let slot = 0; slot < REMEMBERED_SETS; slot++) {
    const known = remembered[slot];
    if (known === undefined || known.given.length !== given.length || known.reserved !== reserved) continue;
    let same = true;
    for (let i = 0; i < given.length; i++) {
      if (given[i] !== known.given[i] || values[i] !== known.values[i]) {
        same = false;
        break;
      }
    }
    if (same) return (known.shared ??= sharedSet(known));
  }
  return undefined;
}

/** A frozen copy of a remembered set (not the one handed out when it was first validated: that one's holder may change it). */
function sharedSet(known: RememberedHeaders): Record<string, string> {
  const headers = NormalizedNsqHeaders.create();
  for (let i = 0; i < known.names.length; i++) headers[known.names[i]!] = known.values[i]!;
  return Object.freeze(headers);
}

/**
 * Validates user headers (a record builder's, a dispatch hook's metadata) and
 * returns them lower-cased in an object with an empty prototype. Throws
 * {@link InvalidNsqHeaderError}; `nsq-` names are refused unless `reserved`.
 * A set it returned before is returned as is; a recent input's names and
 * values given again get one shared, frozen set (see {@link RememberedHeaders}).
 */
export function normalizeNsqHeaders(input: unknown, source: string, reserved = false): Record<string, string> {
  if (input !== null && typeof input === 'object' && NormalizedNsqHeaders.is(input)) return input as Record<string, string>;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidNsqHeaderError(`${source} must be an object of string values, received ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  }
  // Each value is read once (a getter or a proxy sees one read per emit, as before).
  const given = Object.keys(input);
  const values: unknown[] = [];
  for (const name of given) values.push((input as Record<string, unknown>)[name]);
  const known = recall(values, given, reserved);
  if (known !== undefined) return known;
  const headers = NormalizedNsqHeaders.create();
  const names: string[] = [];
  let chars = 0;
  for (let i = 0; i < given.length; i++) {
    const name = checkName(given[i]!, source, reserved);
    if (name in headers) throw new InvalidNsqHeaderError(`${source}: header "${given[i]!}" is given twice (names are case-insensitive)`, name);
    const value = checkValue(name, values[i], source);
    headers[name] = value;
    names.push(name);
    chars += value.length;
  }
  if (given.length <= REMEMBERED_MAX_COUNT && chars <= REMEMBERED_MAX_CHARS) {
    remembered[rememberNext] = { given, names, values: values as string[], reserved, shared: undefined };
    rememberNext = (rememberNext + 1) % REMEMBERED_SETS;
  }
  return headers;
}

/** Merges header sets, later ones winning; every set must already be normalized. The whole set's limits are checked when it is encoded. */
export function mergeNsqHeaders(...sets: ReadonlyArray<NsqHeaders | undefined>): NsqHeaders {
  const merged = NormalizedNsqHeaders.create();
  for (const set of sets) if (set) for (const name in set) merged[name] = set[name]!;
  return merged;
}

/** Whether `name` is a valid header name (WIRE.md §2.2), reserved or not. */
export function isValidNsqHeaderName(name: string): boolean {
  return name.length >= 1 && name.length <= NSQ_HEADER_LIMITS.maxNameLength && NAME.test(name);
}

/** Names that passed {@link isValidNsqHeaderName}, by their given spelling: the same few names come with every emit. */
const validNames = new Map<string, string>();
const VALID_NAMES_KEPT = 1024;

/** Returns the lower-cased name of `given`, or throws. */
function checkName(given: string, source: string, reserved: boolean): string {
  let name = validNames.get(given);
  if (name === undefined) {
    name = given.toLowerCase();
    if (!isValidNsqHeaderName(name)) {
      throw new InvalidNsqHeaderError(
        `${source}: header name ${JSON.stringify(given.slice(0, 140))} is not a token of 1..${NSQ_HEADER_LIMITS.maxNameLength} characters (letters, digits, !#$%&'*+-.^_\`|~)`,
        given,
      );
    }
    if (validNames.size < VALID_NAMES_KEPT) validNames.set(given, name);
  }
  if (!reserved && name.startsWith(RESERVED_HEADER_PREFIX)) {
    throw new InvalidNsqHeaderError(`${source}: header "${name}" is reserved (names starting with "${RESERVED_HEADER_PREFIX}" are the transport's)`, name);
  }
  return name;
}

function checkValue(name: string, value: unknown, source: string): string {
  if (typeof value !== 'string') throw new InvalidNsqHeaderError(`${source}: header "${name}" must be a string, received ${value === null ? 'null' : typeof value}`, name);
  if (!isWellFormed(value)) throw new InvalidNsqHeaderError(`${source}: header "${name}" is not well-formed Unicode (a lone surrogate)`, name);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a short value cannot be over the limit.
  if (value.length * 3 > NSQ_HEADER_LIMITS.maxValueBytes) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > NSQ_HEADER_LIMITS.maxValueBytes) throw new InvalidNsqHeaderError(`${source}: header "${name}" is ${bytes} bytes, over the limit of ${NSQ_HEADER_LIMITS.maxValueBytes}`, name);
  }
  return value;
}

/** `String.prototype.isWellFormed` (ES2024, Node 20): no lone surrogate, so the value is encodable as UTF-8. */
function isWellFormed(value: string): boolean {
  return (value as string & { isWellFormed(): boolean }).isWellFormed();
}
