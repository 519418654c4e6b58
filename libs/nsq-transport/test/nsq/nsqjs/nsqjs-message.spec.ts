import { markNsqjsMessageAnswered, nsqjsMessageTimeouts } from '../../../src/nsq/nsqjs/nsqjs-message.js';
import { nsqjsMessage } from '../../support/nsqjs-message.js';

describe('nsqjsMessageTimeouts', () => {
  it("reads the timeouts nsqjs copied from the connection's IDENTIFY answer", () => {
    expect(nsqjsMessageTimeouts(nsqjsMessage({ msgTimeoutMs: 1_234, maxMsgTimeoutMs: 56_789 }))).toEqual({ msgTimeoutMs: 1_234, maxMsgTimeoutMs: 56_789 });
  });

  it.each([0, -1, Number.NaN, undefined])("falls back to nsqd's defaults for a msg_timeout of %p", (value) => {
    const message = nsqjsMessage();
    (message as unknown as { msgTimeout: unknown; maxMsgTimeout: unknown }).msgTimeout = value;
    (message as unknown as { msgTimeout: unknown; maxMsgTimeout: unknown }).maxMsgTimeout = value;
    expect(nsqjsMessageTimeouts(message)).toEqual({ msgTimeoutMs: 60_000, maxMsgTimeoutMs: 900_000 });
  });
});

describe('markNsqjsMessageAnswered', () => {
  it('makes nsqjs send nothing more for the message, and stops its timeout timer', async () => {
    const message = nsqjsMessage();
    const responses: unknown[] = [];
    message.on('respond', (type) => responses.push(type));
    markNsqjsMessageAnswered(message);
    message.finish();
    message.requeue(0, false);
    message.touch();
    await new Promise((resolve) => process.nextTick(resolve));
    expect(responses).toEqual([]);
    expect(message.hasResponded).toBe(true);
    expect((message as unknown as { trackTimeoutId: unknown }).trackTimeoutId).toBeNull();
  });
});
