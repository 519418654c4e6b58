import { outcomeFor } from './nsq-partial-publish.error.js';

/** Bounds of one coalesced MPUB. */
export interface NsqBatchLimits {
  /** Messages per MPUB. */
  readonly maxMessages: number;
  /** Bytes per MPUB, framing included (nsqd's `--max-body-size`). */
  readonly maxBytes: number;
  /** How long the first message of a batch waits for company; 0 = until the current burst of emits ends (next macrotask). */
  readonly lingerMs: number;
}

/** Messages of one topic waiting to leave together, sharing one outcome. */
class Batch {
  readonly bodies: Buffer[] = [];
  // MPUB body: 4-byte count, then a 4-byte size before each message.
  bytes = 4;
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (error: unknown) => void;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Every emit in the batch awaits `done`; this keeps a rejection with no
    // awaiter yet from being reported as unhandled.
    this.done.catch(() => undefined);
  }
}

/**
 * Coalesces concurrent single-message publishes to one topic into MPUBs:
 * one frame and one acknowledgement per batch instead of per
 * message. MPUB is atomic, so every emit of a batch completes on its OK and
 * fails on its error. Bodies are validated before they get here, so one bad
 * message cannot fail its neighbours; one that only nsqd's real limits refuse
 * fails alone (the producer splits the batch).
 */
export class NsqPublishBatcher {
  private readonly open = new Map<string, Batch>();

  constructor(
    private readonly limits: NsqBatchLimits,
    private readonly send: (topic: string, bodies: readonly Buffer[]) => Promise<void>,
  ) {}

  /** Queues `body` for `topic`; resolves when nsqd acknowledged its batch. */
  add(topic: string, body: Buffer): Promise<void> {
    let batch = this.open.get(topic);
    if (batch && (batch.bodies.length >= this.limits.maxMessages || batch.bytes + 4 + body.length > this.limits.maxBytes)) {
      this.flush(topic, batch);
      batch = undefined;
    }
    if (!batch) {
      const created = new Batch();
      batch = created;
      this.open.set(topic, created);
      created.timer = this.limits.lingerMs > 0 ? setTimeout(() => this.flush(topic, created), this.limits.lingerMs) : setImmediate(() => this.flush(topic, created));
    }
    batch.bodies.push(body);
    batch.bytes += 4 + body.length;
    // Each emit keeps its own outcome when nsqd's real limits make the batch split.
    return batch.done.then(undefined, (error: unknown) => {
      const own = outcomeFor(error, body);
      if (own !== undefined) throw own;
    });
  }

  /** Sends every open batch now (used on close). */
  flushAll(): void {
    for (const [topic, batch] of [...this.open]) this.flush(topic, batch);
  }

  private flush(topic: string, batch: Batch): void {
    if (this.open.get(topic) !== batch) return;
    this.open.delete(topic);
    if (batch.timer !== undefined) {
      clearTimeout(batch.timer as NodeJS.Timeout);
      clearImmediate(batch.timer as NodeJS.Immediate);
    }
    this.send(topic, batch.bodies).then(batch.resolve, batch.reject);
  }
}
