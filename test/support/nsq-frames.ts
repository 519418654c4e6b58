/**
 * The NSQ V2 wire format, nsqd's side: the frames nsqd sends and the commands
 * it reads. Written from the protocol spec (https://nsq.io/clients/tcp_protocol_spec.html)
 * for the fake nsqd; the encoders take any size and type on purpose, so a test
 * can write frames no real nsqd would.
 */

/** The 4 bytes a client sends first. */
export const MAGIC_V2 = '  V2';

/** Frame types nsqd sends (`[int32 size][int32 type][data]`). */
export const FrameType = {
  RESPONSE: 0,
  ERROR: 1,
  MESSAGE: 2,
} as const;

/** `[int64 timestamp][uint16 attempts][16-byte id]`: what precedes a message body. */
export const MESSAGE_HEADER_BYTES = 26;

/** Commands followed by `[int32 size][body]`. */
const COMMANDS_WITH_BODY = new Set(['IDENTIFY', 'AUTH', 'PUB', 'MPUB', 'DPUB']);

/** Longest command line the fake accepts, as nsqd bounds its reads. */
const MAX_LINE_BYTES = 64 * 1024;

/** One command read from a client: `NAME param param\n` and, for some, a sized body. */
export interface NsqCommand {
  readonly name: string;
  readonly params: readonly string[];
  readonly body?: Buffer;
}

/** A well-formed frame: the size field counts the type and the data. */
export function encodeFrame(type: number, data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return encodeRawFrame(4 + bytes.length, type, bytes);
}

/** A frame with whatever size field the caller chooses, right or wrong. */
export function encodeRawFrame(sizeField: number, typeField: number, data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const frame = Buffer.allocUnsafe(8 + bytes.length);
  frame.writeInt32BE(sizeField, 0);
  frame.writeInt32BE(typeField, 4);
  bytes.copy(frame, 8);
  return frame;
}

/** The data of a message frame. `id` must be 16 ASCII bytes for a valid message. */
export function encodeMessageData(id: string, body: Buffer | string, attempts = 1, timestampNs = BigInt(Date.now()) * 1_000_000n): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const data = Buffer.alloc(MESSAGE_HEADER_BYTES + bytes.length);
  data.writeBigInt64BE(timestampNs, 0);
  data.writeUInt16BE(attempts, 8);
  data.write(id, 10, 16, 'latin1');
  bytes.copy(data, MESSAGE_HEADER_BYTES);
  return data;
}

/** A command as a client writes it (for testing the fake with a raw socket). */
export function encodeCommand(name: string, params: readonly string[] = [], body?: Buffer | string): Buffer {
  const line = Buffer.from(`${[name, ...params].join(' ')}\n`);
  if (body === undefined) return line;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(bytes.length, 0);
  return Buffer.concat([line, size, bytes]);
}

/** Thrown when a client sends something nsqd would refuse to parse. */
export class NsqCommandSyntaxError extends Error {
  override readonly name = 'NsqCommandSyntaxError';
}

/**
 * Incremental reader of a client's byte stream: the magic first, then
 * commands. Chunks may split anything anywhere.
 */
export class NsqCommandReader {
  private buffer: Buffer = Buffer.alloc(0);
  private magicSeen = false;

  /** Adds bytes; returns the commands now complete. Throws NsqCommandSyntaxError on a bad magic or line. */
  push(chunk: Buffer): NsqCommand[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const commands: NsqCommand[] = [];
    if (!this.magicSeen) {
      if (this.buffer.length < MAGIC_V2.length) return commands;
      const magic = this.buffer.subarray(0, MAGIC_V2.length).toString('latin1');
      if (magic !== MAGIC_V2) throw new NsqCommandSyntaxError(`bad protocol magic ${JSON.stringify(magic)}`);
      this.magicSeen = true;
      this.buffer = this.buffer.subarray(MAGIC_V2.length);
    }
    for (;;) {
      const command = this.next();
      if (!command) return commands;
      commands.push(command);
    }
  }

  private next(): NsqCommand | undefined {
    const newline = this.buffer.indexOf(0x0a);
    if (newline === -1) {
      if (this.buffer.length > MAX_LINE_BYTES) throw new NsqCommandSyntaxError(`no newline in ${this.buffer.length} bytes`);
      return undefined;
    }
    const [name = '', ...params] = this.buffer.subarray(0, newline).toString('latin1').replace(/\r$/, '').split(' ');
    if (!COMMANDS_WITH_BODY.has(name)) {
      this.buffer = this.buffer.subarray(newline + 1);
      return { name, params };
    }
    const bodyAt = newline + 1 + 4;
    if (this.buffer.length < bodyAt) return undefined;
    const size = this.buffer.readInt32BE(newline + 1);
    if (size < 0) throw new NsqCommandSyntaxError(`${name} with body size ${size}`);
    if (this.buffer.length < bodyAt + size) return undefined;
    const body = Buffer.from(this.buffer.subarray(bodyAt, bodyAt + size));
    this.buffer = this.buffer.subarray(bodyAt + size);
    return { name, params, body };
  }
}
