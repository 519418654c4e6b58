import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NsqDecodeError, NsqRecordBuilder, openNsqBody, type ClientNsq } from 'nestjs-transport-nsq';
import { buildGoProgram, type GoProgram } from '../support/go-program.js';
import { emit, startClient, startConsumer, type TestConsumer } from '../support/nest-harness.js';
import { repoRoot } from '../support/nsq-binaries.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';

const SOURCE = join(repoRoot(), 'test', 'wire', 'go-envelope');

/** One line of `go-envelope consume` (payload and body are base64, as encoding/json writes []byte). */
type GoLine = { headers: Record<string, string>; payload: string; enveloped: boolean } | { error: string; body: string; enveloped: boolean };

const MAGIC = Buffer.from([0x00, 0x4e, 0x51, 0x45]);
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
/** One header as WIRE.md §2.1 lays it out, written by hand. */
const header = (name: string | Buffer, value: string | Buffer) => {
  const n = Buffer.isBuffer(name) ? name : Buffer.from(name, 'latin1');
  const v = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from([n.length]), n, u32(v.length), v]);
};
const envelope = (version: number, flags: number, count: number, ...rest: Buffer[]) => Buffer.concat([MAGIC, Buffer.from([version, flags]), u16(count), ...rest]);

// WIRE.md §2 seen from Go: test/wire/go-envelope (go-nsq) was written from the document alone, its
// encoder is §3's code, and it talks to ClientNsq / ServerNsq with `envelope: true` through a real nsqd.
describe('the envelope from the other side: a Go program on go-nsq reads and writes it', () => {
  let go: GoProgram;
  let cluster: NsqCluster;
  const consumers: TestConsumer[] = [];
  const clients: ClientNsq[] = [];
  const nsqd = () => cluster.nsqds[0]!;
  const consumer = async (topic: string, options: { envelope?: boolean; codec?: 'json' | 'raw' }) => {
    const started = await startConsumer([{ topic, channel: 'nest' }], { nsqdTcpAddresses: [nsqd().tcpAddress], ...options });
    consumers.push(started);
    return started;
  };
  const client = async (options: { envelope?: boolean; codec?: 'json' | 'raw' }) => {
    const started = await startClient({ nsqdTcpAddresses: [nsqd().tcpAddress], ...options });
    clients.push(started);
    return started;
  };
  /** A topic with the Go reader's channel in place, so nothing published before it subscribes is lost. */
  const goTopic = async (topic: string) => {
    await nsqd().createTopic(topic);
    await nsqd().createChannel(topic, 'go');
    return topic;
  };
  const goConsume = async (topic: string, count: number): Promise<GoLine[]> => {
    const { stdout } = await go.run(['consume', '-nsqd', nsqd().tcpAddress, '-topic', topic, '-channel', 'go', '-count', String(count)]);
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as GoLine);
  };
  const goPublish = (topic: string, headers: Record<string, string>, payload: string) =>
    go.run(['publish', '-nsqd', nsqd().tcpAddress, '-topic', topic, '-headers', JSON.stringify(headers), '-payload', payload]);

  beforeAll(async () => {
    [go, cluster] = await Promise.all([buildGoProgram(SOURCE), startNsqCluster({ nsqds: 1, lookupd: false })]);
  }, 240_000);
  afterEach(async () => {
    await Promise.all([...consumers.splice(0).map((c) => c.close()), ...clients.splice(0).map((c) => c.close())]);
  });
  afterAll(async () => {
    await cluster?.close();
    await go?.remove();
  });

  it("uses WIRE.md §3's encoder character for character (and it compiled: the program was built)", async () => {
    const wire = await readFile(join(repoRoot(), 'WIRE.md'), 'utf8');
    const section3 = wire.slice(wire.indexOf('## 3.'), wire.indexOf('## 4.'));
    const documented = /```go\n([\s\S]*?)```/.exec(section3)?.[1];
    expect(documented).toContain('func encode(headers map[string]string, payload []byte) []byte {');
    expect(await readFile(join(SOURCE, 'envelope.go'), 'utf8')).toContain(documented);
  });

  it('writes, with that encoder, exactly the bytes of the §2.1 table', async () => {
    const topic = 'wire.go.layout';
    const rawReader = await consumer(topic, { codec: 'raw' }); // no envelope: the handler gets the body as nsqd holds it
    await goPublish(topic, { tenant: 'acme' }, '{"n":1}');
    const [delivery] = await rawReader.waitForDeliveries(1);
    expect(delivery!.payload).toEqual(envelope(1, 0, 1, header('tenant', 'acme'), Buffer.from('{"n":1}')));
  });

  it("reads a ClientNsq envelope: the record builder's headers and the payload's bytes", async () => {
    const topic = await goTopic('wire.go.from-nest');
    const payload = { id: 7, text: 'héllo' };
    await emit(await client({ envelope: true }), topic, new NsqRecordBuilder(payload).setHeaders({ 'x-request-id': 'abc', tenant: 'acme' }).build());
    const [line] = await goConsume(topic, 1);
    expect(line).toEqual({ headers: { 'x-request-id': 'abc', tenant: 'acme' }, payload: Buffer.from(JSON.stringify(payload)).toString('base64'), enveloped: true });
  });

  it('reads every header a client may set: many, unicode values, empty values, the longest name, payload bytes that start like an envelope', async () => {
    const topic = await goTopic('wire.go.from-nest-edges');
    const headers: Record<string, string> = { tenant: 'açme ✓ 🚀', empty: '', "!#$%&'*+-.^_`|~": 'token chars', ['n'.repeat(128)]: 'v'.repeat(16_384) };
    for (let i = 0; i < 40; i++) headers[`h-${i}`] = String(i);
    const payload = Buffer.concat([MAGIC, Buffer.from([1, 0, 0, 0]), Buffer.from([0xff, 0x00])]);
    await emit(await client({ envelope: true, codec: 'raw' }), topic, new NsqRecordBuilder(payload).setHeaders(headers).build());
    const [line] = await goConsume(topic, 1);
    expect(line).toEqual({ headers, payload: payload.toString('base64'), enveloped: true });
  });

  it('reads a raw-mode body as raw: no headers, the body is the payload', async () => {
    const topic = await goTopic('wire.go.from-nest-raw');
    await emit(await client({}), topic, { id: 8 });
    const [line] = await goConsume(topic, 1);
    expect(line).toEqual({ headers: {}, payload: Buffer.from('{"id":8}').toString('base64'), enveloped: false });
  });

  it('writes an envelope a ServerNsq with envelope: true opens: ctx.getHeaders() and the decoded payload', async () => {
    const topic = 'wire.go.to-nest';
    const server = await consumer(topic, { envelope: true });
    const headers = { 'x-request-id': 'go-1', tenant: 'açme ✓', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', empty: '' };
    await goPublish(topic, headers, '{"id":9,"from":"go"}');
    const [delivery] = await server.waitForDeliveries(1);
    expect(delivery!.headers).toEqual(headers);
    expect(delivery!.payload).toEqual({ id: 9, from: 'go' });
  });

  it('publishes raw bodies that a ServerNsq with envelope: true takes as raw, with no headers', async () => {
    const topic = 'wire.go.raw-to-nest';
    const server = await consumer(topic, { envelope: true });
    await go.run(['publish-raw', '-nsqd', nsqd().tcpAddress, '-topic', topic, '-payload', '{"from":"go-raw"}']);
    const [delivery] = await server.waitForDeliveries(1);
    expect(delivery!.headers).toEqual({});
    expect(delivery!.payload).toEqual({ from: 'go-raw' });
  });

  // Each body breaks one rule of §2.1; the Go reader and the transport's reader must both refuse it.
  const MALFORMED: ReadonlyArray<[why: string, goError: string, body: Buffer]> = [
    ['magic only', 'truncated', MAGIC],
    ['no room for the header count', 'truncated', Buffer.concat([MAGIC, Buffer.from([1, 0, 0])])],
    ['an unknown version', 'unknown version 2', envelope(2, 0, 0, Buffer.from('{}'))],
    ['flags that are not 0', 'flags 0x01', envelope(1, 1, 0, Buffer.from('{}'))],
    ['more headers than the body holds', 'name length runs past the body', envelope(1, 0, 2, header('a', '1'))],
    ['a name running past the body', 'name runs past the body', envelope(1, 0, 1, Buffer.from([5]), Buffer.from('ab'))],
    ['a value running past the body', 'value runs past the body', envelope(1, 0, 1, Buffer.from([1]), Buffer.from('a'), u32(10), Buffer.from('abc'))],
    ['an empty name', 'name length 0', envelope(1, 0, 1, header('', 'v'))],
    ['a name over 128 characters', 'name length 129', envelope(1, 0, 1, header('n'.repeat(129), 'v'))],
    ['an upper-case name', 'invalid name', envelope(1, 0, 1, header('Tenant', 'acme'))],
    ['a name outside the token characters', 'invalid name', envelope(1, 0, 1, header('a b', 'v'))],
    ['a value over 16384 bytes', 'value length 16385', envelope(1, 0, 1, header('big', 'v'.repeat(16_385)))],
    ['a value that is not UTF-8', 'not valid UTF-8', envelope(1, 0, 1, header('bad', Buffer.from([0xc3, 0x28])))],
    ['a UTF-8-encoded lone surrogate', 'not valid UTF-8', envelope(1, 0, 1, header('bad', Buffer.from([0xed, 0xa0, 0x80])))],
    ['a repeated name', 'repeated', envelope(1, 0, 2, header('a', '1'), header('a', '2'))],
    ['more than 256 headers', '257 headers', envelope(1, 0, 257, ...Array.from({ length: 257 }, (_, i) => header(`h${i}`, '')))],
  ];
  // §2.2: at most 65,536 bytes of names, values and length fields; "on receipt, [violations] make the message undecodable".
  const OVERSIZE_SECTION = envelope(1, 0, 5, ...Array.from({ length: 5 }, (_, i) => header(`h${i}`, 'v'.repeat(16_384))));

  it('refuses, as the transport does, every envelope that breaks §2.1, and reads the rest', async () => {
    const topic = await goTopic('wire.go.malformed');
    const valid: ReadonlyArray<[Buffer, Record<string, string>, Buffer, boolean]> = [
      [envelope(1, 0, 0, Buffer.from('{}')), {}, Buffer.from('{}'), true],
      [envelope(1, 0, 2, header('b', ''), header('a', 'x')), { a: 'x', b: '' }, Buffer.alloc(0), true],
      [Buffer.from([0x00, 0x4e, 0x51, 0x46, 0x01]), {}, Buffer.from([0x00, 0x4e, 0x51, 0x46, 0x01]), false],
      [Buffer.from('\0NQ'), {}, Buffer.from('\0NQ'), false],
    ];
    for (const [, , body] of MALFORMED) await nsqd().publish(topic, body);
    for (const [body] of valid) await nsqd().publish(topic, body);
    await nsqd().publish(topic, OVERSIZE_SECTION);

    const lines = await goConsume(topic, MALFORMED.length + valid.length + 1);
    const byBody = new Map(lines.map((line) => ['body' in line ? line.body : null, line]));
    for (const [why, goError, body] of MALFORMED) {
      expect({ why, line: byBody.get(body.toString('base64')) }).toEqual({ why, line: { error: expect.stringContaining(goError), body: body.toString('base64'), enveloped: true } });
      expect({ why, transport: catchName(() => openNsqBody(body)) }).toEqual({ why, transport: NsqDecodeError.name });
    }
    expect(byBody.get(OVERSIZE_SECTION.toString('base64'))).toEqual({ error: expect.stringContaining('header section over 65536 bytes'), body: OVERSIZE_SECTION.toString('base64'), enveloped: true });
    const read = lines.filter((line) => !('error' in line));
    expect(read).toHaveLength(valid.length);
    for (const [body, headers, payload, enveloped] of valid) {
      expect(read).toContainEqual({ headers, payload: payload.toString('base64'), enveloped });
      expect(openNsqBody(body)).toMatchObject({ headers, payload, enveloped });
    }
  });

  it('the transport refuses on receipt, as the Go reader does, a header section over 65,536 bytes (WIRE.md §2.2)', () => {
    expect(catchName(() => openNsqBody(OVERSIZE_SECTION))).toBe(NsqDecodeError.name);
  });
});

function catchName(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as Error).name;
  }
}
