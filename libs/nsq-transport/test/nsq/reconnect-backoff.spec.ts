import { reconnectDelay } from '../../src/nsq/reconnect-backoff.js';

const MIN = 100;
const MAX = 5000;
const middle = () => 0.5; // no jitter: the exact base delay

describe('reconnectDelay', () => {
  it.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [5, 3200],
    [6, 5000], // 6400 capped
    [31, 5000],
    [10_000, 5000],
  ])('attempt %p waits %p ms before jitter', (attempt, expected) => {
    expect(reconnectDelay(attempt, MIN, MAX, 0.3, middle)).toBe(expected);
  });

  it.each([
    [0, 0, 70],
    [0, 1, 130],
    [3, 0, 560],
    [3, 1, 1040],
    [20, 0, 3500],
  ])('attempt %p with random %p waits %p ms (±30 %)', (attempt, random, expected) => {
    expect(reconnectDelay(attempt, MIN, MAX, 0.3, () => random)).toBe(expected);
  });

  it('stays inside ±jitter of the base delay for any random value', () => {
    for (let i = 0; i < 200; i++) {
      const delay = reconnectDelay(4, MIN, MAX);
      expect(delay).toBeGreaterThanOrEqual(1120);
      expect(delay).toBeLessThanOrEqual(2080);
    }
  });

  it('applies the jitter it is given', () => {
    expect(reconnectDelay(0, 1000, MAX, 0, () => 0)).toBe(1000);
    expect(reconnectDelay(0, 1000, MAX, 0.5, () => 0)).toBe(500);
    expect(reconnectDelay(0, 1000, MAX, 0.5, () => 1)).toBe(1500);
  });

  it('rounds to whole milliseconds and never goes below 0', () => {
    expect(reconnectDelay(0, 3, MAX, 0.3, () => 0)).toBe(2); // 2.1
    expect(reconnectDelay(0, 100, MAX, 2, () => 0)).toBe(0); // -100
  });
});
