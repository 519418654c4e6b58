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
 * can carry (cheaper than a WeakSet). Treated as immutable, as `NsqHeaders` says.
 */
class NormalizedNsqHeaders {
  readonly #valid = true;

  static is(value: object): boolean {
    return #valid in value;
  }

  static create(): Record<string, string> {
    return new NormalizedNsqHeaders() as unknown as Record<string, string>;
  }
}
Object.setPrototypeOf(NormalizedNsqHeaders.prototype, null);
delete (NormalizedNsqHeaders.prototype as { constructor?: unknown }).constructor;

/**
 * Validates user headers (a record builder's, a dispatch hook's metadata) and
 * returns them lower-cased in an object with an empty prototype. Throws
 * {@link InvalidNsqHeaderError}; `nsq-` names are refused unless `reserved`.
 * A set it returned before is returned as is.
 */
export function normalizeNsqHeaders(input: unknown, source: string, reserved = false): Record<string, string> {
  if (input !== null && typeof input === 'object' && NormalizedNsqHeaders.is(input)) return input as Record<string, string>;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidNsqHeaderError(`${source} must be an object of string values, received ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  }
  const headers = NormalizedNsqHeaders.create();
  for (const given of Object.keys(input)) {
    const name = checkName(given, source, reserved);
    if (name in headers) throw new InvalidNsqHeaderError(`${source}: header "${given}" is given twice (names are case-insensitive)`, name);
    headers[name] = checkValue(name, (input as Record<string, unknown>)[given], source);
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
