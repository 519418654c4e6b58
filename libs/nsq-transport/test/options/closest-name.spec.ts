import { closestName } from '../../src/options/closest-name.js';

const OPTIONS = ['publishTimeoutMs', 'connectTimeoutMs', 'closeTimeoutMs', 'nsqdTcpAddresses', 'tls', 'codec'];

describe('closestName', () => {
  it.each([
    ['publishTimeoutMS', 'publishTimeoutMs'], // case only
    ['nsqdTCPAddresses', 'nsqdTcpAddresses'],
    ['publishTimeout', 'publishTimeoutMs'], // two letters missing
    ['pubilshTimeoutMs', 'publishTimeoutMs'], // two letters swapped: one edit
    ['conectTimeoutMs', 'connectTimeoutMs'],
    ['tsl', 'tls'],
    ['codex', 'codec'],
  ])('suggests %p for %p', (typed, expected) => {
    expect(closestName(typed, OPTIONS)).toBe(expected);
  });

  it.each(['timeout', 'lookupdHttpAddresses', 'x', ''])('suggests nothing for %p, which is close to none', (typed) => {
    expect(closestName(typed, OPTIONS)).toBeUndefined();
  });

  it('prefers the closest of several near names', () => {
    expect(closestName('closeTimeoutMss', OPTIONS)).toBe('closeTimeoutMs');
    expect(closestName('connectTimeoutMss', OPTIONS)).toBe('connectTimeoutMs');
  });

  it('suggests nothing when there are no candidates', () => {
    expect(closestName('tls', [])).toBeUndefined();
  });
});
