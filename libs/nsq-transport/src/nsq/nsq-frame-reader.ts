import { NsqProtocolError } from '../errors/nsq-protocol.error.js';

/** nsqd's frame types (`[int32 size][int32 type][data]`, size counting type and data). */
export const NSQ_FRAME_TYPE = { response: 0, error: 1, message: 2 } as const;

/** A message frame's data starts with `[int64 timestamp][uint16 attempts][16-byte id]`. */
export const NSQ_MESSAGE_HEADER_BYTES = 26;

export interface NsqFrame {
  readonly type: number;
  readonly data: Buffer;
}

/**
 * Splits nsqd's byte stream into frames, refusing what cannot be one before it
 * costs memory: a size below 4 or above `maxFrameBytes`, a type other than
 * response/error/message, a message frame too short for its header. Such a
 * stream cannot be resynchronised: it throws NsqProtocolError and the
 * connection must be dropped.
 *
 * Chunks are kept as they arrive and joined only when a frame spans them, so a
 * socket read holding many small frames costs no copy, and a large frame
 * arriving in many reads is copied once (nsqjs concatenates its whole buffer
 * on every read).
 */
export class NsqFrameReader {
  private chunks: Buffer[] = [];
  /** Read position in `chunks[0]`. */
  private offset = 0;
  /** Unread bytes over all chunks. */
  private unread = 0;

  constructor(
    private readonly maxFrameBytes: number,
    /** nsqd's `host:port`, for the error. */
    private readonly address: string,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.unread += chunk.length;
  }

  /** The next complete frame, or undefined until more bytes arrive. */
  next(): NsqFrame | undefined {
    if (this.unread < 4) return undefined;
    if (this.chunks[0]!.length - this.offset < 4) this.join();
    const size = this.chunks[0]!.readInt32BE(this.offset);
    if (size < 4 || size > this.maxFrameBytes) {
      throw this.violation(`a frame size of ${size} bytes (expected 4..${this.maxFrameBytes})`);
    }
    if (this.unread < 4 + size) return undefined;
    if (this.chunks[0]!.length - this.offset < 4 + size) this.join();
    const head = this.chunks[0]!;
    const start = this.offset;
    const type = head.readInt32BE(start + 4);
    if (type !== NSQ_FRAME_TYPE.response && type !== NSQ_FRAME_TYPE.error && type !== NSQ_FRAME_TYPE.message) {
      throw this.violation(`an unknown frame type ${type}`);
    }
    if (type === NSQ_FRAME_TYPE.message) {
      if (size - 4 < NSQ_MESSAGE_HEADER_BYTES) throw this.violation(`a message frame of ${size - 4} bytes, shorter than its ${NSQ_MESSAGE_HEADER_BYTES}-byte header`);
      // nsqd's ids are 16 hex characters. nsqjs decodes them as text and cannot FIN or REQ any other:
      // such a message could never be settled and would hold a unit of maxInFlight for good.
      for (let at = start + 8 + 10; at < start + 8 + NSQ_MESSAGE_HEADER_BYTES; at++) {
        const byte = head[at]!;
        if (byte < 0x21 || byte > 0x7e) throw this.violation('a message id that is not 16 printable ASCII characters');
      }
    }
    const data = head.subarray(start + 8, start + 4 + size);
    this.offset += 4 + size;
    this.unread -= 4 + size;
    if (this.offset === head.length) {
      this.chunks.shift();
      this.offset = 0;
    }
    return { type, data };
  }

  /** Bytes received and not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.unread;
  }

  /**
   * Hands over the bytes not yet read and empties the reader: after nsqd
   * accepts compression, the rest of the stream is compressed and belongs to
   * the decompressor, not to this reader.
   */
  takeRemainder(): Buffer | undefined {
    if (this.unread === 0) return undefined;
    this.join();
    const rest = this.chunks[0]!.subarray(this.offset);
    this.chunks = [];
    this.offset = 0;
    this.unread = 0;
    return rest;
  }

  private violation(what: string): NsqProtocolError {
    return new NsqProtocolError(`nsqd at ${this.address} sent ${what}; dropping the connection`, this.address);
  }

  private join(): void {
    const first = this.chunks[0]!;
    const joined = Buffer.concat([first.subarray(this.offset), ...this.chunks.slice(1)], this.unread);
    this.chunks = [joined];
    this.offset = 0;
  }
}
