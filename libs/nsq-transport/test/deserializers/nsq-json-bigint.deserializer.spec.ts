import { NsqJsonBigIntDeserializer } from '../../src/deserializers/nsq-json-bigint.deserializer.js';

// The UTF-8 check's TypeError may come from outside Jest's sandbox: match on the name.
const INVALID_UTF8 = expect.objectContaining({ name: 'TypeError' });

const deserializer = new NsqJsonBigIntDeserializer();
const decode = (text: string | Buffer) => deserializer.deserialize(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));

describe('NsqJsonBigIntDeserializer', () => {
  it.each<[string, bigint]>([
    ['9223372036854775807', 2n ** 63n - 1n],
    ['-9223372036854775808', -(2n ** 63n)],
    ['18446744073709551615', 2n ** 64n - 1n],
    ['9007199254740993', 2n ** 53n + 1n],
    ['9007199254740992', 2n ** 53n],
    ['-9007199254740992', -(2n ** 53n)],
  ])('decodes the integer %s, beyond 2^53 − 1, as the exact bigint', (text, value) => {
    expect(decode(text)).toBe(value);
    expect(decode(`{"id":${text}}`)).toEqual({ id: value });
  });

  it.each<[string, number]>([
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['-9007199254740991', Number.MIN_SAFE_INTEGER],
    ['0', 0],
    ['-0', -0],
    ['42', 42],
  ])('keeps the safe integer %s a number', (text, value) => {
    expect(decode(`[${text},1234567890123456789]`)).toEqual([value, 1234567890123456789n]);
    expect(decode(text)).toBe(value);
  });

  it.each<[string, number]>([
    ['1.5', 1.5],
    ['-0.000123', -0.000123],
    ['1e21', 1e21],
    ['12345678901234567890.5', 12345678901234567890.5],
    ['1.7976931348623157e308', Number.MAX_VALUE],
  ])('keeps the float %s a number, as JSON.parse reads it', (text, value) => {
    expect(decode(`{"pad":1234567890123456789,"x":${text}}`)).toEqual({ pad: 1234567890123456789n, x: value });
    expect(decode(text)).toBe(value);
  });

  it('decodes nested arrays and objects, every number in place', () => {
    const body = '{"order":{"id":9223372036854775807,"lines":[{"sku":"a","qty":2,"price":9.99},{"ids":[1,-9223372036854775808,9007199254740993]}]},"ok":true,"none":null}';
    expect(decode(body)).toEqual({
      order: { id: 2n ** 63n - 1n, lines: [{ sku: 'a', qty: 2, price: 9.99 }, { ids: [1, -(2n ** 63n), 2n ** 53n + 1n] }] },
      ok: true,
      none: null,
    });
  });

  it('reads a body without large integers as JSON.parse does', () => {
    const body = '{"name":"Zoë","n":[1,2.5,-3e-7],"s":"\\u0041\\n","deep":{"a":[[]]},"long":"1234567890123456789 in a string"}';
    expect(decode(body)).toEqual(JSON.parse(body));
    expect(decode(`${body.slice(0, -1)},"id":12345678901234567890}`)).toEqual({ ...JSON.parse(body), id: 12345678901234567890n });
  });

  it('keeps digits inside strings as strings (protojson writes int64 that way)', () => {
    expect(decode('{"id":"9223372036854775807"}')).toEqual({ id: '9223372036854775807' });
  });

  it('keeps the last of repeated keys, as JSON.parse does, with or without a large integer', () => {
    expect(decode('{"a":1,"a":2}')).toEqual({ a: 2 });
    expect(decode('{"a":1,"a":9007199254740993}')).toEqual({ a: 2n ** 53n + 1n });
  });

  it('drops a leading BOM', () => {
    expect(decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id":9007199254740993}')]))).toEqual({ id: 2n ** 53n + 1n });
  });

  it('refuses invalid UTF-8', () => {
    expect(() => decode(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x2c, 0x39, 0x30, 0x30, 0x37, 0x31, 0x39, 0x39, 0x32, 0x35, 0x34, 0x37, 0x34, 0x30, 0x39, 0x39, 0x33, 0x5d]))).toThrow(INVALID_UTF8);
  });

  it.each(['', 'not json', '{"a":', "{'a':1}", 'undefined', '9007199254740993x', '[9007199254740993,]', '{"id":9007199254740993', '01234567890123456789', '[1] [2]'])(
    'refuses the non-JSON body %p',
    (text) => {
      expect(() => decode(text)).toThrow(SyntaxError);
    },
  );

  it.each([
    '{"__proto__":{"polluted":1}}',
    '{"__proto__":{"polluted":1},"id":9007199254740993}',
    '{"a":{"__proto__":{"polluted":1}},"id":9007199254740993}',
    '{"constructor":{"prototype":{"x":1}},"id":9007199254740993}',
    '[9007199254740993,{"constructor":{"prototype":{"x":1}}}]',
  ])('refuses the prototype-polluting body %s and leaves Object.prototype clean', (text) => {
    expect(() => decode(text)).toThrow(SyntaxError);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('accepts "constructor" and "prototype" as ordinary keys', () => {
    expect(decode('{"constructor":"Order","prototype":1,"id":9007199254740993}')).toEqual({ constructor: 'Order', prototype: 1, id: 2n ** 53n + 1n });
  });

  it('returns or throws an Error for arrays nested 1000 deep around a large integer, without crashing', () => {
    const depth = 1000;
    let outcome: unknown;
    try {
      outcome = decode(`${'['.repeat(depth)}9007199254740993${']'.repeat(depth)}`);
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      return;
    }
    let level = 0;
    let node = outcome;
    for (; Array.isArray(node) && node.length === 1; node = node[0]) level++;
    expect(level).toBe(depth);
    expect(node).toBe(2n ** 53n + 1n);
  });
});
