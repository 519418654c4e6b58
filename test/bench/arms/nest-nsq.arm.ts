import { ClientNsq, NsqEventPattern, NsqRecordBuilder, ServerNsq } from 'nestjs-transport-nsq';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget, PublishCallback } from '../bench-arm.interface.js';
import type { BenchPayload } from '../bench-payloads.js';
import { startConsumerApp, startPublisherApp } from './nest-apps.js';

/**
 * A configuration of our transport measured as an arm of its own. This is
 * where feature arms go (envelope on/off, tracing on/off, metrics): give the
 * variant its own id and label, and the client/server options that switch the
 * feature; the workloads, tables and interleaving need no change.
 * @example new NestNsqArm({ id: 'ours-envelope', label: 'ours, envelope on', client: { envelope: true }, server: { envelope: true } })
 */
export interface NestNsqArmVariant {
  readonly id: string;
  readonly label: string;
  /** Merged into ClientNsq's options. */
  readonly client?: Readonly<Record<string, unknown>>;
  /** Merged into ServerNsq's options. */
  readonly server?: Readonly<Record<string, unknown>>;
}

/** This repository's transport: ClientNsq and ServerNsq with their defaults (JSON codec, batching on). */
export class NestNsqArm implements BenchArm {
  readonly id: string;
  readonly label: string;

  constructor(private readonly variant: NestNsqArmVariant = { id: 'ours', label: 'nestjs-transport-nsq (ours)' }) {
    this.id = variant.id;
    this.label = variant.label;
  }

  async createProducer(target: BenchTarget): Promise<BenchProducer> {
    const { app, client } = await startPublisherApp(ClientNsq, { nsqdTcpAddresses: [target.nsqdTcpAddress], closeTimeoutMs: 2_000, ...this.variant.client });
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
      ...(spec.outputBufferSize !== undefined ? { outputBufferSize: spec.outputBufferSize } : {}),
      ...(this.variant.server as object),
    });
    const app = await startConsumerApp(server, NsqEventPattern(spec.topic, { channel: spec.channel }), spec.onMessage);
    return { close: () => app.close() };
  }
}
