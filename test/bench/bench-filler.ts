import type { Writer } from 'nsqjs';
import { connectWriter } from './arms/raw-nsqjs.arm.js';
import { payload } from './bench-payloads.js';

/** Pre-fills channels with MPUBs from one plain nsqjs Writer (not part of any measurement). */
export class BenchFiller {
  private constructor(private readonly writer: Writer) {}

  static async connect(nsqdTcpAddress: string): Promise<BenchFiller> {
    return new BenchFiller(await connectWriter(nsqdTcpAddress, 'filler', { heartbeatInterval: 30 }));
  }

  /** Publishes `count` JSON messages of `size` bytes (seq 0..count-1) and resolves once nsqd acknowledged all. */
  async fill(topic: string, size: number, count: number): Promise<void> {
    const perBatch = Math.max(1, Math.min(500, Math.floor((4 * 1024 * 1024) / (size + 4))));
    const pending: Promise<void>[] = [];
    for (let seq = 0; seq < count; seq += perBatch) {
      const bodies: Buffer[] = [];
      for (let i = seq; i < Math.min(count, seq + perBatch); i++) bodies.push(Buffer.from(JSON.stringify(payload(size, i)), 'utf8'));
      pending.push(new Promise<void>((resolve, reject) => this.writer.publish(topic, bodies, (error?: Error) => (error ? reject(error) : resolve()))));
      if (pending.length >= 16) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  }

  close(): void {
    this.writer.close();
  }
}
