import type { FakeNsqd } from '../../support/fake-nsqd.js';
import type { FakeNsqdConnection } from '../../support/fake-nsqd-connection.js';
import type { NsqCommand } from '../../support/nsq-frames.js';
import { describePlan, type FuzzEnding, type FuzzPhase, type FuzzRole, type FuzzViolation, type NsqdFuzzPlan, planConnection } from './nsqd-fuzz-plan.js';

/** How long the fake waits for the client to drop a connection after a protocol violation. */
const DROP_DEADLINE_MS = 5_000;
/**
 * How long a silent connection may stay open: the client's idle timeout (2.5
 * heartbeats of 1 s) must end it first, or, for a producer with publishes in
 * flight, its publish timeout (the fuzz run sets 8 s).
 */
const SILENCE_DEADLINE_MS = 12_000;
/** A plan whose trigger never comes (no PUB, no AUTH) runs anyway after this long. */
const LATE_TRIGGER_MS = 5_000;
/** Heartbeats keep coming after a violation, so only the client's reading of the bytes can end the connection. */
const TRICKLE_MS = 500;

interface Entry {
  readonly plan: NsqdFuzzPlan;
  readonly connection: FakeNsqdConnection;
  started: boolean;
  /** Commands the client had sent when the fake started misbehaving. */
  commandsBefore: number;
  /** `dropped`: the client closed it; `ended`: the fake did (end/reset); `kept`: the deadline passed with the client still holding it. */
  outcome?: 'dropped' | 'ended' | 'kept';
}

/** The figures of one role's fuzz run. */
export interface NsqdFuzzFigures {
  readonly role: FuzzRole;
  readonly connections: number;
  readonly plans: number;
  readonly framesSent: number;
  readonly bytesSent: number;
  readonly phases: Readonly<Partial<Record<FuzzPhase, number>>>;
  readonly endings: Readonly<Partial<Record<FuzzEnding, number>>>;
  readonly mustFail: number;
  /** Must-fail connections by violation. */
  readonly violations: Readonly<Partial<Record<FuzzViolation, number>>>;
  readonly unspecified: number;
  readonly clean: number;
  /** Must-fail connections the client dropped itself. */
  readonly dropped: number;
  /** Must-fail connections still open at the deadline (the client did not notice the violation). */
  readonly notDropped: readonly string[];
  readonly silent: number;
  /** Silent connections still open at the deadline (the idle timeout did not fire). */
  readonly silentNotDropped: readonly string[];
  /** Plans run after LATE_TRIGGER_MS because their trigger never came. */
  readonly lateTriggers: number;
}

/**
 * Drives a FakeNsqd through seeded fuzz plans, one per connection, until
 * `frameBudget` frames were sent; later connections get a well-behaved nsqd,
 * so the client can be seen recovering. Each plan is a pure function of
 * (seed, role, connection index): see {@link planConnection}.
 */
export class NsqdFuzzer {
  private readonly entries = new Map<FakeNsqdConnection, Entry>();
  private framesSent = 0;
  private bytesSent = 0;
  private lateTriggers = 0;
  private planning = true;

  constructor(
    private readonly fake: FakeNsqd,
    readonly role: FuzzRole,
    readonly seed: number,
    private readonly frameBudget: number,
  ) {
    fake.onConnection = (connection) => this.accept(connection);
    fake.script = (command, connection) => this.onCommand(command, connection);
  }

  get budgetSpent(): boolean {
    return !this.planning;
  }

  get sent(): number {
    return this.framesSent;
  }

  /** Budget spent and every planned connection over: the fake behaves from now on. */
  get finished(): boolean {
    return !this.planning && [...this.entries.keys()].every((connection) => !connection.isOpen);
  }

