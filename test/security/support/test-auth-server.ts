import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What nsqd asked the auth server. */
export interface AuthQuery {
  readonly secret: string;
  readonly tls: string;
  readonly remoteIp: string;
  readonly commonName: string;
}

/**
 * nsqd's `--auth-http-address` server for tests: `GET /auth?secret=…` answers
 * by secret — granted secrets get publish+subscribe on every topic for `ttl`
 * seconds, anything else 403. Records every query, so a test can tell whether
 * (and how) a secret reached nsqd.
 */
export class TestAuthServer {
  readonly queries: AuthQuery[] = [];
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly grants: Record<string, { ttl: number }>) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://auth');
      const query: AuthQuery = {
        secret: url.searchParams.get('secret') ?? '',
        tls: url.searchParams.get('tls') ?? '',
        remoteIp: url.searchParams.get('remote_ip') ?? '',
        commonName: url.searchParams.get('common_name') ?? '',
      };
      this.queries.push(query);
      const grant = this.grants[query.secret];
      if (url.pathname !== '/auth' || !grant) {
        response.writeHead(403).end('{"message":"NOT_AUTHORIZED"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ ttl: grant.ttl, identity: 'test-service', identity_url: '', authorizations: [{ topic: '.*', channels: ['.*'], permissions: ['subscribe', 'publish'] }] }),
      );
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops answering (the port stays reserved for a restart on the same address). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
