import { NsqRawDeserializer } from '../../src/deserializers/nsq-raw.deserializer.js';

describe('NsqRawDeserializer', () => {
  it('hands over the body Buffer itself, any bytes', () => {
    const body = Buffer.from([0xff, 0x00, 0xc3]);
    expect(new NsqRawDeserializer().deserialize(body)).toBe(body);
  });
});
