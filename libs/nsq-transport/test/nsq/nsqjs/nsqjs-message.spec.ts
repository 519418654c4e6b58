import { markNsqjsMessageAnswered, NSQJS_FRAME_BODY_START, nsqjsMessageFrame, nsqjsMessageTimeoutMs } from '../../../src/nsq/nsqjs/nsqjs-message.js';
import { nsqjsMessage } from '../../support/nsqjs-message.js';

describe('nsqjsMessageTimeoutMs', () => {
  it("reads the msg_timeout nsqjs copied from the connection's IDENTIFY answer", () => {
    expect(nsqjsMessageTimeoutMs(nsqjsMessage({ msgTimeoutMs: 1_234 }))).toBe(1_234);
  });

  it.each([0, -1, Number.NaN, undefined])("falls back to nsqd's default for a msg_timeout of %p", (value) => {
    const message = nsqjsMessage();
    (message as unknown as { msgTimeout: unknown }).msgTimeout = value;
    expect(nsqjsMessageTimeoutMs(message)).toBe(60_000);
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

describe('nsqjsMessageFrame', () => {
  it("is the frame nsqjs's body is sliced from: the body starts at NSQJS_FRAME_BODY_START, and the id before it", () => {
    const message = nsqjsMessage({ id: '0123456789abcdef', body: Buffer.from('{"order":1}') });
    const frame = nsqjsMessageFrame(message);
    expect(frame).toBeDefined();
    expect(frame!.subarray(NSQJS_FRAME_BODY_START)).toEqual(message.body);
    expect(frame!.toString('latin1', NSQJS_FRAME_BODY_START - 16, NSQJS_FRAME_BODY_START)).toBe(message.id);
  });

  it('is undefined for a message without a frame (a stand-in made by hand)', () => {
    const message = nsqjsMessage();
    (message as unknown as { rawMessage: unknown }).rawMessage = undefined;
    expect(nsqjsMessageFrame(message)).toBeUndefined();
  });
});
