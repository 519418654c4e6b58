import { EventEmitter } from 'node:events';
import { encodeFrame } from '../../../../../test/support/nsq-frames.js';
import { Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { constants as zlibConstants, createDeflateRaw, inflateRawSync } from 'node:zlib';
import * as nsqjs from 'nsqjs';
import { NsqProtocolError } from '../../../src/errors/nsq-protocol.error.js';
import { NsqSecurityError } from '../../../src/errors/nsq-security.error.js';
import { guardNsqjsConnection, type NsqjsConnectionPolicy } from '../../../src/nsq/nsqjs/nsqjs-connection-guard.js';
import type { NsqjsConnection } from '../../../src/nsq/nsqjs/nsqjs-internals.js';

// nsqjs exports its connection classes; @types/nsqjs does not declare them.
const { NSQDConnection, WriterNSQDConnection } = nsqjs as unknown as Record<'NSQDConnection' | 'WriterNSQDConnection', new (...args: never[]) => unknown>;

const POLICY: NsqjsConnectionPolicy = { tls: false, rejectUnauthorized: true, allowInsecureAuth: false, maxFrameBytes: 1024, idleTimeoutMs: 0 };

const frame = encodeFrame;
const size = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeInt32BE(n, 0);
  return b;
};

/** A real nsqjs 0.13 connection (never connected), guarded, with writes, errors and messages recorded. */
function connection(policy: Partial<NsqjsConnectionPolicy> = {}, Kind: new (...args: never[]) => unknown = NSQDConnection as never) {
  const conn = new (Kind as unknown as new (...args: unknown[]) => NsqjsConnection & EventEmitter)('nsqd.example', 4150, 'topic', 'channel', {});
  const written: Buffer[] = [];
  const errors: Error[] = [];
  const messages: unknown[] = [];
  // Never connected: a bare socket for CLOSED to destroy, and a writer that records.
  conn.conn = new Socket();
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => written.push(chunk));
  conn.outWriter = out;
  conn.on('error', (error: Error) => errors.push(error));
  conn.on('message', (message: unknown) => messages.push(message));
  conn.onDataFn = (data: Buffer) => conn.receiveData(data);
  guardNsqjsConnection(conn, { ...POLICY, ...policy });
  const machine = conn.statemachine;
  const flushed = () => new Promise<string>((resolve) => setImmediate(() => resolve(Buffer.concat(written).toString('latin1'))));
  return { conn, machine, written, errors, messages, out, flushed };
}

