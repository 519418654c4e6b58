import { EventPattern } from '@nestjs/microservices';
import { JSONDeserializer, JSONSerializer, NSQClient, NSQStrategy } from 'nest-nsq-transport';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget, PublishCallback } from '../bench-arm.interface.js';
import type { BenchPayload } from '../bench-payloads.js';
import { startConsumerApp, startPublisherApp } from './nest-apps.js';

/** nest-nsq-transport 0.4 (npm), configured for the same JSON bodies and nsqjs settings. */
export class NestNsqTransportArm implements BenchArm {
  readonly id = 'nnt';
  readonly label = 'nest-nsq-transport 0.4';

  async createProducer(target: BenchTarget): Promise<BenchProducer> {
    const { app, client } = await startPublisherApp(NSQClient, { nsqdURL: target.nsqdTcpAddress, serializer: new JSONSerializer() });
    return {
      publish(topic: string, payload: BenchPayload, done: PublishCallback): void {
        client.emit(topic, payload).subscribe({ complete: () => done(), error: (error: Error) => done(error) });
      },
      // No batch API: emitting an array would publish one message holding the array.
      async close(): Promise<void> {
        await app.close();
      },
    };
  }

  async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
    const strategy = new NSQStrategy({
      deserializer: new JSONDeserializer(),
      defaultChannelOptions: {
        nsqdTCPAddresses: [target.nsqdTcpAddress],
        maxInFlight: spec.maxInFlight,
        maxAttempts: 0,
        heartbeatInterval: 30,
        idleTimeout: 75,
        ...(spec.outputBufferTimeoutMs !== undefined ? { outputBufferTimeout: spec.outputBufferTimeoutMs } : {}),
        // Its channel options go to nsqjs's Reader as they are, so nsqjs's outputBufferSize (-1 included) reaches IDENTIFY.
        ...(spec.outputBufferSize !== undefined ? { outputBufferSize: spec.outputBufferSize } : {}),
      },
    });
    const app = await startConsumerApp(strategy, EventPattern<string>(`${spec.topic}/${spec.channel}`), spec.onMessage);
    return { close: () => app.close() };
  }
}
