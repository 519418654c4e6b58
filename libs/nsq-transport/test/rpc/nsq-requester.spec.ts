import { jest } from '@jest/globals';
import type { WritePacket } from '@nestjs/microservices';
import type { Message } from 'nsqjs';
import { NsqJsonDeserializer } from '../../src/deserializers/nsq-json.deserializer.js';
import { NsqRequestAbortedError } from '../../src/errors/nsq-request-aborted.error.js';
import { NsqRequestTimeoutError } from '../../src/errors/nsq-request-timeout.error.js';
import { NsqUnavailableError } from '../../src/errors/nsq-unavailable.error.js';
import type { NsqSubscriptionPort } from '../../src/nsq/nsq-subscription.js';
import { NsqRequester } from '../../src/rpc/nsq-requester.js';
import { nsqReplyHeaders, type NsqReplyStatus } from '../../src/rpc/nsq-reply.js';
import { encodeNsqEnvelope } from '../../src/wire/nsq-envelope.js';
import type { NsqHeaders } from '../../src/wire/nsq-headers.js';

/** A reply subscription that is always subscribed; the test hands it messages. */
function setup(maxPendingRequests = 10) {
  let deliver: (message: Message) => void = () => undefined;
  const subscription = { isSubscribed: true, start: jest.fn(), whenSubscribed: () => Promise.resolve(), close: jest.fn(async () => undefined) } as unknown as NsqSubscriptionPort;
  const requester = new NsqRequester(
    { config: {} as never, requestTimeoutMs: 1_000, maxPendingRequests, reconnectMaxDelayMs: 1_000, deserializer: new NsqJsonDeserializer() },
    { onError: () => undefined },
    (_topic, _channel, onReply) => {
      deliver = onReply;
      return subscription;
    },
  );
  const sent: NsqHeaders[] = [];
  const publish = (headers: NsqHeaders) => {
    sent.push(headers);
    return Promise.resolve();
  };
  const reply = (id: string, status: NsqReplyStatus, seq: number, value?: unknown, attempt = 1) => {
    const finish = jest.fn();
    const body = encodeNsqEnvelope(nsqReplyHeaders(id, status, seq, attempt), value === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(value)));
    deliver({ body, finish } as unknown as Message);
    return finish;
  };
  return { requester, publish, sent, reply, subscription };
}

describe('NsqRequester', () => {
  afterEach(() => jest.useRealTimers());

  it('publishes reply-to, correlation id and expiry; hands over values in seq order and completes', () => {
    const { requester, publish, sent, reply } = setup();
    const packets: WritePacket[] = [];
    requester.request('t', undefined, publish, (p) => packets.push(p));
    const headers = sent[0]!;
    expect(headers['nsq-reply-to']).toBe(requester.replyTopic);
    expect(requester.replyTopic).toMatch(/^reply\.[0-9a-f]{32}#ephemeral$/);
    const id = headers['nsq-correlation-id']!;
    reply(id, 'next', 1, 'b');
    expect(packets).toEqual([]);
    expect(reply(id, 'next', 0, 'a')).toHaveBeenCalled();
    reply(id, 'complete', 2);
    expect(packets).toEqual([{ response: 'a' }, { response: 'b' }, { isDisposed: true }]);
    expect(requester.pendingCount).toBe(0);
  });

  it('follows the first run it hears from; the other run and anything after the end count as late', () => {
    const { requester, publish, sent, reply } = setup();
    const packets: WritePacket[] = [];
    requester.request('t', undefined, publish, (p) => packets.push(p));
    const id = sent[0]!['nsq-correlation-id']!;
    reply(id, 'next', 0, 'first', 2);
    reply(id, 'next', 0, 'other', 1);
    reply(id, 'complete', 1, 'end', 2);
    reply(id, 'complete', 1, 'again', 1);
    expect(packets).toEqual([{ response: 'first' }, { response: 'end', isDisposed: true }]);
    expect(requester.lateReplies).toBe(2);
  });

  it('an error reply ends the request with its JSON', () => {
    const { requester, publish, sent, reply } = setup();
    const packets: WritePacket[] = [];
    requester.request('t', undefined, publish, (p) => packets.push(p));
    reply(sent[0]!['nsq-correlation-id']!, 'error', 0, { status: 'error', message: 'no' });
    expect(packets).toEqual([{ err: { status: 'error', message: 'no' } }]);
  });

  it('times out with NsqRequestTimeoutError, the per-request timeout winning', () => {
    jest.useFakeTimers();
    const { requester, publish } = setup();
    const packets: WritePacket[] = [];
    requester.request('t', 50, publish, (p) => packets.push(p));
    jest.advanceTimersByTime(50);
    expect(packets[0]!.err).toBeInstanceOf(NsqRequestTimeoutError);
    expect(packets[0]!.err).toMatchObject({ pattern: 't', timeoutMs: 50 });
    expect(requester.pendingCount).toBe(0);
  });

  it('the teardown forgets the request; its reply is counted late', () => {
    const { requester, publish, sent, reply } = setup();
    const packets: WritePacket[] = [];
    const teardown = requester.request('t', undefined, publish, (p) => packets.push(p));
    teardown();
    expect(requester.pendingCount).toBe(0);
    reply(sent[0]!['nsq-correlation-id']!, 'complete', 0, 1);
    expect(packets).toEqual([]);
    expect(requester.lateReplies).toBe(1);
  });

  it('a failed publish ends the request with its error', async () => {
    const { requester } = setup();
    const packets: WritePacket[] = [];
    const failure = new NsqUnavailableError('down');
    requester.request('t', undefined, () => Promise.reject(failure), (p) => packets.push(p));
    await Promise.resolve();
    await Promise.resolve();
    expect(packets).toEqual([{ err: failure }]);
    expect(requester.pendingCount).toBe(0);
  });

  it('refuses past maxPendingRequests, and fails pending requests on close()', async () => {
    const { requester, publish, subscription } = setup(1);
    const first: WritePacket[] = [];
    const second: WritePacket[] = [];
    requester.request('t', undefined, publish, (p) => first.push(p));
    requester.request('t', undefined, publish, (p) => second.push(p));
    expect(second[0]!.err).toBeInstanceOf(NsqUnavailableError);
    await requester.close();
    expect(first[0]!.err).toBeInstanceOf(NsqRequestAbortedError);
    expect(subscription.close).toHaveBeenCalled();
    const after: WritePacket[] = [];
    requester.request('t', undefined, publish, (p) => after.push(p));
    expect(after[0]!.err).toBeInstanceOf(NsqRequestAbortedError);
  });
});
