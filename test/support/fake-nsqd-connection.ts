import type { Socket } from 'node:net';
import { encodeFrame, encodeMessageData, FrameType, type NsqCommand } from './nsq-frames.js';

/** What nsqd 1.3 answers to IDENTIFY with feature negotiation, before a test's overrides. */
const IDENTIFY_RESPONSE = {
  max_rdy_count: 2500,
  version: '1.3.0',
  max_msg_timeout: 900_000,
  msg_timeout: 60_000,
  tls_v1: false,
  deflate: false,
  deflate_level: 0,
  max_deflate_level: 6,
  snappy: false,
  sample_rate: 0,
  auth_required: false,
  output_buffer_size: 16_384,
  output_buffer_timeout: 250,
  max_msg_size: 1_048_576,
} as const;

/** nsqd's default heartbeat interval when IDENTIFY does not ask for one. */
const DEFAULT_HEARTBEAT_MS = 30_000;

/**
 * One client connection of the fake nsqd: what the client sent, and the means
 * to answer it like nsqd ({@link answer}) or not at all like nsqd (raw bytes,
 * wrong frames, silence). Every timer it starts dies with the socket, so a
 * script can never keep the test process busy after the connection is gone.
 */
export class FakeNsqdConnection {
  readonly openedAt = Date.now();
  /** When the socket closed (either side). */
  closedAt: number | undefined;
  /** Who ended the connection: `client` when its FIN, RST or error came first, `fake` when a script ended it. */
  closedBy: 'client' | 'fake' | undefined;
  /** Set by a script when it starts misbehaving, so a test can tell later connections apart. */
  misbehavedAt: number | undefined;
  readonly commands: NsqCommand[] = [];
  /** The client's IDENTIFY body, once parsed. */
  identify: Record<string, unknown> | undefined;
  /** The client's last RDY count. */
  rdy = 0;
  /** Message ids the client sent FIN for. */
  readonly finished: string[] = [];
  bytesSent = 0;
  readonly closed: Promise<void>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    /** 0-based, in order of acceptance across the fake's listeners. */
    readonly index: number,
    private readonly socket: Socket,
    private readonly identifyOverrides: () => Readonly<Record<string, unknown>>,
  ) {
    socket.setNoDelay(true);
    // A client that drops us with unread data sends RST; writes after that fail with EPIPE.
    // Both are the client's doing and must never become an uncaught error in the test process.
    socket.on('error', () => this.markClosedBy('client'));
    // The server does not allow half-open sockets: the client's FIN ends ours too.
    socket.on('end', () => this.markClosedBy('client'));
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedAt = Date.now();
        this.markClosedBy('client');
        for (const timer of this.timers) clearTimeout(timer);
        this.timers.clear();
        this.stopHeartbeats();
        resolve();
      }),
    );
  }

  get isOpen(): boolean {
    return this.closedAt === undefined && !this.socket.destroyed && !this.socket.writableEnded;
  }

  /** The client's local port: tells its connections apart. */
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  /** Marks the moment this connection started to misbehave (first call wins). */
  misbehave(): void {
    this.misbehavedAt ??= Date.now();
  }

  /** nsqd's answer to `command`, as a well-behaved nsqd 1.3 gives it. */
  answer(command: NsqCommand): void {
    switch (command.name) {
      case 'IDENTIFY':
        return this.answerIdentify();
      case 'AUTH':
        return this.respond(JSON.stringify({ identity: 'fake-nsqd', identity_url: '', permission_count: 1 }));
      case 'SUB':
      case 'PUB':
      case 'MPUB':
      case 'DPUB':
        return this.respond('OK');
      case 'RDY':
      case 'FIN':
      case 'REQ':
      case 'TOUCH':
      case 'NOP':
        return;
      case 'CLS':
        return this.respond('CLOSE_WAIT');
      default:
        this.error(`E_INVALID invalid command ${command.name}`);
        return this.end();
    }
  }

  /** Called by the fake for every command before the script sees it: bookkeeping only. */
  record(command: NsqCommand): void {
    this.commands.push(command);
    if (command.name === 'RDY') this.rdy = Number(command.params[0] ?? 0);
    else if (command.name === 'FIN' && command.params[0] !== undefined) this.finished.push(command.params[0]);
    else if (command.name === 'IDENTIFY' && command.body) {
      try {
        const parsed: unknown = JSON.parse(command.body.toString('utf8'));
        if (parsed !== null && typeof parsed === 'object') this.identify = parsed as Record<string, unknown>;
      } catch {
        // Left undefined: answerIdentify refuses it as nsqd does.
      }
    }
  }

  /** The IDENTIFY response nsqd would give this client (JSON text), with the fake's overrides. */
  identifyResponse(overrides: Readonly<Record<string, unknown>> = {}): string {
    return JSON.stringify({ ...IDENTIFY_RESPONSE, ...this.identifyOverrides(), ...overrides });
  }

  /** Starts nsqd's heartbeats at the interval the client asked for (none when it asked for -1). */
  startHeartbeats(): void {
    const asked = this.identify?.heartbeat_interval;
    const interval = typeof asked === 'number' ? asked : DEFAULT_HEARTBEAT_MS;
    this.stopHeartbeats();
    if (interval <= 0) return;
    this.heartbeat = setInterval(() => this.respond('_heartbeat_'), interval);
  }

  stopHeartbeats(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  respond(text: string): void {
    this.sendFrame(FrameType.RESPONSE, text);
  }

  error(text: string): void {
    this.sendFrame(FrameType.ERROR, text);
  }

  /** A message frame; `id` is 16 ASCII characters for a valid message. */
  deliver(id: string, body: Buffer | string, attempts = 1): void {
    this.sendFrame(FrameType.MESSAGE, encodeMessageData(id, body, attempts));
  }

  sendFrame(type: number, data: Buffer | string): void {
    this.sendRaw(encodeFrame(type, data));
  }

  /** Any bytes at all. */
  sendRaw(bytes: Buffer): void {
    if (!this.isOpen) return;
    this.bytesSent += bytes.length;
    this.socket.write(bytes);
  }

  /** Runs `fn` every `ms` while the connection is open. */
  every(ms: number, fn: () => void): void {
    const timer = setInterval(() => (this.isOpen ? fn() : clearInterval(timer)), ms);
    this.timers.add(timer);
  }

  /** Runs `fn` once after `ms` if the connection is still open. */
  after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.isOpen) fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Sends FIN after what was written (nsqd closing cleanly). */
  end(): void {
    this.markClosedBy('fake');
    this.socket.end();
  }

  /** Drops the connection with a TCP RST. */
  reset(): void {
    this.markClosedBy('fake');
    this.socket.resetAndDestroy();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.markClosedBy('fake');
    this.socket.destroy();
  }

  private answerIdentify(): void {
    if (!this.identify) {
      this.error('E_BAD_BODY IDENTIFY failed to decode JSON body');
      return this.end();
    }
    // nsqd answers a plain "OK" to clients that do not negotiate features.
    this.respond(this.identify.feature_negotiation === true ? this.identifyResponse() : 'OK');
    this.startHeartbeats();
  }

  private markClosedBy(side: 'client' | 'fake'): void {
    this.closedBy ??= side;
  }
}
