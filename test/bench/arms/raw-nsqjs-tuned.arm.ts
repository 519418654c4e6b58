import type { Socket } from 'node:net';
import type { Message } from 'nsqjs';
import type { BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget, PublishCallback } from '../bench-arm.interface.js';
import type { BenchPayload } from '../bench-payloads.js';
import { closeReader, closeWriter, connectReader, connectWriter, createReader, handleMessage, jsonBody } from './raw-nsqjs.arm.js';

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
    const writer = await connectWriter(target.nsqdTcpAddress, 'raw nsqjs (tuned)');
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
        const body = jsonBody(payload);
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
        writer.publish(topic, payloads.map(jsonBody), done);
      },
      close(): Promise<void> {
        flush();
        return closeWriter(writer);
      },
    };
  }

  async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
    const reader = createReader(target, spec);
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
      handleMessage(message, onMessage);
    });
    await connectReader(reader, 'raw nsqjs (tuned)');
    return {
      close(): Promise<void> {
        uncork();
        return closeReader(reader);
      },
    };
  }
}
