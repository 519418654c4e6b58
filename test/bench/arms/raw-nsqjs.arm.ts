import { Reader, Writer, type Message } from 'nsqjs';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget, PublishCallback } from '../bench-arm.interface.js';
import type { BenchPayload } from '../bench-payloads.js';
import { splitAddress, withDeadline } from './arm-helpers.js';

/**
 * The nsqjs settings our transport applies by default (see the library's
 * nsqjs-config.ts): 30 s heartbeats, a 75 s idle timeout, no compression, no
 * client-side max attempts. The raw arm uses the same, so the difference is the
 * transport's own work.
 */
export const CONNECTION = { heartbeatInterval: 30, idleTimeout: 75, deflate: false, snappy: false, tls: false } as const;

/** Raw nsqjs: a Writer publishing JSON bodies, a Reader decoding them with JSON.parse and FINning. */
export class RawNsqjsArm implements BenchArm {
  readonly id = 'raw';
  readonly label = 'raw nsqjs 0.13';

  async createProducer(target: BenchTarget): Promise<BenchProducer> {
    const [host, port] = splitAddress(target.nsqdTcpAddress);
    const writer = new Writer(host, port, { ...CONNECTION });
    writer.on('error', () => undefined);
    await withDeadline(
      new Promise<void>((resolve) => {
        writer.once('ready', () => resolve());
        writer.connect();
      }),
      10_000,
      'raw nsqjs Writer ready',
    );
    return {
      publish(topic: string, payload: BenchPayload, done: PublishCallback): void {
        writer.publish(topic, Buffer.from(JSON.stringify(payload), 'utf8'), done);
      },
      publishBatch(topic: string, payloads: readonly BenchPayload[], done: PublishCallback): void {
        writer.publish(
          topic,
          payloads.map((p) => Buffer.from(JSON.stringify(p), 'utf8')),
          done,
        );
      },
      async close(): Promise<void> {
        await new Promise<void>((resolve) => {
          writer.once('closed', () => resolve());
          writer.close();
        });
      },
    };
  }

  async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
    const reader = new Reader(spec.topic, spec.channel, {
      ...CONNECTION,
      nsqdTCPAddresses: [target.nsqdTcpAddress],
      lookupdPollInterval: 15,
      maxInFlight: spec.maxInFlight,
      maxAttempts: 0,
      maxBackoffDuration: 60,
      ...(spec.outputBufferTimeoutMs !== undefined ? { outputBufferTimeout: spec.outputBufferTimeoutMs } : {}),
    });
    reader.on('error', () => undefined);
    const onMessage = spec.onMessage;
    reader.on('message', (message: Message) => {
      const result = onMessage(JSON.parse(message.body.toString('utf8')) as BenchPayload);
      if (result === undefined) message.finish();
      else
        result.then(
          () => message.finish(),
          () => message.requeue(0, false),
        );
    });
    await withDeadline(
      new Promise<void>((resolve) => {
        reader.once('ready', () => resolve());
        reader.connect();
      }),
      10_000,
      'raw nsqjs Reader ready',
    );
    return {
      async close(): Promise<void> {
        await new Promise<void>((resolve) => {
          reader.once('nsqd_closed', () => resolve());
          setTimeout(resolve, 1_000).unref();
          reader.close();
        });
      },
    };
  }
}
