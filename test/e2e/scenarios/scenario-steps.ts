import { WaitForTimeoutError } from '../../support/wait-for-timeout.error.js';
import { waitForValue } from '../../support/wait-for.js';
import type { ScenarioLog } from './scenario.js';
import { ScenarioFailure } from './scenario-failure.error.js';

/** One HTTP answer: status and parsed JSON (or the text when it is not JSON). */
export interface Answer<T = any> {
  readonly status: number;
  readonly body: T;
}

export async function http<T = any>(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as T };
  } catch {
    return { status: response.status, body: text as T };
  }
}

/** Fails the scenario with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ScenarioFailure(message);
}

/**
 * Polls `fn` until it returns a value, telling the log once a second what is
 * awaited; fails the scenario with `what` after `timeoutMs`.
 */
export async function waitUntil<T>(log: ScenarioLog, what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const started = Date.now();
  const ticker = setInterval(() => log.waiting(what, Date.now() - started), 1_000);
  try {
    return await waitForValue(async () => (await fn()) || undefined, { timeoutMs, intervalMs: 100, message: what });
  } catch (error) {
    if (error instanceof WaitForTimeoutError) throw new ScenarioFailure(`${what}: not within ${timeoutMs / 1000} s`);
    throw error;
  } finally {
    clearInterval(ticker);
  }
}

/** One channel of nsqd's `/stats`. */
export interface ChannelFigures {
  readonly topic: string;
  readonly channel: string;
  readonly messages: number;
  readonly depth: number;
  readonly inFlight: number;
  readonly deferred: number;
  readonly requeued: number;
}

export async function nsqdChannels(nsqdHttp: string): Promise<ChannelFigures[]> {
  const base = /^https?:\/\//.test(nsqdHttp) ? nsqdHttp : `http://${nsqdHttp}`;
  const { body } = await http<{ topics?: Array<{ topic_name: string; channels: Array<Record<string, number> & { channel_name: string }> }> }>('GET', `${base}/stats?format=json`);
  return (body.topics ?? []).flatMap((t) =>
    t.channels.map((c) => ({
      topic: t.topic_name,
      channel: c.channel_name,
      messages: c.message_count!,
      depth: c.depth!,
      inFlight: c.in_flight_count!,
      deferred: c.deferred_count!,
      requeued: c.requeue_count!,
    })),
  );
}
