/** A benchmark message: `seq` orders it, `t` is its intended send time (performance.now(), ms), `pad` sizes it. */
export interface BenchPayload {
  seq: number;
  t: number;
  pad: string;
}

/** The three body sizes of issue 5 (JSON bytes, within a few bytes). */
export const PAYLOAD_SIZES = [100, 1024, 65_536] as const;

export function sizeLabel(size: number): string {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}

/** `{"seq":123456,"t":12345.678,"pad":""}` is about 40 bytes; the pad makes up the rest. */
const SKELETON_BYTES = 40;
const pads = new Map<number, string>();

/**
 * A payload whose JSON encoding is `size` bytes (±4). The pad string is cached
 * per size: building a 64 KiB string per message would measure the harness.
 */
export function payload(size: number, seq: number, t = 0): BenchPayload {
  let pad = pads.get(size);
  if (pad === undefined) {
    pad = 'x'.repeat(Math.max(0, size - SKELETON_BYTES));
    pads.set(size, pad);
  }
  return { seq, t, pad };
}
