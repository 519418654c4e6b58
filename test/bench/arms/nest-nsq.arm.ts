import { ClientNsq, NsqEventPattern, NsqRecordBuilder, ServerNsq } from 'nestjs-transport-nsq';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget, PublishCallback } from '../bench-arm.interface.js';
import type { BenchPayload } from '../bench-payloads.js';
import { startConsumerApp, startPublisherApp } from './nest-apps.js';

/** This repository's transport: ClientNsq and ServerNsq with their defaults (JSON codec, batching on). */
export class NestNsqArm implements BenchArm {
  readonly id = 'ours';
  readonly label = 'nestjs-transport-nsq (ours)';

  async createProducer(target: BenchTarget): Promise<BenchProducer> {
    const { app, client } = await startPublisherApp(ClientNsq, { nsqdTcpAddresses: [target.nsqdTcpAddress], closeTimeoutMs: 2_000 });
    return {
      publish(topic: string, payload: BenchPayload, done: PublishCallback): void {
        client.emit(topic, payload).subscribe({ complete: () => done(), error: (error: Error) => done(error) });
      },
      publishBatch(topic: string, payloads: readonly BenchPayload[], done: PublishCallback): void {
        client.emit(topic, new NsqRecordBuilder<BenchPayload>().setBatch(payloads).build()).subscribe({ complete: () => done(), error: (error: Error) => done(error) });
      },
      async close(): Promise<void> {
        await app.close();
      },
    };
  }

  async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
    const server = new ServerNsq({
      nsqdTcpAddresses: [target.nsqdTcpAddress],
      channel: spec.channel,
      maxInFlight: spec.maxInFlight,
      drainTimeoutMs: 2_000,
      ...(spec.outputBufferTimeoutMs !== undefined ? { outputBufferTimeoutMs: spec.outputBufferTimeoutMs } : {}),
    });
    const app = await startConsumerApp(server, NsqEventPattern(spec.topic, { channel: spec.channel }), spec.onMessage);
    return { close: () => app.close() };
  }
}
