import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { Reader } from 'nsqjs';
import { NsqjsShapeError } from '../../../src/nsq/nsqjs/nsqjs-internals.js';
import { NsqjsRdyController, type NsqjsRdyConnection, type NsqjsRdyControllerOptions } from '../../../src/nsq/nsqjs/nsqjs-rdy-controller.js';

/** An nsqjs connection as the controller sees it: events in, RDY writes recorded. */
class FakeConnection extends EventEmitter implements NsqjsRdyConnection {
  readonly rdyWrites: number[] = [];
  closeCalls = 0;
  inFlight = 0;
  closed = false;

  constructor(public maxRdyCount = 2500) {
    super();
  }

  /** The RDY nsqd would apply last. */
  get rdy(): number {
    return this.rdyWrites.at(-1) ?? 0;
  }

  setRdy(count: number): void {
    this.rdyWrites.push(count);
  }

  close(): void {
    this.closeCalls += 1;
    this.drop();
  }

  /** SUB acknowledged. */
  subscribe(): this {
    this.emit('ready');
    return this;
  }

  /** The socket went away (nsqjs emits 'closed' once). */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('closed');
  }

  deliver(count = 1): void {
    for (let i = 0; i < count; i++) {
      this.inFlight += 1;
      this.emit('message');
    }
  }

  finish(count = 1): void {
    for (let i = 0; i < count; i++) {
      this.inFlight -= 1;
      this.emit('finished');
    }
  }

  /** nsqjs emits 'backoff' (synchronously) before 'requeued' (next tick). */
  requeue(options: { backoff: boolean }): void {
    if (options.backoff) this.emit('backoff');
    this.inFlight -= 1;
    this.emit('requeued');
  }
}

const rdys = (conns: readonly FakeConnection[]) => conns.map((c) => (c.closed ? 0 : c.rdy));
const total = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0);

/** What nsqd could have in flight for us: per connection the larger of its in-flight and its RDY. */
const committed = (conns: readonly FakeConnection[]) => total(conns.map((c) => Math.max(c.inFlight, c.closed ? 0 : c.rdy)));

