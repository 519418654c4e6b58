import { FakeNsqd } from '../../../../test/support/fake-nsqd.js';
import type { NsqCommand } from '../../../../test/support/nsq-frames.js';
import { waitFor } from '../../../../test/support/wait-for.js';
import { NsqUnavailableError } from '../../src/errors/nsq-unavailable.error.js';
import { NsqUnconfirmedError } from '../../src/errors/nsq-unconfirmed.error.js';
import { encodePublishChunks, encodePublishFrame, InFlightPublishes, NsqProducerConnection, ZERO_COPY_BODY_BYTES, type OutboundPublish } from '../../src/nsq/nsq-producer-connection.js';
import { toNsqjsConnectionConfig } from '../../src/nsq/nsqjs/index.js';
import { resolveConnectionOptions } from '../../src/options/resolve-connection-options.js';

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('encodePublishFrame', () => {
  it('writes PUB <topic>\\n, the body size and the body for one message', () => {
    const body = Buffer.from('{"a":1}');
    expect(encodePublishFrame('orders', [body])).toEqual(Buffer.concat([Buffer.from('PUB orders\n'), int32(body.length), body]));
  });

  it('writes MPUB <topic>\\n, the total size, the count and each sized body for several', () => {
    const bodies = [Buffer.from('x'), Buffer.from(''), Buffer.from('héllo')];
    const payload = Buffer.concat([int32(3), ...bodies.flatMap((b) => [int32(b.length), b])]);
    expect(encodePublishFrame('t#ephemeral', bodies)).toEqual(Buffer.concat([Buffer.from('MPUB t#ephemeral\n'), int32(payload.length), payload]));
  });

  it('writes DPUB <topic> <ms>\\n, the body size and the body for a delayed message', () => {
    const body = Buffer.from('later');
    expect(encodePublishFrame('orders', [body], 1500)).toEqual(Buffer.concat([Buffer.from('DPUB orders 1500\n'), int32(body.length), body]));
  });

  it('copies bodies, so later changes to them do not alter the frame', () => {
    const body = Buffer.from('abc');
    const frame = encodePublishFrame('t', [body]);
    body.fill(0);
    expect(frame.subarray(frame.length - 3).toString()).toBe('abc');
  });
});

describe('encodePublishChunks', () => {
  const big = (fill: number) => Buffer.alloc(ZERO_COPY_BODY_BYTES, fill);

  it('gives the bytes of encodePublishFrame, with big bodies as chunks of their own (the same buffers, not copies)', () => {
    const bodies = [Buffer.from('small'), big(1), big(2), Buffer.from('tail'), big(3)];
    const chunks = encodePublishChunks('orders', bodies, 0, ZERO_COPY_BODY_BYTES);
    expect(Buffer.concat(chunks)).toEqual(encodePublishFrame('orders', bodies));
    for (const body of [bodies[1], bodies[2], bodies[4]]) expect(chunks.filter((chunk) => chunk === body)).toHaveLength(1);
    // MPUB line + sizes + 'small' + size | big | size | big | size + 'tail' + size | big
    expect(chunks).toHaveLength(6);
  });

  it('writes PUB and DPUB of a big body as their command line and size, then the body itself', () => {
    const body = big(7);
    expect(encodePublishChunks('t', [body], 0, ZERO_COPY_BODY_BYTES)).toEqual([Buffer.concat([Buffer.from('PUB t\n'), int32(body.length)]), body]);
    expect(Buffer.concat(encodePublishChunks('t', [body], 250, ZERO_COPY_BODY_BYTES))).toEqual(encodePublishFrame('t', [body], 250));
  });

  it('copies everything into one chunk when no body reaches the threshold', () => {
    const bodies = [Buffer.from('a'), Buffer.from('b')];
    const chunks = encodePublishChunks('t', bodies, 0, ZERO_COPY_BODY_BYTES);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toEqual(encodePublishFrame('t', bodies));
  });
});

