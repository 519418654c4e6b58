import { setTimeout as delay } from 'node:timers/promises';
import { WaitForTimeoutError } from './wait-for-timeout.error.js';

/** How long and how often to poll. */
export interface WaitForOptions {
  /**
   * Deadline for the whole wait, in milliseconds.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /**
   * Pause between two polls, in milliseconds.
   * @default 25
   */
  readonly intervalMs?: number;
  /**
   * What the timeout error says; a function is called only on timeout, so it can describe the state then.
   * @default 'condition not met'
   */
  readonly message?: string | (() => string);
}

const DEFAULTS = { timeoutMs: 5_000, intervalMs: 25, message: 'condition not met' } as const;

/** Distinguishes "the deadline fired" from a value the poll returned. */
const TIMED_OUT = Symbol('timed out');

/**
 * Polls `fn` until it returns something other than `undefined`, and returns that value.
 *
 * A poll that throws counts as "not yet" (a process may still be starting); its error is kept and
 * reported if the deadline passes. A poll that hangs cannot hold the wait past its deadline.
 *
 * @example
 * const channel = await waitForValue(() => nsqd.channelStats('orders', 'saver'), { message: 'no channel' });
 */
export async function waitForValue<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const intervalMs = options.intervalMs ?? DEFAULTS.intervalMs;
  const deadline = Date.now() + timeoutMs;
  const deadlineTimer = new AbortController();
  const deadlineReached = delay<typeof TIMED_OUT>(timeoutMs, TIMED_OUT, { signal: deadlineTimer.signal }).catch(
    (): typeof TIMED_OUT => TIMED_OUT,
  );
  let lastError: unknown;
  try {
    for (;;) {
      const outcome = await Promise.race([poll(fn), deadlineReached]);
      if (outcome === TIMED_OUT) break;
      if (outcome.ok && outcome.value !== undefined) return outcome.value;
      lastError = outcome.ok ? undefined : outcome.error;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await delay(Math.min(intervalMs, remaining));
    }
  } finally {
    deadlineTimer.abort();
  }
  const message = typeof options.message === 'function' ? options.message() : (options.message ?? DEFAULTS.message);
  throw new WaitForTimeoutError(message, timeoutMs, lastError);
}

/**
 * Polls `condition` until it returns true; throws a {@link WaitForTimeoutError} with `message` after
 * `timeoutMs`. Use it instead of sleeping: it returns as soon as the condition holds.
 *
 * @example
 * await waitFor(async () => (await nsqd.channelStats(topic, 'c'))?.depth === 0, { timeoutMs: 10_000, message: 'not drained' });
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  await waitForValue(async () => ((await condition()) ? true : undefined), options);
}

type PollOutcome<T> = { ok: true; value: T | undefined } | { ok: false; error: unknown };

async function poll<T>(fn: () => T | undefined | Promise<T | undefined>): Promise<PollOutcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}
