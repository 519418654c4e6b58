import { NsqHttpError } from './nsq-http.error.js';

/** No call to a test nsqd should take long; a paused one must not hang a test until Jest's timeout. */
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * Calls an nsqd/nsqlookupd HTTP endpoint and returns the response body as text.
 *
 * @throws NsqHttpError on a non-2xx answer (NSQ's error code is in the body).
 * @example
 * await nsqHttp('127.0.0.1:4151', 'POST', '/topic/create', { topic: 'orders' });
 */
export async function nsqHttp(
  address: string,
  method: 'GET' | 'POST',
  path: string,
  query: Readonly<Record<string, string>> = {},
  body?: string | Buffer,
): Promise<string> {
  const url = new URL(`http://${address}${path}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const response = await fetch(url, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : new Uint8Array(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new NsqHttpError(`${method} ${url.href}`, response.status, text);
  return text;
}

/** Like {@link nsqHttp} for endpoints that answer JSON. */
export async function nsqHttpJson<T>(address: string, path: string, query: Readonly<Record<string, string>> = {}): Promise<T> {
  return JSON.parse(await nsqHttp(address, 'GET', path, query)) as T;
}