// Behaviour against a scripted nsqd (test/support/fake-nsqd.ts): answers, silence and refusals on cue.
describe('NsqProducerConnection against a scripted nsqd', () => {
  let fake: FakeNsqd;
  let connection: NsqProducerConnection;
  const lost: string[] = [];
  const unexecuted: OutboundPublish[] = [];
  const SWEEP_TIMEOUT_MS = 1_000;
  let sweep: NodeJS.Timeout;

  beforeEach(async () => {
    fake = await FakeNsqd.start();
    lost.length = 0;
    unexecuted.length = 0;
    connection = new NsqProducerConnection(
      fake.address,
      {
        config: toNsqjsConnectionConfig(resolveConnectionOptions({ nsqdTcpAddresses: [fake.address] })),
        reconnectMinDelayMs: 20,
        reconnectMaxDelayMs: 50,
        limits: { maxMessageSize: 1024 * 1024, maxBodySize: 5 * 1024 * 1024 },
      },
      { onReady: () => undefined, onLost: (c) => lost.push(c.address), onError: () => undefined, onUnexecuted: (p) => unexecuted.push(p) },
    );
    connection.start();
    // The producer's sweep, as NsqProducer runs it.
    sweep = setInterval(() => connection.expire(Date.now(), SWEEP_TIMEOUT_MS), 50);
    await waitFor(() => connection.isReady, { message: 'never ready' });
  });
  afterEach(async () => {
    clearInterval(sweep);
    connection.close();
    await fake.close();
  });

  /** One publish and its outcome ('ok', or the error's class and reason). */
  const publish = (bodies: Buffer[], timeoutMs = 60_000) => {
    let outcome: string | undefined;
    const entry: OutboundPublish = {
      topic: 't',
      bodies,
      delayMs: 0,
      deadline: Date.now() + timeoutMs,
      coalesced: false,
      settle: (error) => {
        outcome ??= error ? `${error.constructor.name}${error instanceof NsqUnconfirmedError ? `:${error.reason}` : ''}` : 'ok';
      },
    };
    connection.send(entry);
    return { entry, outcome: () => outcome };
  };
  const pubs = (): NsqCommand[] => fake.connections.flatMap((c) => c.commands).filter((c) => c.name === 'PUB' || c.name === 'MPUB');

  it('writes a publish larger than any accepted so far alone, and the rest once nsqd accepted it', async () => {
    let answerFirst: (() => void) | undefined;
    fake.script = (command, conn) => {
      if (command.name === 'PUB' && answerFirst === undefined) answerFirst = () => conn.answer(command);
      else conn.answer(command);
    };
    const first = publish([Buffer.alloc(100, 1)]);
    const rest = Array.from({ length: 5 }, () => publish([Buffer.alloc(50, 2)]));
    await waitFor(() => answerFirst !== undefined, { message: 'the first PUB never arrived' });
    // Nothing pipelined behind the barrier while its answer is outstanding.
    expect(pubs()).toHaveLength(1);
    answerFirst!();
    await waitFor(() => rest.every((p) => p.outcome() === 'ok'), { message: 'the publishes behind the barrier were not sent' });
    expect(first.outcome()).toBe('ok');
    expect(pubs()).toHaveLength(6);
  });

  it('a barrier nsqd answered too late stops holding the others back once it expires', async () => {
    const warm = publish([Buffer.alloc(10)]);
    await waitFor(() => warm.outcome() === 'ok');
    // nsqd answers in order; the larger publish (a barrier: larger than anything accepted) is answered
    // only after its deadline, and heartbeats keep coming meanwhile (slow, not silent).
    let answers = Promise.resolve();
    fake.script = (command, conn) => {
      const late = command.name === 'PUB' && command.body!.length === 100;
      answers = answers.then(() => new Promise<void>((resolve) => setTimeout(resolve, late ? 2_500 : 0))).then(() => conn.answer(command));
    };
    fake.connections[0]!.every(200, () => fake.connections[0]!.respond('_heartbeat_'));
    const big = publish([Buffer.alloc(100)], SWEEP_TIMEOUT_MS);
    const behind = Array.from({ length: 5 }, () => publish([Buffer.alloc(10)], 30_000));
    await waitFor(() => big.outcome() !== undefined && behind.every((p) => p.outcome() === 'ok'), { timeoutMs: 20_000, message: 'the publishes behind a late barrier stayed held' });
    expect(big.outcome()).toBe('NsqUnconfirmedError:timeout');
    expect(lost).toEqual([]);
    expect(fake.connections).toHaveLength(1);
  });

  it('keeps a slow nsqd that still answers: late publishes time out, the connection stays and goes on', async () => {
    const warm = publish([Buffer.alloc(10)]);
    await waitFor(() => warm.outcome() === 'ok');
    const queue: Array<() => void> = [];
    fake.script = (command, conn) => {
      if (command.name !== 'PUB') return conn.answer(command);
      queue.push(() => conn.answer(command));
      // One answer every 50 ms: slow, never silent.
      if (queue.length === 1) conn.every(50, () => queue.shift()?.());
    };
    const burst = Array.from({ length: 40 }, () => publish([Buffer.alloc(10)], SWEEP_TIMEOUT_MS));
    await waitFor(() => burst.every((p) => p.outcome() !== undefined), { timeoutMs: 20_000, message: 'the burst never settled' });
    const outcomes = burst.map((p) => p.outcome());
    expect(outcomes.filter((o) => o === 'NsqUnconfirmedError:timeout').length).toBeGreaterThan(0);
    expect(outcomes.every((o) => o === 'ok' || o === 'NsqUnconfirmedError:timeout')).toBe(true);
    expect(lost).toEqual([]);
    expect(fake.connections).toHaveLength(1);
  });

  it('writes MPUBs and PUBs of big bodies (not copied into their frame) that nsqd reads intact, in order', async () => {
    const big = (fill: number) => Buffer.alloc(64 * 1024, fill);
    const batch = [big(1), Buffer.from('small'), big(2), big(3)];
    const sent = [publish(batch), publish([big(4)]), publish([Buffer.from('x'), Buffer.from('y')])];
    await waitFor(() => sent.every((p) => p.outcome() === 'ok'), { message: 'the publishes were not answered' });
    const mpubBody = (bodies: Buffer[]) => Buffer.concat([int32(bodies.length), ...bodies.flatMap((b) => [int32(b.length), b])]);
    expect(pubs().map((c) => [c.name, c.body])).toEqual([
      ['MPUB', mpubBody(batch)],
      ['PUB', big(4)],
      ['MPUB', mpubBody([Buffer.from('x'), Buffer.from('y')])],
    ]);
  });

  it('drops a silent nsqd after the publish timeout and reconnects', async () => {
    fake.script = (command, conn) => (command.name === 'PUB' && fake.connections.length === 1 ? undefined : conn.answer(command));
    const silent = publish([Buffer.alloc(10)], SWEEP_TIMEOUT_MS);
    await waitFor(() => silent.outcome() !== undefined && fake.connections.length === 2, { message: 'the silent connection was not replaced' });
    expect(silent.outcome()).toBe('NsqUnconfirmedError:timeout');
    expect(lost).toEqual([fake.address]);
    await waitFor(() => connection.isReady);
    const after = publish([Buffer.alloc(10)]);
    await waitFor(() => after.outcome() === 'ok', { message: 'no publish after the reconnect' });
  });

  it('hands back, unwritten, what waited behind a fatal refusal: nsqd never executed it', async () => {
    const warm = publish([Buffer.alloc(10)]);
    await waitFor(() => warm.outcome() === 'ok');
    fake.script = (command, conn) => {
      if (command.name === 'PUB' && command.body!.length === 20) {
        conn.error('E_BAD_TOPIC PUB topic name is not valid');
        return conn.end();
      }
      conn.answer(command);
    };
    const refused = publish([Buffer.alloc(20)]);
    const behind = Array.from({ length: 3 }, () => publish([Buffer.alloc(5)]));
    await waitFor(() => refused.outcome() !== undefined && unexecuted.length === 3, { message: 'the publishes behind the refusal were not handed back' });
    expect(refused.outcome()).toBe('NsqPublishError');
    expect(behind.map((p) => p.outcome())).toEqual([undefined, undefined, undefined]);
    expect(unexecuted).toEqual(behind.map((p) => p.entry));
  });

  it('fails a publish sent while not connected as unwritten', () => {
    connection.close();
    const late = publish([Buffer.alloc(10)]);
    expect(late.outcome()).toBe(NsqUnavailableError.name);
  });
});

