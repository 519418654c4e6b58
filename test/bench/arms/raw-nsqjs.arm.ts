import { Reader, Writer, type Message } from 'nsqjs';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget, PublishCallback } from '../bench-arm.interface.js';
import type { BenchPayload } from '../bench-payloads.js';
import { readyWithin, splitAddress } from './arm-helpers.js';

/**
 * The nsqjs settings our transport applies by default (see the library's
 * nsqjs-config.ts): 30 s heartbeats, a 75 s idle timeout, no compression, no
 * client-side max attempts. The raw arm uses the same, so the difference is the
 * transport's own work.
 */
export const CONNECTION = { heartbeatInterval: 30, idleTimeout: 75, deflate: false, snappy: false, tls: false } as const;

/** A payload's JSON body, as every raw arm writes it. */
export function jsonBody(payload: BenchPayload): Buffer {
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

/** A Writer connected with `config` ({@link CONNECTION} unless told); `what` names it in a timeout. */
export async function connectWriter(address: string, what: string, config: ConstructorParameters<typeof Writer>[2] = { ...CONNECTION }): Promise<Writer> {
  const [host, port] = splitAddress(address);
  const writer = new Writer(host, port, config);
  writer.on('error', () => undefined);
  await readyWithin(writer, `${what} Writer`);
  return writer;
}

export function closeWriter(writer: Writer): Promise<void> {
  return new Promise<void>((resolve) => {
    writer.once('closed', () => resolve());
    writer.close();
  });
}

/** A Reader for the spec, configured like the transport's, not yet connected. */
export function createReader(target: BenchTarget, spec: BenchConsumerSpec): Reader {
  const reader = new Reader(spec.topic, spec.channel, {
    ...CONNECTION,
    nsqdTCPAddresses: [target.nsqdTcpAddress],
    lookupdPollInterval: 15,
    maxInFlight: spec.maxInFlight,
    maxAttempts: 0,
    maxBackoffDuration: 60,
    ...(spec.outputBufferTimeoutMs !== undefined ? { outputBufferTimeout: spec.outputBufferTimeoutMs } : {}),
    ...(spec.outputBufferSize !== undefined ? { outputBufferSize: spec.outputBufferSize } : {}),
  });
  reader.on('error', () => undefined);
  return reader;
}

/** Decodes with JSON.parse, hands the payload over, FINs (REQ 0 if its promise rejects). */
export function handleMessage(message: Message, onMessage: BenchConsumerSpec['onMessage']): void {
  const result = onMessage(JSON.parse(message.body.toString('utf8')) as BenchPayload);
  if (result === undefined) message.finish();
  else
    result.then(
      () => message.finish(),
      () => message.requeue(0, false),
    );
}

/** Connects the Reader and resolves once it is subscribed; `what` names it in a timeout. */
export function connectReader(reader: Reader, what: string): Promise<void> {
  return readyWithin(reader, `${what} Reader`);
}

export function closeReader(reader: Reader): Promise<void> {
  return new Promise<void>((resolve) => {
    reader.once('nsqd_closed', () => resolve());
    setTimeout(resolve, 1_000).unref();
    reader.close();
  });
}

/** Raw nsqjs: a Writer publishing JSON bodies, a Reader decoding them with JSON.parse and FINning. */
export class RawNsqjsArm implements BenchArm {
  readonly id = 'raw';
  readonly label = 'raw nsqjs 0.13';

  async createProducer(target: BenchTarget): Promise<BenchProducer> {
    const writer = await connectWriter(target.nsqdTcpAddress, 'raw nsqjs');
    return {
      publish(topic: string, payload: BenchPayload, done: PublishCallback): void {
        writer.publish(topic, jsonBody(payload), done);
      },
      publishBatch(topic: string, payloads: readonly BenchPayload[], done: PublishCallback): void {
        writer.publish(topic, payloads.map(jsonBody), done);
      },
      close: () => closeWriter(writer),
    };
  }

  async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
    const reader = createReader(target, spec);
    const onMessage = spec.onMessage;
    reader.on('message', (message: Message) => handleMessage(message, onMessage));
    await connectReader(reader, 'raw nsqjs');
    return { close: () => closeReader(reader) };
  }
}
