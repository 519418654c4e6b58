/** A JSON answer: status and parsed body. */
export interface JsonResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

export async function postJson<T = Record<string, unknown>>(url: string, body?: unknown): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<JsonResponse<T>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: (await response.json()) as T };
}
