import { Message } from 'nsqjs';

export interface NsqjsMessageSpec {
  /** 16 characters, as nsqd's ids. @default '0123456789abcdef' */
  readonly id?: string;
  /** @default 1 */
  readonly attempts?: number;
  /** @default '{}' */
  readonly body?: string | Buffer;
  /** The connection's negotiated msg_timeout, which nsqjs copies onto each message. @default 60000 */
  readonly msgTimeoutMs?: number;
  /** @default 900000 */
  readonly maxMsgTimeoutMs?: number;
}

/**
 * A real nsqjs 0.13 Message built from the bytes of a message frame
 * (timestamp, attempts, id, body), as NSQDConnection.createMessage builds it.
 * Nothing listens to its 'respond' events: FIN/REQ/TOUCH go nowhere.
 */
export function nsqjsMessage(spec: NsqjsMessageSpec = {}): Message {
  const body = Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body ?? '{}');
  const raw = Buffer.alloc(26 + body.length);
  raw.writeBigInt64BE(BigInt(Date.now()) * 1_000_000n, 0);
  raw.writeInt16BE(spec.attempts ?? 1, 8);
  raw.write((spec.id ?? '0123456789abcdef').padEnd(16, '0').slice(0, 16), 10, 'latin1');
  body.copy(raw, 26);
  return new Message(raw, 90_000, spec.msgTimeoutMs ?? 60_000, spec.maxMsgTimeoutMs ?? 900_000);
}
