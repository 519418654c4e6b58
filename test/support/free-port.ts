import { createServer, type Server } from 'node:net';

/** The loopback address every test process binds to: nothing a test starts is reachable from outside. */
export const LOOPBACK = '127.0.0.1';

/**
 * Returns `count` distinct TCP ports that were free on 127.0.0.1 a moment ago.
 *
 * The ports are released before returning, so another process may grab one before the caller binds
 * it; callers that spawn servers retry on "address already in use" (see `startOnFreePorts`).
 *
 * @example
 * const [tcpPort, httpPort] = await freePorts(2);
 */
export async function freePorts(count: number): Promise<number[]> {
  // Hold every listener open until all are bound, so the OS cannot hand out the same port twice.
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listen());
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error(`unexpected listener address ${String(address)}`);
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/**
 * Returns one TCP port that was free on 127.0.0.1 a moment ago (see {@link freePorts}).
 *
 * @example
 * const port = await freePort(); // e.g. an address where nothing listens
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

function listen(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => resolve(server));
  });
}
