/**
 * Thrown when an NSQ program exits, or never answers `/ping`, while being started. Carries the tail of
 * its output, which is where nsqd explains itself.
 */
export class NsqProcessStartError extends Error {
  override readonly name = 'NsqProcessStartError';

  constructor(
    /** Human-readable name of the process, e.g. `nsqd#3`. */
    readonly label: string,
    /** Why the start failed, one line. */
    readonly reason: string,
    /** The last lines the program wrote to stdout/stderr. */
    readonly output: string,
    /** True when the program could not bind one of its ports: the caller may retry on other ports. */
    readonly addressInUse: boolean,
  ) {
    super(`${label} failed to start: ${reason}\n--- last output of ${label} ---\n${output || '(no output)'}`);
  }
}
