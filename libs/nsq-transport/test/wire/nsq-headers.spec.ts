import { InvalidNsqHeaderError } from '../../src/errors/invalid-nsq-header.error.js';
import { buildPublishRequest, type PublishSettings } from '../../src/nsq/nsq-publish-request.js';
import { NsqRecordBuilder } from '../../src/record-builders/nsq.record-builder.js';
import { NsqJsonSerializer } from '../../src/serializers/nsq-json.serializer.js';
import { encodeNsqEnvelopePrefix, openNsqBody } from '../../src/wire/nsq-envelope.js';
import { mergeNsqHeaders, normalizeNsqHeaders } from '../../src/wire/nsq-headers.js';

const ENVELOPE: PublishSettings = { maxMessageSize: 1 << 20, maxBatchBytes: 5 << 20, envelope: true };
const json = new NsqJsonSerializer();
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** The headers one emit of `record` carries, read back from its body. */
function sent(headers: Readonly<Record<string, string>>): Record<string, string> {
  const request = buildPublishRequest('t', new NsqRecordBuilder({ id: 1 }).setHeaders(headers).build(), json, ENVELOPE);
  if (request instanceof Promise) throw new Error('expected a synchronous request');
  return { ...openNsqBody(request.bodies[0]!).headers };
}

/** WIRE.md §2.1's header section for `headers`, by hand. */
function section(headers: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [Buffer.from([0x00, 0x4e, 0x51, 0x45, 1, 0, headers.length >> 8, headers.length & 0xff])];
  for (const [name, value] of headers) {
    const v = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(v.length);
    parts.push(Buffer.from([name.length]), Buffer.from(name, 'latin1'), length, v);
  }
  return Buffer.concat(parts);
}

describe('normalizeNsqHeaders, the same set sent again', () => {
  it('gives one frozen set for a constant object and for fresh literals of the same strings, once seen again', () => {
    const constant = { traceparent: TRACEPARENT, Tenant: 'acme' };
    const first = normalizeNsqHeaders(constant, 'test');
    const shared = normalizeNsqHeaders(constant, 'test');
    expect(shared).not.toBe(first);
    expect(normalizeNsqHeaders(constant, 'test')).toBe(shared);
    expect(normalizeNsqHeaders({ traceparent: TRACEPARENT, Tenant: 'acme' }, 'test')).toBe(shared);
    expect(Object.isFrozen(shared)).toBe(true);
    expect({ ...shared }).toEqual({ traceparent: TRACEPARENT, tenant: 'acme' });
    expect(() => {
      (shared as Record<string, string>).tenant = 'other';
    }).toThrow(TypeError);
  });

  it('does not share the set it handed out first, which its holder may change', () => {
    const first = normalizeNsqHeaders({ a: 'first-1' }, 'test') as Record<string, string>;
    first.a = 'changed';
    expect({ ...normalizeNsqHeaders({ a: 'first-1' }, 'test') }).toEqual({ a: 'first-1' });
  });

  it('reads each value of the caller\'s object once per call', () => {
    let reads = 0;
    const headers = {
      get tenant() {
        reads += 1;
        return `t${reads}`;
      },
    };
    expect({ ...normalizeNsqHeaders(headers, 'test') }).toEqual({ tenant: 't1' });
    expect({ ...normalizeNsqHeaders(headers, 'test') }).toEqual({ tenant: 't2' });
    expect(reads).toBe(2);
  });

  it('follows every change of the caller\'s object between emits', () => {
    const headers: Record<string, unknown> = { traceparent: TRACEPARENT, tenant: 'acme' };
    expect(sent(headers as Record<string, string>)).toEqual({ traceparent: TRACEPARENT, tenant: 'acme' });
    headers.tenant = 'globex';
    expect(sent(headers as Record<string, string>)).toEqual({ traceparent: TRACEPARENT, tenant: 'globex' });
    headers['X-Extra'] = '1';
    expect(sent(headers as Record<string, string>)).toEqual({ traceparent: TRACEPARENT, tenant: 'globex', 'x-extra': '1' });
    delete headers.traceparent;
    expect(sent(headers as Record<string, string>)).toEqual({ tenant: 'globex', 'x-extra': '1' });
    headers.tenant = 'acme';
    headers.traceparent = TRACEPARENT;
    expect(sent(headers as Record<string, string>)).toEqual({ tenant: 'acme', 'x-extra': '1', traceparent: TRACEPARENT });
  });

  it('refuses a mutated object with the error a fresh one gets', () => {
    const headers: Record<string, unknown> = { traceparent: TRACEPARENT, tenant: 'acme' };
    normalizeNsqHeaders(headers, 'test');
    const refusals: Array<[string, (h: Record<string, unknown>) => void, RegExp]> = [
      ['a number value', (h) => (h.tenant = 42), /header "tenant" must be a string, received number/],
      ['a lone surrogate', (h) => (h.tenant = 'a\uD800'), /header "tenant" is not well-formed/],
      ['a bad name', (h) => (h['bad name'] = 'x'), /header name "bad name" is not a token/],
      ['a reserved name', (h) => (h['nsq-deliver-at'] = '1'), /header "nsq-deliver-at" is reserved/],
      ['a repeated name', (h) => (h.TENANT = 'x'), /header "TENANT" is given twice/],
      ['an oversize value', (h) => (h.tenant = 'x'.repeat(16_385)), /over the limit of 16384/],
    ];
    for (const [, mutate, why] of refusals) {
      const mutated = { ...headers };
      normalizeNsqHeaders(mutated, 'test');
      mutate(mutated);
      expect(() => normalizeNsqHeaders(mutated, 'test')).toThrow(InvalidNsqHeaderError);
      expect(() => normalizeNsqHeaders(mutated, 'test')).toThrow(why);
      expect(() => new NsqRecordBuilder({}).setHeaders(mutated as Record<string, string>)).toThrow(why);
    }
  });

  it('keeps sets apart by their names\' spelling, their order and where reserved names are allowed', () => {
    const lower = normalizeNsqHeaders({ a: '1', b: '2' }, 'test');
    const reordered = normalizeNsqHeaders({ b: '2', a: '1' }, 'test');
    expect(Object.keys(reordered)).toEqual(['b', 'a']);
    expect(reordered).not.toBe(lower);
    expect(Object.keys(normalizeNsqHeaders({ A: '1', b: '2' }, 'test'))).toEqual(['a', 'b']);
    expect({ ...normalizeNsqHeaders({ 'nsq-reply-to': 'r' }, 'test', true) }).toEqual({ 'nsq-reply-to': 'r' });
    expect(() => normalizeNsqHeaders({ 'nsq-reply-to': 'r' }, 'test')).toThrow(/reserved/);
  });

  it('stays right when more sets come than it remembers, big ones included', () => {
    const sets = Array.from({ length: 12 }, (_, i) => ({ tenant: `t${i}`, n: String(i) }));
    const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`h${i}`, 'v'.repeat(300)]));
    for (let round = 0; round < 3; round++) {
      for (const set of sets) expect(sent(set)).toEqual(set);
      expect(sent(big)).toEqual(big);
    }
  });
});

