import { NsqTextSerializer } from '../../src/serializers/nsq-text.serializer.js';

const serializer = new NsqTextSerializer();

describe('NsqTextSerializer', () => {
  it('sends a string as its UTF-8 bytes, unchanged', () => {
    expect(serializer.serialize('héllo "world"')).toEqual(Buffer.from('héllo "world"', 'utf8'));
  });

  it.each<unknown>([1, null, undefined, { text: 'x' }, ['x'], Buffer.from('x'), true])('refuses the non-string %p', (value) => {
    expect(() => serializer.serialize(value)).toThrow(TypeError);
  });
});
