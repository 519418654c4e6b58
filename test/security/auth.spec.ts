import { ClientNsq, InvalidNsqOptionError, type NsqTransportError } from 'nestjs-transport-nsq';
import type { INestMicroservice } from '@nestjs/common';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { format } from 'node:util';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import type { NsqdNode } from '../support/nsqd-node.js';
import { waitFor } from '../support/wait-for.js';
import { LogCapture } from './support/log-capture.js';
import { emitOnce, tryClient, tryConsumer } from './support/security-apps.js';
import { TestAuthServer } from './support/test-auth-server.js';
import { type TestCa, TestPki } from './support/test-pki.js';

const SECRET = 'grant-5e3f9a-do-not-log';
const SHORT_SECRET = 'short-ttl-7c21-do-not-log';
const DENIED_SECRET = 'denied-90ab-do-not-log';
const BODY_MARKER = 'auth-body-marker-4e2b';
const SHORT_TTL_S = 2;

describe('nsqd AUTH through an auth HTTP server', () => {
  let cluster: NsqCluster;
  let pki: TestPki;
  let ca: TestCa;
  let auth: TestAuthServer;
  let logs: LogCapture;
  /** TLS and AUTH. */
  let nsqd: NsqdNode;
  const clients: ClientNsq[] = [];
  const apps: INestMicroservice[] = [];
  const track = <T extends { client: ClientNsq }>(result: T): T => (clients.push(result.client), result);
  const secrets = [SECRET, SHORT_SECRET, DENIED_SECRET];

  beforeAll(async () => {
    logs = LogCapture.install();
    pki = await TestPki.create();
    ca = await pki.ca('root');
    const server = await ca.issue('nsqd', ['IP:127.0.0.1']);
    auth = new TestAuthServer({ [SECRET]: { ttl: 3600 }, [SHORT_SECRET]: { ttl: SHORT_TTL_S } });
    await auth.start();
    cluster = await startNsqCluster({ nsqds: 0, lookupd: false });
    nsqd = await cluster.addNsqd([`--tls-cert=${server.certFile}`, `--tls-key=${server.keyFile}`, `--auth-http-address=${auth.address}`]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(apps.map((a) => a.close()));
    await cluster?.close();
    await auth?.stop();
    await pki?.cleanup();
  });

  it('grant: a client and a server with the secret publish and consume; nsqd asked the auth server over TLS', async () => {
    const topic = 'auth.granted';
    const options = { nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert }, authSecret: SECRET };
    const { client, connected, errors } = track(await tryClient(options));
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(connected).toBe(true);
    const consumer = await tryConsumer(topic, options);
    apps.push(consumer.app);
    expect(consumer.listening).toBe(true);
    await emitOnce(client, topic, { marker: BODY_MARKER });
    await waitFor(() => consumer.received.length === 1, { message: 'nothing consumed with AUTH' });
    expect(auth.queries.filter((q) => q.secret === SECRET).every((q) => q.tls === 'true')).toBe(true);
  });

  it('deny: a wrong secret is refused in bounded time, with a typed error and no crash', async () => {
    const options = { nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert }, authSecret: DENIED_SECRET };
    const { client, connected, errors } = track(await tryClient(options));
    expect(connected).toBe(false);
    expect(errors.some((e) => /E_AUTH_FAILED/.test(e.message))).toBe(true);
    const started = Date.now();
    const error = (await emitOnce(client, 'auth.denied', { x: 1 }).catch((e: unknown) => e)) as NsqTransportError;
    expect(error.name).toMatch(/Nsq(Timeout|Unavailable|Publish)Error/);
    expect(Date.now() - started).toBeLessThan(4_000);
    const consumer = await tryConsumer('auth.denied', options);
    apps.push(consumer.app);
    expect(consumer.listening).toBe(false);
    expect(consumer.errors.some((e) => /E_AUTH_FAILED/.test(e.message))).toBe(true);
    expect((await nsqd.stats()).topics.find((t) => t.topic_name === 'auth.denied')).toBeUndefined();
  });

  it('expired TTL with the auth server down: publishes fail (bounded), nothing crashes, and it recovers when the server returns', async () => {
    const topic = 'auth.expiring';
    const options = { nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert }, authSecret: SHORT_SECRET };
    const { client, connected } = track(await tryClient({ ...options, publishTimeoutMs: 2_000 }));
    expect(connected).toBe(true);
    const consumer = await tryConsumer(topic, options);
    apps.push(consumer.app);
    await emitOnce(client, topic, { n: 1 });
    await waitFor(() => consumer.received.length === 1, { message: 'nothing consumed before expiry' });

    await auth.stop();
    await delay(SHORT_TTL_S * 1000 + 500);
    const started = Date.now();
    const error = await emitOnce(client, topic, { n: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(4_000);

    await auth.start();
    // Reconnected and re-authorised: publishing and consuming work again.
    await waitFor(async () => (await emitOnce(client, topic, { n: 3 }).then(() => true, () => false)), { timeoutMs: 20_000, intervalMs: 500, message: 'publishing did not recover' });
    await waitFor(() => consumer.received.some((p) => (p as { n: number }).n === 3), { timeoutMs: 20_000, message: 'consuming did not recover' });
  });

  it('an nsqd that requires AUTH refuses a client without a secret with a clear NsqSecurityError', async () => {
    const { connected, errors } = track(await tryClient({ nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert } }));
    expect(connected).toBe(false);
    expect(errors.some((e) => e.name === 'NsqSecurityError' && /requires AUTH/.test(e.message))).toBe(true);
  });

  it('an nsqd without auth: a configured secret is not sent (nsqjs alone would get a fatal E_AUTH_DISABLED)', async () => {
    const tlsOnlyCert = await ca.issue('nsqd-noauth', ['IP:127.0.0.1']);
    const noAuth = await cluster.addNsqd([`--tls-cert=${tlsOnlyCert.certFile}`, `--tls-key=${tlsOnlyCert.keyFile}`]);
    const options = { nsqdTcpAddresses: [noAuth.tcpAddress], tls: { ca: ca.cert }, authSecret: SECRET };
    const { client, connected, errors } = track(await tryClient(options));
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(connected).toBe(true);
    await emitOnce(client, 'auth.none', { x: 1 });
    const consumer = await tryConsumer('auth.none', options);
    apps.push(consumer.app);
    expect(consumer.listening).toBe(true);
    await waitFor(() => consumer.received.length === 1, { message: 'nothing consumed from an nsqd without auth' });
  });

  describe('the secret never crosses plain text unless explicitly allowed', () => {
    let plainAuthNsqd: NsqdNode;

    beforeAll(async () => {
      plainAuthNsqd = await cluster.addNsqd([`--auth-http-address=${auth.address}`]);
    });

    it('without TLS and without allowInsecureAuth the client and server refuse to be built', () => {
      expect(() => new ClientNsq({ nsqdTcpAddresses: [plainAuthNsqd.tcpAddress], authSecret: SECRET })).toThrow(InvalidNsqOptionError);
    });

    it('TLS asked for but not offered by nsqd: the connection fails before AUTH and the secret never reaches nsqd', async () => {
      const before = auth.queries.length;
      const { connected, errors } = track(await tryClient({ nsqdTcpAddresses: [plainAuthNsqd.tcpAddress], tls: { ca: ca.cert }, authSecret: SECRET }));
      expect(connected).toBe(false);
      expect(errors.some((e) => /did not offer TLS/.test(e.message))).toBe(true);
      const consumer = await tryConsumer('auth.plain', { nsqdTcpAddresses: [plainAuthNsqd.tcpAddress], tls: { ca: ca.cert }, authSecret: SECRET });
      apps.push(consumer.app);
      expect(consumer.listening).toBe(false);
      // (Queries over TLS come from other tests' clients still retrying against the TLS nsqd.)
      expect(auth.queries.slice(before).filter((q) => q.tls !== 'true')).toEqual([]);
    });

    it('with allowInsecureAuth it is sent in plain text, as the user explicitly asked', async () => {
      const before = auth.queries.length;
      const { client, connected } = track(await tryClient({ nsqdTcpAddresses: [plainAuthNsqd.tcpAddress], authSecret: SECRET, allowInsecureAuth: true }));
      expect(connected).toBe(true);
      await emitOnce(client, 'auth.insecure', { x: 1 });
      expect(auth.queries.slice(before).map((q) => [q.secret === SECRET, q.tls])).toContainEqual([true, 'false']);
    });
  });

  it('captured logs and error messages never contain a secret or a message body', () => {
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain(BODY_MARKER);
  });

  it('DEBUG=nsqjs:* prints neither the AUTH secret nor the TLS client key (nsqjs prints its whole config)', async () => {
    // nsqjs logs through the `debug` package: enable its namespaces at run time and capture what it would print.
    const debug = createRequire(import.meta.url)('debug') as { enable(ns: string): void; disable(): string; log: (...args: unknown[]) => void };
    const printed: string[] = [];
    const log = debug.log;
    debug.log = (...args: unknown[]) => void printed.push(format(...args));
    debug.enable('nsqjs:*');
    const clientCert = await ca.issue('debug-client', ['DNS:debug-client']);
    try {
      const options = { nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert, cert: clientCert.cert, key: clientCert.key }, authSecret: SECRET };
      const { client, connected } = track(await tryClient(options));
      expect(connected).toBe(true);
      const consumer = await tryConsumer('auth.debug', options);
      apps.push(consumer.app);
      await emitOnce(client, 'auth.debug', { marker: BODY_MARKER });
      await waitFor(() => consumer.received.length === 1, { message: 'nothing consumed with DEBUG on' });
    } finally {
      debug.disable();
      debug.log = log;
    }
    const output = printed.join('\n');
    // nsqjs did print (its config, IDENTIFY, state changes): the absence below is not a silent logger.
    expect(output).toMatch(/nsqjs:(reader|writer)/);
    expect(output).toContain('tlsVerification');
    const keyLine = String(clientCert.key).split('\n')[1]!;
    expect(keyLine.length).toBeGreaterThan(20);
    for (const secret of [SECRET, 'PRIVATE KEY', keyLine]) expect(output).not.toContain(secret);
    // A Buffer is printed as hex bytes (`<Buffer 2d 2d …>`): not the key's either.
    const asHex = (text: string) => Buffer.from(text).toString('hex').match(/../g)!.join(' ');
    expect(output).not.toContain(asHex('PRIVATE KEY'));
    expect(output).not.toContain(asHex(SECRET.slice(0, 12)));
  });
});
