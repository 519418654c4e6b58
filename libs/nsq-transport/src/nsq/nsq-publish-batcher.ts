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

/** Called once with a publish's outcome: nothing on nsqd's OK, the error otherwise. */
export type NsqPublishCallback = (error?: Error) => void;

const SETTLED: NsqPublishCallback = () => undefined;

/** Bodies of one topic that leave together in one MPUB, each with its emit's callback. */
export class NsqBatch {
  readonly bodies: Buffer[] = [];
  /** `callbacks[i]` is the emit of `bodies[i]`. */
  readonly callbacks: NsqPublishCallback[] = [];
  /** MPUB body size so far: a 4-byte count, then a 4-byte size before each message. */
  bytes = 4;
  /** The owner's timer that sends the batch after its linger time, if any. */
  timer: NodeJS.Timeout | undefined;

  constructor(readonly topic: string) {}

  /**
   * Settles every emit of the batch, in the order they were made, each with
   * its own outcome (nsqd's limits may have refused some bodies and stored
   * the others). Callbacks, not one promise per emit: a settled batch of 200
   * costs 200 calls, not 200 promise reactions.
   */
  settle(error?: Error): void {
    const { bodies, callbacks } = this;
    for (let i = 0; i < callbacks.length; i++) {
      const done = callbacks[i]!;
      // Let go of each emit before calling it: what its caller publishes next (synchronously, often a whole
      // batch's worth) can run a young-generation GC, which would otherwise copy every emit of this batch.
      callbacks[i] = SETTLED;
      done(error && (outcomeFor(error, bodies[i]!) as Error | undefined));
    }
  }
}

/** What adding a body did: the batch it joined, whether that batch is new, and a batch it made full. */
export interface NsqBatchAdd {
  readonly batch: NsqBatch;
  /** A new batch was opened for the body: its owner decides when it leaves (`lingerMs`). */
  readonly opened: boolean;
  /** The previous open batch of the topic, which had no room for the body: it must leave now. */
  readonly full: NsqBatch | undefined;
}

/**
 * Accumulates concurrent single-message publishes per topic into batches
 * bounded by `limits`. A plain accumulator: it never sends and keeps no
 * timers; the producer takes batches out and sends them.
 */
export class NsqPublishBatcher {
  private readonly open = new Map<string, NsqBatch>();

  constructor(readonly limits: NsqBatchLimits) {}

  add(topic: string, body: Buffer, done: NsqPublishCallback): NsqBatchAdd {
    let full: NsqBatch | undefined;
    let batch = this.open.get(topic);
    if (batch && (batch.bodies.length >= this.limits.maxMessages || batch.bytes + 4 + body.length > this.limits.maxBytes)) {
      full = batch;
      batch = undefined;
    }
    const opened = batch === undefined;
    if (!batch) {
      batch = new NsqBatch(topic);
      this.open.set(topic, batch);
    }
    batch.bodies.push(body);
    batch.callbacks.push(done);
    batch.bytes += 4 + body.length;
    return { batch, opened, full };
  }

  /** Removes `batch` from the open ones; false when it already left (full, or taken before). */
  take(batch: NsqBatch): boolean {
    if (this.open.get(batch.topic) !== batch) return false;
    this.open.delete(batch.topic);
    return true;
  }

  /** Removes and returns every open batch (used on close). */
  takeAll(): NsqBatch[] {
    const batches = [...this.open.values()];
    this.open.clear();
    return batches;
  }
}
