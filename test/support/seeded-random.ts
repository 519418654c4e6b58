/**
 * A small seeded pseudo-random generator (mulberry32) for reproducible fuzz
 * runs: the same seed gives the same sequence on every machine. Not for
 * anything secret. Written here rather than taken from a package because it is
 * ten lines and the fuzz tests must not depend on a library's sequence
 * changing between versions.
 *
 * @example
 * const random = new SeededRandom(42);
 * random.int(0, 9); // the same digit on every run with seed 42
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator for one numbered sub-case, independent of how many numbers the parent drew. */
  static derive(seed: number, index: number): SeededRandom {
    // Spread (seed, index) over 32 bits so neighbouring indexes start far apart.
    let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    return new SeededRandom((h ^ (h >>> 16)) >>> 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** One of `weighted`'s keys, each as likely as its weight. */
  weighted<K extends string>(weighted: Readonly<Partial<Record<K, number>>>): K {
    const entries = (Object.entries(weighted) as Array<[K, number | undefined]>).map(([key, weight]): [K, number] => [key, weight ?? 0]);
    let roll = this.next() * entries.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }

  bytes(length: number): Buffer {
    const bytes = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) bytes[i] = this.int(0, 255);
    return bytes;
  }

  /** Printable ASCII. */
  text(length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) text += String.fromCharCode(this.int(0x20, 0x7e));
    return text;
  }
}
