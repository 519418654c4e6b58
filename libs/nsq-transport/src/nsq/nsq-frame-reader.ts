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
 * Chunks are kept as they arrive; a frame that spans them is copied alone into
 * a buffer of its own, so a socket read holding many small frames costs no
 * copy, the frame split between two reads costs a copy of itself (not of the
 * whole next read), and a large frame arriving in many reads is copied once
 * (nsqjs concatenates its whole buffer on every read: every byte copied at
 * least once).
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
    const size = this.peekSize();
    if (size < 4 || size > this.maxFrameBytes) {
      throw this.violation(`a frame size of ${size} bytes (expected 4..${this.maxFrameBytes})`);
    }
    if (this.unread < 4 + size) return undefined;
    let head = this.chunks[0]!;
    let start = this.offset;
    // A frame split over reads is copied alone (its own bytes, not the rest of the read that completes it).
    const split = head.length - start < 4 + size;
    if (split) {
      head = this.gather(4 + size);
      start = 0;
    }
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
    this.unread -= 4 + size;
    if (!split) {
      this.offset += 4 + size;
      if (this.offset === head.length) {
        this.chunks.shift();
        this.offset = 0;
      }
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
    const rest = this.gather(this.unread);
    this.unread = 0;
    return rest;
  }

  private violation(what: string): NsqProtocolError {
    return new NsqProtocolError(`nsqd at ${this.address} sent ${what}; dropping the connection`, this.address);
  }

  /** The next frame's size field (4 bytes, possibly split over chunks); at least 4 bytes are unread. */
  private peekSize(): number {
    const head = this.chunks[0]!;
    if (head.length - this.offset >= 4) return head.readInt32BE(this.offset);
    let size = 0;
    let chunk = 0;
    let at = this.offset;
    for (let read = 0; read < 4; ) {
      const bytes = this.chunks[chunk]!;
      if (at >= bytes.length) {
        chunk += 1;
        at = 0;
        continue;
      }
      size = (size << 8) | bytes[at++]!;
      read += 1;
    }
    return size | 0;
  }

  /** Copies the next `bytes` bytes (all unread) into a buffer of their own and consumes them from the chunks. */
  private gather(bytes: number): Buffer {
    const out = Buffer.allocUnsafe(bytes);
    for (let filled = 0; filled < bytes; ) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length - this.offset, bytes - filled);
      chunk.copy(out, filled, this.offset, this.offset + take);
      filled += take;
      this.offset += take;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    return out;
  }
}
