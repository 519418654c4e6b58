import { NsqPublishSlabs, SLAB_BODY_MAX, SLAB_BODY_MIN } from '../../src/nsq/nsq-publish-slabs.js';

const body = (size: number, fill: number) => Buffer.alloc(size, fill);

describe('NsqPublishSlabs', () => {
  it('copies only bodies from SLAB_BODY_MIN to SLAB_BODY_MAX bytes', () => {
    expect(NsqPublishSlabs.fits(body(SLAB_BODY_MIN - 1, 1))).toBe(false);
    expect(NsqPublishSlabs.fits(body(SLAB_BODY_MIN, 1))).toBe(true);
    expect(NsqPublishSlabs.fits(body(SLAB_BODY_MAX, 1))).toBe(true);
    expect(NsqPublishSlabs.fits(body(SLAB_BODY_MAX + 1, 1))).toBe(false);
  });

  it('holds an equal copy that does not share the caller’s memory', () => {
    const slabs = new NsqPublishSlabs();
    const original = body(64 * 1024, 7);
    const { copy } = slabs.hold(original);
    original.fill(0);
    expect(copy.length).toBe(64 * 1024);
    expect(copy.every((byte) => byte === 7)).toBe(true);
  });

  it('packs bodies end to end, and reuses the memory once every body in it was answered OK', () => {
    const slabs = new NsqPublishSlabs();
    const a = slabs.hold(body(64 * 1024, 1));
    const b = slabs.hold(body(64 * 1024, 2));
    expect(b.slab).toBe(a.slab);
    expect(b.copy.byteOffset).toBe(a.copy.byteOffset + 64 * 1024);
    slabs.release(a.slab, true);
    slabs.release(b.slab, true);
    const c = slabs.hold(body(64 * 1024, 3));
    expect(c.slab).toBe(a.slab);
    expect(c.copy.byteOffset).toBe(a.copy.byteOffset);
    expect(b.copy.every((byte) => byte === 2)).toBe(true);
  });

  it('never overwrites a body still waiting for its answer', () => {
    const slabs = new NsqPublishSlabs();
    const held = Array.from({ length: 40 }, (_, i) => ({ ...slabs.hold(body(64 * 1024, i)), fill: i }));
    // Settle every other one: their slabs still hold the others.
    for (const h of held.filter((_, i) => i % 2 === 0)) slabs.release(h.slab, true);
    for (let i = 0; i < 40; i++) slabs.hold(body(64 * 1024, 200));
    for (const h of held.filter((_, i) => i % 2 === 1)) expect(h.copy.every((byte) => byte === h.fill)).toBe(true);
  });

  it('never reuses a slab one of whose bodies settled with an error (its bytes may still be queued on a socket)', () => {
    const slabs = new NsqPublishSlabs();
    const failed = slabs.hold(body(64 * 1024, 9));
    const ok = slabs.hold(body(64 * 1024, 1));
    slabs.release(failed.slab, false);
    slabs.release(ok.slab, true);
    const next = slabs.hold(body(64 * 1024, 3));
    expect(next.slab).not.toBe(failed.slab);
    expect(failed.copy.every((byte) => byte === 9)).toBe(true);
  });

  it('moves to another slab when a body does not fit in what is left', () => {
    const slabs = new NsqPublishSlabs();
    const first = Array.from({ length: 4 }, () => slabs.hold(body(SLAB_BODY_MAX, 1)));
    expect(new Set(first.map((h) => h.slab)).size).toBe(1);
    const fifth = slabs.hold(body(SLAB_BODY_MAX, 2));
    expect(fifth.slab).not.toBe(first[0]!.slab);
    expect(first[3]!.copy.every((byte) => byte === 1)).toBe(true);
  });

  it('lets go of every empty slab when trimmed, and keeps the ones still holding a body', () => {
    const slabs = new NsqPublishSlabs();
    const done = Array.from({ length: 20 }, () => slabs.hold(body(SLAB_BODY_MAX, 1)));
    const waiting = slabs.hold(body(SLAB_BODY_MAX, 5));
    for (const h of done) slabs.release(h.slab, true);
    expect(slabs.idleSlabs).toBeGreaterThan(1);
    slabs.trim();
    expect(slabs.idleSlabs).toBe(0);
    const next = slabs.hold(body(64 * 1024, 6));
    expect(done.some((h) => h.slab === next.slab)).toBe(false);
    expect(waiting.copy.every((byte) => byte === 5)).toBe(true);
    slabs.release(waiting.slab, true);
    slabs.release(next.slab, true);
    slabs.trim();
    expect(slabs.idleSlabs).toBe(0);
  });
});