describe('InFlightPublishes', () => {
  const publish = (topic: string): OutboundPublish => ({ topic, bodies: [], delayMs: 0, deadline: 0, coalesced: false, settle: () => undefined });

  it('keeps publishes oldest first and removes any of them once', () => {
    const queue = new InFlightPublishes();
    const [a, b, c] = [publish('a'), publish('b'), publish('c')];
    queue.add(a);
    queue.add(b);
    queue.add(c);
    expect(queue.first).toBe(a);
    expect(queue.delete(b)).toBe(true);
    expect(queue.delete(b)).toBe(false);
    expect(queue.toArray()).toEqual([a, c]);
    expect(queue.delete(a)).toBe(true);
    expect(queue.first).toBe(c);
    expect(queue.size).toBe(1);
    expect(queue.delete(c)).toBe(true);
    expect(queue.first).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('matches a plain list over thousands of writes and answers, mostly oldest first', () => {
    const queue = new InFlightPublishes();
    const model: OutboundPublish[] = [];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 5000; i++) {
      const p = publish(String(i));
      queue.add(p);
      model.push(p);
      if (next() % 4 !== 0 && model.length > 0) {
        // Usually the oldest (nsqd answers in order); now and then one further in (an expired publish's late answer).
        const at = next() % 10 === 0 ? next() % model.length : 0;
        expect(queue.delete(model[at]!)).toBe(true);
        model.splice(at, 1);
      }
    }
    expect(queue.toArray()).toEqual(model);
    expect(queue.size).toBe(model.length);
    expect(queue.first).toBe(model[0]);
  });
});
