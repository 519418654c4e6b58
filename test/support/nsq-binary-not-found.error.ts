/**
 * Thrown when an NSQ program is neither in `<repo>/.nsq/bin` nor on PATH. Integration tests must fail
 * (not skip) in that case, so this error says how to fix the machine.
 */
export class NsqBinaryNotFoundError extends Error {
  override readonly name = 'NsqBinaryNotFoundError';

  constructor(
    /** The program that was looked for, e.g. `nsqd`. */
    readonly program: string,
    /** Every place that was tried, in order. */
    readonly searched: readonly string[],
  ) {
    super(
      `NSQ program "${program}" not found (looked in ${searched.join(', ') || '(nowhere)'}). ` +
        'Run `npm run nsq:install` to build or link the pinned NSQ 1.3.0 programs into .nsq/bin.',
    );
  }
}
