import { InvalidNsqHeaderError } from '../../src/errors/invalid-nsq-header.error.js';
import { NsqDecodeError } from '../../src/errors/nsq-decode.error.js';
import { buildPublishRequest, type PublishSettings } from '../../src/nsq/nsq-publish-request.js';
import { NsqRecord, NsqRecordBuilder } from '../../src/record-builders/nsq.record-builder.js';
import { NsqJsonSerializer } from '../../src/serializers/nsq-json.serializer.js';
import { encodeNsqEnvelope, encodeNsqEnvelopePrefix, isNsqEnvelope, openNsqBody, openNsqBodyAt } from '../../src/wire/nsq-envelope.js';
import { normalizeNsqHeaders, NSQ_HEADER_LIMITS } from '../../src/wire/nsq-headers.js';

const ENVELOPE: PublishSettings = { maxMessageSize: 1 << 20, maxBatchBytes: 5 << 20, envelope: true };
const RAW: PublishSettings = { ...ENVELOPE, envelope: false };
const json = new NsqJsonSerializer();

/** WIRE.md §2.1 written out by hand: the reference a Go writer follows. */
function byHand(headers: Array<[string, string]>, payload: string, version = 1, flags = 0): Buffer {
  const parts: Buffer[] = [Buffer.from([0x00, 0x4e, 0x51, 0x45, version, flags]), Buffer.from([headers.length >> 8, headers.length & 0xff])];
  for (const [name, value] of headers) {
    const v = Buffer.from(value, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(v.length);
    parts.push(Buffer.from([name.length]), Buffer.from(name, 'latin1'), len, v);
  }
  parts.push(Buffer.from(payload, 'utf8'));
  return Buffer.concat(parts);
}

/** Envelopes breaking WIRE.md §2.1, with what the error says. */
const MALFORMED: Array<[string, Buffer, RegExp]> = [
  ['an unknown version', byHand([], 'x', 2), /version 2 is not known/],
  ['non-zero flags', byHand([], 'x', 1, 1), /flags 0x1 are not 0/],
  ['a truncated fixed part', Buffer.from([0x00, 0x4e, 0x51, 0x45, 1]), /fixed fields/],
  ['a header running past the body', byHand([['a', 'bcdef']], '').subarray(0, 14), /runs past the body/],
  ['an upper-case name', byHand([['A', '1']], 'x'), /invalid name/],
  ['an empty name', byHand([['', '1']], 'x'), /invalid name/],
  ['a repeated name', byHand([['a', '1'], ['a', '2']], 'x'), /repeats an earlier name/],
  ['a name repeated past another header', byHand([['ab', '1'], ['a', 'xyz'], ['abc', ''], ['a', '2']], 'x'), /header 4 repeats an earlier name/],
  ['invalid UTF-8 in a value', Buffer.from([0x00, 0x4e, 0x51, 0x45, 1, 0, 0, 1, 1, 0x61, 0, 0, 0, 1, 0xff]), /not valid UTF-8/],
  ['a name byte outside the token set', byHand([['a\u00e4', '1']], 'x'), /invalid name/],
  ['a repeated name among more than 16', byHand([...Array.from({ length: 20 }, (_, i): [string, string] => [`h${i}`, '']), ['h3', '']], 'x'), /header 21 repeats an earlier name/],
  ['invalid UTF-8 after an ASCII start', byHand([['a', 'abc']], 'x').fill(0xc3, 16, 17), /not valid UTF-8/],
];

/** `body` as the body of a message frame: a 26-byte header (timestamp, attempts, id) before it. */
function inFrame(body: Buffer): Buffer {
  return Buffer.concat([Buffer.alloc(26, 0x30), body]);
}

describe('the envelope (WIRE.md §2)', () => {
  it('writes exactly the documented layout', () => {
    const body = encodeNsqEnvelope(normalizeNsqHeaders({ 'X-Request-Id': 'abc', tenant: 'açme ✓' }, 'test'), Buffer.from('{"id":1}'));
    expect(body).toEqual(byHand([['x-request-id', 'abc'], ['tenant', 'açme ✓']], '{"id":1}'));
  });

  it('reads what a writer following the document wrote, in any header order', () => {
    const opened = openNsqBody(byHand([['b', '2'], ['a', ''], ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']], '[1,2]'));
    expect(opened.enveloped).toBe(true);
    expect({ ...opened.headers }).toEqual({ a: '', b: '2', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(opened.payload.toString()).toBe('[1,2]');
    expect(Object.getPrototypeOf(opened.headers)).toBeNull();
  });

  it('reads a raw body as itself with no headers', () => {
    const body = Buffer.from('{"id":1}');
    const opened = openNsqBody(body);
    expect(opened).toEqual({ headers: {}, payload: body, enveloped: false });
    expect(isNsqEnvelope(body)).toBe(false);
  });

  it('round-trips an empty header set and a binary payload', () => {
    const payload = Buffer.from([0, 1, 2, 255]);
    const opened = openNsqBody(encodeNsqEnvelope({}, payload));
    expect(opened.payload).toEqual(payload);
    expect(Object.keys(opened.headers)).toEqual([]);
  });

  it.each(MALFORMED)('refuses %s as undecodable, without quoting the body', (_label, body, why) => {
    expect(() => openNsqBody(body)).toThrow(NsqDecodeError);
    expect(() => openNsqBody(body)).toThrow(why);
  });

  it('checks the whole envelope on opening, before its headers are read', () => {
    // The header map is built on first read; a bad value late in the section still fails at once.
    const body = byHand([['a', '1'], ['b', 'ok'], ['c', 'x']], '{}');
    body[body.length - 3] = 0xff;
    expect(() => openNsqBody(body)).toThrow(/header 3 is not valid UTF-8/);
  });

  it('reads non-ASCII values and many headers, the same map on every read', () => {
    const many = Array.from({ length: 20 }, (_, i): [string, string] => [`h${i}`, `v${i} ✓`]);
    const opened = openNsqBody(byHand(many, '{}'));
    expect({ ...opened.headers }).toEqual(Object.fromEntries(many));
    expect(opened.headers).toBe(opened.headers);
    expect(Object.isFrozen(opened.headers)).toBe(true);
  });

  it('gives the due time without building the header map', () => {
    expect(openNsqBody(byHand([['a', '1'], ['nsq-deliver-at', '1700000000000']], '{}')).deliverAt).toBe('1700000000000');
    expect(openNsqBody(byHand([['nsq-deliver-ax', '1']], '{}')).deliverAt).toBeUndefined();
    expect(openNsqBody(Buffer.from('{}')).deliverAt).toBeUndefined();
  });

  it('reads one header by name without the map, the value the map gives, before and after the map is built', () => {
    const headers: Array<[string, string]> = [['tracestate', 'k=v'], ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'], ['x-u', 'caf\u00e9 ✓'], ['trace', '']];
    const opened = openNsqBody(byHand(headers, '{}'));
    const asked = ['traceparent', 'tracestate', 'trace', 'traceparent2', 'tracepar', 'x-u', 'x-é', 'TRACEPARENT', 'constructor', '__proto__', ''];
    const direct = asked.map((name) => opened.header!(name));
    expect(direct).toStrictEqual(['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'k=v', '', undefined, undefined, 'caf\u00e9 ✓', undefined, undefined, undefined, undefined, undefined]);
    expect(asked.map((name) => opened.headers[name])).toStrictEqual(direct);
    expect(asked.map((name) => opened.header!(name))).toStrictEqual(direct);
    expect(openNsqBody(byHand([], '{}')).header!('traceparent')).toBeUndefined();
    expect(openNsqBody(Buffer.from('{}')).header).toBeUndefined();
  });
});

describe('an envelope read in place, inside a message frame', () => {
  it('opens to the same headers, payload and due time as the body sliced out', () => {
    const body = byHand([['tracestate', 'k=v'], ['nsq-deliver-at', '1700000000000'], ['x-u', 'caf\u00e9 ✓']], '{"id":1}');
    const opened = openNsqBodyAt(inFrame(body), 26);
    expect(opened.enveloped).toBe(true);
    expect(opened.payload).toEqual(Buffer.from('{"id":1}'));
    expect(opened.deliverAt).toBe('1700000000000');
    expect(opened.header!('x-u')).toBe('caf\u00e9 ✓');
    expect({ ...opened.headers }).toEqual({ ...openNsqBody(body).headers });
  });

  it('opens a raw body as the frame after its header, with no headers', () => {
    const opened = openNsqBodyAt(inFrame(Buffer.from('{"id":1}')), 26);
    expect(opened).toEqual({ headers: {}, payload: Buffer.from('{"id":1}'), enveloped: false });
    expect(openNsqBodyAt(inFrame(Buffer.from([0x00, 0x4e])), 26).enveloped).toBe(false);
  });

  it.each(MALFORMED)('refuses %s with the same error', (_label, body, why) => {
    expect(() => openNsqBodyAt(inFrame(body), 26)).toThrow(NsqDecodeError);
    expect(() => openNsqBodyAt(inFrame(body), 26)).toThrow(why);
  });
});

describe('header rules (WIRE.md §2.2)', () => {
  it('lower-cases names and keeps values', () => {
    expect({ ...normalizeNsqHeaders({ 'X-Tenant': 'Acme' }, 'test') }).toEqual({ 'x-tenant': 'Acme' });
  });

  it.each([
    ['a name with a space', { 'a b': '1' }, /not a token/],
    ['an empty name', { '': '1' }, /not a token/],
    ['a name over 128 characters', { ['a'.repeat(129)]: '1' }, /not a token/],
    ['a non-ASCII name', { 'ä': '1' }, /not a token/],
    ['a reserved name', { 'nsq-deliver-at': '1' }, /reserved/],
    ['a name given twice', { Tenant: '1', tenant: '2' }, /given twice/],
    ['a number value', { a: 1 }, /must be a string/],
    ['a lone surrogate', { a: '\uD800' }, /well-formed/],
    ['a value over 16 KiB', { a: 'x'.repeat(NSQ_HEADER_LIMITS.maxValueBytes + 1) }, /over the limit/],
  ])('refuses %s with InvalidNsqHeaderError', (_label, headers, why) => {
    expect(() => normalizeNsqHeaders(headers, 'test')).toThrow(InvalidNsqHeaderError);
    expect(() => normalizeNsqHeaders(headers, 'test')).toThrow(why);
  });

  it('refuses a reserved name on a later call after accepting it where reserved names are allowed', () => {
    expect({ ...normalizeNsqHeaders({ 'NSQ-Reply-To': 'r' }, 'test', true) }).toEqual({ 'nsq-reply-to': 'r' });
    expect(() => normalizeNsqHeaders({ 'NSQ-Reply-To': 'r' }, 'test')).toThrow(/reserved/);
  });

  it('counts a value\'s UTF-8 bytes, not its characters, against the limit', () => {
    const max = NSQ_HEADER_LIMITS.maxValueBytes;
    expect(() => normalizeNsqHeaders({ a: '\u00e9'.repeat(max / 2) }, 'test')).not.toThrow();
    expect(() => normalizeNsqHeaders({ a: '\u00e9'.repeat(max / 2 + 1) }, 'test')).toThrow(/over the limit/);
    expect(() => normalizeNsqHeaders({ a: 'ok \uDC00' }, 'test')).toThrow(/well-formed/);
  });

  it('keeps names that Object.prototype has as plain headers, none inherited', () => {
    const headers = normalizeNsqHeaders({ constructor: 'c', __proto__: 'p', tostring: 't' } as Record<string, string>, 'test');
    expect('hasOwnProperty' in headers).toBe(false);
    const opened = openNsqBody(encodeNsqEnvelope(headers, Buffer.from('{}')));
    expect({ ...opened.headers }).toEqual({ constructor: 'c', tostring: 't' });
  });

  it('trusts only a set it returned itself: a copy is checked again', () => {
    const headers = normalizeNsqHeaders({ a: '1' }, 'test');
    expect(normalizeNsqHeaders(headers, 'test')).toBe(headers);
    expect(() => normalizeNsqHeaders({ ...headers, 'Bad Name': 'x' }, 'test')).toThrow(/not a token/);
  });

  it('refuses too many headers and too many bytes of them', () => {
    const many = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`h${i}`, '']));
    expect(() => encodeNsqEnvelopePrefix(normalizeNsqHeaders(many, 'test'))).toThrow(/257 headers exceed/);
    const big = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`h${i}`, 'x'.repeat(16_000)]));
    expect(() => encodeNsqEnvelopePrefix(normalizeNsqHeaders(big, 'test'))).toThrow(/bytes exceed the limit of 65536/);
  });

  it('refuses bad headers at setHeaders(), before any emit', () => {
    expect(() => new NsqRecordBuilder({}).setHeaders({ 'nsq-dl-topic': 'x' })).toThrow(InvalidNsqHeaderError);
  });
});

describe('headers on emit', () => {
  it('leaves raw bodies byte-identical and refuses record headers on a raw client', () => {
    expect(buildPublishRequest('t', { id: 1 }, json, RAW)).toEqual({ topic: 't', bodies: [Buffer.from('{"id":1}')], delayMs: 0 });
    expect(() => buildPublishRequest('t', new NsqRecordBuilder({ id: 1 }).setHeaders({ a: '1' }).build(), json, RAW)).toThrow(/set "envelope: true"/);
  });

  it('envelopes every body of a batch with the record headers, metadata and transport headers, later ones winning', () => {
    const record = new NsqRecordBuilder<unknown>().setBatch([{ id: 1 }, { id: 2 }]).setHeaders({ tenant: 'record', a: '1' }).build();
    const request = buildPublishRequest('t', record, json, ENVELOPE, { metadata: { Tenant: 'hook', b: '2' }, transport: { traceparent: 'tp' } });
    if (request instanceof Promise) throw new Error('expected a synchronous request');
    expect(request.bodies.map((b) => ({ ...openNsqBody(b).headers }))).toEqual([
      { tenant: 'record', a: '1', b: '2', traceparent: 'tp' },
      { tenant: 'record', a: '1', b: '2', traceparent: 'tp' },
    ]);
    expect(request.bodies.map((b) => openNsqBody(b).payload.toString())).toEqual(['{"id":1}', '{"id":2}']);
  });

  it('stamps a delayed emit with its due time', () => {
    const before = Date.now();
    const request = buildPublishRequest('t', new NsqRecordBuilder({ id: 1 }).setDelay(60_000).build(), json, ENVELOPE);
    if (request instanceof Promise) throw new Error('expected a synchronous request');
    const dueAt = Number(openNsqBody(request.bodies[0]!).headers['nsq-deliver-at']);
    expect(dueAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(dueAt).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(request.delayMs).toBe(60_000);
  });

  it('refuses invalid dispatch-hook metadata with a typed error', () => {
    expect(() => buildPublishRequest('t', { id: 1 }, json, ENVELOPE, { metadata: { 'bad name': 'x' } })).toThrow(InvalidNsqHeaderError);
  });

  it('writes the JSON codec\'s envelope byte for byte as the reference layout', () => {
    const record = new NsqRecordBuilder({ id: 1, name: 'açme ✓' }).setHeaders({ tenant: 'acme' }).build();
    const request = buildPublishRequest('t', record, json, ENVELOPE);
    if (request instanceof Promise) throw new Error('expected a synchronous request');
    expect(request.bodies).toEqual([byHand([['tenant', 'acme']], '{"id":1,"name":"açme ✓"}')]);
    expect(buildPublishRequest('t', { id: 1 }, json, ENVELOPE)).toEqual({ topic: 't', bodies: [byHand([], '{"id":1}')], delayMs: 0 });
  });

  it('uses a JSON serializer subclass\'s own serialize() in an envelope', () => {
    class Upper extends NsqJsonSerializer {
      override serialize(value: unknown): Buffer {
        return Buffer.from(JSON.stringify(value).toUpperCase());
      }
    }
    const request = buildPublishRequest('t', { id: 'a' }, new Upper(), ENVELOPE);
    if (request instanceof Promise) throw new Error('expected a synchronous request');
    expect(openNsqBody(request.bodies[0]!).payload.toString()).toBe('{"ID":"A"}');
  });

  it('refuses an empty body in an envelope as in a raw body', () => {
    const empty = { serialize: () => '' };
    expect(() => buildPublishRequest('t', 1, empty, ENVELOPE)).toThrow(/empty message body/);
    expect(() => buildPublishRequest('t', 1, empty, RAW)).toThrow(/empty message body/);
  });

  it('counts the envelope against maxMessageSize', () => {
    const settings = { ...ENVELOPE, maxMessageSize: 20 };
    expect(() => buildPublishRequest('t', new NsqRecordBuilder('x'.repeat(8)).setHeaders({ a: 'b' }).build(), json, settings)).toThrow(/exceeds maxMessageSize 20/);
  });
});

describe('a record built by hand', () => {
  it('gets the same header checks as the builder\'s', () => {
    const record = new NsqRecord({ id: 1 }, { headers: { ['x'.repeat(300)]: 'v' } });
    expect(() => buildPublishRequest('t', record, json, ENVELOPE)).toThrow(InvalidNsqHeaderError);
  });
});
