import { jest } from '@jest/globals';
import * as nsqjs from 'nsqjs';
import type { Message } from 'nsqjs';
import { toNsqjsReaderConfig } from '../../../src/nsq/nsqjs/nsqjs-config.js';
import type { NsqjsConnection } from '../../../src/nsq/nsqjs/nsqjs-internals.js';
import { NsqjsSubscriber } from '../../../src/nsq/nsqjs/nsqjs-subscriber.js';
import { resolveServerOptions } from '../../../src/options/resolve-server-options.js';

const NSQDConnection = (nsqjs as unknown as { NSQDConnection: new (...args: unknown[]) => NsqjsConnection }).NSQDConnection;

function subscriberWithConnection(prepare?: (conn: NsqjsConnection) => void) {
  const hooks = { onMessage: jest.fn<(message: Message) => void>(), onSubscribed: jest.fn(), onUnsubscribed: jest.fn(), onError: jest.fn() };
  const subscriber = new NsqjsSubscriber('orders', 'billing', toNsqjsReaderConfig(resolveServerOptions({ nsqdTcpAddresses: ['127.0.0.1:4150'], channel: 'billing' })), hooks);
  // A connection as connectToNSQD wires it, never connected: messages are pushed through it by hand.
  const conn = new NSQDConnection('127.0.0.1', 4150, 'orders', 'billing', {});
  prepare?.(conn);
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
    /**
     * A connection whose writes are recorded with the socket's cork level (what `conn.write` reaches with no
     * compression), set up before the subscriber wires it (as the guard's write is).
     */
    function withSocket() {
      const writes: string[] = [];
      const socket = {
        writableCorked: 0,
        destroyed: false,
        destroy: () => void (socket.destroyed = true),
        cork: () => void (socket.writableCorked += 1),
        uncork: () => void (socket.writableCorked = Math.max(0, socket.writableCorked - 1)),
      };
      const wired = subscriberWithConnection((conn) =>
        Object.assign(conn, {
          conn: socket,
          // The guard passes writes on only once there is somewhere to write to.
          outWriter: socket,
          write: (data: Buffer) => writes.push(`${String(data).trim().replace(/\n/g, ' | ')} corked ${socket.writableCorked}`),
        }),
      );
      return { ...wired, socket, writes };
    }
    const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));
    const nextTick = () => new Promise((resolve) => process.nextTick(resolve));

    it('lets a lone message’s FIN leave at the end of its own turn, not a macrotask later (maxInFlight 1)', async () => {
      const { socket, writes, deliver } = withSocket();
      const message = deliver('0000000000000001');
      await nextTick();
      message.finish();
      // Microtasks and ticks done, no macrotask yet: the FIN is on its way, the socket not held.
      await Promise.resolve();
      await nextTick();
      expect(writes).toEqual(['FIN 0000000000000001 corked 0']);
      expect(socket.writableCorked).toBe(0);
    });

    it('holds the socket until the next macrotask while other messages of the connection are unanswered: their FINs share a write', async () => {
      const { socket, writes, deliver } = withSocket();
      const first = deliver('0000000000000001');
      const second = deliver('0000000000000002');
      await nextTick();
      first.finish();
      await nextTick();
      expect(socket.writableCorked).toBe(1);
      second.finish();
      await nextTick();
      expect(writes).toEqual(['FIN 0000000000000001 corked 1', 'FIN 0000000000000002 corked 1']);
      await nextMacrotask();
      expect(socket.writableCorked).toBe(0);
    });

    it('writes the FINs given in one tick as one buffer, at the end of the tick', async () => {
      const { writes, deliver } = withSocket();
      const messages = ['0000000000000001', '0000000000000002', '0000000000000003'].map(deliver);
      await nextTick();
      for (const message of messages) message.finish();
      expect(writes).toEqual([]);
      expect(messages.every((m) => m.hasResponded)).toBe(true);
      await nextTick();
      expect(writes).toEqual(['FIN 0000000000000001 | FIN 0000000000000002 | FIN 0000000000000003 corked 1']);
    });

    it('lets nothing overtake a FIN given before it: REQ, RDY and the close write the pending FINs first', async () => {
      const { conn, writes, deliver } = withSocket();
      const [a, b, c, d] = ['0000000000000001', '0000000000000002', '0000000000000003', '0000000000000004'].map(deliver);
      await nextTick();
      a!.finish();
      b!.requeue(0, false);
      c!.finish();
      // nsqjs writes RDY (and NOP) through the connection's write.
      conn.write(Buffer.from('RDY 5\n'));
      d!.finish();
      conn.close();
      expect(writes).toEqual(['FIN 0000000000000001 corked 1', 'REQ 0000000000000002 0 corked 1', 'FIN 0000000000000003 corked 1', 'RDY 5 corked 1', 'FIN 0000000000000004 corked 1']);
      await nextTick();
      expect(writes).toHaveLength(5);
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
