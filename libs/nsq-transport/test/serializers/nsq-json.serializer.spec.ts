import { NsqJsonDeserializer } from '../../src/deserializers/nsq-json.deserializer.js';
import { NsqJsonSerializer } from '../../src/serializers/nsq-json.serializer.js';

const serializer = new NsqJsonSerializer();

describe('NsqJsonSerializer', () => {
  it('encodes as UTF-8 JSON', () => {
    expect(serializer.serialize({ name: 'Zoë', n: [1, 2] })).toEqual(Buffer.from('{"name":"Zoë","n":[1,2]}', 'utf8'));
  });

  it.each<unknown>([{ a: { b: [1, 'two', null, true] } }, 'text', 0, false, null, [], 1.5])('round-trips %p through the JSON deserializer', (value) => {
    expect(new NsqJsonDeserializer().deserialize(serializer.serialize(value))).toEqual(value);
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('refuses %s, which has no JSON form', (_label, value) => {
    expect(() => serializer.serialize(value)).toThrow(TypeError);
  });
});
