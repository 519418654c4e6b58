import type { Socket } from 'node:net';
import { Reader, Writer, type Message } from 'nsqjs';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget, PublishCallback } from '../bench-arm.interface.js';
import type { BenchPayload } from '../bench-payloads.js';
import { splitAddress, withDeadline } from './arm-helpers.js';
import { CONNECTION } from './raw-nsqjs.arm.js';

/** The batch a hand-written MPUB batcher would pick (issue 16's experiment). */
const MPUB_BATCH = 200;
/** nsqd's --max-body-size is 5 MiB: stay inside it whatever the message size. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * nsqjs 0.13's Reader as a raw user reaches it: `readerRdy.connections[i].conn`
 * is the NSQDConnection, whose `conn` is the socket. Not typed by @types/nsqjs.
 */
interface ReaderWithSockets {
  readerRdy: { connections: Array<{ conn: { conn: Socket | null } }> };
}

/**
 * Raw nsqjs plus the two obvious tricks a performance-minded raw user adds
 * (about ten lines each, no library): on consume, the socket is corked while
 * the messages of one socket read are handled, so their FINs leave in one
 * write; on publish, messages published in the same tick are gathered by hand
 * into MPUBs of up to 200, with the same outstanding window as every arm.
 * The baseline issue 16's targets are measured against.
 */
export class RawNsqjsTunedArm implements BenchArm {
  readonly id = 'raw-tuned';
  readonly label = 'raw nsqjs 0.13 + cork + hand MPUB';

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
      'raw nsqjs (tuned) Writer ready',
    );
    let batch: { topic: string; bodies: Buffer[]; bytes: number; callbacks: PublishCallback[] } | undefined;
    const flush = () => {
      const sending = batch;
      batch = undefined;
      if (!sending) return;
      writer.publish(sending.topic, sending.bodies, (error?: Error) => {
        for (const done of sending.callbacks) done(error);
      });
    };
    return {
      publish(topic: string, payload: BenchPayload, done: PublishCallback): void {
        const body = Buffer.from(JSON.stringify(payload), 'utf8');
        if (batch && (batch.topic !== topic || batch.bytes + body.length + 4 > MAX_BATCH_BYTES)) flush();
        if (!batch) {
          batch = { topic, bodies: [], bytes: 0, callbacks: [] };
          // Everything published in this tick (e.g. by the acknowledgements of one socket read) goes in one MPUB.
          queueMicrotask(flush);
        }
        batch.bodies.push(body);
        batch.bytes += body.length + 4;
        batch.callbacks.push(done);
        if (batch.bodies.length >= MPUB_BATCH) flush();
      },
      publishBatch(topic: string, payloads: readonly BenchPayload[], done: PublishCallback): void {
        flush();
        writer.publish(
          topic,
          payloads.map((p) => Buffer.from(JSON.stringify(p), 'utf8')),
          done,
        );
      },
      async close(): Promise<void> {
        flush();
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
    // The trick: cork every socket at the first message of a macrotask, uncork at the next one.
    let corked: Socket[] | undefined;
    const uncork = () => {
      for (const socket of corked ?? []) socket.uncork();
      corked = undefined;
    };
    const cork = () => {
      if (corked) return;
      corked = [];
      for (const { conn } of (reader as unknown as ReaderWithSockets).readerRdy.connections) {
        if (conn.conn && !conn.conn.destroyed) {
          conn.conn.cork();
          corked.push(conn.conn);
        }
      }
      setImmediate(uncork);
    };
    reader.on('message', (message: Message) => {
      cork();
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
      'raw nsqjs (tuned) Reader ready',
    );
    return {
      async close(): Promise<void> {
        uncork();
        await new Promise<void>((resolve) => {
          reader.once('nsqd_closed', () => resolve());
          setTimeout(resolve, 1_000).unref();
          reader.close();
        });
      },
    };
  }
}