describe('guardNsqjsConnection', () => {
  describe('frames', () => {
    it('delivers well-formed frames, also when they arrive split across reads', () => {
      const { conn, machine, messages } = connection();
      machine.goto('READY_RECV');
      const message = frame(2, Buffer.concat([Buffer.alloc(8), Buffer.from([0, 1]), Buffer.from('0123456789abcdef'), Buffer.from('body')]));
      const bytes = Buffer.concat([message, frame(0, '_heartbeat_'), message]);
      for (let at = 0; at < bytes.length; at += 7) conn.receiveData(bytes.subarray(at, at + 7));
      expect(messages).toHaveLength(2);
      expect(machine.current_state_name).toBe('READY_RECV');
    });

    it.each<[string, Buffer]>([
      ['a negative frame size', size(-100)],
      ['a frame size above maxFrameBytes', size(0x7fffffff)],
      ['a frame size below 4', size(2)],
      ['an unknown frame type', frame(7, 'x')],
      ['a message frame shorter than its header', frame(2, 'short')],
    ])('fails the connection once with NsqProtocolError on %s, without throwing', (_label, bytes) => {
      const { conn, machine, errors } = connection();
      machine.goto('READY_RECV');
      expect(() => conn.receiveData(bytes)).not.toThrow();
      conn.receiveData(frame(0, 'OK'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(NsqProtocolError);
      expect((errors[0] as NsqProtocolError).address).toBe('nsqd.example:4150');
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it('fails the connection on a message id nsqjs could never FIN (not 16 printable ASCII characters)', () => {
      const { conn, machine, errors, messages } = connection();
      machine.goto('READY_RECV');
      conn.receiveData(frame(2, Buffer.concat([Buffer.alloc(8), Buffer.from([0, 1]), Buffer.from('0123456789abcde\u00e9'.slice(0, 15)), Buffer.from([0xc3]), Buffer.from('body')])));
      expect(messages).toEqual([]);
      expect(errors[0]).toBeInstanceOf(NsqProtocolError);
      expect(errors[0]!.message).toMatch(/message id/);
    });

    it('reports a peer that closes in the middle of a frame', () => {
      const { conn, machine, errors } = connection();
      const socket = Object.assign(new PassThrough(), { setTimeout: () => undefined }) as unknown as Socket;
      conn.registerStreamListeners(socket);
      machine.goto('READY_RECV');
      conn.receiveData(frame(0, 'OK').subarray(0, 6));
      socket.emit('end');
      expect(errors[0]).toBeInstanceOf(NsqProtocolError);
      expect(errors[0]!.message).toMatch(/in the middle of a frame \(6 bytes/);
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it("keeps a publisher's connection from being turned into a consumer's by an error nsqd never sends to publishers", () => {
      const { conn, machine, errors } = connection({}, WriterNSQDConnection as never);
      machine.goto('READY_SEND');
      conn.receiveData(frame(1, 'E_FIN_FAILED FIN 0123 failed'));
      expect(errors).toHaveLength(1);
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it("keeps nsqd's non-fatal E_FIN_FAILED from closing the connection", () => {
      const { conn, machine, errors } = connection();
      machine.goto('READY_RECV');
      conn.receiveData(frame(1, 'E_FIN_FAILED FIN 0123 failed'));
      expect(errors.map((e) => e.message)).toEqual(['E_FIN_FAILED FIN 0123 failed']);
      expect(machine.current_state_name).toBe('READY_RECV');
    });
  });

  describe('IDENTIFY and AUTH answers', () => {
    it.each(['not json', '[1,2]', 'null', '{"max_rdy_count":'])('fails the connection on an IDENTIFY answer of %p, without quoting it', (answer) => {
      const { conn, machine, errors } = connection();
      machine.goto('IDENTIFY_RESPONSE');
      expect(() => conn.receiveData(frame(0, answer))).not.toThrow();
      expect(errors[0]).toBeInstanceOf(NsqProtocolError);
      expect(errors[0]!.message).toMatch(/answered IDENTIFY/);
      expect(errors[0]!.message).not.toContain(answer);
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it('accepts a JSON IDENTIFY answer and records what nsqd negotiated', () => {
      const { conn, machine, errors } = connection();
      machine.goto('IDENTIFY_RESPONSE');
      conn.receiveData(frame(0, JSON.stringify({ max_rdy_count: 100, msg_timeout: 30000, max_msg_timeout: 60000 })));
      expect(errors).toEqual([]);
      expect(conn.maxRdyCount).toBe(100);
      expect(conn.msgTimeout).toBe(30000);
      expect(machine.current_state_name).toBe('SUBSCRIBE_RESPONSE');
    });

    it('fails the connection on an AUTH answer that is not JSON', () => {
      const { conn, machine, errors } = connection();
      machine.goto('AUTH_RESPONSE');
      expect(() => conn.receiveData(frame(0, 'garbage'))).not.toThrow();
      expect(errors[0]).toBeInstanceOf(NsqProtocolError);
      expect(machine.current_state_name).toBe('CLOSED');
    });
  });

  describe('AUTH', () => {
    it('is not sent when nsqd did not ask for it, even with a secret (nsqd would answer E_AUTH_DISABLED)', async () => {
      const { machine, flushed } = connection({ tls: true, authSecret: 'hidden-secret' });
      machine.identifyResponse = { auth_required: false };
      machine.goto('AUTH');
      expect(await flushed()).not.toContain('AUTH');
      expect(machine.current_state_name).toBe('SUBSCRIBE_RESPONSE');
    });

    it('a Writer connection goes straight to READY_SEND', () => {
      const { machine } = connection({ authSecret: 'hidden-secret' }, WriterNSQDConnection as never);
      machine.identifyResponse = {};
      machine.goto('AUTH');
      expect(machine.current_state_name).toBe('READY_SEND');
    });

    it('fails with NsqSecurityError when nsqd requires it and no secret is set', () => {
      const { machine, errors } = connection();
      machine.identifyResponse = { auth_required: true };
      machine.goto('AUTH');
      expect(errors[0]).toBeInstanceOf(NsqSecurityError);
      expect(errors[0]!.message).toMatch(/requires AUTH/);
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it('refuses to send the secret over plain text unless allowInsecureAuth, and never names it', async () => {
      const { machine, errors, flushed } = connection({ authSecret: 'hidden-secret' });
      machine.identifyResponse = { auth_required: true };
      machine.goto('AUTH');
      expect(await flushed()).not.toContain('hidden-secret');
      expect(errors[0]).toBeInstanceOf(NsqSecurityError);
      expect(errors[0]!.message).toMatch(/plain text/);
      expect(errors[0]!.message).not.toContain('hidden-secret');
    });

    it('sends AUTH from the policy (nsqjs never holds the secret) when allowed', async () => {
      const { conn, machine, flushed } = connection({ authSecret: 'hidden-secret', allowInsecureAuth: true });
      machine.identifyResponse = { auth_required: true };
      machine.goto('AUTH');
      const secret = Buffer.from('hidden-secret');
      expect(Buffer.from(await flushed(), 'latin1')).toEqual(Buffer.concat([Buffer.from('AUTH\n'), size(secret.length).subarray(0, 4), secret]));
      expect(machine.current_state_name).toBe('AUTH_RESPONSE');
      expect(JSON.stringify(conn.config)).not.toContain('hidden-secret');
    });
  });

  describe('TLS', () => {
    it('refuses to continue in plain text when TLS was asked for and nsqd did not offer it', () => {
      const { machine, errors } = connection({ tls: true });
      machine.identifyResponse = { tls_v1: false };
      machine.goto('IDENTIFY_COMPRESSION_CHECK');
      expect(errors[0]).toBeInstanceOf(NsqSecurityError);
      expect(errors[0]!.message).toMatch(/did not offer TLS/);
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it('lets a plain connection that never asked for TLS through', () => {
      const { machine, errors } = connection();
      machine.identifyResponse = {};
      machine.goto('IDENTIFY_COMPRESSION_CHECK');
      expect(errors).toEqual([]);
      expect(machine.current_state_name).toBe('SUBSCRIBE_RESPONSE');
    });
    // The TLS upgrade's host/servername needs a real handshake: test/security/tls.spec.ts covers it end to end.
  });

  describe('compression', () => {
    it('turns a stream error into one NsqProtocolError, and ignores the echoes once closed', () => {
      const { conn, machine, errors } = connection();
      const inflater = new PassThrough();
      const deflater = new PassThrough();
      conn.startCompression(inflater, deflater);
      machine.goto('READY_RECV');
      inflater.emit('error', Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' }));
      deflater.emit('error', new Error('write after end'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(NsqProtocolError);
      expect(errors[0]!.message).toMatch(/compressed stream.*unexpected end of file/);
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it('hands the bytes that followed the OK in the same read to the decompressor', () => {
      const { conn } = connection();
      const inflater = new PassThrough();
      const received: Buffer[] = [];
      inflater.on('data', (chunk: Buffer) => received.push(chunk));
      // An OK frame plus a partial frame already compressed by nsqd.
      conn.receiveData(Buffer.concat([size(100).subarray(0, 4), Buffer.from([0, 0])]));
      conn.startCompression(inflater, new PassThrough());
      expect(Buffer.concat(received)).toEqual(Buffer.concat([size(100).subarray(0, 4), Buffer.from([0, 0])]));
    });
  });

  describe('close', () => {
    it('sends CLS through the writer FIN/REQ go through, then ends it (a reader)', async () => {
      const { conn, machine, out, written } = connection();
      machine.goto('READY_RECV');
      const ended = new Promise((resolve) => out.on('end', resolve));
      conn.write(Buffer.from('FIN 0123456789abcdef\n'));
      conn.close();
      await ended;
      expect(Buffer.concat(written).toString()).toBe('FIN 0123456789abcdef\nCLS\n');
      // Later writes (a FIN of a handler finishing after close) are dropped, not written after the end.
      expect(() => conn.write(Buffer.from('FIN x\n'))).not.toThrow();
    });

    it('ends a publisher without CLS (nsqd refuses CLS from a publisher, fatally)', async () => {
      const { conn, machine, out, written } = connection({}, WriterNSQDConnection as never);
      machine.goto('READY_SEND');
      const ended = new Promise((resolve) => out.on('end', resolve));
      conn.close();
      await ended;
      expect(Buffer.concat(written).toString()).toBe('');
    });

    /** A socket that records what is written to it and never receives anything. */
    function recordingSocket() {
      const sent: Buffer[] = [];
      const socket = new Duplex({
        read: () => undefined,
        write: (chunk: Buffer, _encoding, done) => (sent.push(chunk), done()),
      });
      return { socket, sent };
    }

    it('with deflate, ends the compressed stream after CLS but not the socket: nsqd stops reading at its final block and closes', async () => {
      // Over TLS, ending the socket sends a close_notify behind that block. nsqd never reads it, and a
      // socket closed with unread bytes is reset: nsqd's orderly close reached us as ECONNRESET.
      const { conn, machine } = connection();
      const { socket, sent } = recordingSocket();
      conn.conn = socket as unknown as Socket;
      // As nsqjs 0.13's startDeflate makes them.
      const deflater = createDeflateRaw({ flush: zlibConstants.Z_SYNC_FLUSH });
      conn.startCompression(new PassThrough(), deflater);
      machine.goto('READY_RECV');
      conn.write(Buffer.from('FIN 0123456789abcdef\n'));
      conn.close();
      // pipe()'s own 'end' listener, registered first, would have ended the socket by the time this one runs.
      await new Promise((resolve) => deflater.once('end', resolve));
      expect(inflateRawSync(Buffer.concat(sent)).toString()).toBe('FIN 0123456789abcdef\nCLS\n');
      expect(socket.writableEnded).toBe(false);
    });

    it('with a compression that has no end of its own (snappy), ends the socket after CLS: nsqd sees the end only there', async () => {
      const { conn, machine } = connection();
      const { socket, sent } = recordingSocket();
      conn.conn = socket as unknown as Socket;
      conn.startCompression(new PassThrough(), new PassThrough());
      machine.goto('READY_RECV');
      conn.close();
      await new Promise((resolve) => socket.once('finish', resolve));
      expect(Buffer.concat(sent).toString()).toBe('CLS\n');
    });

    it('still reports a socket error while closing (a reset then may have taken FINs with it)', () => {
      const { conn, machine, errors } = connection();
      const socket = Object.assign(new PassThrough(), { setTimeout: () => undefined }) as unknown as Socket;
      conn.conn = socket;
      conn.registerStreamListeners(socket);
      machine.goto('READY_RECV');
      conn.close();
      socket.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      expect(errors.map((error) => error.message)).toEqual(['read ECONNRESET']);
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it('closes at once before the handshake is done', () => {
      const { conn, machine } = connection();
      conn.close();
      expect(machine.current_state_name).toBe('CLOSED');
    });

    it('does not throw when the socket never opened (nsqjs dereferences it)', () => {
      const { conn, machine } = connection();
      conn.conn = null;
      expect(() => machine.goto('CLOSED')).not.toThrow();
    });
  });

  it('fails a connection whose nsqd sends nothing, not even a heartbeat, for idleTimeoutMs, whatever we write to it', async () => {
    const { conn, machine, errors } = connection({ idleTimeoutMs: 300 });
    const socket = Object.assign(new PassThrough(), { setTimeout: () => undefined }) as unknown as Socket;
    conn.registerStreamListeners(socket);
    machine.goto('READY_RECV');
    const writes = setInterval(() => conn.write(Buffer.from('RDY 1\n')), 50);
    try {
      await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('not dropped')), 10_000);
        conn.once('error', () => (clearTimeout(deadline), resolve()));
      });
    } finally {
      clearInterval(writes);
    }
    expect(errors[0]).toBeInstanceOf(NsqProtocolError);
    expect(errors[0]!.message).toMatch(/sent nothing for 300 ms/);
  });

  it("passes a socket error on once (nsqjs raises it as 'error' and 'connection_error')", () => {
    const { conn } = connection();
    const seen: string[] = [];
    conn.on('connection_error', () => seen.push('connection_error'));
    expect(conn.emit('connection_error', new Error('ECONNRESET'))).toBe(false);
    expect(seen).toEqual([]);
  });

  it('refuses a connection whose internals it does not know', () => {
    expect(() => guardNsqjsConnection({ statemachine: { states: {} } }, POLICY)).toThrow(/internals changed/);
  });
});
