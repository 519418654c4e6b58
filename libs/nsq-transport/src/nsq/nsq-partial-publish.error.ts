/**
 * Some of the coalesced bodies of one publish were refused and the others
 * stored: each emit looks up its own outcome with {@link outcomeFor}.
 * Internal: never reaches users as such.
 */
export class NsqPartialPublishError extends Error {
  override readonly name = 'NsqPartialPublishError';

  constructor(readonly refused: ReadonlyMap<Buffer, Error>) {
    super(`${refused.size} coalesced message(s) refused`);
  }
}

/** The error of the emit whose body is `body`, or undefined when that emit succeeded. */
export function outcomeFor(error: unknown, body: Buffer): unknown {
  return error instanceof NsqPartialPublishError ? error.refused.get(body) : error;
}