  figures(): NsqdFuzzFigures {
    const entries = [...this.entries.values()].filter((e) => e.started);
    const count = <K extends string>(list: readonly Entry[], key: (e: Entry) => K) => {
      const counts: Partial<Record<K, number>> = {};
      for (const e of list) counts[key(e)] = (counts[key(e)] ?? 0) + 1;
      return counts;
    };
    const mustFail = entries.filter((e) => e.plan.verdict.kind === 'must-fail');
    const violations: Partial<Record<FuzzViolation, number>> = {};
    for (const { plan } of mustFail) if (plan.verdict.kind === 'must-fail') violations[plan.verdict.reason] = (violations[plan.verdict.reason] ?? 0) + 1;
    const silent = entries.filter((e) => e.plan.ending === 'silence');
    return {
      role: this.role,
      connections: this.fake.connections.length,
      plans: entries.length,
      framesSent: this.framesSent,
      bytesSent: this.bytesSent,
      phases: count(entries, (e) => e.plan.phase),
      endings: count(entries, (e) => e.plan.ending),
      mustFail: mustFail.length,
      violations,
      unspecified: entries.filter((e) => e.plan.verdict.kind === 'unspecified').length,
      clean: entries.filter((e) => e.plan.verdict.kind === 'clean').length,
      dropped: mustFail.filter((e) => e.outcome === 'dropped').length,
      notDropped: mustFail.filter((e) => e.outcome === 'kept').map(describeKept),
      silent: silent.length,
      silentNotDropped: silent.filter((e) => e.outcome === 'kept').map(describeKept),
      lateTriggers: this.lateTriggers,
    };
  }

  private accept(connection: FakeNsqdConnection): void {
    if (!this.planning) return;
    const entry: Entry = { plan: planConnection(this.seed, this.role, connection.index), connection, started: false, commandsBefore: 0 };
    this.entries.set(connection, entry);
    if (entry.plan.phase === 'on-connect') return this.run(connection, entry);
    connection.after(LATE_TRIGGER_MS, () => {
      if (entry.started) return;
      this.lateTriggers++;
      this.run(connection, entry);
    });
  }

  private onCommand(command: NsqCommand, connection: FakeNsqdConnection): void {
    const entry = this.entries.get(connection);
    if (!entry) return connection.answer(command);
    // Once it misbehaved, the fake answers nothing more on that connection.
    if (entry.started) return;
    switch (entry.plan.phase) {
      case 'identify':
        if (command.name === 'IDENTIFY') return this.run(connection, entry);
        break;
      case 'auth':
        if (command.name === 'IDENTIFY') {
          connection.respond(connection.identifyResponse({ auth_required: true }));
          return connection.startHeartbeats();
        }
        if (command.name === 'AUTH') return this.run(connection, entry);
        break;
      case 'after-handshake':
        if ((this.role === 'producer' && command.name === 'IDENTIFY') || (this.role === 'consumer' && command.name === 'SUB')) {
          connection.answer(command);
          return this.run(connection, entry);
        }
        break;
      case 'on-publish':
        if (['PUB', 'MPUB', 'DPUB'].includes(command.name)) return this.run(connection, entry);
        break;
      case 'on-connect':
        break;
    }
    connection.answer(command);
  }

  private run(connection: FakeNsqdConnection, entry: Entry): void {
    const { plan } = entry;
    entry.started = true;
    entry.commandsBefore = connection.commands.length;
    connection.misbehave();
    connection.stopHeartbeats();
    this.framesSent += plan.frames;
    this.bytesSent += plan.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    if (this.framesSent >= this.frameBudget) this.planning = false;
    void connection.closed.then(() => {
      entry.outcome ??= connection.closedBy === 'client' ? 'dropped' : 'ended';
    });
    // One write per turn of the event loop, so the client's reads see the cuts.
    const write = (i: number) => {
      if (!connection.isOpen) return;
      if (i < plan.chunks.length) {
        connection.sendRaw(plan.chunks[i]!);
        setImmediate(() => write(i + 1));
        return;
      }
      this.end(connection, entry);
    };
    write(0);
  }

  private end(connection: FakeNsqdConnection, entry: Entry): void {
    const keepUntil = (ms: number) =>
      connection.after(ms, () => {
        entry.outcome = 'kept';
        connection.destroy();
      });
    switch (entry.plan.ending) {
      case 'wait-for-drop':
        connection.every(TRICKLE_MS, () => connection.respond('_heartbeat_'));
        return keepUntil(DROP_DEADLINE_MS);
      case 'silence':
        return keepUntil(SILENCE_DEADLINE_MS);
      case 'end':
        return connection.end();
      case 'reset':
        return connection.reset();
    }
  }
}

/** A plan the client did not end, with what the client kept sending meanwhile (writes count as activity for its idle timeout). */
function describeKept(entry: Entry): string {
  const counts = new Map<string, number>();
  for (const command of entry.connection.commands.slice(entry.commandsBefore)) counts.set(command.name, (counts.get(command.name) ?? 0) + 1);
  const sent = [...counts].map(([name, n]) => `${name} ×${n}`).join(', ');
  return `${describePlan(entry.plan)}; the client sent afterwards: ${sent || 'nothing'}`;
}