describe('NsqjsRdyController', () => {
  let controller: NsqjsRdyController | undefined;
  afterEach(() => {
    controller?.close();
    controller = undefined;
    jest.useRealTimers();
  });

  const start = (options: Partial<NsqjsRdyControllerOptions> & { maxInFlight: number }, connections: number) => {
    controller = new NsqjsRdyController({ maxBackoffDurationMs: 60_000, ...options });
    const conns = Array.from({ length: connections }, () => new FakeConnection());
    for (const conn of conns) controller.addConnection(conn);
    return { controller, conns };
  };

  describe('the split', () => {
    it.each([
      [5, 2, [3, 2]],
      [7, 3, [3, 2, 2]],
      [8, 5, [2, 2, 2, 1, 1]],
      [4, 4, [1, 1, 1, 1]],
      [6, 2, [3, 3]],
    ])('maxInFlight %d over %d connections: RDY %j (the remainder to some)', (maxInFlight, n, expected) => {
      const { conns } = start({ maxInFlight }, n);
      for (const conn of conns) conn.subscribe();
      expect(rdys(conns)).toEqual(expected);
      expect(total(rdys(conns))).toBe(maxInFlight);
    });

    it('reserves a share for connections still handshaking, so nobody has to give RDY back', () => {
      const { conns } = start({ maxInFlight: 5 }, 2);
      conns[0]!.subscribe();
      expect(conns[0]!.rdyWrites).toEqual([3]);
      conns[1]!.subscribe();
      expect(conns[0]!.rdyWrites).toEqual([3]);
      expect(conns[1]!.rdyWrites).toEqual([2]);
    });

    it('gives a failed handshake’s share to the others', () => {
      const { conns } = start({ maxInFlight: 5 }, 2);
      conns[0]!.subscribe();
      conns[1]!.drop();
      expect(rdys(conns)).toEqual([5, 0]);
    });

    it('never asks for more than nsqd’s max_rdy_count', () => {
      controller = new NsqjsRdyController({ maxInFlight: 100, maxBackoffDurationMs: 0 });
      const conns = [new FakeConnection(20), new FakeConnection(2500)];
      for (const conn of conns) controller.addConnection(conn);
      for (const conn of conns) conn.subscribe();
      expect(rdys(conns)).toEqual([20, 50]);
      conns[1]!.drop();
      expect(Math.max(...conns[0]!.rdyWrites)).toBe(20);
    });
  });

  describe('the in-flight budget', () => {
    it('lets a new connection in only as the others’ messages settle', () => {
      const { controller: rdy, conns } = start({ maxInFlight: 4 }, 1);
      const [a] = conns as [FakeConnection];
      a.subscribe();
      a.deliver(4);
      const b = new FakeConnection();
      rdy.addConnection(b);
      conns.push(b);
      // A is lowered at once; its 4 messages still fill the budget.
      expect(a.rdy).toBe(2);
      b.subscribe();
      expect(b.rdy).toBe(0);
      expect(committed(conns)).toBeLessThanOrEqual(4);
      a.finish();
      expect(b.rdy).toBe(1);
      a.finish();
      expect(rdys(conns)).toEqual([2, 2]);
      expect(committed(conns)).toBeLessThanOrEqual(4);
    });

    it('keeps counting a lowered RDY until nsqd has had time to read the new one', () => {
      jest.useFakeTimers();
      const { controller: rdy, conns } = start({ maxInFlight: 4, rdySettleMs: 500 }, 1);
      const [a] = conns as [FakeConnection];
      a.subscribe();
      const b = new FakeConnection();
      rdy.addConnection(b);
      conns.push(b);
      b.subscribe();
      expect(a.rdy).toBe(2);
      // nsqd had not read RDY 2 yet: it may still send up to 4 on A.
      expect(b.rdy).toBe(0);
      a.deliver(3);
      jest.advanceTimersByTime(500);
      expect(b.rdy).toBe(1);
      expect(a.inFlight + b.rdy).toBe(4);
      a.finish(3);
      expect(rdys(conns)).toEqual([2, 2]);
    });

    it('counts the messages of a closed connection until they are settled', () => {
      const { conns } = start({ maxInFlight: 2 }, 2);
      const [a, b] = conns as [FakeConnection, FakeConnection];
      a.subscribe();
      b.subscribe();
      a.deliver();
      a.drop();
      // B's share would be 2, but A's handler still runs.
      expect(b.rdy).toBe(1);
      a.finish();
      expect(b.rdy).toBe(2);
    });

    it('keeps the budget whatever order connections come and go in', () => {
      jest.useFakeTimers();
      const maxInFlight = 5;
      const { controller: rdy, conns } = start({ maxInFlight }, 3);
      const live = () => conns.filter((c) => !c.closed);
      const steps: Array<() => void> = [
        () => conns[0]!.subscribe(),
        () => conns[0]!.deliver(conns[0]!.rdy),
        () => conns[1]!.subscribe(),
        () => conns[1]!.deliver(conns[1]!.rdy),
        () => conns[0]!.finish(),
        () => conns[0]!.drop(),
        () => conns[2]!.subscribe(),
        () => conns[2]!.deliver(conns[2]!.rdy),
        () => {
          const d = new FakeConnection();
          conns.push(d);
          rdy.addConnection(d);
          d.subscribe();
        },
        () => jest.advanceTimersByTime(1_000),
        () => conns[0]!.finish(conns[0]!.inFlight),
        () => live().forEach((c) => c.deliver(Math.max(0, c.rdy - c.inFlight))),
        () => conns[1]!.finish(conns[1]!.inFlight),
        () => live().forEach((c) => c.deliver(Math.max(0, c.rdy - c.inFlight))),
      ];
      for (const step of steps) {
        step();
        expect(committed(conns)).toBeLessThanOrEqual(maxInFlight);
        expect(total(conns.map((c) => c.inFlight))).toBeLessThanOrEqual(maxInFlight);
      }
      for (const conn of live()) conn.finish(conn.inFlight);
      jest.advanceTimersByTime(1_000);
      expect(total(rdys(conns))).toBe(maxInFlight);
    });
  });

  describe('fewer messages in flight than connections', () => {
    it('rotates RDY away from idle connections until every connection has had a turn', () => {
      jest.useFakeTimers();
      const { conns } = start({ maxInFlight: 2, rotateIntervalMs: 1_000, rdySettleMs: 100 }, 5);
      for (const conn of conns) conn.subscribe();
      expect(rdys(conns)).toEqual([1, 1, 0, 0, 0]);
      const hadTurn = new Set<FakeConnection>();
      for (let interval = 0; interval < 12 && hadTurn.size < conns.length; interval++) {
        jest.advanceTimersByTime(1_000);
        for (const conn of conns) if (conn.rdy > 0) hadTurn.add(conn);
        expect(total(rdys(conns))).toBeLessThanOrEqual(2);
      }
      expect(hadTurn.size).toBe(5);
    });

    it('lets a busy connection keep its turn, but not forever while others wait', () => {
      jest.useFakeTimers();
      const { conns } = start({ maxInFlight: 1, rotateIntervalMs: 1_000, maxTurnIntervals: 3, rdySettleMs: 100 }, 2);
      const [a, b] = conns as [FakeConnection, FakeConnection];
      a.subscribe();
      b.subscribe();
      expect(rdys(conns)).toEqual([1, 0]);
      for (let interval = 0; interval < 3; interval++) {
        a.deliver();
        a.finish();
        jest.advanceTimersByTime(1_000);
        expect(rdys(conns)).toEqual([1, 0]);
      }
      a.deliver();
      a.finish();
      jest.advanceTimersByTime(1_000);
      expect(a.rdy).toBe(0);
      jest.advanceTimersByTime(100);
      expect(rdys(conns)).toEqual([0, 1]);
    });

    it('waits for a busy holder’s message before the next connection gets RDY', () => {
      jest.useFakeTimers();
      const { conns } = start({ maxInFlight: 1, rotateIntervalMs: 1_000, maxTurnIntervals: 1, rdySettleMs: 100 }, 2);
      const [a, b] = conns as [FakeConnection, FakeConnection];
      a.subscribe();
      b.subscribe();
      a.deliver();
      jest.advanceTimersByTime(5_000);
      expect(a.rdy).toBe(0);
      expect(b.rdy).toBe(0);
      a.finish();
      expect(b.rdy).toBe(1);
    });
  });

  describe('with at least one RDY per connection', () => {
    it('moves the remainder from an idle connection to a busy one, and leaves idle ones alone', () => {
      jest.useFakeTimers();
      const { conns } = start({ maxInFlight: 3, rotateIntervalMs: 1_000, rdySettleMs: 100 }, 2);
      const [a, b] = conns as [FakeConnection, FakeConnection];
      a.subscribe();
      b.subscribe();
      expect(rdys(conns)).toEqual([2, 1]);
      jest.advanceTimersByTime(3_000);
      expect(a.rdyWrites).toEqual([2]);
      expect(b.rdyWrites).toEqual([1]);
      b.deliver();
      b.finish();
      jest.advanceTimersByTime(1_000);
      expect(a.rdy).toBe(1);
      jest.advanceTimersByTime(100);
      expect(rdys(conns)).toEqual([1, 2]);
    });
  });

  describe('pause and unpause', () => {
    it('sets RDY 0 everywhere and restores the split', () => {
      const { controller: rdy, conns } = start({ maxInFlight: 5 }, 3);
      conns[0]!.subscribe();
      conns[1]!.subscribe();
      conns[0]!.deliver(2);
      rdy.pause();
      expect(rdy.isPaused()).toBe(true);
      expect(rdys(conns)).toEqual([0, 0, 0]);
      conns[0]!.finish(2);
      conns[2]!.subscribe();
      expect(rdys(conns)).toEqual([0, 0, 0]);
      rdy.unpause();
      expect(rdy.isPaused()).toBe(false);
      expect(rdys(conns)).toEqual([2, 2, 1]);
    });
  });

  describe('backoff', () => {
    it('pauses every connection, probes with RDY 1 on one, and returns to full RDY after a success', () => {
      jest.useFakeTimers();
      const { conns } = start({ maxInFlight: 4, backoffUnitMs: 1_000 }, 2);
      const [a, b] = conns as [FakeConnection, FakeConnection];
      a.subscribe();
      b.subscribe();
      a.deliver();
      a.requeue({ backoff: true });
      expect(rdys(conns)).toEqual([0, 0]);
      jest.advanceTimersByTime(999);
      expect(rdys(conns)).toEqual([0, 0]);
      jest.advanceTimersByTime(1);
      expect(total(rdys(conns))).toBe(1);
      const probe = a.rdy === 1 ? a : b;
      probe.deliver();
      probe.finish();
      expect(rdys(conns)).toEqual([2, 2]);
    });

    it('grows the pause exponentially up to maxBackoffDuration and steps back one level per success', () => {
      jest.useFakeTimers();
      const { conns } = start({ maxInFlight: 2, backoffUnitMs: 1_000, maxBackoffDurationMs: 3_000 }, 1);
      const [a] = conns as [FakeConnection];
      a.subscribe();
      const pauseLength = () => {
        let waited = 0;
        while (a.rdy === 0) {
          jest.advanceTimersByTime(250);
          waited += 250;
        }
        return waited;
      };
      const failOnce = () => {
        a.deliver();
        a.requeue({ backoff: true });
      };
      failOnce();
      expect(pauseLength()).toBe(1_000);
      failOnce();
      expect(pauseLength()).toBe(2_000);
      // Failures of messages already in flight during a pause do not add up.
      a.deliver();
      a.deliver();
      failOnce();
      a.requeue({ backoff: true });
      a.requeue({ backoff: true });
      expect(pauseLength()).toBe(3_000);
      failOnce();
      expect(pauseLength()).toBe(3_000);
      expect(a.rdy).toBe(1);
      // Level 3 now: each success while probing steps one level back.
      a.deliver();
      a.finish();
      expect(a.rdy).toBe(0);
      expect(pauseLength()).toBe(2_000);
      a.deliver();
      a.finish();
      expect(pauseLength()).toBe(1_000);
      a.deliver();
      a.finish();
      expect(a.rdy).toBe(2);
    });

    it('ignores backoff when maxBackoffDuration is 0', () => {
      const { conns } = start({ maxInFlight: 2, maxBackoffDurationMs: 0 }, 1);
      const [a] = conns as [FakeConnection];
      a.subscribe();
      a.deliver();
      a.requeue({ backoff: true });
      expect(a.rdyWrites).toEqual([2]);
    });

    it('stays at RDY 0 while paused, whatever the backoff does', () => {
      jest.useFakeTimers();
      const { controller: rdy, conns } = start({ maxInFlight: 2 }, 1);
      const [a] = conns as [FakeConnection];
      a.subscribe();
      a.deliver();
      a.requeue({ backoff: true });
      rdy.pause();
      jest.advanceTimersByTime(60_000);
      expect(a.rdy).toBe(0);
    });
  });

  describe('soleMessageOn', () => {
    it('is true only where RDY allows one message and nothing else is unanswered (nsqd waits for its answer)', () => {
      const one = start({ maxInFlight: 1 }, 1);
      const [a] = one.conns as [FakeConnection];
      a.subscribe();
      expect(one.controller.soleMessageOn(a)).toBe(true);
      a.deliver();
      expect(one.controller.soleMessageOn(a)).toBe(false);
      a.finish();
      expect(one.controller.soleMessageOn(a)).toBe(true);

      const wide = start({ maxInFlight: 4 }, 2);
      const [b, c] = wide.conns as [FakeConnection, FakeConnection];
      b.subscribe();
      c.subscribe();
      // RDY 2 each: nsqd keeps sending while one message is handled.
      expect([wide.controller.soleMessageOn(b), wide.controller.soleMessageOn(c)]).toEqual([false, false]);
      b.drop();
      expect(wide.controller.soleMessageOn(b)).toBe(false);
      expect(wide.controller.soleMessageOn(new FakeConnection())).toBe(false);
    });
  });

  describe('close', () => {
    it('closes subscribed connections at once, a handshaking one when it subscribes, and stops all timers', () => {
      jest.useFakeTimers();
      const { controller: rdy, conns } = start({ maxInFlight: 2 }, 2);
      const [a, b] = conns as [FakeConnection, FakeConnection];
      a.subscribe();
      a.deliver();
      a.requeue({ backoff: true });
      rdy.close();
      expect(a.closeCalls).toBe(1);
      expect(b.closeCalls).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
      const writes = a.rdyWrites.length;
      b.subscribe();
      expect(b.closeCalls).toBe(1);
      expect(b.rdyWrites).toEqual([]);
      expect(a.rdyWrites).toHaveLength(writes);
    });
  });

  describe('install', () => {
    it('replaces a new nsqjs Reader’s RDY handling, built from its validated config', () => {
      const reader = new Reader('install.test', 'c', { nsqdTCPAddresses: ['127.0.0.1:4150'], maxInFlight: 3 });
      const installed = NsqjsRdyController.install(reader);
      expect((reader as unknown as { readerRdy: unknown }).readerRdy).toBe(installed);
      reader.pause();
      expect(installed.isPaused()).toBe(true);
      expect(reader.isPaused()).toBe(true);
      installed.close();
    });

    it('refuses a Reader whose internals are not nsqjs 0.13’s', () => {
      expect(() => NsqjsRdyController.install({})).toThrow(NsqjsShapeError);
      expect(() => NsqjsRdyController.install({ readerRdy: { addConnection: () => undefined, connections: [{}] }, config: { maxInFlight: 1, maxBackoffDuration: 1 } })).toThrow(
        /before the Reader connects/,
      );
    });
  });
});
