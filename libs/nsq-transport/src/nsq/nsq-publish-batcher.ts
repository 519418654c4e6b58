/** Bounds of one coalesced MPUB. */
export interface NsqBatchLimits {
  /** Messages per MPUB. */
  readonly maxMessages: number;
  /** Bytes per MPUB, framing included (nsqd's `--max-body-size`). */
  readonly maxBytes: number;
  /** How long the first message of a batch waits for company; 0 = until the current burst of emits ends (next macrotask). */
  readonly lingerMs: number;
}

/** Bodies of one topic that leave together in one MPUB and share its outcome. */
export class NsqBatch {
  readonly bodies: Buffer[] = [];
  /** MPUB body size so far: a 4-byte count, then a 4-byte size before each message. */
  bytes = 4;
  /** The owner's timer that sends the batch after its linger time, if any. */
  timer: NodeJS.Timeout | undefined;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (error: unknown) => void;

  constructor(readonly topic: string) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // Every emit of the batch awaits `done`; this keeps a rejection with no awaiter yet from being reported as unhandled.
    this.done.catch(() => undefined);
  }

  settle(error?: Error): void {
    if (error) this.rejectDone(error);
    else this.resolveDone();
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

  add(topic: string, body: Buffer): NsqBatchAdd {
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
