/** `host:port` → [host, port]. */
export function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}

/** Rejects with a named error when `promise` has not settled within `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Something nsqjs-like that connects and then says `ready` once (a Writer or a Reader). */
interface Connectable {
  once(event: 'ready', listener: () => void): unknown;
  connect(): void;
}

/** Connects `client` and resolves on its first `ready`, or rejects naming `what` after 10 s. */
export function readyWithin(client: Connectable, what: string): Promise<void> {
  return withDeadline(
    new Promise<void>((resolve) => {
      client.once('ready', () => resolve());
      client.connect();
    }),
    10_000,
    `${what} ready`,
  );
}
