import { EventPattern, Transport } from '@nestjs/microservices';
import type { ArmWorkload, BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget, PublishCallback } from '../bench-arm.interface.js';
import { payload, type BenchPayload } from '../bench-payloads.js';
import { startClientApp, startConsumerApp } from './nest-apps.js';
import { withDeadline } from './arm-helpers.js';

/** One of Nest's built-in transports, on this machine's own broker (127.0.0.1, default port). */
export interface NestBrokerSpec {
  readonly id: 'nats' | 'redis' | 'rmq';
  readonly label: string;
  readonly transport: Transport;
  /** Where the broker listens (checked before the first cell, named in the failure). */
  readonly address: string;
  /** Client and server options for one topic (a fresh topic per cell: RabbitMQ needs a queue per topic). */
  options(topic: string): Record<string, unknown>;
  /**
   * Why the broker, left at its defaults, cannot carry `window` messages of
   * `size` bytes outstanding (the cell then reads "n/a" with this reason if it
   * fails); undefined when it can.
   */
  limit?(size: number, window: number): string | undefined;
}

/** Redis's default `client-output-buffer-limit pubsub 32mb 8mb 60`: the hard limit on what waits for one subscriber. */
const REDIS_PUBSUB_HARD_LIMIT = 32 * 1024 * 1024;

export const NEST_BROKERS: readonly NestBrokerSpec[] = [
  { id: 'nats', label: 'Nest NATS transport', transport: Transport.NATS, address: '127.0.0.1:4222', options: () => ({ servers: ['nats://127.0.0.1:4222'] }) },
  {
    id: 'redis',
    label: 'Nest Redis transport',
    transport: Transport.REDIS,
    address: '127.0.0.1:6379',
    options: () => ({ host: '127.0.0.1', port: 6379 }),
    // Nest's Redis transport has no flow control: everything emitted waits in Redis's buffer for the subscriber.
    limit: (size, window) =>
      size * window > REDIS_PUBSUB_HARD_LIMIT
        ? `Redis closes a pub/sub subscriber whose output buffer passes 32 MB (its default client-output-buffer-limit), and ${window} outstanding × ${size} B is ${Math.round((size * window) / 2 ** 20)} MiB`
        : undefined,
  },
  {
    id: 'rmq',
    label: 'Nest RabbitMQ transport',
    transport: Transport.RMQ,
    address: '127.0.0.1:5672',
    // Nest's defaults (noAck, no prefetch limit, non-persistent); the queue goes away with its consumer.
    options: (topic) => ({ urls: ['amqp://guest:guest@127.0.0.1:5672'], queue: topic, queueOptions: { durable: false, autoDelete: true } }),
  },
];

/** A payload no workload counts: `seq` -1 (latency ignores it, the arm swallows it). */
const PROBE_SEQ = -1;

/**
 * Nest's own NATS / Redis / RabbitMQ transport, `ClientProxy.emit` →
 * `@EventPattern` handler, same JSON payloads as the NSQ arms. Only the
 * emit → handler workloads apply: there is no NSQ channel to pre-fill, and a
 * publish "acknowledgement" means different things per broker (NATS: written
 * to the socket; Redis: PUBLISH answered; RabbitMQ: handed to the channel).
 * `maxInFlight` and nsqd's output buffer do not exist there and are ignored.
 */
export class NestBrokerArm implements BenchArm {
  readonly id: string;
  readonly label: string;
  readonly workloads: ReadonlySet<ArmWorkload> = new Set(['e2e', 'latency']);

  constructor(readonly broker: NestBrokerSpec) {
    this.id = broker.id;
    this.label = broker.label;
  }

  async createProducer(_target: BenchTarget, topic?: string): Promise<BenchProducer> {
    const { app, client } = await startClientApp({ transport: this.broker.transport, options: this.broker.options(topic ?? 'bench') });
    return {
      publish(pattern: string, body: BenchPayload, done: PublishCallback): void {
        client.emit(pattern, body).subscribe({ complete: () => done(), error: (error: Error) => done(error) });
      },
      async close(): Promise<void> {
        await app.close();
      },
    };
  }

  async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
    let probed: (() => void) | undefined;
    const onMessage = spec.onMessage;
    const app = await startConsumerApp({ transport: this.broker.transport, options: this.broker.options(spec.topic) }, EventPattern<string>(spec.topic), (body) => {
      if (body.seq === PROBE_SEQ) {
        probed?.();
        return;
      }
      return onMessage(body);
    });
    // A pub/sub subscription may still be on its way when listen() resolves: emit probes until one arrives.
    const producer = await this.createProducer(target, spec.topic);
    let timer: NodeJS.Timeout | undefined;
    try {
      await withDeadline(
        new Promise<void>((resolve) => {
          timer = setInterval(() => producer.publish(spec.topic, payload(16, PROBE_SEQ), () => undefined), 20);
          probed = resolve;
          producer.publish(spec.topic, payload(16, PROBE_SEQ), () => undefined);
        }),
        10_000,
        `${this.label}: subscription on ${this.broker.address} not receiving`,
      );
    } finally {
      clearInterval(timer);
      probed = undefined;
      await producer.close();
    }
    return { close: () => app.close() };
  }
}
