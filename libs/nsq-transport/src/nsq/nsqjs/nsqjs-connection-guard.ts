import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { DeflateRaw } from 'node:zlib';
import { NsqProtocolError } from '../../errors/nsq-protocol.error.js';
import { NsqSecurityError } from '../../errors/nsq-security.error.js';
import { NSQ_FRAME_TYPE, NsqFrameReader } from '../nsq-frame-reader.js';
import { assertNsqjsShape, type NsqjsConnection } from './nsqjs-internals.js';
import { createNsqjsLeanMessage } from './nsqjs-lean-message.js';

/**
 * How one nsqd connection must behave. The secrets live here, never in the
 * config nsqjs keeps (and prints under `DEBUG=nsqjs:*`).
 */
export interface NsqjsConnectionPolicy {
  /** TLS was asked for: never continue in plain text when nsqd does not offer it. */
  readonly tls: boolean;
  /** Name to verify nsqd's certificate against (and send as SNI); default: the host of the address. */
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Sent in AUTH, only when nsqd's IDENTIFY answer says `auth_required`. */
  readonly authSecret?: string;
  /** Allow sending the AUTH secret over a connection without TLS. */
  readonly allowInsecureAuth: boolean;
  /** Largest frame accepted from nsqd (a message plus its 30 bytes of framing); larger sizes fail the connection. */
  readonly maxFrameBytes: number;
  /** nsqd silent this long (no frame, not even a heartbeat) fails the connection; 0 = never. */
  readonly idleTimeoutMs: number;
}

/** How long a graceful close waits for nsqd to close its side before the socket is destroyed. */
export const CLOSE_GRACE_MS = 2_000;
const CLS = Buffer.from('CLS\n');

/**
 * Applies, to one nsqjs connection before its socket opens, everything
 * nsqjs 0.13 gets wrong at the connection level. Per connection, never by
 * patching nsqjs's prototypes, so other nsqjs users in the process are left
 * alone. Every failure goes through nsqjs's own ERROR state, so it reaches the
 * Reader's / Writer's 'error' listeners once and then closes the connection
 * (the owners reconnect with backoff):
 *
 * - frames: nsqjs's frame buffer throws a RangeError out of the socket handler
 *   on a negative size, buffers forever on a huge one, ignores unknown types
 *   and builds messages from frames too short to hold a header. Here frames go
 *   through {@link NsqFrameReader} and any violation is an NsqProtocolError;
 * - IDENTIFY and AUTH answers are `JSON.parse`d unguarded (an exception out of
 *   the socket handler ends the process); here a non-JSON answer fails the
 *   connection;
 * - compression: nsqjs pipes the socket through zlib / snappy streams with no
 *   'error' listener, so a connection cut mid-stream (nsqd killed or
 *   restarted) ends the process with Z_BUF_ERROR; here the streams' errors
 *   fail the connection, or are dropped as echoes once it is closed;
 * - close: nsqjs writes CLS to the raw socket (garbage inside a compressed
 *   stream) and destroys it at once, dropping FINs still in the compressor or
 *   the socket's buffer; here CLS (readers only: nsqd refuses it fatally from
 *   a publisher) goes through the same writer as FIN/REQ/RDY, the writer is
 *   ended so it flushes, and the socket closes when nsqd closes its side
 *   (bounded by CLOSE_GRACE_MS). With deflate nothing follows the stream's
 *   final block, not even TLS's close_notify: nsqd stops reading there, and
 *   unread bytes would turn its close into a reset (ECONNRESET);
 * - TLS: its upgrade checks nsqd's certificate against "localhost" whatever
 *   the address, and continues in plain text when nsqd does not offer TLS;
 *   here the name is `servername` or the host, and no TLS is an error;
 * - AUTH: it sends the secret to any nsqd when one is configured (an nsqd
 *   without auth answers with a fatal E_AUTH_DISABLED) and keeps it in the
 *   config it prints under DEBUG; here AUTH is sent only when nsqd asks, never
 *   in plain text unless allowed, from `policy` alone;
 * - socket errors reach nsqjs twice (ERROR state and 'connection_error'); only
 *   the first is passed on.
 */
