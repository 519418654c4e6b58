import type { LoggerService } from '@nestjs/common';
import type { MessageHandler, WritePacket } from '@nestjs/microservices';
import { type Observable, type Subscription, throwError } from 'rxjs';
import type { NsqContext } from '../ctx-host/nsq.context.js';
import { InvalidNsqMessageError } from '../errors/invalid-nsq-message.error.js';
import { NsqPoisonMessageError } from '../errors/nsq-poison-message.error.js';
import type { NsqBody, NsqSerializer } from '../interfaces/nsq-codec.interface.js';
import { isValidNsqName } from '../nsq/nsq-names.js';
import { encodeNsqEnvelope } from '../wire/nsq-envelope.js';
import { NSQ_HEADER } from '../wire/nsq-headers.js';
import { nsqReplyHeaders, type NsqReplyStatus } from './nsq-reply.js';

/** What the responder uses of Nest's Server: its result-to-Observable and its reply loop (value, error, completion). */
export interface NsqResponderHost {
  transformToObservable(result: unknown): Observable<unknown>;
  send(stream: Observable<unknown>, respond: (packet: WritePacket) => Promise<unknown> | void): Subscription;
}

/** Where replies go: an {@link NsqProducer} on the server's nsqds. */
export interface NsqReplyPublisher {
  /** `'turn'`: coalesced with the other replies to `topic` of the same event-loop turn (see NsqProducer#publish). */
  publish(topic: string, bodies: readonly Buffer[], delayMs: 0, coalesce: 'turn'): Promise<void>;
  close(timeoutMs: number): Promise<void>;
}

/** Bound of the reply publisher's close. */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * The responder's side of request-response (WIRE.md §5): runs a
 * `@MessagePattern` handler for one request and publishes what it answers —
 * each value, then completion, or the error in Nest's RPC shape — to the
 * request's `nsq-reply-to` topic, numbered, through Nest's own reply loop
 * (`Server#send`, which folds completion into the last value). Resolves once
 * the final reply is acknowledged by nsqd (the consumer then FINs the
 * request: an answered error is an answer, not retried); rejects when a reply
 * cannot be published (the request is requeued, and another run answers).
 */
export class NsqResponder {
  private publisher: NsqReplyPublisher | undefined;
  private expired = 0;

  constructor(
    private readonly host: NsqResponderHost,
    private readonly serializer: NsqSerializer,
    private readonly createPublisher: () => NsqReplyPublisher,
    private readonly logger: Pick<LoggerService, 'log'>,
  ) {}

  /** Runs `handler` for the request in `context` and publishes its replies. */
  async respond(handler: MessageHandler, data: unknown, context: NsqContext): Promise<void> {
    const headers = context.getHeaders();
    const replyTo = headers[NSQ_HEADER.replyTo];
    const correlationId = headers[NSQ_HEADER.correlationId];
    if (replyTo === undefined || correlationId === undefined || !isValidNsqName(replyTo)) {
      throw new NsqPoisonMessageError(`a message on request topic ${context.getTopic()} has no valid ${NSQ_HEADER.replyTo} and ${NSQ_HEADER.correlationId} (sent with emit() instead of send()?)`);
    }
    if (isExpired(headers[NSQ_HEADER.expiresAt])) {
      // Its caller gave up: an answer would only be counted late. Not run, finished.
      this.expired += 1;
      if ((this.expired & (this.expired - 1)) === 0) this.logger.log(`Skipped a request on ${context.getTopic()} past its ${NSQ_HEADER.expiresAt} (${this.expired} so far)`);
      return;
    }
    let stream: Observable<unknown>;
    try {
      stream = this.host.transformToObservable(await handler(data, context));
    } catch (error) {
      stream = throwError(() => error);
    }
    const attempt = context.getAttempts();
    await new Promise<void>((resolve, reject) => {
      let seq = 0;
      let ended = false;
      this.host.send(stream, async (packet) => {
        if (ended) return;
        const status: NsqReplyStatus = 'err' in packet && packet.err !== undefined ? 'error' : packet.isDisposed ? 'complete' : 'next';
        if (status !== 'next') ended = true;
        try {
          await this.publish(replyTo, nsqReplyHeaders(correlationId, status, seq++, attempt), status, packet);
          if (status !== 'next') resolve();
        } catch (error) {
          ended = true;
          reject(error);
        }
      });
    });
  }

  /** Closes the reply publisher (after the consumer drained: the last replies are out). */
  async close(): Promise<void> {
    await this.publisher?.close(CLOSE_TIMEOUT_MS);
  }

  private async publish(topic: string, headers: Record<string, string>, status: NsqReplyStatus, packet: WritePacket): Promise<void> {
    this.publisher ??= this.createPublisher();
    let payload: Buffer;
    try {
      payload = status === 'error' ? errorPayload(packet.err) : packet.response === undefined ? EMPTY : toBuffer(await this.serializer.serialize(packet.response));
    } catch {
      return this.publishError(topic, headers, 'the reply could not be serialized');
    }
    try {
      await this.publisher.publish(topic, [encodeNsqEnvelope(headers, payload)], 0, 'turn');
    } catch (error) {
      // Too large for nsqd (or the client's limits): no retry can send it; the caller hears why.
      if (error instanceof InvalidNsqMessageError && status !== 'error') return this.publishError(topic, headers, 'the reply exceeds the message size limit');
      throw error;
    }
  }

  private async publishError(topic: string, headers: Record<string, string>, message: string): Promise<void> {
    const body = encodeNsqEnvelope({ ...headers, [NSQ_HEADER.replyStatus]: 'error' }, Buffer.from(JSON.stringify({ status: 'error', message }), 'utf8'));
    await this.publisher!.publish(topic, [body], 0, 'turn');
  }
}

const EMPTY = Buffer.alloc(0);

function isExpired(expiresAt: string | undefined): boolean {
  if (expiresAt === undefined) return false;
  const at = Number(expiresAt);
  return Number.isFinite(at) && at <= Date.now();
}

/**
 * Nest's RPC error (what its exception filter made of the failure: an
 * RpcException's error, or `{ status: 'error', message: 'Internal server
 * error' }`) as JSON. An Error that bypassed the filter keeps its message.
 */
function errorPayload(error: unknown): Buffer {
  const shaped = error instanceof Error ? { status: 'error', message: error.message } : (error ?? { status: 'error', message: 'Internal server error' });
  let json: string | undefined;
  try {
    json = JSON.stringify(shaped);
  } catch {
    json = undefined;
  }
  return Buffer.from(json ?? JSON.stringify({ status: 'error', message: 'Internal server error' }), 'utf8');
}

function toBuffer(body: NsqBody): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
