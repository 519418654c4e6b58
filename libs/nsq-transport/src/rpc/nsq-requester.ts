import type { WritePacket } from '@nestjs/microservices';
import type { Message } from 'nsqjs';
import { randomUUID } from 'node:crypto';
import { NsqDecodeError } from '../errors/nsq-decode.error.js';
import { NsqRequestAbortedError } from '../errors/nsq-request-aborted.error.js';
import { NsqRequestTimeoutError } from '../errors/nsq-request-timeout.error.js';
import { NsqUnavailableError } from '../errors/nsq-unavailable.error.js';
import type { NsqDeserializer } from '../interfaces/nsq-codec.interface.js';
import { NsqSubscription, type NsqSubscriptionPort } from '../nsq/nsq-subscription.js';
import type { NsqjsReaderConfig } from '../nsq/nsqjs/index.js';
import { openNsqBody } from '../wire/nsq-envelope.js';
import { NSQ_HEADER, type NsqHeaders } from '../wire/nsq-headers.js';
import { readNsqReply, type NsqReply } from './nsq-reply.js';

/** The channel every client reads its own reply topic on. */
export const NSQ_REPLY_CHANNEL = 'replies#ephemeral';
/** Replies of one run held while an earlier one is still missing (NSQ does not keep order); past it the request fails. */
const MAX_OUT_OF_ORDER = 1_000;

export interface NsqRequesterSettings {
  /** Reader config of the reply subscription (the client's nsqds). */
  readonly config: NsqjsReaderConfig;
  readonly requestTimeoutMs: number;
  readonly maxPendingRequests: number;
  readonly reconnectMaxDelayMs: number;
  /** Decodes reply payloads (the client's codec). */
  readonly deserializer: NsqDeserializer;
}

export interface NsqRequesterHooks {
  onError(error: Error): void;
}

/** Publishes one request (always an envelope) carrying the request-response `headers` besides its own. */
export type NsqRequestPublish = (headers: NsqHeaders) => Promise<void>;

/** One request waiting for its replies. */
interface PendingRequest {
  readonly pattern: string;
  readonly callback: (packet: WritePacket) => void;
  readonly timer: NodeJS.Timeout;
  /** The run (request delivery attempt) this caller follows: the first it heard from. */
  attempt?: string;
  /** Sequence number of the next reply to hand over. */
  expected: number;
  /** Replies that arrived ahead of `expected`. */
  ahead?: Map<number, { reply: NsqReply; payload: Buffer }>;
}

/**
 * The caller's side of request-response (WIRE.md §5): one ephemeral reply
 * topic per client instance, read on every nsqd of the client; one pending
 * entry per request, keyed by its correlation id, ended by its final reply,
 * its timeout, its subscriber's unsubscribe or `close()` — whichever comes
 * first — and then forgotten. A reply nobody waits for any more is dropped
 * and counted ({@link lateReplies}).
 */
export class NsqRequester {
  /** `reply.<uuid>#ephemeral`: unique per client instance, gone from nsqd with its last reader. */
  readonly replyTopic = `reply.${randomUUID().replaceAll('-', '')}#ephemeral`;
  private readonly pending = new Map<string, PendingRequest>();
  private subscription: NsqSubscriptionPort | undefined;
  private nextId = 0;
  private late = 0;
  private closed = false;

  constructor(
    private readonly settings: NsqRequesterSettings,
    private readonly hooks: NsqRequesterHooks,
    /** Unit specs script the reply subscription. */
    private readonly createSubscription?: (topic: string, channel: string, onReply: (message: Message) => void) => NsqSubscriptionPort,
  ) {}

  /** Requests waiting for replies now. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Replies that came after their request ended (timed out, unsubscribed, already complete, a second run). */
  get lateReplies(): number {
    return this.late;
  }

