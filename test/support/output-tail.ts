/**
 * Keeps the last `maxBytes` of a process's output, so a failure message can show what the process
 * said without a long-running nsqd growing memory without bound.
 *
 * @example
 * const tail = new OutputTail(16 * 1024);
 * child.stderr.on('data', (chunk: Buffer) => tail.push(chunk));
 * throw new Error(`nsqd died:\n${tail.text()}`);
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  constructor(private readonly maxBytes = 32 * 1024) {}

  push(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(buffer);
    this.size += buffer.length;
    while (this.size > this.maxBytes && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.truncated = true;
    }
  }

  /** The kept output as text; a leading partial line is dropped when older output was discarded. */
  text(): string {
    const all = Buffer.concat(this.chunks);
    const cut = all.length > this.maxBytes;
    const kept = (cut ? all.subarray(all.length - this.maxBytes) : all).toString('utf8');
    if (!cut && !this.truncated) return kept;
    const firstNewline = kept.indexOf('\n');
    return `[...]\n${firstNewline === -1 ? kept : kept.slice(firstNewline + 1)}`;
  }

  /** True when the kept output contains `needle`. */
  includes(needle: string): boolean {
    return this.text().includes(needle);
  }
}
