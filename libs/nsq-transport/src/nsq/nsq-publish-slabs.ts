/** Bodies from this size up to {@link SLAB_BODY_MAX} are copied into slabs while they wait for nsqd's answer. */
export const SLAB_BODY_MIN = 16 * 1024;
/** Larger bodies are rare enough to keep as they are. */
export const SLAB_BODY_MAX = 256 * 1024;
const SLAB_BYTES = 1024 * 1024;
/** Empty slabs kept for reuse; more are left to the garbage collector. */
const FREE_SLABS_KEPT = 8;

/** One block of memory that held bodies are copied into, end to end. */
export class NsqSlab {
  readonly memory = Buffer.allocUnsafeSlow(SLAB_BYTES);
  used = 0;
  /** Bodies in it not yet settled. */
  live = 0;
  /**
   * A body in it settled with an error: its bytes may still sit in a socket's
   * write queue (an unanswered publish past its deadline), or in an error the
   * caller holds. Never reused; the garbage collector takes it.
   */
  spoiled = false;
}

/**
 * Memory for the bodies of publishes waiting for nsqd's answer.
 *
 * A publish keeps its bodies until nsqd answers it (what nsqd never executed
 * is sent again), while a raw Writer drops each frame once written. Kept that
 * long, a large body's own buffer outlives two young-generation collections,
 * is promoted, and its memory (outside the JS heap) is only returned by a full
 * collection: at 64 KiB × 100 outstanding, tens of MiB pile up and force a
 * major GC every few hundred messages. Copied into a few slabs that are reused
 * once every body in them was answered, the serializer's buffer dies young
 * and the memory held for resends stays the same blocks.
 *
 * A slab is reused only when all its bodies settled with nsqd's OK (their
 * bytes were read by nsqd, so no socket still refers to them).
 */
export class NsqPublishSlabs {
  private current: NsqSlab | undefined;
  private readonly free: NsqSlab[] = [];

  /** Whether `body` is copied by {@link hold}. */
  static fits(body: Buffer): boolean {
    return body.length >= SLAB_BODY_MIN && body.length <= SLAB_BODY_MAX;
  }

  /** A copy of `body` (see {@link fits}) in a slab; call {@link release} with that slab once, when its publish settles. */
  hold(body: Buffer): { readonly copy: Buffer; readonly slab: NsqSlab } {
    let slab = this.current;
    if (!slab || slab.spoiled || slab.used + body.length > SLAB_BYTES) {
      if (slab && slab.live === 0 && !slab.spoiled) this.recycle(slab);
      slab = this.free.pop() ?? new NsqSlab();
      this.current = slab;
    }
    const start = slab.used;
    slab.used += body.copy(slab.memory, start);
    slab.live++;
    return { copy: slab.memory.subarray(start, slab.used), slab };
  }

  /** A body of `slab` settled: `ok` when nsqd answered OK, false for any error. */
  release(slab: NsqSlab, ok: boolean): void {
    if (!ok) slab.spoiled = true;
    if (--slab.live > 0 || slab.spoiled) return;
    if (slab === this.current) slab.used = 0;
    else this.recycle(slab);
  }

  /** Slabs kept for reuse with no body in them (the current one included when empty). */
  get idleSlabs(): number {
    const current = this.current;
    return this.free.length + (current && current.live === 0 && !current.spoiled ? 1 : 0);
  }

  /**
   * Lets the garbage collector take every slab with no body in it: called
   * when nothing is pending, so a client that once pipelined large bodies
   * does not keep megabytes while idle. Slabs still holding bodies stay.
   */
  trim(): void {
    this.free.length = 0;
    if (this.current && this.current.live === 0) this.current = undefined;
  }

  private recycle(slab: NsqSlab): void {
    slab.used = 0;
    if (this.free.length < FREE_SLABS_KEPT) this.free.push(slab);
  }
}
