import { Message } from 'nsqjs';
import { NsqjsLeanMessage, createNsqjsLeanMessage } from '../../../src/nsq/nsqjs/nsqjs-lean-message.js';
import type { NsqjsConnection } from '../../../src/nsq/nsqjs/nsqjs-internals.js';
import { markNsqjsMessageAnswered, nsqjsMessageTimeoutMs } from '../../../src/nsq/nsqjs/nsqjs-message.js';
import { nsqjsMessage } from '../../support/nsqjs-message.js';

/** A reader connection as the lean message uses it: what it writes and which events it raises, in order. */
function connection() {
  const log: string[] = [];
  const conn = {
    msgTimeout: 30_000,
    maxMsgTimeout: 900_000,
    config: { tlsVerification: true, requeueDelay: 90_000 },
    write: (data: Buffer | string) => log.push(`write ${String(data)}`),
    emit: (event: string) => log.push(`emit ${event}`) > 0,
  };
  return { conn: conn as unknown as NsqjsConnection, log };
}

/** The same message frame data for nsqjs's Message and the lean one. */
function pair(spec: { id?: string; attempts?: number; body?: string } = {}) {
  const reference = nsqjsMessage({ msgTimeoutMs: 30_000, ...spec });
  const { conn, log } = connection();
  const lean = createNsqjsLeanMessage(conn, (reference as unknown as { rawMessage: Buffer }).rawMessage);
  return { reference, lean, log };
}

describe('NsqjsLeanMessage', () => {
  it('is an nsqjs Message with the same id, attempts, body, timestamp and timeouts', () => {
    const { reference, lean } = pair({ id: 'abcdef0123456789', attempts: 7, body: '{"a":1}' });
    expect(lean).toBeInstanceOf(Message);
    expect(lean).toBeInstanceOf(NsqjsLeanMessage);
    expect(lean.id).toBe(reference.id);
    expect(lean.attempts).toBe(7);
    expect(lean.body.toString()).toBe('{"a":1}');
    expect(lean.timestamp).toBe(reference.timestamp);
    expect(lean.json()).toEqual({ a: 1 });
    expect(nsqjsMessageTimeoutMs(lean)).toBe(30_000);
    expect(lean.hasResponded).toBe(false);
  });

  it('arms no timeout timer (the transport tracks the negotiated timeout itself)', () => {
    const { lean } = pair();
    expect((lean as unknown as { trackTimeoutId: unknown }).trackTimeoutId).toBeNull();
    expect((lean as unknown as { timedOut: boolean }).timedOut).toBe(false);
  });

  it("reads the connection's timeouts and requeue delay instead of copying them; an assignment gives one message its own", () => {
    type Timeouts = { msgTimeout: number; maxMsgTimeout: number; requeueDelay: number };
    const first = pair().lean as unknown as Timeouts;
    const second = pair().lean as unknown as Timeouts;
    expect([first.msgTimeout, first.maxMsgTimeout, first.requeueDelay]).toEqual([30_000, 900_000, 90_000]);
    expect(Object.keys(first)).not.toContain('msgTimeout');
    first.msgTimeout = 5_000;
    expect(first.msgTimeout).toBe(5_000);
    expect(second.msgTimeout).toBe(30_000);
    expect(nsqjsMessageTimeoutMs(first as never)).toBe(5_000);
  });

  it('keeps listeners and touch counts per message, although their starting values are shared (on the prototype)', () => {
    const first = pair({ id: 'aaaaaaaaaaaaaaaa' }).lean;
    const second = pair({ id: 'bbbbbbbbbbbbbbbb' }).lean;
    const heard: string[] = [];
    first.on('backoff', () => heard.push('first'));
    expect(second.emit('backoff')).toBe(false);
    expect(first.emit('backoff')).toBe(true);
    expect(heard).toEqual(['first']);
    expect(second.listenerCount('backoff')).toBe(0);
    first.touch();
    first.touch();
    expect((first as unknown as { touchCount: number }).touchCount).toBe(2);
    expect((second as unknown as { touchCount: number }).touchCount).toBe(0);
    expect(Object.keys(second)).not.toContain('_events');
  });

  it("finishes at once: FIN with the id's bytes, then 'finished'; any later answer is dropped", () => {
    const { lean, log } = pair({ id: '0123456789abcdef' });
    lean.finish();
    expect(lean.hasResponded).toBe(true);
    lean.finish();
    lean.requeue(0, true);
    lean.touch();
    expect(log).toEqual(['write FIN 0123456789abcdef\n', 'emit finished']);
  });

  it('holds the answers of one turn in one write: the socket stays corked until the next tick', async () => {
    // A responder FINs once its reply is acknowledged, on another socket's read: nothing corked this one then.
    const socket = { writableCorked: 0, corks: 0, cork: () => (socket.writableCorked += 1, socket.corks += 1), uncork: () => (socket.writableCorked -= 1) };
    const { conn, log } = connection();
    Object.assign(conn, { conn: socket, write: (data: Buffer) => log.push(`write ${String(data).trim()} corked ${socket.writableCorked}`) });
    const raw = (id: string) => (nsqjsMessage({ id, msgTimeoutMs: 30_000 }) as unknown as { rawMessage: Buffer }).rawMessage;
    createNsqjsLeanMessage(conn, raw('0000000000000001')).finish();
    createNsqjsLeanMessage(conn, raw('0000000000000002')).requeue(0, false);
    expect(log.filter((l) => l.startsWith('write'))).toEqual(['write FIN 0000000000000001 corked 1', 'write REQ 0000000000000002 0 corked 1']);
    expect(socket.corks).toBe(1);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(socket.writableCorked).toBe(0);
  });

  it("requeues with the delay given (nsqjs's default otherwise), 'backoff' before 'requeued' as nsqjs did", () => {
    const withBackoff = pair({ id: '0123456789abcdef' });
    withBackoff.lean.requeue(1500);
    expect(withBackoff.log).toEqual(['emit backoff', 'write REQ 0123456789abcdef 1500\n', 'emit requeued']);
    const without = pair({ id: '0123456789abcdef' });
    without.lean.requeue(undefined, false);
    expect(without.log).toEqual(['write REQ 0123456789abcdef 90000\n', 'emit requeued']);
  });

  it('touches without settling, then still finishes', () => {
    const { lean, log } = pair({ id: '0123456789abcdef' });
    lean.touch();
    expect(lean.hasResponded).toBe(false);
    expect((lean as unknown as { touchCount: number }).touchCount).toBe(1);
    lean.finish();
    expect(log).toEqual(['write TOUCH 0123456789abcdef\n', 'write FIN 0123456789abcdef\n', 'emit finished']);
  });

  it('writes nothing once marked answered (a copy nsqd already took back)', () => {
    const { lean, log } = pair();
    markNsqjsMessageAnswered(lean);
    lean.finish();
    lean.requeue(0, true);
    lean.touch();
    expect(log).toEqual([]);
  });

  it("keeps EventEmitter's methods working on the message", () => {
    const lean = pair().lean as unknown as NodeJS.EventEmitter;
    const seen: unknown[] = [];
    lean.on('custom', (value: unknown) => seen.push(value));
    lean.emit('custom', 1);
    expect(seen).toEqual([1]);
  });
});
