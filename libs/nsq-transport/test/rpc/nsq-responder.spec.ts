import { jest } from '@jest/globals';
import type { MessageHandler } from '@nestjs/microservices';
import { of, throwError } from 'rxjs';
import { NsqContext } from '../../src/ctx-host/nsq.context.js';
import { NsqPoisonMessageError } from '../../src/errors/nsq-poison-message.error.js';
import type { NsqDelivery } from '../../src/nsq/nsq-delivery.js';
import { NsqResponder, type NsqReplyPublisher } from '../../src/rpc/nsq-responder.js';
import { NsqJsonSerializer } from '../../src/serializers/nsq-json.serializer.js';
import { ServerNsq } from '../../src/server/server-nsq.js';
import { openNsqBody } from '../../src/wire/nsq-envelope.js';

const REQUEST = { 'nsq-reply-to': 'reply.abc#ephemeral', 'nsq-correlation-id': '9' };

function setup(failPublish = false) {
  const published: Array<{ topic: string; headers: Record<string, string>; payload: string }> = [];
  const publisher: NsqReplyPublisher = {
    publish: jest.fn(async (topic: string, bodies: readonly Buffer[]) => {
      if (failPublish) throw new Error('nsqd gone');
      const opened = openNsqBody(bodies[0]!);
      published.push({ topic, headers: { ...opened.headers }, payload: opened.payload.toString() });
    }),
    close: jest.fn(async () => undefined),
  };
  // The real Nest reply loop (Server#send) and result conversion, from a server never started.
  const host = new ServerNsq({ nsqdTcpAddresses: ['127.0.0.1:4150'] });
  const responder = new NsqResponder(host, new NsqJsonSerializer(), () => publisher, { log: () => undefined });
  const context = (headers: Record<string, string>, attempts = 1) => new NsqContext([{ headers, attempts, topic: 'q' } as unknown as NsqDelivery]);
  const handler = (fn: () => unknown) => Object.assign(fn, { isEventHandler: false }) as unknown as MessageHandler;
  return { responder, published, context, handler, publisher };
}

describe('NsqResponder', () => {
  it('answers a value with one complete reply, carrying the correlation id and the attempt', async () => {
    const { responder, published, context, handler } = setup();
    await responder.respond(handler(async () => ({ ok: true })), {}, context(REQUEST, 2));
    expect(published).toEqual([
      { topic: 'reply.abc#ephemeral', headers: { 'nsq-correlation-id': '9', 'nsq-reply-status': 'complete', 'nsq-reply-seq': '0', 'nsq-reply-attempt': '2' }, payload: '{"ok":true}' },
    ]);
  });

  it("publishes each reply to be coalesced with the other replies of its event-loop turn ('turn')", async () => {
    const { responder, context, handler, publisher } = setup();
    await responder.respond(handler(async () => 1), {}, context(REQUEST));
    expect(publisher.publish).toHaveBeenCalledWith('reply.abc#ephemeral', [expect.any(Buffer)], 0, 'turn');
  });

  it('streams an Observable as numbered next replies, the last one folded into complete (as Nest does)', async () => {
    const { responder, published, context, handler } = setup();
    await responder.respond(handler(() => of(1, 2, 3)), {}, context(REQUEST));
    expect(published.map((p) => [p.headers['nsq-reply-status'], p.headers['nsq-reply-seq'], p.payload])).toEqual([
      ['next', '0', '1'],
      ['next', '1', '2'],
      ['complete', '2', '3'],
    ]);
  });

  it('answers an error with its RPC shape as JSON, and resolves (the request is answered, not retried)', async () => {
    const { responder, published, context, handler } = setup();
    await responder.respond(handler(() => throwError(() => ({ status: 'error', message: 'no' }))), {}, context(REQUEST));
    expect(published).toHaveLength(1);
    expect(published[0]!.headers['nsq-reply-status']).toBe('error');
    expect(JSON.parse(published[0]!.payload)).toEqual({ status: 'error', message: 'no' });
  });

  it('skips a request past its nsq-expires-at without running the handler', async () => {
    const { responder, published, context } = setup();
    const run = jest.fn();
    await responder.respond(Object.assign(run, { isEventHandler: false }) as unknown as MessageHandler, {}, context({ ...REQUEST, 'nsq-expires-at': String(Date.now() - 1) }));
    expect(run).not.toHaveBeenCalled();
    expect(published).toEqual([]);
  });

  it('refuses a message without reply-to as poison', async () => {
    const { responder, context, handler } = setup();
    await expect(responder.respond(handler(() => 1), {}, context({}))).rejects.toBeInstanceOf(NsqPoisonMessageError);
  });

  it('rejects when the reply cannot be published (the request is requeued for another run)', async () => {
    const { responder, context, handler } = setup(true);
    await expect(responder.respond(handler(() => 1), {}, context(REQUEST))).rejects.toThrow('nsqd gone');
  });
});