  /**
   * Sends one request to `topic` through `publish`; `callback` gets Nest's
   * WritePackets (ClientProxy's `publish` contract). Returns the teardown
   * that forgets the request.
   */
  request(topic: string, timeoutMs: number | undefined, publish: NsqRequestPublish, callback: (packet: WritePacket) => void): () => void {
    if (this.closed) {
      callback({ err: new NsqRequestAbortedError(`send("${topic.slice(0, 64)}"): the NSQ client is closed`, topic) });
      return noop;
    }
    if (this.pending.size >= this.settings.maxPendingRequests) {
      callback({ err: new NsqUnavailableError(`send("${topic.slice(0, 64)}"): ${this.settings.maxPendingRequests} requests are already waiting for replies (maxPendingRequests)`) });
      return noop;
    }
    const timeout = timeoutMs ?? this.settings.requestTimeoutMs;
    const id = (++this.nextId).toString(36);
    const timer = setTimeout(() => {
      this.end(id, { err: new NsqRequestTimeoutError(`send("${topic.slice(0, 64)}"): no reply within ${timeout} ms`, topic, timeout) });
    }, timeout);
    this.pending.set(id, { pattern: topic, callback, timer, expected: 0 });
    const headers: NsqHeaders = {
      [NSQ_HEADER.replyTo]: this.replyTopic,
      [NSQ_HEADER.correlationId]: id,
      [NSQ_HEADER.expiresAt]: String(Date.now() + timeout),
    };
    const send = () => {
      if (!this.pending.has(id)) return;
      let sent: Promise<void>;
      try {
        sent = publish(headers);
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.catch((error: unknown) => this.end(id, { err: error }));
    };
    const subscription = this.ensureSubscription();
    // Subscribed first: a reply must find its reader (kept synchronous once it is, so a burst of sends batches).
    if (subscription.isSubscribed) send();
    else void subscription.whenSubscribed().then(send);
    return () => this.forget(id);
  }

  /** Fails every pending request at once with NsqRequestAbortedError, then closes the reply subscription. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [id, request] of this.pending) {
      this.end(id, { err: new NsqRequestAbortedError(`send("${request.pattern.slice(0, 64)}"): the NSQ client was closed before the reply`, request.pattern) });
    }
    await this.subscription?.close();
  }

  private ensureSubscription(): NsqSubscriptionPort {
    if (!this.subscription) {
      const onReply = (message: Message) => this.onReply(message);
      this.subscription =
        this.createSubscription?.(this.replyTopic, NSQ_REPLY_CHANNEL, onReply) ??
        new NsqSubscription(
          this.replyTopic,
          NSQ_REPLY_CHANNEL,
          this.settings.config,
          { onMessage: onReply, onSubscribed: () => undefined, onUnsubscribed: () => undefined, onError: (error) => this.hooks.onError(error) },
          this.settings.reconnectMaxDelayMs,
        );
      this.subscription.start();
    }
    return this.subscription;
  }

  private onReply(message: Message): void {
    // Replies are never retried: taken off nsqd at once, whatever becomes of them.
    message.finish();
    let opened;
    try {
      opened = openNsqBody(message.body);
    } catch (error) {
      this.hooks.onError(error as Error);
      return;
    }
    const reply = readNsqReply(opened.headers);
    if (!reply) {
      this.hooks.onError(new NsqDecodeError(`a message on reply topic ${this.replyTopic} is not a reply (WIRE.md §5.2): dropped`));
      return;
    }
    const request = this.pending.get(reply.correlationId);
    if (!request) {
      this.late += 1;
      return;
    }
    request.attempt ??= reply.attempt;
    // A second run of the handler (the request was delivered again): the caller already follows the first.
    if (reply.attempt !== request.attempt || reply.seq < request.expected) {
      this.late += 1;
      return;
    }
    if (reply.seq > request.expected) {
      request.ahead ??= new Map();
      request.ahead.set(reply.seq, { reply, payload: opened.payload });
      if (request.ahead.size > MAX_OUT_OF_ORDER) this.end(reply.correlationId, { err: new NsqDecodeError(`reply ${request.expected} never came while ${MAX_OUT_OF_ORDER} later ones did`) });
      return;
    }
    this.handOver(request, reply, opened.payload);
    while (request.ahead?.size && this.pending.has(reply.correlationId)) {
      const next = request.ahead.get(request.expected);
      if (!next) break;
      request.ahead.delete(request.expected);
      this.handOver(request, next.reply, next.payload);
    }
  }

  /** Hands reply `request.expected` to the caller as Nest's WritePacket. */
  private handOver(request: PendingRequest, reply: NsqReply, payload: Buffer): void {
    request.expected += 1;
    const id = reply.correlationId;
    if (reply.status === 'error') {
      this.end(id, { err: decodeError(payload) });
      return;
    }
    let response: unknown;
    try {
      response = payload.length === 0 ? undefined : this.settings.deserializer.deserialize(payload, { topic: this.replyTopic, channel: NSQ_REPLY_CHANNEL });
    } catch (error) {
      this.end(id, { err: new NsqDecodeError(`a reply to send("${request.pattern.slice(0, 64)}") cannot be decoded`, { cause: error }) });
      return;
    }
    if (reply.status === 'complete') this.end(id, response === undefined ? { isDisposed: true } : { response, isDisposed: true });
    else request.callback({ response });
  }

  /** Ends a request with its last packet and forgets it. */
  private end(id: string, packet: WritePacket): void {
    const request = this.pending.get(id);
    if (!request) return;
    this.forget(id);
    request.callback(packet);
  }

  private forget(id: string): void {
    const request = this.pending.get(id);
    if (!request) return;
    clearTimeout(request.timer);
    this.pending.delete(id);
  }
}

/** An error reply's payload: Nest's RPC error as JSON (WIRE.md §5.2); anything unreadable as Nest's generic shape. */
function decodeError(payload: Buffer): unknown {
  try {
    const error: unknown = JSON.parse(payload.toString('utf8'));
    if (error !== null && error !== undefined && error !== false && error !== 0 && error !== '') return error;
  } catch {
    // Not JSON: a responder that wrote text.
    if (payload.length > 0) return { status: 'error', message: payload.toString('utf8').slice(0, 1_000) };
  }
  return { status: 'error', message: 'Internal server error' };
}

function noop(): void {}