describe('encodeNsqEnvelopePrefix', () => {
  it('encodes a set once and writes the same bytes for it on every emit', () => {
    normalizeNsqHeaders({ traceparent: TRACEPARENT, tenant: 'acme' }, 'test');
    const headers = normalizeNsqHeaders({ traceparent: TRACEPARENT, tenant: 'acme' }, 'test');
    const prefix = encodeNsqEnvelopePrefix(headers);
    expect(prefix).toEqual(section([['traceparent', TRACEPARENT], ['tenant', 'acme']]));
    expect(encodeNsqEnvelopePrefix(headers)).toBe(prefix);
    for (let i = 0; i < 3; i++) {
      const request = buildPublishRequest('t', new NsqRecordBuilder({ id: i }).setHeaders({ traceparent: TRACEPARENT, tenant: 'acme' }).build(), json, ENVELOPE);
      if (request instanceof Promise) throw new Error('expected a synchronous request');
      expect(request.bodies[0]).toEqual(Buffer.concat([prefix, Buffer.from(`{"id":${i}}`)]));
    }
  });

  it('does not keep the prefix of a set that is not frozen (a first sight, a merge, a plain object)', () => {
    const once = normalizeNsqHeaders({ once: `${Math.random()}` }, 'test');
    expect(encodeNsqEnvelopePrefix(once)).not.toBe(encodeNsqEnvelopePrefix(once));
    const merged = mergeNsqHeaders(normalizeNsqHeaders({ a: '1' }, 'test'), { b: '2' });
    expect(encodeNsqEnvelopePrefix(merged)).not.toBe(encodeNsqEnvelopePrefix(merged));
    const plain: Record<string, string> = { a: '1' };
    expect(encodeNsqEnvelopePrefix(plain)).toEqual(section([['a', '1']]));
    plain.a = '2';
    expect(encodeNsqEnvelopePrefix(plain)).toEqual(section([['a', '2']]));
  });

  it.each([
    ['ASCII at the short limit', 'x'.repeat(128)],
    ['ASCII past the short limit', 'x'.repeat(129)],
    ['non-ASCII, short', 'açme ✓ 😀'],
    ['non-ASCII after an ASCII start', `${'a'.repeat(100)}é`],
    ['non-ASCII, long', 'é'.repeat(500)],
    ['empty', ''],
  ])('writes a value that is %s as UTF-8', (_label, value) => {
    expect(encodeNsqEnvelopePrefix(normalizeNsqHeaders({ k: value, z: 'end' }, 'test'))).toEqual(section([['k', value], ['z', 'end']]));
  });
});
