import { ClientNsq } from 'nestjs-transport-nsq';
import { connect, type Socket } from 'node:net';
import { Reader, type Message } from 'nsqjs';
import { lastValueFrom } from 'rxjs';
import { FakeNsqd } from './fake-nsqd.js';
import { encodeCommand, encodeRawFrame, FrameType, MAGIC_V2, MESSAGE_HEADER_BYTES } from './nsq-frames.js';
import { waitFor } from './wait-for.js';

/** A raw client socket that collects the frames the fake sends, as `[type, data]`. */
class RawClient {
  readonly frames: Array<[number, Buffer]> = [];
  ended = false;
  private buffer: Buffer = Buffer.alloc(0);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 8 && this.buffer.length >= 4 + this.buffer.readInt32BE(0)) {
        const size = this.buffer.readInt32BE(0);
        this.frames.push([this.buffer.readInt32BE(4), Buffer.from(this.buffer.subarray(8, 4 + size))]);
        this.buffer = this.buffer.subarray(4 + size);
      }
    });
    socket.on('close', () => (this.ended = true));
  }

  static async open(address: string): Promise<RawClient> {
    const [host, port] = address.split(':');
    const socket = connect({ host: host!, port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  async nextFrame(after: number): Promise<[number, Buffer]> {
    await waitFor(() => this.frames.length > after, { message: `no frame #${after + 1}; got ${this.frames.length}` });
    return this.frames[after]!;
  }
}

describe('FakeNsqd', () => {
  let nsqd: FakeNsqd;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    nsqd = await FakeNsqd.start();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await nsqd.close();
  });

  it('walks a raw V2 client through IDENTIFY, SUB, RDY, a message, FIN, PUB, MPUB and heartbeats', async () => {
    const client = await RawClient.open(nsqd.address);
    sockets.push(client.socket);
    client.socket.write(MAGIC_V2);
    client.socket.write(encodeCommand('IDENTIFY', [], JSON.stringify({ feature_negotiation: true, heartbeat_interval: 1000 })));
    const [type, data] = await client.nextFrame(0);
    expect(type).toBe(FrameType.RESPONSE);
    expect(JSON.parse(data.toString())).toMatchObject({ max_rdy_count: 2500, auth_required: false, version: '1.3.0' });

    client.socket.write(Buffer.concat([encodeCommand('SUB', ['topic', 'channel']), encodeCommand('RDY', ['3'])]));
    expect((await client.nextFrame(1))[1].toString()).toBe('OK');
    await waitFor(() => nsqd.connections[0]!.rdy === 3, { message: 'RDY not recorded' });

    nsqd.connections[0]!.deliver('0123456789abcdef', 'hello', 2);
    const [messageType, message] = await client.nextFrame(2);
    expect(messageType).toBe(FrameType.MESSAGE);
    expect(message.readUInt16BE(8)).toBe(2);
    expect(message.subarray(10, MESSAGE_HEADER_BYTES).toString()).toBe('0123456789abcdef');
    expect(message.subarray(MESSAGE_HEADER_BYTES).toString()).toBe('hello');
    client.socket.write(encodeCommand('FIN', ['0123456789abcdef']));
    await waitFor(() => nsqd.connections[0]!.finished.includes('0123456789abcdef'), { message: 'FIN not recorded' });

    // A command split across writes, then an MPUB of two bodies.
    const pub = encodeCommand('PUB', ['topic'], 'body');
    client.socket.write(pub.subarray(0, 5));
    client.socket.write(pub.subarray(5));
    const mpubBody = Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.from([0, 0, 0, 1]), Buffer.from('a'), Buffer.from([0, 0, 0, 1]), Buffer.from('b')]);
    client.socket.write(encodeCommand('MPUB', ['topic'], mpubBody));
    expect((await client.nextFrame(3))[1].toString()).toBe('OK');
    expect((await client.nextFrame(4))[1].toString()).toBe('OK');
    expect(nsqd.connections[0]!.commands.map((c) => c.name)).toEqual(['IDENTIFY', 'SUB', 'RDY', 'FIN', 'PUB', 'MPUB']);
    expect(nsqd.connections[0]!.commands[4]!.body?.toString()).toBe('body');

    // The client asked for 1 s heartbeats.
    await waitFor(() => client.frames.some(([t, d]) => t === FrameType.RESPONSE && d.toString() === '_heartbeat_'), { timeoutMs: 5_000, message: 'no heartbeat' });
  });

  it('refuses a client that does not send the V2 magic, as nsqd does', async () => {
    const client = await RawClient.open(nsqd.address);
    sockets.push(client.socket);
    client.socket.write('  V1garbage\n');
    const [type, data] = await client.nextFrame(0);
    expect(type).toBe(FrameType.ERROR);
    expect(data.toString()).toMatch(/^E_BAD_PROTOCOL/);
    await waitFor(() => client.ended, { message: 'fake did not close' });
    expect(nsqd.connections[0]!.closedBy).toBe('fake');
  });

  it('sends frames exactly as scripted, wrong size fields included, and records who closed', async () => {
    nsqd.onConnection = (connection) => {
      connection.misbehave();
      connection.sendRaw(encodeRawFrame(-1, 7, 'xy'));
    };
    const client = await RawClient.open(nsqd.address);
    sockets.push(client.socket);
    const received: Buffer[] = [];
    client.socket.on('data', (chunk: Buffer) => received.push(chunk));
    await waitFor(() => Buffer.concat(received).length === 10, { message: 'raw bytes not received' });
    expect(Buffer.concat(received)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 7, 0x78, 0x79]));
    client.socket.end();
    await nsqd.connections[0]!.closed;
    expect(nsqd.connections[0]!.closedBy).toBe('client');
    expect(nsqd.connections[0]!.misbehavedAt).toBeDefined();
  });

  it('is an nsqd to nsqjs and to ClientNsq: a real Reader consumes a delivered message and a real client publishes', async () => {
    const client = new ClientNsq({ nsqdTcpAddresses: [nsqd.address], heartbeatIntervalMs: 1000 });
    await lastValueFrom(client.emit('fake.topic', { n: 1 }), { defaultValue: undefined });
    expect(nsqd.connections[0]!.commands.some((c) => c.name === 'PUB' && c.params[0] === 'fake.topic')).toBe(true);
    await client.close();

    const reader = new Reader('fake.topic', 'c', { nsqdTCPAddresses: [nsqd.address], heartbeatInterval: 1 });
    const received: string[] = [];
    reader.on('error', () => undefined);
    reader.on('message', (message: Message) => {
      received.push(message.body.toString());
      message.finish();
    });
    reader.connect();
    try {
      await waitFor(() => nsqd.connections.some((c) => c.rdy > 0), { message: 'reader sent no RDY' });
      const connection = nsqd.connections.find((c) => c.rdy > 0)!;
      connection.deliver('fedcba9876543210', 'payload');
      await waitFor(() => connection.finished.includes('fedcba9876543210'), { message: 'no FIN' });
      expect(received).toEqual(['payload']);
    } finally {
      reader.close();
    }
  });
});
