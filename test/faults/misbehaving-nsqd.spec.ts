import type { NsqConnectionOptions } from 'nestjs-transport-nsq';
import { FakeNsqd } from '../support/fake-nsqd.js';
import type { FakeNsqdConnection } from '../support/fake-nsqd-connection.js';
import { encodeFrame, encodeMessageData, encodeRawFrame, FrameType, type NsqCommand } from '../support/nsq-frames.js';
import { SeededRandom } from '../support/seeded-random.js';
import { waitFor } from '../support/wait-for.js';
import { recordBadInputs } from '../bad-input/bad-input-tally.js';
import type { ProtocolFaultClientConfig } from './apps/protocol-fault-messages.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { type NsqdFuzzFigures, NsqdFuzzer } from './support/nsqd-fuzzer.js';
import { ProtocolFaultProcess } from './support/protocol-fault-process.js';

type Role = 'producer' | 'consumer';
/** Where the fake starts to misbehave: its answer to IDENTIFY, to AUTH, or once the client is ready (producer: its first PUB; consumer: its first RDY). */
type Phase = 'identify' | 'auth' | 'ready';

interface Misbehaviour {
  readonly name: string;
  readonly phase: Phase;
  readonly roles: readonly Role[];
  /** `protocol`: an NsqProtocolError must reach on('error'); `any`: some error must. */
  readonly expectedError: 'protocol' | 'any';
  readonly identifyOverrides?: Readonly<Record<string, unknown>>;
  readonly options?: Partial<NsqConnectionOptions>;
  act(connection: FakeNsqdConnection): void;
}

const BOTH: readonly Role[] = ['producer', 'consumer'];
/** The client's heartbeat interval: the smallest allowed, so its idle timeout (2.5 intervals) ends a silent peer soon. */
const HEARTBEAT_MS = 1_000;
/** Bytes of a "random bytes after the handshake" burst; a fixed seed keeps the scenario the same on every run. */
const RANDOM_BYTES = new SeededRandom(0x8badf00d).bytes(256);

const MISBEHAVIOURS: readonly Misbehaviour[] = [
  {
    name: 'IDENTIFY answered with non-JSON',
    phase: 'identify',
    roles: BOTH,
    expectedError: 'protocol',
    act: (c) => c.respond('{"max_rdy_count": 2500, this is not JSON'),
  },
  {
    name: 'negative frame size',
    phase: 'ready',
    roles: BOTH,
    expectedError: 'protocol',
    act: (c) => c.sendRaw(encodeRawFrame(-1, FrameType.RESPONSE, 'OK')),
  },
  {
    // Bytes keep coming (slowly), so the client's idle timeout cannot be what ends it.
    name: 'huge frame size (0x7fffffff)',
    phase: 'ready',
    roles: BOTH,
    expectedError: 'protocol',
    act: (c) => {
      c.sendRaw(encodeRawFrame(0x7fffffff, FrameType.RESPONSE, 'OK'));
      c.every(250, () => c.sendRaw(Buffer.alloc(1024, 0x41)));
    },
  },
  {
    name: 'truncated frame, then close',
    phase: 'ready',
    roles: BOTH,
    expectedError: 'any',
    act: (c) => {
      c.sendRaw(encodeFrame(FrameType.RESPONSE, 'x'.repeat(100)).subarray(0, 20));
      c.end();
    },
  },
  {
    name: 'truncated frame, then silence (idle timeout)',
    phase: 'ready',
    roles: BOTH,
    expectedError: 'any',
    act: (c) => {
      c.stopHeartbeats();
      c.sendRaw(encodeFrame(FrameType.RESPONSE, 'x'.repeat(100)).subarray(0, 20));
    },
  },
  {
    // Heartbeats go on, so a client that ignores the frame keeps a healthy-looking connection.
    name: 'unknown frame type',
    phase: 'ready',
    roles: BOTH,
    expectedError: 'protocol',
    act: (c) => c.sendFrame(7, 'OK'),
  },
  {
    name: 'message frame shorter than its 26-byte header',
    phase: 'ready',
    roles: ['consumer'],
    expectedError: 'protocol',
    act: (c) => c.sendFrame(FrameType.MESSAGE, Buffer.alloc(16, 0x31)),
  },
  {
    // Found by the fuzz run: nsqjs decodes the id as UTF-8 and refuses to write FIN/REQ for an id over 16
    // bytes, so the message is never settled and keeps a unit of maxInFlight (1 here) after its connection is
    // gone. nsqd's ids are 16 hex characters; anything else is a broken stream.
    name: 'message whose 16-byte id is not ASCII, then close (the consumer must keep consuming)',
    phase: 'ready',
    roles: ['consumer'],
    expectedError: 'any',
    act: (c) => {
      const data = encodeMessageData('0123456789abcdef', 'body');
      data.fill(0xff, 10, 26);
      c.sendFrame(FrameType.MESSAGE, data);
      c.end();
    },
  },
  {
    name: 'AUTH answered with non-JSON (nsqd said auth_required)',
    phase: 'auth',
    roles: BOTH,
    expectedError: 'protocol',
    identifyOverrides: { auth_required: true },
    options: { authSecret: 'fake-nsqd-secret', allowInsecureAuth: true },
    act: (c) => c.respond('identity=nobody; not JSON'),
  },
  {
    name: 'random bytes after the handshake',
    phase: 'ready',
    roles: BOTH,
    expectedError: 'protocol',
    act: (c) => c.sendRaw(RANDOM_BYTES),
  },
  {
    // nsqjs pipes the socket into zlib without an 'error' listener.
    name: 'deflate negotiated, then bytes that are not deflate',
    phase: 'identify',
    roles: BOTH,
    expectedError: 'protocol',
    options: { compression: 'deflate' },
    act: (c) => {
      c.respond(c.identifyResponse({ deflate: true, deflate_level: 6 }));
      c.sendRaw(RANDOM_BYTES);
    },
  },
];

