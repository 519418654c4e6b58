import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ClientNsq } from '../../src/client/client-nsq.js';
import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import { NsqStatus } from '../../src/events/nsq.events.js';
import { NsqHealthIndicator } from '../../src/health/nsq-health-indicator.js';
import type { NsqHealthCheckOptions } from '../../src/health/nsq-health-check-options.interface.js';
import { ServerNsq } from '../../src/server/server-nsq.js';
import { catchRejection } from '../support/catch-error.js';

// Real clients and servers that never connect; their status is set by hand.
class StatusClient extends ClientNsq {
  constructor(status?: NsqStatus) {
    super({ nsqdTcpAddresses: ['127.0.0.1:4150'] });
    if (status) this._status$.next(status);
  }
}

class StatusServer extends ServerNsq {
  constructor(status?: NsqStatus) {
    super({ nsqdTcpAddresses: ['127.0.0.1:4150'], channel: 'c' });
    if (status) this._status$.next(status);
  }
}

/** An HTTP server standing in for nsqd's /ping: answers 200 "OK", 500, or never. */
async function fakeNsqd(answer: 'ok' | 'error' | 'silent'): Promise<{ address: string; server: Server }> {
  const server = createServer((request, response) => {
    if (answer === 'silent') return;
    response.writeHead(answer === 'ok' && request.url === '/ping' ? 200 : 500).end('OK');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('NsqHealthIndicator', () => {
  const indicator = new NsqHealthIndicator(new HealthIndicatorService());
  const servers: Server[] = [];

  afterAll(() => {
    for (const server of servers) server.closeAllConnections();
    return Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function nsqd(answer: 'ok' | 'error' | 'silent'): Promise<string> {
    const fake = await fakeNsqd(answer);
    servers.push(fake.server);
    return fake.address;
  }

  it('is up when clients are connected or idle, servers connected and nsqds answer /ping', async () => {
    const [up, alsoUp] = [await nsqd('ok'), await nsqd('ok')];
    const result = await indicator.isHealthy('nsq', {
      clients: { publisher: new StatusClient(NsqStatus.CONNECTED), lazy: new StatusClient() },
      servers: new StatusServer(NsqStatus.CONNECTED),
      nsqdHttpAddresses: [up, `http://${alsoUp}`],
    });
    expect(result).toEqual({
      nsq: { status: 'up', clients: { publisher: 'connected', lazy: 'idle' }, servers: { default: 'connected' }, nsqd: { [up]: 'up', [`http://${alsoUp}`]: 'up' } },
    });
  });

  it.each<[string, NsqHealthCheckOptions]>([
    ['a client reconnecting', { clients: new StatusClient(NsqStatus.RECONNECTING) }],
    ['a client closed', { clients: new StatusClient(NsqStatus.DISCONNECTED) }],
    ['a server not listening yet', { servers: new StatusServer() }],
    ['a server with a subscription lost', { servers: { main: new StatusServer(NsqStatus.CONNECTED), flashSale: new StatusServer(NsqStatus.RECONNECTING) } }],
  ])('is down with %s', async (_, options) => {
    expect((await indicator.isHealthy('nsq', options)).nsq.status).toBe('down');
  });

  it('is down when an nsqd does not answer /ping with 200, in time, or at all', async () => {
    const [ok, error, silent] = [await nsqd('ok'), await nsqd('error'), await nsqd('silent')];
    const refused = '127.0.0.1:1';
    const result = await indicator.isHealthy('nsq', { nsqdHttpAddresses: [ok, error, silent, refused], timeoutMs: 100 });
    expect(result).toEqual({ nsq: { status: 'down', nsqd: { [ok]: 'up', [error]: 'down', [silent]: 'down', [refused]: 'down' } } });
  });

  it('reports only what it was asked to check', async () => {
    expect(await indicator.isHealthy('publisher', { clients: new StatusClient() })).toEqual({ publisher: { status: 'up', clients: { default: 'idle' } } });
  });

  it.each<[string, unknown, typeof InvalidNsqOptionError, string]>([
    ['nothing to check', {}, InvalidNsqOptionError, 'clients'],
    ['an unknown key', { client: new StatusClient() }, UnknownNsqOptionError, 'client'],
    ['something else as a client', { clients: { main: 'nsqd:4150' } }, InvalidNsqOptionError, 'clients.main'],
    ['a bad nsqd address', { nsqdHttpAddresses: ['nsqd'] }, InvalidNsqOptionError, 'nsqdHttpAddresses[0]'],
    ['a bad timeout', { nsqdHttpAddresses: ['nsqd:4151'], timeoutMs: 0 }, InvalidNsqOptionError, 'timeoutMs'],
  ])('refuses %s', async (_, options, type, option) => {
    expect((await catchRejection(type, () => indicator.isHealthy('nsq', options as NsqHealthCheckOptions))).option).toBe(option);
  });
});
