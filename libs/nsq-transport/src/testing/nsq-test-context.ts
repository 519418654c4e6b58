import type { Message } from 'nsqjs';
import { NsqContext } from '../ctx-host/nsq.context.js';
import { NsqDelivery } from '../nsq/nsq-delivery.js';
import { resolveTestContextInit, type ResolvedNsqTestContextInit } from './resolve-test-context-init.js';

/** The delivery a {@link NsqTestContext} stands for; every field is optional. */
export interface NsqTestContextInit {
  /** An NSQ topic name. @default 'test-topic' */
  readonly topic?: string;
  /** An NSQ channel name. @default 'test-channel' */
  readonly channel?: string;
  /** Delivery attempts so far, this one included (1..65535). @default 1 */
  readonly attempts?: number;
  /** nsqd's message id. @default a fresh 16-digit id */
  readonly id?: string;
  /** What `getBody()` returns: bytes and strings as they are, anything else as JSON (the default codec). @default empty */
  readonly body?: unknown;
  /** When nsqd received the message. @default now */
  readonly timestamp?: Date;
}

/** What the handler did to the message through its context. */
export interface NsqTestOutcome {
  /** `ctx.finish()` was called first. */
  readonly finished: boolean;
  /** `ctx.requeue()` was called first: the delay (as sent to nsqd, clamped to 0..1 h) and backoff. */
  readonly requeued: { readonly delayMs: number; readonly backoff: boolean } | undefined;
  /** `ctx.reject(reason)` was called (before any settlement): the reason. */
  readonly rejected: string | undefined;
  /** How many times `ctx.touch()` reached nsqd (touches after settling do not). */
  readonly touched: number;
}

let lastId = 0;

/**
 * An {@link NsqContext} for unit tests of a handler, without a broker: pass it
 * where `@Ctx()` would, then read `outcome`. It behaves as in production —
 * settled once (a `requeue()` after `finish()` is ignored), delays clamped as
 * nsqd requires — but the transport's own step after the handler returns (FIN
 * on success, REQ on failure) is not simulated: `outcome` is what the handler
 * itself did.
 *
 * @example
 * ```ts
 * const ctx = new NsqTestContext({ topic: 'orders.created', attempts: 3 });
 * await controller.onOrder({ id: 1 }, ctx);
 * expect(ctx.outcome).toEqual({ finished: false, requeued: { delayMs: 5000, backoff: false }, rejected: undefined, touched: 0 });
 * ```
 */
export class NsqTestContext extends NsqContext {
  private readonly recorder: RecordingMessage;

  /** @throws InvalidNsqOptionError for a delivery nsqd could not make (bad names, attempts outside 1..65535). */
  constructor(init: NsqTestContextInit = {}) {
    const resolved = resolveTestContextInit(init);
    const recorder = new RecordingMessage(resolved);
    // The recorder has what NsqDelivery and NsqContext use of an nsqjs Message,
    // not its socket plumbing, which a unit test has no use for.
    const delivery = new NsqDelivery(recorder as unknown as Message, resolved.topic, resolved.channel);
    super([delivery]);
    this.recorder = recorder;
  }

  /** What the handler did so far. */
  get outcome(): NsqTestOutcome {
    const { finished, requeued, touched } = this.recorder;
    return { finished, requeued, rejected: this.args[0].rejectedBecause, touched };
  }
}

/** Stands in for an nsqjs Message and records the commands it would send. */
class RecordingMessage {
  readonly id: string;
  readonly attempts: number;
  readonly body: Buffer;
  /** Nanoseconds since the epoch, a bigint as nsqjs gives it. */
  readonly timestamp: bigint;
  hasResponded = false;
  finished = false;
  requeued: NsqTestOutcome['requeued'];
  touched = 0;

  constructor(init: ResolvedNsqTestContextInit) {
    this.id = init.id ?? String(++lastId).padStart(16, '0');
    this.attempts = init.attempts;
    this.body = toBody(init.body);
    this.timestamp = BigInt((init.timestamp ?? new Date()).getTime()) * 1_000_000n;
  }

  finish(): void {
    this.hasResponded = true;
    this.finished = true;
  }

  requeue(delayMs = 0, backoff = true): void {
    this.hasResponded = true;
    this.requeued = { delayMs, backoff };
  }

  touch(): void {
    this.touched++;
  }

  json(): unknown {
    return JSON.parse(this.body.toString('utf8'));
  }
}

function toBody(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  // isView, not instanceof: test code may run in another realm (a Jest environment).
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}