function triggers(phase: Phase, role: Role, command: NsqCommand): boolean {
  switch (phase) {
    case 'identify':
      return command.name === 'IDENTIFY';
    case 'auth':
      return command.name === 'AUTH';
    case 'ready':
      return role === 'producer' ? ['PUB', 'MPUB', 'DPUB'].includes(command.name) : command.name === 'RDY' && Number(command.params[0]) > 0;
  }
}

const TOPIC = 'misbehaving.nsqd';

/** Frames the fuzz run sends (half to producers, half to consumers); `FUZZ_FRAMES=200000 npm run test:fuzz` for a long run. */
const FUZZ_FRAMES = Number(process.env.FUZZ_FRAMES ?? 12_000);
/** Fixed by default so CI runs are reproducible; `FUZZ_SEED=<n>` explores other cases. */
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2026);
const FUZZ_SECRET = 'fuzz-auth-secret';

function clientConfig(role: Role, address: string, options: Partial<NsqConnectionOptions> = {}, phase: Phase = 'ready'): ProtocolFaultClientConfig {
  const common = { nsqdTcpAddresses: [address], heartbeatIntervalMs: HEARTBEAT_MS, ...options };
  return role === 'producer'
    ? {
        role,
        topics: [TOPIC],
        // A publish in flight ('ready'): publishTimeoutMs far above the waits below, so an emit that settles was
        // settled by the connection's failure, not by its timer. During the handshake nothing is ever written,
        // and publishTimeoutMs is what bounds the wait for a connection.
        client: { ...common, reconnectMinDelayMs: 50, reconnectMaxDelayMs: 500, connectTimeoutMs: 3_000, publishTimeoutMs: phase === 'ready' ? 60_000 : 3_000, closeTimeoutMs: 1_000 },
      }
    : {
        role,
        topics: [TOPIC],
        // readyTimeoutMs: listen() must keep trying for the whole scenario instead of giving up.
        server: { ...common, channel: 'probe', codec: 'raw', maxInFlight: 1, readyTimeoutMs: 120_000, lookupdPollIntervalMs: 1_000, drainTimeoutMs: 1_000 },
      };
}

