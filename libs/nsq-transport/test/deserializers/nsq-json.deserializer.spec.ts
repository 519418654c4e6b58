import { NsqJsonDeserializer } from '../../src/deserializers/nsq-json.deserializer.js';

// TextDecoder lives outside Jest's sandbox, so its TypeError is another realm's class: match on the name.
const INVALID_UTF8 = expect.objectContaining({ name: 'TypeError' });

const deserializer = new NsqJsonDeserializer();
const decode = (text: string | Buffer) => deserializer.deserialize(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));

describe('NsqJsonDeserializer', () => {
  it.each<[string, unknown]>([
    ['{"name":"Zoë","n":[1,2]}', { name: 'Zoë', n: [1, 2] }],
    ['null', null],
    ['42', 42],
    ['"text"', 'text'],
    ['[]', []],
  ])('decodes %s', (text, value) => {
    expect(decode(text)).toEqual(value);
  });

  it('refuses invalid UTF-8', () => {
    expect(() => decode(Buffer.from([0x22, 0xff, 0x22]))).toThrow(INVALID_UTF8);
  });

  it.each(['not json', '{"a":', '', "{'a':1}", 'undefined'])('refuses the non-JSON body %p', (text) => {
    expect(() => decode(text)).toThrow(SyntaxError);
  });

  it.each([
    '{"__proto__":{"polluted":1}}',
    '{"a":{"__proto__":{"polluted":1}}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '[{"constructor":{"prototype":{"x":1}}}]',
  ])('refuses the prototype-polluting body %s and leaves Object.prototype clean', (text) => {
    expect(() => decode(text)).toThrow(SyntaxError);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('accepts "constructor" and "prototype" as ordinary keys', () => {
    expect(decode('{"constructor":"Order","prototype":1}')).toEqual({ constructor: 'Order', prototype: 1 });
  });

  it('returns or throws an Error for arrays nested 1000 deep, without crashing', () => {
    const depth = 1000;
    let outcome: unknown;
    try {
      outcome = decode(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      return;
    }
    let level = 1;
    for (let node = outcome; Array.isArray(node) && node.length === 1; node = node[0]) level++;
    expect(level).toBe(depth);
  });
});
