import { splitAddress } from '../../src/nsq/nsq-address.js';

describe('splitAddress', () => {
  it.each<[string, [string, number]]>([
    ['127.0.0.1:4150', ['127.0.0.1', 4150]],
    ['nsqd.internal:4150', ['nsqd.internal', 4150]],
    ['[::1]:4150', ['::1', 4150]],
    ['[2001:db8::7]:14150', ['2001:db8::7', 14150]],
  ])('splits %s', (address, expected) => {
    expect(splitAddress(address)).toEqual(expected);
  });
});