describe('a misbehaving nsqd never crashes the process', () => {
  const fakes: FakeNsqd[] = [];
  const children: ProtocolFaultProcess[] = [];

  beforeAll(async () => {
    await buildFaultApps();
  }, 180_000);
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill()));
    await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  });

  /** A fake nsqd (`script` applied before the client's first connection) and a client app pointed at it. */
  async function start(role: Role, misbehaviour?: Misbehaviour, script?: (nsqd: FakeNsqd) => void): Promise<{ nsqd: FakeNsqd; client: ProtocolFaultProcess }> {
    const nsqd = await FakeNsqd.start();
    fakes.push(nsqd);
    script?.(nsqd);
    const client = ProtocolFaultProcess.start(clientConfig(role, nsqd.address, misbehaviour?.options, misbehaviour?.phase));
    children.push(client);
    await client.until(() => client.of('started').length > 0, 'the client app did not start', 60_000);
    return { nsqd, client };
  }

  /** With the fake behaving, the client must work: the producer publishes, the consumer handles and finishes a message. */
  async function expectHealthy(role: Role, nsqd: FakeNsqd, client: ProtocolFaultProcess, tag: string): Promise<void> {
    if (role === 'producer') {
      client.send({ cmd: 'emit', id: tag });
      await client.until(() => client.of('emitted').some((e) => e.id === tag), `emit ${tag} never settled`);
      expect(client.of('emitted').find((e) => e.id === tag)).toMatchObject({ ok: true });
      return;
    }
    await client.until(
      () => nsqd.connections.some((c) => c.isOpen && c.misbehavedAt === undefined && c.rdy > 0),
      () => `the consumer has no behaving connection with RDY > 0; open connections: ${describeConnections(nsqd.connections.filter((c) => c.isOpen))}`,
    );
    const connection = nsqd.connections.find((c) => c.isOpen && c.misbehavedAt === undefined && c.rdy > 0)!;
    const id = tag.padEnd(16, '0').slice(0, 16);
    connection.deliver(id, tag);
    await client.until(() => connection.finished.includes(id), `message ${tag} was not handled and finished`);
    expect(client.of('handled').length).toBeGreaterThan(0);
  }

  /** Asked to stop, the app closes its client and exits 0, every emit settled; it never crashed. */
  async function expectCleanStop(client: ProtocolFaultProcess): Promise<void> {
    const exit = await client.stop();
    expect({ exit, crashes: client.of('crash') }).toEqual({ exit: { code: 0, signal: null }, crashes: [] });
    const stopped = client.of('stopped')[0]!;
    expect(stopped.settled).toBe(stopped.emitted);
  }

  describe.each(BOTH)('control: a well-behaved fake nsqd (%s)', (role) => {
    it('connects once, reports no error, and publishes / consumes', async () => {
      const { nsqd, client } = await start(role);
      await expectHealthy(role, nsqd, client, 'control');
      expect(client.of('error')).toEqual([]);
      expect(nsqd.connections).toHaveLength(1);
      await expectCleanStop(client);
    });
  });

  const cases = MISBEHAVIOURS.flatMap((m) => m.roles.map((role) => [`${m.name} (${role})`, m, role] as const));

  it.each(cases)('%s: the process survives, the error is reported, the client reconnects and recovers', async (_title, misbehaviour, role) => {
    let misbehaving = true;
    const { nsqd, client } = await start(role, misbehaviour, (fake) => {
      fake.identifyOverrides = { ...misbehaviour.identifyOverrides };
      fake.script = (command, connection) => {
        if (misbehaving && (connection.misbehavedAt !== undefined || triggers(misbehaviour.phase, role, command))) {
          // Once it misbehaved, a connection answers nothing more: the client has to give up on it.
          if (connection.misbehavedAt === undefined) {
            connection.misbehave();
            misbehaviour.act(connection);
          }
          return;
        }
        connection.answer(command);
      };
    });

    if (role === 'producer') {
      // A publish pending when nsqd misbehaves: in flight ('ready'), or waiting for a connection (handshake).
      if (misbehaviour.phase === 'ready') await client.until(() => client.of('connected').length > 0, 'producer never connected before the fault');
      client.send({ cmd: 'emit', id: 'during-fault' });
    }
    const reported = () =>
      client.of('error').some((e) => (misbehaviour.expectedError === 'protocol' ? e.protocol : true));
    await client.until(
      () => reported() && nsqd.connectionsAfterMisbehaviour().length > 0 && (role === 'consumer' || client.of('emitted').some((e) => e.id === 'during-fault')),
      () =>
        `expected: ${misbehaviour.expectedError === 'protocol' ? 'an NsqProtocolError' : 'an error'} on on('error'), a new connection after the fault` +
        `${role === 'producer' ? ', and the pending emit settled' : ''}; fake saw ${nsqd.connections.length} connection(s), ` +
        `${nsqd.connections.filter((c) => c.misbehavedAt !== undefined).length} misbehaved, ${nsqd.connections.filter((c) => c.closedBy === 'client').length} dropped by the client`,
    );
    if (role === 'producer') {
      // Written and cut off: may or may not be stored. Never written (handshake): safe to retry.
      const settled = client.of('emitted').find((e) => e.id === 'during-fault')!;
      const expected = misbehaviour.phase === 'ready' ? { name: 'NsqUnconfirmedError', reason: 'connection-lost' } : { name: 'NsqUnavailableError', reason: undefined };
      expect({ ok: settled.ok, name: settled.name, reason: settled.reason }).toEqual({ ok: false, ...expected });
    }
    const protocolErrors = client.of('error').filter((e) => e.protocol);
    if (misbehaviour.expectedError === 'protocol') expect(protocolErrors.every((e) => e.address === nsqd.address)).toBe(true);

    misbehaving = false;
    await expectHealthy(role, nsqd, client, 'after-fault');
    await expectCleanStop(client);
  });

  // Found by the fuzz run (seed 0x5eed2026, consumer plan #19): a consumer also connected to an nsqd that
  // keeps dropping it rebalances RDY over and over, and every RDY it writes to the silent nsqd counts as
  // activity for the socket's idle timeout, so that connection is never given up.
  it('truncated frame, then silence, while the consumer keeps writing RDY (its other nsqd flaps): the silent connection is still dropped', async () => {
    const nsqd = await FakeNsqd.start({ listeners: 2 });
    fakes.push(nsqd);
    const [silent, flapping] = [0, 1];
    nsqd.script = (command, connection) => {
      if (connection.misbehavedAt !== undefined) return;
      connection.answer(command);
      if (command.name !== 'RDY' || Number(command.params[0]) === 0) return;
      if (connection.listener === silent) {
        connection.misbehave();
        connection.stopHeartbeats();
        connection.sendRaw(encodeFrame(FrameType.RESPONSE, 'x'.repeat(100)).subarray(0, 20));
      } else {
        connection.after(300, () => connection.end());
      }
    };
    const client = ProtocolFaultProcess.start({
      role: 'consumer',
      topics: [TOPIC],
      server: { nsqdTcpAddresses: nsqd.addresses, heartbeatIntervalMs: HEARTBEAT_MS, channel: 'probe', codec: 'raw', maxInFlight: 8, readyTimeoutMs: 120_000, lookupdPollIntervalMs: 1_000, drainTimeoutMs: 1_000 },
    });
    children.push(client);
    const first = () => nsqd.connections.find((c) => c.listener === silent && c.misbehavedAt !== undefined);
    await client.until(() => first() !== undefined, 'the consumer never reached the silent nsqd');
    await client.until(
      () => first()!.closedBy === 'client',
      () => {
        const after = first()!.commands.filter((c) => c.name === 'RDY').length;
        return `the consumer did not drop the silent connection (its idle timeout is 2.5 heartbeats); it wrote ${after} RDY to it, and the flapping nsqd saw ${nsqd.connections.filter((c) => c.listener === flapping).length} connections`;
      },
    );
    await client.until(() => nsqd.connections.some((c) => c.listener === silent && c.index > first()!.index), 'no reconnect to the silent nsqd');
    await expectCleanStop(client);
  });

  describe('fuzz', () => {
    it(
      `seed ${FUZZ_SEED}, ${FUZZ_FRAMES} frames: no crash, every violation reported and its connection dropped, both clients recover`,
      async () => {
        const started = Date.now();
        const producerNsqd = await FakeNsqd.start({ listeners: 4 });
        const consumerNsqd = await FakeNsqd.start({ listeners: 2 });
        fakes.push(producerNsqd, consumerNsqd);
        const producerFuzz = new NsqdFuzzer(producerNsqd, 'producer', FUZZ_SEED, Math.ceil(FUZZ_FRAMES / 2));
        const consumerFuzz = new NsqdFuzzer(consumerNsqd, 'consumer', FUZZ_SEED, Math.floor(FUZZ_FRAMES / 2));
        const auth = { authSecret: FUZZ_SECRET, allowInsecureAuth: true, heartbeatIntervalMs: HEARTBEAT_MS };
        // Several addresses (producer) and topics × addresses (consumer): that many connections fuzzed at once.
        // publishTimeoutMs (8 s) outlasts the fake's 5 s wait for a drop after a violation: a publish timing out
        // cannot pass for the client noticing the violation.
        const producer = ProtocolFaultProcess.start({
          role: 'producer',
          topics: ['fuzz.topic'],
          logs: false,
          emitLoop: { outstanding: 16, intervalMs: 5 },
          client: { ...auth, nsqdTcpAddresses: producerNsqd.addresses, reconnectMinDelayMs: 1, reconnectMaxDelayMs: 20, connectTimeoutMs: 2_000, publishTimeoutMs: 8_000, closeTimeoutMs: 2_000 },
        });
        const topics = ['fuzz.t0', 'fuzz.t1', 'fuzz.t2', 'fuzz.t3'];
        const consumer = ProtocolFaultProcess.start({
          role: 'consumer',
          topics,
          logs: false,
          server: { ...auth, nsqdTcpAddresses: consumerNsqd.addresses, channel: 'fuzz', codec: 'raw', maxInFlight: 8, readyTimeoutMs: 3_600_000, lookupdPollIntervalMs: 1_000, drainTimeoutMs: 1_000 },
        });
        children.push(producer, consumer);

        const bothAlive = () => producer.isRunning && consumer.isRunning;
        await waitFor(() => !bothAlive() || (producerFuzz.finished && consumerFuzz.finished), {
          timeoutMs: fuzzTimeoutMs() - 30_000,
          message: () => `fuzz run did not finish: ${producerFuzz.sent} + ${consumerFuzz.sent} of ${FUZZ_FRAMES} frames sent`,
        });
        const fuzzMs = Date.now() - started;
        if (!bothAlive()) throw new Error(`a client process died during the fuzz run (seed ${FUZZ_SEED})\n${producer.describe()}\n---\n${consumer.describe()}`);

        // The figures first: a failure below must not hide them.
        console.info(
          `misbehaving-nsqd fuzz run (seed ${FUZZ_SEED}, ${fuzzMs} ms): ${JSON.stringify({
            producer: { ...figuresLine(producerFuzz.figures()), errors: tallyErrors(producer) },
            consumer: { ...figuresLine(consumerFuzz.figures()), errors: tallyErrors(consumer) },
          })}`,
        );

        // Recovery: the fake behaves again; the producer publishes and every subscription consumes.
        await expectHealthy('producer', producerNsqd, producer, 'after-fuzz');
        for (const topic of topics) {
          const ofTopic = (c: FakeNsqdConnection) => c.commands.some((k) => k.name === 'SUB' && k.params[0] === topic);
          const subscribed = (c: FakeNsqdConnection) => c.isOpen && c.misbehavedAt === undefined && c.rdy > 0 && ofTopic(c);
          await consumer.until(
            () => consumerNsqd.connections.some(subscribed),
            () => `no behaving subscription with RDY to ${topic} after the fuzz run; its open connections: ${describeConnections(consumerNsqd.connections.filter((c) => c.isOpen && ofTopic(c)))}`,
          );
          const id = `final${topics.indexOf(topic)}`.padEnd(16, '0');
          const connection = consumerNsqd.connections.find(subscribed)!;
          connection.deliver(id, topic);
          await consumer.until(() => connection.finished.includes(id), `final message on ${topic} not finished`);
        }
        const exits = { producer: await producer.stop(), consumer: await consumer.stop() };

        const figures = [producerFuzz.figures(), consumerFuzz.figures()];
        const reported = { producer: tallyErrors(producer), consumer: tallyErrors(consumer) };
        const stopped = producer.of('stopped')[0];
        const untypedEmitFailures = producer.of('emitted').filter((e) => !e.ok && e.typed !== true);
        const summary = {
          seed: FUZZ_SEED,
          frames: figures[0]!.framesSent + figures[1]!.framesSent,
          connections: figures[0]!.connections + figures[1]!.connections,
          fuzzMs,
          wallMs: Date.now() - started,
          producer: { ...figuresLine(figures[0]!), errors: reported.producer, emits: { emitted: stopped?.emitted, settled: stopped?.settled, ok: producer.of('emitted').filter((e) => e.ok).length } },
          consumer: { ...figuresLine(figures[1]!), errors: reported.consumer, handled: consumer.of('handled').length },
          warnings: [...producer.of('warning'), ...consumer.of('warning')].map((w) => `${w.name}: ${w.message}`),
        };
        console.info(`misbehaving-nsqd fuzz figures: ${JSON.stringify(summary, null, 2)}`);
        recordBadInputs('misbehaving nsqd fuzz (frames)', summary.frames, exits.producer.code === 0 && exits.consumer.code === 0 ? 0 : 1);

        expect({ exits, crashes: [...producer.of('crash'), ...consumer.of('crash')] }).toEqual({
          exits: { producer: { code: 0, signal: null }, consumer: { code: 0, signal: null } },
          crashes: [],
        });
        for (const [role, f] of [['producer', figures[0]!], ['consumer', figures[1]!]] as const) {
          expect({ role, notDropped: f.notDropped, silentNotDropped: f.silentNotDropped }).toEqual({ role, notDropped: [], silentNotDropped: [] });
          // Every violation is reported; a fatal E_* frame is nsqd's own error, the rest are NsqProtocolErrors.
          expect(reported[role].total).toBeGreaterThanOrEqual(f.mustFail);
          expect(reported[role].protocol).toBeGreaterThanOrEqual(f.mustFail - (f.violations['fatal-error-frame'] ?? 0));
        }
        expect(stopped?.settled).toBe(stopped?.emitted);
        expect(untypedEmitFailures).toEqual([]);
      },
      fuzzTimeoutMs(),
    );
  });
});

