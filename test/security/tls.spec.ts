import type { ClientNsq } from 'nestjs-transport-nsq';
import type { INestMicroservice as NestMicroservice } from '@nestjs/common';
import { NsqTimeoutError } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import type { NsqdNode } from '../support/nsqd-node.js';
import { waitFor } from '../support/wait-for.js';
import { LogCapture } from './support/log-capture.js';
import { emitOnce, tryClient, tryConsumer } from './support/security-apps.js';
import { type Issued, type TestCa, TestPki } from './support/test-pki.js';

const BODY_MARKER = 'tls-body-marker-5d1c';

describe('TLS to nsqd (certificates generated at test time)', () => {
  let cluster: NsqCluster;
  let pki: TestPki;
  let ca: TestCa;
  let otherCa: TestCa;
  let server: Issued;
  let logs: LogCapture;
  /** nsqd with a certificate for 127.0.0.1 and nsqd.test, TLS optional. */
  let tlsNsqd: NsqdNode;
  const clients: ClientNsq[] = [];
  const apps: NestMicroservice[] = [];

  const track = <T extends { client: ClientNsq }>(result: T): T => (clients.push(result.client), result);

  beforeAll(async () => {
    logs = LogCapture.install();
    pki = await TestPki.create();
    [ca, otherCa] = await Promise.all([pki.ca('root'), pki.ca('other')]);
    server = await ca.issue('nsqd', ['IP:127.0.0.1', 'DNS:nsqd.test']);
    cluster = await startNsqCluster({ nsqds: 0, lookupd: false });
    tlsNsqd = await cluster.addNsqd([`--tls-cert=${server.certFile}`, `--tls-key=${server.keyFile}`]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(apps.map((a) => a.close()));
    await cluster?.close();
    await pki?.cleanup();
  });

  it('verifies nsqd against the given CA and the address’s host: emit and consume end to end over TLS', async () => {
    const topic = 'tls.orders';
    const { client, connected, errors } = track(await tryClient({ nsqdTcpAddresses: [tlsNsqd.tcpAddress], tls: { ca: ca.cert } }));
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(connected).toBe(true);
    const consumer = await tryConsumer(topic, { nsqdTcpAddresses: [tlsNsqd.tcpAddress], tls: { ca: ca.cert } });
    apps.push(consumer.app);
    expect(consumer.errors.map((e) => e.message)).toEqual([]);
    expect(consumer.listening).toBe(true);
    await emitOnce(client, topic, { secret: BODY_MARKER });
    await waitFor(() => consumer.received.length === 1, { message: 'nothing received over TLS' });
    const channel = await tlsNsqd.channelStats(topic, 'secure');
    expect(channel?.clients.every((c) => c.tls)).toBe(true);
  });

  it.each(['deflate', 'snappy'] as const)('%s compression on top of TLS works end to end', async (compression) => {
    const topic = `tls.${compression}`;
    const options = { nsqdTcpAddresses: [tlsNsqd.tcpAddress], tls: { ca: ca.cert }, compression };
    const { client, connected } = track(await tryClient(options));
    expect(connected).toBe(true);
    const consumer = await tryConsumer(topic, options);
    apps.push(consumer.app);
    expect(consumer.listening).toBe(true);
    await Promise.all(Array.from({ length: 50 }, (_, i) => emitOnce(client, topic, { i, pad: 'x'.repeat(1000) })));
    await waitFor(() => consumer.received.length === 50, { message: `not everything received with ${compression} over TLS` });
    expect((await tlsNsqd.channelStats(topic, 'secure'))?.clients.every((c) => c.tls)).toBe(true);
  });

  it('accepts tls.servername when the certificate names the host differently', async () => {
    const { connected } = track(await tryClient({ nsqdTcpAddresses: [tlsNsqd.tcpAddress], tls: { ca: ca.cert, servername: 'nsqd.test' } }));
    expect(connected).toBe(true);
  });

  it('verification is on by default: tls: true refuses a certificate from a private CA', async () => {
    const { connected, errors } = track(await tryClient({ nsqdTcpAddresses: [tlsNsqd.tcpAddress], tls: true }));
    expect(connected).toBe(false);
    expect(errors.some((e) => /self.signed|unable to verify|certificate/i.test(e.message))).toBe(true);
  });

  it('refuses a certificate signed by another CA (client and server)', async () => {
    const { connected, errors } = track(await tryClient({ nsqdTcpAddresses: [tlsNsqd.tcpAddress], tls: { ca: otherCa.cert } }));
    expect(connected).toBe(false);
    expect(errors.some((e) => /self.signed|unable to verify|certificate/i.test(e.message))).toBe(true);
    const consumer = await tryConsumer('tls.wrong-ca', { nsqdTcpAddresses: [tlsNsqd.tcpAddress], tls: { ca: otherCa.cert } });
    apps.push(consumer.app);
    expect(consumer.listening).toBe(false);
    expect(consumer.listenError).toBeInstanceOf(NsqTimeoutError);
    expect(consumer.errors.some((e) => /self.signed|unable to verify|certificate/i.test(e.message))).toBe(true);
  });

  it('refuses a name mismatch: tls.servername not in the certificate', async () => {
    const { connected, errors } = track(await tryClient({ nsqdTcpAddresses: [tlsNsqd.tcpAddress], tls: { ca: ca.cert, servername: 'not-nsqd.test' } }));
    expect(connected).toBe(false);
    expect(errors.some((e) => /altnames|does not match|Hostname/i.test(e.message))).toBe(true);
  });

  it('refuses a name mismatch: a certificate for "localhost" presented at 127.0.0.1 (client and server)', async () => {
    const localhostOnly = await ca.issue('localhost-only', ['DNS:localhost']);
    const nsqd = await cluster.addNsqd([`--tls-cert=${localhostOnly.certFile}`, `--tls-key=${localhostOnly.keyFile}`]);
    const { connected, errors } = track(await tryClient({ nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert } }));
    expect(connected).toBe(false);
    expect(errors.some((e) => /altnames|does not match|Hostname/i.test(e.message))).toBe(true);
    const consumer = await tryConsumer('tls.localhost', { nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert } });
    apps.push(consumer.app);
    expect(consumer.listening).toBe(false);
    expect(consumer.errors.some((e) => /altnames|does not match|Hostname/i.test(e.message))).toBe(true);
  });

  it('never falls back to plain text when TLS was asked for and nsqd does not offer it (client and server)', async () => {
    const plain = await cluster.addNsqd();
    const { connected, errors } = track(await tryClient({ nsqdTcpAddresses: [plain.tcpAddress], tls: { ca: ca.cert } }));
    expect(connected).toBe(false);
    expect(errors.some((e) => /did not offer TLS/i.test(e.message))).toBe(true);
    const consumer = await tryConsumer('tls.downgrade', { nsqdTcpAddresses: [plain.tcpAddress], tls: { ca: ca.cert } });
    apps.push(consumer.app);
    expect(consumer.listening).toBe(false);
    expect(consumer.errors.some((e) => /did not offer TLS/i.test(e.message))).toBe(true);
    expect((await plain.stats()).topics).toEqual([]);
  });

  it('TLS-required nsqd: plain-text clients fail in bounded time, TLS clients work', async () => {
    // tcp-https: TLS required on the TCP protocol (what clients use); the harness keeps polling plain HTTP /ping.
    const required = await cluster.addNsqd([`--tls-cert=${server.certFile}`, `--tls-key=${server.keyFile}`, '--tls-required=tcp-https']);
    const plain = track(await tryClient({ nsqdTcpAddresses: [required.tcpAddress] }));
    const started = Date.now();
    const error = await emitOnce(plain.client, 'tls.required', { x: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(5_000);
    const consumer = await tryConsumer('tls.required', { nsqdTcpAddresses: [required.tcpAddress] });
    apps.push(consumer.app);
    expect(consumer.listening).toBe(false);

    const secure = track(await tryClient({ nsqdTcpAddresses: [required.tcpAddress], tls: { ca: ca.cert } }));
    expect(secure.connected).toBe(true);
    await emitOnce(secure.client, 'tls.required', { ok: true });
    expect((await required.topicStats('tls.required'))?.message_count).toBe(1);
  });

  it('client certificates (--tls-client-auth-policy=require-verify): a CA-signed one is accepted, none or a foreign one refused', async () => {
    const nsqd = await cluster.addNsqd([`--tls-cert=${server.certFile}`, `--tls-key=${server.keyFile}`, `--tls-root-ca-file=${ca.certFile}`, '--tls-client-auth-policy=require-verify', '--tls-required=tcp-https']);
    const [good, foreign] = await Promise.all([ca.issue('client', []), otherCa.issue('client', [])]);
    const withCert = track(await tryClient({ nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert, cert: good.cert, key: good.key } }));
    expect(withCert.connected).toBe(true);
    await emitOnce(withCert.client, 'tls.mtls', { ok: true });
    const consumer = await tryConsumer('tls.mtls', { nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert, cert: good.cert, key: good.key } });
    apps.push(consumer.app);
    await waitFor(() => consumer.received.length === 1, { message: 'nothing received with a client certificate' });

    const without = track(await tryClient({ nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert } }));
    expect(without.connected).toBe(false);
    const wrong = track(await tryClient({ nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca: ca.cert, cert: foreign.cert, key: foreign.key } }));
    expect(wrong.connected).toBe(false);
    expect((await nsqd.topicStats('tls.mtls'))?.message_count).toBe(1);
  });

  it('never logs message bodies or key material', () => {
    const text = logs.text();
    expect(text).not.toContain(BODY_MARKER);
    expect(text).not.toContain('PRIVATE KEY');
  });
});
