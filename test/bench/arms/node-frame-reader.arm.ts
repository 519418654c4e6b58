import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { ArmWorkload, BenchArm, BenchConsumer, BenchConsumerSpec, BenchProducer, BenchTarget, PublishCallback } from '../bench-arm.interface.js';
import type { BenchPayload } from '../bench-payloads.js';
import { splitAddress, withDeadline } from './arm-helpers.js';

const FRAME_RESPONSE = 0;
const FRAME_ERROR = 1;
const FRAME_MESSAGE = 2;
/** Message frame: 8 bytes timestamp, 2 attempts, 16 id, then the body. */
const ID_START = 10;
const BODY_START = 26;
const HEARTBEAT = Buffer.from('_heartbeat_');
const FIN = Buffer.from('FIN ');
const NOP = Buffer.from('NOP\n');
const FIN_LENGTH = FIN.length + 16 + 1;

/** `FIN <id>\n` for every id, in one buffer. */
function finFrames(ids: readonly Buffer[]): Buffer {
  const out = Buffer.allocUnsafe(ids.length * FIN_LENGTH);
  let at = 0;
  for (const id of ids) {
    at += FIN.copy(out, at);
    at += id.copy(out, at);
    out[at++] = 0x0a;
  }
  return out;
}

/** `PUB <topic>\n` + size + body, in one buffer. */
function pubFrame(topic: string, body: string): Buffer {
  const head = `PUB ${topic}\n`;
  const bodyLength = Buffer.byteLength(body);
  const out = Buffer.allocUnsafe(head.length + 4 + bodyLength);
  let at = out.write(head, 0, 'latin1');
  at = out.writeUInt32BE(bodyLength, at);
  out.write(body, at);
  return out;
}

/**
 * Calls `onFrame` with each whole frame `socket` reads (type, and where its
 * data lies in `data`; a frame split over reads is joined first), then
 * `afterRead` once per read, while `data` still holds that read.
 */
function readFrames(socket: Socket, onFrame: (type: number, data: Buffer, start: number, end: number) => void, afterRead?: () => void): void {
  let pending: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    const data = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = undefined;
    let offset = 0;
    while (data.length - offset >= 8) {
      const size = data.readUInt32BE(offset);
      if (data.length - offset - 4 < size) break;
      onFrame(data.readUInt32BE(offset + 4), data, offset + 8, offset + 4 + size);
      offset += 4 + size;
    }
    if (offset < data.length) pending = data.subarray(offset);
    afterRead?.();
  });
}

/**
 * The Node ceiling for a consumer (diagnostic only, never a product): one
 * socket speaking the NSQ protocol directly, no nsqjs, no Nest. It parses
 * frames in place, JSON-decodes each body like every arm, and writes all the
 * FINs of one socket read in one write. RDY is set once (nsqd keeps it until
 * changed). What remains is the cost Node itself puts on the consume path.
 *
 * For the latency cells it also publishes the same way (one PUB per message
 * on its own socket, written at once, nsqd's OKs matched in order): the
 * emit → handler floor of Node and nsqd, which no NSQ client in Node can go
 * under.
 */
export class NodeFrameReaderArm implements BenchArm {
  readonly id = 'frames';
  readonly label = 'minimal Node frame reader (diagnostic)';
  readonly workloads: ReadonlySet<ArmWorkload> = new Set(['consume', 'latency']);

  async createProducer(target: BenchTarget): Promise<BenchProducer> {
    const [host, port] = splitAddress(target.nsqdTcpAddress);
    const socket = connect({ host, port, noDelay: true });
    await withDeadline(once(socket, 'connect'), 10_000, 'frame writer connected');
    socket.write('  V2');
    /** nsqd answers a connection's commands in order. */
    const waiting: PublishCallback[] = [];
    let failure: Error | undefined;
    const failAll = (error: Error) => {
      failure ??= error;
      for (const done of waiting.splice(0)) done(error);
    };
    socket.on('error', failAll);
    socket.on('close', () => failAll(new Error('frame writer: connection closed')));
    readFrames(socket, (type, data, start, end) => {
      const body = data.subarray(start, end);
      if (type === FRAME_RESPONSE && body.equals(HEARTBEAT)) socket.write(NOP);
      else if (type === FRAME_RESPONSE) waiting.shift()?.();
      else waiting.shift()?.(new Error(`nsqd: ${body.toString()}`));
    });
    return {
      publish(topic: string, payload: BenchPayload, done: PublishCallback): void {
        if (failure) return done(failure);
        waiting.push(done);
        socket.write(pubFrame(topic, JSON.stringify(payload)));
      },
      async close(): Promise<void> {
        socket.removeAllListeners('close');
        socket.end();
        socket.destroy();
      },
    };
  }

  async createConsumer(target: BenchTarget, spec: BenchConsumerSpec): Promise<BenchConsumer> {
    const [host, port] = splitAddress(target.nsqdTcpAddress);
    const socket = connect({ host, port, noDelay: true });
    const identify = Buffer.from(
      JSON.stringify({
        feature_negotiation: false,
        heartbeat_interval: 30_000,
        ...(spec.outputBufferTimeoutMs !== undefined ? { output_buffer_timeout: spec.outputBufferTimeoutMs } : {}),
        ...(spec.outputBufferSize !== undefined ? { output_buffer_size: spec.outputBufferSize } : {}),
      }),
    );
    const identifyLength = Buffer.alloc(4);
    identifyLength.writeUInt32BE(identify.length);
    let okSeen = 0;
    let closed: (() => void) | undefined;
    const onSubscribed = withDeadline(
      new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.on('close', () => closed?.());
        /** The ids of this read's handled messages: they point into the read's data, written before the next read. */
        const ids: Buffer[] = [];
        readFrames(
          socket,
          (type, data, start, end) => {
            if (type === FRAME_MESSAGE) {
              const id = data.subarray(start + ID_START, start + BODY_START);
              const result = spec.onMessage(JSON.parse(data.toString('utf8', start + BODY_START, end)) as BenchPayload);
              if (result === undefined) ids.push(id);
              else {
                const own = Buffer.from(id);
                void result.then(() => socket.write(finFrames([own])));
              }
            } else if (type === FRAME_RESPONSE) {
              const body = data.subarray(start, end);
              if (body.equals(HEARTBEAT)) socket.write(NOP);
              else if (++okSeen === 2) {
                // OK to IDENTIFY, then OK to SUB: subscribed; let nsqd send.
                socket.write(`RDY ${spec.maxInFlight}\n`);
                resolve();
              }
            } else if (type === FRAME_ERROR) {
              reject(new Error(`nsqd: ${data.toString('utf8', start, end)}`));
            }
          },
          () => {
            if (ids.length > 0) socket.write(finFrames(ids.splice(0)));
          },
        );
        socket.write(Buffer.concat([Buffer.from('  V2IDENTIFY\n'), identifyLength, identify, Buffer.from(`SUB ${spec.topic} ${spec.channel}\n`)]));
      }),
      10_000,
      'frame reader subscribed',
    );
    await onSubscribed;
    return {
      async close(): Promise<void> {
        await new Promise<void>((resolve) => {
          closed = resolve;
          setTimeout(resolve, 1_000).unref();
          socket.write('CLS\n');
          socket.end();
        });
        socket.destroy();
      },
    };
  }
}