export function guardNsqjsConnection(connection: unknown, policy: NsqjsConnectionPolicy): void {
  assertNsqjsShape(connection);
  const conn = connection as NsqjsConnection;
  const machine = conn.statemachine;
  const states = machine.states;
  const address = `${conn.nsqdHost}:${conn.nsqdPort}`;
  const frames = new NsqFrameReader(policy.maxFrameBytes, address);
  let encrypted = false;
  let closing = false;
  let failed = false;
  let lastHeard = Date.now();
  let idleTimer: NodeJS.Timeout | undefined;
  const isPublisher = machine.afterIdentify() === 'READY_SEND';

  const isClosed = (): boolean => machine.current_state_name === 'CLOSED';
  /** Fails the connection once; what follows from the same breakage (stream errors, a cut socket) is an echo. */
  const fail = (error: Error): void => {
    if (failed || isClosed()) return;
    failed = true;
    machine.goto('ERROR', error);
  };
  const protocolError = (what: string, cause?: unknown): NsqProtocolError =>
    new NsqProtocolError(`nsqd at ${address} ${what}; dropping the connection`, address, cause === undefined ? undefined : { cause });

  conn.receiveData = (data: Buffer) => {
    conn.lastReceivedTimestamp = lastHeard = Date.now();
    frames.push(data);
    try {
      // Stops as soon as a frame closes the connection or hands the rest of the stream to a decompressor.
      for (let frame = frames.next(); frame; frame = failed || isClosed() ? undefined : frames.next()) {
        if (frame.type === NSQ_FRAME_TYPE.response) {
          machine.raise('response', frame.data);
        } else if (frame.type === NSQ_FRAME_TYPE.error) {
          // nsqjs's ERROR state tells E_FIN_FAILED & co. (connection stays open) from fatal errors by this text.
          machine.goto('ERROR', new Error(frame.data.toString()));
          // A publisher never sends FIN/REQ/TOUCH: for it no error is the non-fatal kind, and nsqjs would
          // otherwise switch it to a consumer's state, where publish answers are no longer matched.
          if (isPublisher && machine.current_state_name === 'READY_RECV') machine.goto('CLOSED');
        } else {
          conn.lastMessageTimestamp = conn.lastReceivedTimestamp;
          machine.raise('consumeMessage', conn.createMessage(frame.data));
        }
      }
    } catch (error) {
      fail(error instanceof NsqProtocolError ? error : protocolError(`sent a frame that could not be handled (${describe(error)})`, error));
    }
  };

  // nsqjs builds every message with a timeout timer, two listeners and its id decoded three times: the
  // largest part of nsqjs's cost in a drain. Readers get the lean message (same class, same fields).
  if (!isPublisher) conn.createMessage = (payload: Buffer) => createNsqjsLeanMessage(conn, payload);

  // nsqjs's idle timeout is a socket timeout, which our own writes (RDY, FIN) keep resetting: a silent
  // nsqd would never be dropped while we write to it. Idleness is judged by what nsqd sends.
  const registerStreamListeners = conn.registerStreamListeners.bind(conn);
  conn.registerStreamListeners = (socket) => {
    // Before nsqjs's own 'end' handler, which closes the connection without a word.
    socket.on('end', () => {
      if (!closing && frames.pendingBytes > 0) fail(protocolError(`closed the connection in the middle of a frame (${frames.pendingBytes} bytes of it received)`));
    });
    registerStreamListeners(socket);
    if (idleTimer === undefined && policy.idleTimeoutMs > 0) {
      lastHeard = Date.now();
      idleTimer = setInterval(() => {
        if (Date.now() - lastHeard >= policy.idleTimeoutMs) fail(protocolError(`sent nothing for ${policy.idleTimeoutMs} ms, not even a heartbeat`));
      }, Math.max(100, Math.floor(policy.idleTimeoutMs / 5)));
      idleTimer.unref();
      conn.once('closed', () => clearInterval(idleTimer));
    }
  };

  const identifyResponse = states.IDENTIFY_RESPONSE!.response!;
  states.IDENTIFY_RESPONSE = {
    ...states.IDENTIFY_RESPONSE,
    response: (data?: unknown) => {
      // 'OK' is how nsqd answers a client that does not negotiate features.
      if (String(data) !== 'OK' && !isJsonObject(data)) return fail(protocolError(`answered IDENTIFY with ${describeBytes(data)} that is not a JSON object`));
      return identifyResponse(data);
    },
  };

  const authResponse = states.AUTH_RESPONSE!.response!;
  states.AUTH_RESPONSE = {
    ...states.AUTH_RESPONSE,
    response: (data?: unknown) => (isJsonObject(data) ? authResponse(data) : fail(protocolError(`answered AUTH with ${describeBytes(data)} that is not a JSON object`))),
  };

  conn.startTLS = (callback?: () => void) => {
    const socket = conn.conn!;
    for (const event of ['data', 'error', 'close']) socket.removeAllListeners(event);
    const name = policy.servername ?? conn.nsqdHost;
    const options: ConnectionOptions = {
      socket,
      // Node verifies the certificate against `servername || host`.
      host: name,
      ...(isIP(name) === 0 ? { servername: name } : {}),
      rejectUnauthorized: policy.rejectUnauthorized,
      ...(policy.ca ? { ca: policy.ca } : {}),
      ...(policy.key ? { key: policy.key } : {}),
      ...(policy.cert ? { cert: policy.cert } : {}),
    };
    const secure = tlsConnect(options, () => {
      conn.conn = secure;
      callback?.();
    });
    encrypted = true;
    conn.outWriter = secure;
    conn.registerStreamListeners(secure);
  };

  const afterIdentify = states.IDENTIFY_COMPRESSION_CHECK!.Enter!;
  states.IDENTIFY_COMPRESSION_CHECK = {
    ...states.IDENTIFY_COMPRESSION_CHECK,
    Enter: (data?: unknown) => {
      if (policy.tls && !encrypted) {
        return fail(new NsqSecurityError(`nsqd at ${address} did not offer TLS (it needs --tls-cert and --tls-key); refusing to continue in plain text`, address));
      }
      return afterIdentify(data);
    },
  };

  states.AUTH = {
    ...states.AUTH,
    Enter: () => {
      if (machine.identifyResponse?.['auth_required'] !== true) return machine.goto(machine.afterIdentify());
      if (!policy.authSecret) return fail(new NsqSecurityError(`nsqd at ${address} requires AUTH; set the "authSecret" option`, address));
      if (!encrypted && !policy.allowInsecureAuth) {
        return fail(
          new NsqSecurityError(`nsqd at ${address} requires AUTH on a connection without TLS; refusing to send the secret in plain text (enable "tls", or "allowInsecureAuth")`, address),
        );
      }
      conn.write(encodeAuth(policy.authSecret));
      return machine.goto('AUTH_RESPONSE');
    },
  };

  conn.startCompression = (inflater: Duplex, deflater: Duplex) => {
    const socket = conn.conn!;
    const onStreamError = (error: Error) => fail(protocolError(`broke the compressed stream (${error.message})`, error));
    inflater.on('error', onStreamError);
    deflater.on('error', onStreamError);
    conn.inflater = inflater;
    conn.deflater = deflater;
    socket.removeListener('data', conn.onDataFn!);
    socket.pipe(inflater);
    inflater.on('data', conn.onDataFn!);
    conn.outWriter = deflater;
    // nsqd reads a deflate stream up to its final block (which close() ends with CLS) and closes the
    // connection right there. Bytes sent behind that block are never read: over TLS, the close_notify
    // that ending the socket sends. A socket closed with unread bytes in its receive buffer is reset,
    // not closed, so nsqd's orderly close reached us as ECONNRESET whenever the close_notify arrived
    // after nsqd's last read (every FIN already taken). With deflate the stream's end is the end:
    // the socket is not ended, nsqd closes it. (Snappy has no final block: nsqd needs the socket's end.)
    deflater.pipe(socket, { end: !(deflater instanceof DeflateRaw) });
    // What followed nsqd's OK in the same read is already compressed.
    const rest = frames.takeRemainder();
    if (rest) inflater.write(rest);
  };

  const write = conn.write.bind(conn);
  conn.write = (data: Buffer | string) => {
    // After close() ended the writer, or once closed, a write would only raise 'write after end'.
    if (closing || isClosed() || !conn.outWriter) return;
    write(data);
  };

  conn.close = () => {
    if (closing || isClosed()) return;
    const state = machine.current_state_name;
    const writer = conn.outWriter;
    if (!writer || !conn.conn || conn.conn.destroyed || (state !== 'READY_RECV' && state !== 'READY_SEND')) {
      machine.goto('CLOSED');
      return;
    }
    closing = true;
    if (state === 'READY_RECV') writer.end(CLS);
    else writer.end();
    const timer = setTimeout(() => machine.goto('CLOSED'), CLOSE_GRACE_MS);
    timer.unref();
    conn.once('closed', () => clearTimeout(timer));
  };

  conn.destroy = () => {
    // nsqjs dereferences the socket even when it never opened (close() before connect()).
    if (conn.conn && !conn.conn.destroyed) conn.conn.destroy();
    conn.inflater?.destroy();
    conn.deflater?.destroy();
  };

  const emit = conn.emit.bind(conn);
  conn.emit = (event: string, ...args: unknown[]) => (event === 'connection_error' ? false : emit(event, ...args));
}

/** `AUTH\n[int32 size][secret]`. */
function encodeAuth(secret: string): Buffer {
  const body = Buffer.from(secret, 'utf8');
  const frame = Buffer.allocUnsafe(5 + 4 + body.length);
  frame.write('AUTH\n', 0, 'latin1');
  frame.writeInt32BE(body.length, 5);
  body.copy(frame, 9);
  return frame;
}

function isJsonObject(data: unknown): boolean {
  try {
    const value: unknown = JSON.parse(String(data));
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Never the bytes themselves: they may be anything, including a message body. */
function describeBytes(data: unknown): string {
  return `${Buffer.isBuffer(data) ? data.length : String(data).length} bytes`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
