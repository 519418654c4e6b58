import { NsqJsonBigIntDeserializer } from '../../src/deserializers/nsq-json-bigint.deserializer.js';
import { NsqJsonSerializer } from '../../src/serializers/nsq-json.serializer.js';
import { NsqJsonBigIntSerializer } from '../../src/serializers/nsq-json-bigint.serializer.js';

const serializer = new NsqJsonBigIntSerializer();
const text = (value: unknown) => serializer.serialize(value).toString('utf8');
const roundTrip = (value: unknown) => new NsqJsonBigIntDeserializer().deserialize(serializer.serialize(value));

describe('NsqJsonBigIntSerializer', () => {
  it.each<[bigint, string]>([
    [2n ** 63n - 1n, '9223372036854775807'],
    [-(2n ** 63n), '-9223372036854775808'],
    [2n ** 64n - 1n, '18446744073709551615'],
    [2n ** 53n + 1n, '9007199254740993'],
    [0n, '0'],
  ])('writes the bigint %p as a JSON number with all its digits', (value, digits) => {
    expect(text(value)).toBe(digits);
    expect(text({ id: value })).toBe(`{"id":${digits}}`);
  });

  it.each<[string, bigint]>([
    ['2^63 − 1', 2n ** 63n - 1n],
    ['−2^63', -(2n ** 63n)],
    ['2^53 + 1', 2n ** 53n + 1n],
  ])('round-trips %s exactly through the json-bigint deserializer', (_label, value) => {
    expect(roundTrip(value)).toBe(value);
    expect(roundTrip({ id: value, ids: [value, 1, -value] })).toEqual({ id: value, ids: [value, 1, -value] });
  });

  it('round-trips nested arrays and objects with floats, safe integers and large ones', () => {
    const value = { order: { id: 2n ** 63n - 1n, lines: [{ sku: 'a', qty: 2, price: 9.99 }, { ids: [1, -(2n ** 63n)], ratio: -1.5e-7 }] }, ok: true, none: null, name: 'Zoë' };
    expect(roundTrip(value)).toEqual(value);
  });

  it('writes a small bigint as a number, which decodes back as a number (the codec tells integers apart by size only)', () => {
    expect(text({ n: 42n })).toBe('{"n":42}');
    expect(roundTrip({ n: 42n })).toEqual({ n: 42 });
  });

  it.each<unknown>([{ name: 'Zoë', n: [1, 2.5], d: new Date(0), skip: undefined }, 'text', 0, false, null, [], 1.5, [undefined, () => 1]])(
    'writes %p byte for byte as the json codec does',
    (value) => {
      expect(serializer.serialize(value)).toEqual(new NsqJsonSerializer().serialize(value));
    },
  );

  it('writes a bigint next to dates, toJSON() and undefined fields as JSON.stringify writes them', () => {
    const value = { id: 2n ** 63n - 1n, at: new Date(0), custom: { toJSON: () => 'custom' }, skip: undefined, list: [undefined] };
    expect(text(value)).toBe('{"id":9223372036854775807,"at":"1970-01-01T00:00:00.000Z","custom":"custom","list":[null]}');
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('refuses %s, which has no JSON form', (_label, value) => {
    expect(() => serializer.serialize(value)).toThrow(TypeError);
  });

  it('refuses a cycle with the native TypeError, with or without a bigint in it', () => {
    const plain: Record<string, unknown> = { a: 1 };
    plain.self = plain;
    const withBigInt: Record<string, unknown> = { id: 2n ** 63n - 1n };
    withBigInt.self = withBigInt;
    expect(() => serializer.serialize(plain)).toThrow(/circular/);
    expect(() => serializer.serialize(withBigInt)).toThrow(TypeError);
  });
});
