import { performance } from 'node:perf_hooks';
import type { BenchProducer } from '../bench-arm.interface.js';
import { payload, type BenchPayload } from '../bench-payloads.js';

/** How a publish cell sends its messages. */
export type PublishMode = { readonly kind: 'serial' } | { readonly kind: 'pipelined'; readonly window: number } | { readonly kind: 'batched'; readonly batchSize: number };

export function publishModeKey(mode: PublishMode): string {
  switch (mode.kind) {
    case 'serial':
      return 'publish.serial';
    case 'pipelined':
      return `publish.pipelined-${mode.window}`;
    case 'batched':
      return `publish.batched-${mode.batchSize}`;
  }
}

/** nsqd's --max-body-size (5 MiB) bounds one MPUB; stay well inside it. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Publishes `count` messages of `size` bytes to `topic` and returns
 * acknowledged messages per second (first send to last acknowledgement).
 */
export async function runPublish(producer: BenchProducer, topic: string, size: number, count: number, mode: PublishMode): Promise<number> {
  const started = performance.now();
  switch (mode.kind) {
    case 'serial':
      for (let seq = 0; seq < count; seq++) await publishOne(producer, topic, payload(size, seq));
      break;
    case 'pipelined':
      await pipelined(producer, topic, size, count, mode.window);
      break;
    case 'batched': {
      const publishBatch = producer.publishBatch;
      if (!publishBatch) throw new Error('this arm has no batch publish');
      const perBatch = Math.max(1, Math.min(mode.batchSize, Math.floor(MAX_BATCH_BYTES / (size + 4))));
      for (let seq = 0; seq < count; seq += perBatch) {
        const batch: BenchPayload[] = [];
        for (let i = seq; i < Math.min(count, seq + perBatch); i++) batch.push(payload(size, i));
        await new Promise<void>((resolve, reject) => publishBatch(topic, batch, (error) => (error ? reject(error) : resolve())));
      }
      break;
    }
  }
  return (count * 1000) / (performance.now() - started);
}

function publishOne(producer: BenchProducer, topic: string, body: BenchPayload): Promise<void> {
  return new Promise<void>((resolve, reject) => producer.publish(topic, body, (error) => (error ? reject(error) : resolve())));
}

/** Keeps `window` publishes outstanding: each acknowledgement sends the next message. */
function pipelined(producer: BenchProducer, topic: string, size: number, count: number, window: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    let failure: Error | undefined;
    const done = (error?: Error) => {
      if (error) failure ??= error;
      acked++;
      if (acked === count) {
        if (failure) reject(failure);
        else resolve();
      } else if (sent < count && !failure) send();
      else if (failure && acked === sent) reject(failure);
    };
    const send = () => {
      const seq = sent++;
      producer.publish(topic, payload(size, seq), done);
    };
    for (let i = 0; i < Math.min(window, count); i++) send();
  });
}
