import { FakeNsqd } from '../../../../test/support/fake-nsqd.js';
import { freePort } from '../../../../test/support/free-port.js';
import { waitFor } from '../../../../test/support/wait-for.js';
import { InvalidNsqMessageError } from '../../src/errors/invalid-nsq-message.error.js';
import { NsqUnavailableError } from '../../src/errors/nsq-unavailable.error.js';
import { NsqProducer, type NsqProducerSettings } from '../../src/nsq/nsq-producer.js';
import { toNsqjsConnectionConfig } from '../../src/nsq/nsqjs/index.js';
import { resolveConnectionOptions } from '../../src/options/resolve-connection-options.js';

const connected: string[] = [];
const HOOKS = { onConnected: (address: string) => void connected.push(address), onDisconnected: () => undefined, onError: () => undefined, onAvailabilityChange: () => undefined };

describe('NsqProducer', () => {
  const fakes: FakeNsqd[] = [];
  const producers: NsqProducer[] = [];
  afterEach(async () => {
    await Promise.all(producers.splice(0).map((p) => p.close(1_000)));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  const producer = (addresses: string[], overrides: Partial<NsqProducerSettings> = {}) => {
    const p = new NsqProducer(
      {
        addresses,
        config: toNsqjsConnectionConfig(resolveConnectionOptions({ nsqdTcpAddresses: addresses })),
        publishTimeoutMs: 2_000,
        reconnectMinDelayMs: 20,
        reconnectMaxDelayMs: 50,
        maxPendingPublishes: 10_000,
        limits: { maxMessageSize: 1024 * 1024, maxBodySize: 5 * 1024 * 1024 },
        ...overrides,
      },
      HOOKS,
    );
    producers.push(p);
    return p;
  };
  const fake = async () => {
    const f = await FakeNsqd.start();
    fakes.push(f);
    return f;
  };
  const frames = (f: FakeNsqd, name: string) => f.connections.flatMap((c) => c.commands).filter((c) => c.name === name);

  it('coalesces a burst of single publishes into one MPUB per topic, each publish resolving on its OK', async () => {
    const nsqd = await fake();
    const p = producer([nsqd.address], { batching: { maxMessages: 100, maxBytes: 1024 * 1024, lingerMs: 0 } });
    await p.whenAvailable(2_000);
    // One publish first, so the burst is not held behind the first (barrier) write.
    await p.publish('a', [Buffer.from('warm')]);
    const burst = [...Array.from({ length: 10 }, (_, i) => p.publish('a', [Buffer.from(`a${i}`)])), ...Array.from({ length: 5 }, (_, i) => p.publish('b', [Buffer.from(`b${i}`)]))];
    await Promise.all(burst);
    expect(frames(nsqd, 'MPUB').map((c) => c.params[0])).toEqual(['a', 'b']);
    expect(p.pendingCount).toBe(0);
  });

  it('sends a lone publish at once as a PUB and coalesces only what comes while it is outstanding', async () => {
    const nsqd = await fake();
    const p = producer([nsqd.address], { batching: { maxMessages: 100, maxBytes: 1024 * 1024, lingerMs: 0 } });
    await p.whenAvailable(2_000);
    // Serial: each awaited before the next, so nothing is ever outstanding: one PUB each, no MPUB.
    for (let i = 0; i < 3; i++) await p.publish('s', [Buffer.from(`s${i}`)]);
    expect(frames(nsqd, 'PUB').map((c) => c.params[0])).toEqual(['s', 's', 's']);
    expect(frames(nsqd, 'MPUB')).toEqual([]);
    // A burst: the first leaves alone, the others wait behind it in one MPUB.
    await Promise.all(Array.from({ length: 4 }, (_, i) => p.publish('b', [Buffer.from(`b${i}`)])));
    expect(frames(nsqd, 'PUB').map((c) => c.params[0])).toEqual(['s', 's', 's', 'b']);
    expect(frames(nsqd, 'MPUB').map((c) => c.params[0])).toEqual(['b']);
  });

  it("coalesces 'turn' publishes of one event-loop turn into one MPUB, the first one included", async () => {
    const nsqd = await fake();
    const p = producer([nsqd.address], { batching: { maxMessages: 100, maxBytes: 1024 * 1024, lingerMs: 0 } });
    await p.whenAvailable(2_000);
    // Alone in its turn: still one PUB.
    await p.publish('r', [Buffer.from('alone')], 0, 'turn');
    expect(frames(nsqd, 'PUB').map((c) => c.params[0])).toEqual(['r']);
    // Four in one turn: nothing leaves alone ahead of the others.
    await Promise.all(Array.from({ length: 4 }, (_, i) => p.publish('r', [Buffer.from(`r${i}`)], 0, 'turn')));
    expect(frames(nsqd, 'PUB').map((c) => c.params[0])).toEqual(['r']);
    expect(frames(nsqd, 'MPUB').map((c) => c.params[0])).toEqual(['r']);
    expect(p.pendingCount).toBe(0);
  });

  it('sends large bodies published behind others as they were when published, while their memory is reused for later ones', async () => {
    const nsqd = await fake();
    const p = producer([nsqd.address], { batching: { maxMessages: 100, maxBytes: 1024 * 1024, lingerMs: 0 } });
    await p.whenAvailable(2_000);
    await p.publish('warm', [Buffer.from('warm')]);
    const sent = () => [
      ...frames(nsqd, 'PUB')
        .filter((c) => c.params[0] === 't')
        .map((c) => [c.body!]),
      ...frames(nsqd, 'MPUB')
        .filter((c) => c.params[0] === 't')
        .map((c) => {
          const bodies: Buffer[] = [];
          for (let at = 4, i = 0; i < c.body!.readInt32BE(0); i++, at += 4 + c.body!.readInt32BE(at)) bodies.push(c.body!.subarray(at + 4, at + 4 + c.body!.readInt32BE(at)));
          return bodies;
        }),
    ].flat();
    for (let round = 0; round < 3; round++) {
      // Held behind an outstanding publish, every body below waits for its answer with others: each is copied.
      const ahead = p.publish('warm', [Buffer.from('ahead')]);
      const originals = Array.from({ length: 20 }, (_, i) => Buffer.alloc(64 * 1024, round * 20 + i));
      const published = Promise.all([ahead, ...originals.map((body) => p.publish('t', [body]))]);
      // What the caller does with its buffers afterwards does not change what is sent.
      for (const body of originals) body.fill(255);
      await published;
    }
    const fills = sent().map((body) => {
      expect(body.length).toBe(64 * 1024);
      expect(body.every((byte) => byte === body[0])).toBe(true);
      return body[0];
    });
    expect(fills.sort((a, b) => a! - b!)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('fails only the body nsqd refuses as too big when it was coalesced with others', async () => {
    const nsqd = await fake();
    nsqd.script = (command, conn) => {
      if (command.name === 'MPUB' && command.body!.length > 150) {
        conn.error('E_BAD_MESSAGE MPUB message too big 150 > 100');
        return conn.end();
      }
      conn.answer(command);
    };
    const p = producer([nsqd.address], { batching: { maxMessages: 100, maxBytes: 1024 * 1024, lingerMs: 0 } });
    await p.whenAvailable(2_000);
    const results = await Promise.allSettled([p.publish('t', [Buffer.alloc(10)]), p.publish('t', [Buffer.alloc(150)]), p.publish('t', [Buffer.alloc(20)])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidNsqMessageError);
    // Learnt: the next oversize publish is refused before anything is written.
    const before = frames(nsqd, 'PUB').length + frames(nsqd, 'MPUB').length;
    await expect(p.publish('t', [Buffer.alloc(150)])).rejects.toBeInstanceOf(InvalidNsqMessageError);
    expect(frames(nsqd, 'PUB').length + frames(nsqd, 'MPUB').length).toBe(before);
  });

  it('bounds pending publishes from acceptance, before any connection exists', async () => {
    const p = producer([`127.0.0.1:${await freePort()}`], { maxPendingPublishes: 3, publishTimeoutMs: 300 });
    const accepted = [1, 2, 3].map(() => p.publish('t', [Buffer.from('x')]));
    await expect(p.publish('t', [Buffer.from('x')])).rejects.toThrow(/maxPendingPublishes 3/);
    expect(p.pendingCount).toBe(3);
    const settled = await Promise.allSettled(accepted);
    expect(settled.every((r) => r.status === 'rejected' && r.reason instanceof NsqUnavailableError)).toBe(true);
    expect(p.pendingCount).toBe(0);
  });

  it('spreads publishes over every ready nsqd and fails over when one is gone', async () => {
    const [one, two] = [await fake(), await fake()];
    const p = producer([one.address, two.address]);
    connected.length = 0;
    p.start();
    await waitFor(() => connected.length === 2, { message: 'not connected to both' });
    await Promise.all(Array.from({ length: 20 }, () => p.publish('t', [Buffer.from('x')])));
    expect(frames(one, 'PUB').length).toBeGreaterThan(0);
    expect(frames(two, 'PUB').length).toBeGreaterThan(0);
    await one.close();
    fakes.splice(fakes.indexOf(one), 1);
    const after = await Promise.allSettled(Array.from({ length: 20 }, () => p.publish('t', [Buffer.from('y')])));
    expect(after.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(0);
  });

  it('close() sends what is being coalesced, waits for it, and refuses publishes afterwards', async () => {
    const nsqd = await fake();
    const p = producer([nsqd.address], { batching: { maxMessages: 100, maxBytes: 1024 * 1024, lingerMs: 60_000 } });
    await p.whenAvailable(2_000);
    const lingering = p.publish('t', [Buffer.from('x')]);
    await p.close(2_000);
    await expect(lingering).resolves.toBeUndefined();
    await expect(p.publish('t', [Buffer.from('late')])).rejects.toBeInstanceOf(NsqUnavailableError);
  });
});
