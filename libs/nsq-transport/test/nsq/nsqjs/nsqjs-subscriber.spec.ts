import { jest } from '@jest/globals';
import * as nsqjs from 'nsqjs';
import type { Message } from 'nsqjs';
import { toNsqjsReaderConfig } from '../../../src/nsq/nsqjs/nsqjs-config.js';
import type { NsqjsConnection } from '../../../src/nsq/nsqjs/nsqjs-internals.js';
import { NsqjsSubscriber } from '../../../src/nsq/nsqjs/nsqjs-subscriber.js';
import { resolveServerOptions } from '../../../src/options/resolve-server-options.js';

const NSQDConnection = (nsqjs as unknown as { NSQDConnection: new (...args: unknown[]) => NsqjsConnection }).NSQDConnection;

function subscriberWithConnection() {
  const hooks = { onMessage: jest.fn<(message: Message) => void>(), onSubscribed: jest.fn(), onUnsubscribed: jest.fn(), onError: jest.fn() };
  const subscriber = new NsqjsSubscriber('orders', 'billing', toNsqjsReaderConfig(resolveServerOptions({ nsqdTcpAddresses: ['127.0.0.1:4150'], channel: 'billing' })), hooks);
  // A connection as connectToNSQD wires it, never connected: messages are pushed through it by hand.
  const conn = new NSQDConnection('127.0.0.1', 4150, 'orders', 'billing', {});
  subscriber.registerConnectionListeners(conn);
  (subscriber as unknown as { readerRdy: { addConnection(c: unknown): void } }).readerRdy.addConnection(conn);
  const requeued = jest.fn();
  conn.on('requeued', requeued);
  const deliver = (id: string) => {
    const raw = Buffer.alloc(28);
    raw.write(id, 10, 'latin1');
    const message = conn.createMessage(raw) as Message;
    conn.emit('message', message);
    return message;
  };
  return { subscriber, conn, hooks, requeued, deliver };
}

describe('NsqjsSubscriber', () => {
  it("hands each connection's messages on (nsqjs's Reader does so on the next tick)", async () => {
    const { hooks, deliver } = subscriberWithConnection();
    const message = deliver('0123456789abcdef');
    await new Promise((resolve) => process.nextTick(resolve));
    expect(hooks.onMessage).toHaveBeenCalledWith(message);
  });

  describe('the FINs of one turn', () => {
    /** A socket that records its writes and cork level (what `conn.write` reaches with no compression). */
    function withSocket(conn: NsqjsConnection) {
      const writes: string[] = [];
      const socket = {
        writableCorked: 0,
        destroyed: false,
        cork: () => void (socket.writableCorked += 1),
        uncork: () => void (socket.writableCorked = Math.max(0, socket.writableCorked - 1)),
      };
      Object.assign(conn, { conn: socket, write: (data: Buffer) => writes.push(`${String(data).trim()} corked ${socket.writableCorked}`) });
      return { socket, writes };
    }
    const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));
    const nextTick = () => new Promise((resolve) => process.nextTick(resolve));

    it('lets a lone message’s FIN leave at the end of its own turn, not a macrotask later (maxInFlight 1)', async () => {
      const { conn, deliver } = subscriberWithConnection();
      const { socket, writes } = withSocket(conn);
      const message = deliver('0000000000000001');
      await nextTick();
      message.finish();
      expect(writes).toEqual(['FIN 0000000000000001 corked 1']);
      // Microtasks and ticks done, no macrotask yet: the FIN is on its way.
      await Promise.resolve();
      await nextTick();
      expect(socket.writableCorked).toBe(0);
    });

    it('holds the socket until the next macrotask while other messages of the connection are unanswered: their FINs share a write', async () => {
      const { conn, deliver } = subscriberWithConnection();
      const { socket, writes } = withSocket(conn);
      const first = deliver('0000000000000001');
      const second = deliver('0000000000000002');
      await nextTick();
      first.finish();
      await nextTick();
      expect(socket.writableCorked).toBe(1);
      second.finish();
      expect(writes).toEqual(['FIN 0000000000000001 corked 1', 'FIN 0000000000000002 corked 1']);
      await nextMacrotask();
      expect(socket.writableCorked).toBe(0);
    });
  });

  describe('forget', () => {
    it('counts a copy nsqd took back as requeued on its connection (for the RDY controller), and writes nothing for it', async () => {
      const { subscriber, conn, requeued, deliver } = subscriberWithConnection();
      const write = jest.spyOn(conn, 'write');
      const message = deliver('0123456789abcdef');
      subscriber.forget(message);
      expect(requeued).toHaveBeenCalledTimes(1);
      expect(message.hasResponded).toBe(true);
      // Any later answer for the stale copy goes nowhere: nsqd holds a new copy with the same id.
      message.finish();
      await new Promise((resolve) => process.nextTick(resolve));
      expect(write).not.toHaveBeenCalled();
    });

    it('is a no-op for a message already answered, or forgotten', async () => {
      const { subscriber, requeued, deliver } = subscriberWithConnection();
      const answered = deliver('aaaaaaaaaaaaaaaa');
      answered.finish();
      await new Promise((resolve) => process.nextTick(resolve));
      const forgotten = deliver('bbbbbbbbbbbbbbbb');
      subscriber.forget(forgotten);
      requeued.mockClear();
      subscriber.forget(answered);
      subscriber.forget(forgotten);
      expect(requeued).not.toHaveBeenCalled();
    });
  });
});
