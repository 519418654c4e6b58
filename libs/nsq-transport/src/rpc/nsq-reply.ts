import { NSQ_HEADER, type NsqHeaders } from '../wire/nsq-headers.js';

/** `nsq-reply-status` (WIRE.md §5.2). */
export type NsqReplyStatus = 'next' | 'complete' | 'error';

/** One reply message, read from its headers (the payload stays with the delivery). */
export interface NsqReply {
  readonly correlationId: string;
  readonly status: NsqReplyStatus;
  /** Position among the replies of one run: 0, 1, … */
  readonly seq: number;
  /** The request's delivery attempt whose run wrote it (a caller follows the first run it hears from). */
  readonly attempt: string;
}

const STATUSES: ReadonlySet<string> = new Set<NsqReplyStatus>(['next', 'complete', 'error']);
const DECIMAL = /^(0|[1-9][0-9]{0,8})$/;

/**
 * Reads a reply's headers; undefined when it is not a valid reply (no
 * correlation id, an unknown status, a bad sequence), which the caller drops.
 * `nsq-reply-seq` defaults to 0 and `nsq-reply-attempt` to 1, so a responder
 * answering with one message needs only the id and the status.
 */
export function readNsqReply(headers: NsqHeaders): NsqReply | undefined {
  const correlationId = headers[NSQ_HEADER.correlationId];
  const status = headers[NSQ_HEADER.replyStatus];
  const seq = headers[NSQ_HEADER.replySeq] ?? '0';
  if (correlationId === undefined || status === undefined || !STATUSES.has(status) || !DECIMAL.test(seq)) return undefined;
  return { correlationId, status: status as NsqReplyStatus, seq: Number(seq), attempt: headers[NSQ_HEADER.replyAttempt] ?? '1' };
}

/** The headers of reply `seq` to the request `correlationId`, answered by the run of delivery `attempt`. */
export function nsqReplyHeaders(correlationId: string, status: NsqReplyStatus, seq: number, attempt: number): NsqHeaders {
  return {
    [NSQ_HEADER.correlationId]: correlationId,
    [NSQ_HEADER.replyStatus]: status,
    [NSQ_HEADER.replySeq]: String(seq),
    [NSQ_HEADER.replyAttempt]: String(attempt),
  };
}