/** Generous: the run's length follows FUZZ_FRAMES, and the machine may be busy. */
function fuzzTimeoutMs(): number {
  return 120_000 + FUZZ_FRAMES * 10;
}

function describeConnections(connections: readonly FakeNsqdConnection[]): string {
  const line = (c: FakeNsqdConnection) =>
    `#${c.index} (listener ${c.listener}${c.misbehavedAt !== undefined ? ', misbehaved' : ''}, RDY ${c.rdy}, last commands: ${c.commands
      .slice(-5)
      .map((k) => [k.name, ...k.params].join(' '))
      .join(' | ')})`;
  return connections.length === 0 ? 'none' : connections.map(line).join('; ');
}

function tallyErrors(client: ProtocolFaultProcess): { total: number; protocol: number; byName: Record<string, number> } {
  const byName: Record<string, number> = {};
  for (const e of client.of('error')) byName[e.name] = (byName[e.name] ?? 0) + 1;
  return { total: client.of('error').length, protocol: client.of('error').filter((e) => e.protocol).length, byName };
}

function figuresLine(f: NsqdFuzzFigures): Omit<NsqdFuzzFigures, 'notDropped' | 'silentNotDropped'> & { notDropped: number; silentNotDropped: number } {
  return { ...f, notDropped: f.notDropped.length, silentNotDropped: f.silentNotDropped.length };
}
