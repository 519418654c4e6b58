import { waitFor, waitForValue } from './wait-for.js';
import { WaitForTimeoutError } from './wait-for-timeout.error.js';

describe('waitFor', () => {
  it('resolves as soon as the condition holds', async () => {
    let polls = 0;
    await waitFor(() => ++polls === 3, { intervalMs: 1 });
    expect(polls).toBe(3);
  });

  it('accepts async conditions and treats a throwing poll as "not yet"', async () => {
    let polls = 0;
    await waitFor(
      async () => {
        if (++polls < 3) throw new Error('not started');
        return true;
      },
      { intervalMs: 1 },
    );
    expect(polls).toBe(3);
  });

  it('throws a WaitForTimeoutError with the message and the last poll error after the deadline', async () => {
    const started = Date.now();
    const error = await waitFor(
      () => {
        throw new Error('connection refused');
      },
      { timeoutMs: 100, intervalMs: 10, message: () => 'nsqd never came up' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitForTimeoutError);
    expect((error as WaitForTimeoutError).message).toMatch(/nsqd never came up \(waited 100 ms\); last error: Error: connection refused/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('does not let a hanging poll hold it past the deadline', async () => {
    const started = Date.now();
    await expect(waitFor(() => new Promise<boolean>(() => undefined), { timeoutMs: 100 })).rejects.toBeInstanceOf(WaitForTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('waitForValue', () => {
  it('returns the first defined value, falsy ones included', async () => {
    const values = [undefined, undefined, 0];
    await expect(waitForValue(() => values.shift(), { intervalMs: 1 })).resolves.toBe(0);
  });
});
