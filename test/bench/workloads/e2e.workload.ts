import { performance } from 'node:perf_hooks';
import type { BenchArm, BenchTarget } from '../bench-arm.interface.js';
import { until } from '../bench-cell.js';
import { payload } from '../bench-payloads.js';

/** What an emit → handler cell asks of the NSQ arms (other brokers have no such settings). */
export interface E2eSpec {
  readonly count: number;
  /** Messages allowed between emit and handler: each handled message lets the next one go. */
  readonly window: number;
  readonly maxInFlight: number;
  readonly outputBufferTimeoutMs: number;
}

/**
 * Emit → handler throughput: the arm's own producer and consumer in one
 * process, at most `window` messages emitted but not yet handled (a closed
 * loop on the handler, not on the broker's acknowledgement, which means
 * different things per broker). Messages per second from the first emit to
 * the last handler call; a publish error fails the cell.
 */
export async function runEmitToHandler(arm: BenchArm, target: BenchTarget, topic: string, channel: string, size: number, spec: E2eSpec): Promise<number> {
  let received = 0;
  let sent = 0;
  let finished = 0;
  let failure: Error | undefined;
  let send: () => void = () => undefined;
  const consumer = await arm.createConsumer(target, {
    topic,
    channel,
    maxInFlight: spec.maxInFlight,
    outputBufferTimeoutMs: spec.outputBufferTimeoutMs,
    onMessage: () => {
      if (++received === spec.count) finished = performance.now();
      if (sent < spec.count) send();
    },
  });
  const producer = await arm.createProducer(target, topic);
  const onPublished = (error?: Error) => {
    if (error) failure ??= error;
  };
  send = () => {
    producer.publish(topic, payload(size, sent++), onPublished);
  };
  let started = 0;
  try {
    started = performance.now();
    for (let i = 0; i < Math.min(spec.window, spec.count); i++) send();
    await until(() => received >= spec.count || failure !== undefined, 120_000, `${arm.id} emit → handler: ${spec.count} messages`);
    if (failure) throw failure;
    return (spec.count * 1000) / (finished - started);
  } finally {
    await producer.close();
    await consumer.close();
  }
}
