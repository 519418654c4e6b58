import { createServer, type Server, type Socket } from 'node:net';
import { FakeNsqdConnection } from './fake-nsqd-connection.js';
import { LOOPBACK } from './free-port.js';
import { NsqCommandReader, NsqCommandSyntaxError, type NsqCommand } from './nsq-frames.js';

/** Decides what the fake does with each command; {@link FakeNsqdConnection.answer} is nsqd's own answer. */
export type FakeNsqdScript = (command: NsqCommand, connection: FakeNsqdConnection) => void;

export interface FakeNsqdOptions {
  /**
   * TCP listeners, each its own address; all share one script and one record,
   * so a client given every address opens that many connections at once.
   * @default 1
   */
  readonly listeners?: number;
}

/** nsqd's behaviour: every command answered as nsqd 1.3 would. */
export const WELL_BEHAVED: FakeNsqdScript = (command, connection) => connection.answer(command);

/**
 * A scripted nsqd on 127.0.0.1 that speaks just enough NSQ V2 (magic,
 * IDENTIFY, AUTH, SUB, RDY, FIN, REQ, TOUCH, NOP, PUB, MPUB, DPUB, CLS,
 * heartbeats) to walk a real client to a chosen point, then does whatever the
 * test's script says: wrong frames, raw bytes, silence. Records every
 * connection (when it opened and closed, who closed it, the commands it
 * carried) so a test can see failures and reconnects.
 *
 * @example
 * const nsqd = await FakeNsqd.start();
 * nsqd.script = (command, connection) =>
 *   command.name === 'IDENTIFY' ? connection.respond('not json') : connection.answer(command);
 * // ... point a client at nsqd.address ...
 * await nsqd.close();
 */
export class FakeNsqd {
  /** Replaceable at any time; applies to the next command of every connection. */
  script: FakeNsqdScript = WELL_BEHAVED;
  /** Called when a client connects, before it sent anything (a script may talk first). */
  onConnection: (connection: FakeNsqdConnection) => void = () => undefined;
  /** Fields merged into every IDENTIFY response, e.g. `{ auth_required: true }`. */
  identifyOverrides: Record<string, unknown> = {};
  readonly connections: FakeNsqdConnection[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly servers: readonly Server[]) {}

  static async start(options: FakeNsqdOptions = {}): Promise<FakeNsqd> {
    const servers: Server[] = [];
    const fake = new FakeNsqd(servers);
    for (let i = 0; i < (options.listeners ?? 1); i++) {
      const server = createServer((socket) => fake.accept(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // Port 0: the OS picks a free port and we keep it, so no other process can take it first.
        server.listen({ host: LOOPBACK, port: 0 }, () => resolve());
      });
      servers.push(server);
    }
    return fake;
  }

  /** `host:port` of every listener. */
  get addresses(): string[] {
    return this.servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error(`unexpected listener address ${String(address)}`);
      return `${LOOPBACK}:${address.port}`;
    });
  }

  /** `host:port` of the first listener. */
  get address(): string {
    return this.addresses[0]!;
  }

  /** Connections accepted after `connection` misbehaved, or after the first that did when none is given. */
  connectionsAfterMisbehaviour(connection = this.connections.find((c) => c.misbehavedAt !== undefined)): FakeNsqdConnection[] {
    if (connection?.misbehavedAt === undefined) return [];
    return this.connections.filter((c) => c.openedAt >= connection.misbehavedAt! && c.index > connection.index);
  }

  /** Closes every connection and listener. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.connections.map((connection) => connection.closed));
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const connection = new FakeNsqdConnection(this.connections.length, socket, () => this.identifyOverrides);
    this.connections.push(connection);
    const reader = new NsqCommandReader();
    socket.on('data', (chunk: Buffer) => {
      let commands: NsqCommand[];
      try {
        commands = reader.push(chunk);
      } catch (error) {
        if (!(error instanceof NsqCommandSyntaxError)) throw error;
        // What nsqd does with a client that does not speak V2.
        connection.error(`E_BAD_PROTOCOL ${error.message}`);
        connection.end();
        return;
      }
      for (const command of commands) {
        if (!connection.isOpen) return;
        connection.record(command);
        this.script(command, connection);
      }
    });
    this.onConnection(connection);
  }
}
