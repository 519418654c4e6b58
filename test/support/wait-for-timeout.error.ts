/**
 * Thrown by `waitFor` / `waitForValue` when the condition is still unmet at the deadline.
 *
 * @example
 * await expect(waitFor(() => false, { timeoutMs: 50, message: 'never' })).rejects.toBeInstanceOf(WaitForTimeoutError);
 */
export class WaitForTimeoutError extends Error {
  override readonly name = 'WaitForTimeoutError';

  constructor(
    message: string,
    /** The deadline that ran out, in milliseconds. */
    readonly timeoutMs: number,
    /** What the last poll threw, if it threw: often the real reason (e.g. a refused connection). */
    readonly lastError?: unknown,
  ) {
    super(`${message} (waited ${timeoutMs} ms)${lastError === undefined ? '' : `; last error: ${describe(lastError)}`}`, {
      cause: lastError,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
