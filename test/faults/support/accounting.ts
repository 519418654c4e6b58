import { existsSync, readFileSync } from 'node:fs';
import type { NsqdNode } from '../../support/nsqd-node.js';
import { waitFor } from '../../support/wait-for.js';

/** What the producer and consumer ledgers say happened, message by message. */
export interface AccountingReport {
  /** Emits attempted (E lines). */
  readonly emitted: number;
  /** Acknowledged by nsqd. */
  readonly ok: number;
  /** Refused before anything was written (certainly not stored). */
  readonly failed: number;
  /** Timed out or connection lost: nsqd may or may not have stored them. */
  readonly unknown: number;
  /** Emits with no outcome at all (an emit that hung); must be 0 once producers exited. */
  readonly unsettled: number;
  /** Handler invocations (S lines), redeliveries included. */
  readonly invocations: number;
  /** Distinct ids whose handler completed successfully. */
  readonly handled: number;
  /** ok but never handled successfully. */
  readonly lost: readonly string[];
  /** Handled but never emitted by any producer. */
  readonly unexpected: readonly string[];
  /** Handled although the producer saw a definite failure (nothing should have been written). */
  readonly failedButHandled: readonly string[];
  /** Successful handler completions beyond the first, per id (at-least-once redeliveries). */
  readonly duplicates: number;
  /** unknown-outcome emits that were delivered after all. */
  readonly unknownDelivered: number;
}

interface Ledgers {
  readonly emitted: Set<string>;
  readonly outcome: Map<string, 'O' | 'F' | 'U'>;
  readonly handledCount: Map<string, number>;
  readonly invocations: number;
}

/** A ledger's lines, split into fields. */
export function readLines(path: string): string[][] {
  if (!existsSync(path)) return [];
  // A SIGKILLed writer cannot leave a torn line (one write(2) per line), but be strict anyway.
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split(' '));
}

function readLedgers(producerLedgers: readonly string[], consumerLedgers: readonly string[]): Ledgers {
  const emitted = new Set<string>();
  const outcome = new Map<string, 'O' | 'F' | 'U'>();
  for (const path of producerLedgers) {
    for (const [kind, id] of readLines(path)) {
      if (kind === 'E') emitted.add(id!);
      else if (kind === 'O' || kind === 'F' || kind === 'U') outcome.set(id!, kind);
    }
  }
  const handledCount = new Map<string, number>();
  let invocations = 0;
  for (const path of consumerLedgers) {
    for (const [kind, id, result] of readLines(path)) {
      if (kind === 'S') invocations++;
      else if (kind === 'D' && result === 'ok') handledCount.set(id!, (handledCount.get(id!) ?? 0) + 1);
    }
  }
  return { emitted, outcome, handledCount, invocations };
}

/** Distinct ids handled successfully so far, across the consumer ledgers. */
export function handledSoFar(consumerLedgers: readonly string[]): number {
  return readLedgers([], consumerLedgers).handledCount.size;
}

/** Emits acknowledged so far, across the producer ledgers. */
export function acknowledgedSoFar(producerLedgers: readonly string[]): number {
  let ok = 0;
  for (const path of producerLedgers) for (const [kind] of readLines(path)) if (kind === 'O') ok++;
  return ok;
}

/**
 * The accounting checker: compares every emit's outcome with every handler
 * completion. Call it after {@link waitForDrained}.
 */
export function checkAccounting(producerLedgers: readonly string[], consumerLedgers: readonly string[]): AccountingReport {
  const { emitted, outcome, handledCount, invocations } = readLedgers(producerLedgers, consumerLedgers);
  const count = (kind: 'O' | 'F' | 'U') => [...outcome.values()].filter((k) => k === kind).length;
  const lost = [...emitted].filter((id) => outcome.get(id) === 'O' && !handledCount.has(id));
  const unexpected = [...handledCount.keys()].filter((id) => !emitted.has(id));
  const failedButHandled = [...handledCount.keys()].filter((id) => outcome.get(id) === 'F');
  let duplicates = 0;
  for (const times of handledCount.values()) duplicates += times - 1;
  return {
    emitted: emitted.size,
    ok: count('O'),
    failed: count('F'),
    unknown: count('U'),
    unsettled: [...emitted].filter((id) => !outcome.has(id)).length,
    invocations,
    handled: handledCount.size,
    lost,
    unexpected,
    failedButHandled,
    duplicates,
    unknownDelivered: [...handledCount.keys()].filter((id) => outcome.get(id) === 'U').length,
  };
}

/**
 * Waits until every running nsqd reports the channel empty (depth, in flight,
 * deferred all 0) and the consumers' handled count stopped moving, so the
 * accounting is final.
 */
export async function waitForDrained(nsqds: readonly NsqdNode[], topic: string, channel: string, consumerLedgers: readonly string[], timeoutMs = 60_000): Promise<void> {
  let last = -1;
  let stableSince = Date.now();
  await waitFor(
    async () => {
      for (const nsqd of nsqds) {
        if (!nsqd.isRunning()) continue;
        const stats = await nsqd.channelStats(topic, channel);
        const topicStats = await nsqd.topicStats(topic);
        if (stats && (stats.depth > 0 || stats.in_flight_count > 0 || stats.deferred_count > 0)) return false;
        // A topic with no channel yet holds messages in its own queue.
        if (topicStats && topicStats.channels.length === 0 && topicStats.depth > 0) return false;
      }
      const handled = handledSoFar(consumerLedgers);
      if (handled !== last) {
        last = handled;
        stableSince = Date.now();
        return false;
      }
      return Date.now() - stableSince >= 500;
    },
    { timeoutMs, intervalMs: 100, message: () => `channel ${topic}/${channel} did not drain (handled ${last})` },
  );
}

/** One line for the logs and the figures file. */
export function describeReport(scenario: string, report: AccountingReport): string {
  return (
    `${scenario}: emitted ${report.emitted}, ok ${report.ok}, failed ${report.failed}, unknown ${report.unknown} (${report.unknownDelivered} delivered), ` +
    `handled ${report.handled}, invocations ${report.invocations}, lost ${report.lost.length}, unexpected ${report.unexpected.length}, duplicates ${report.duplicates}`
  );
}

/** Longest time an emit waited for its outcome (E → O/F/U), ms, across the producer ledgers. */
export function longestEmitMs(producerLedgers: readonly string[]): number {
  let longest = 0;
  for (const path of producerLedgers) {
    const started = new Map<string, number>();
    for (const [kind, id, at] of readLines(path)) {
      if (kind === 'E') started.set(id!, Number(at));
      else if (kind === 'O' || kind === 'F' || kind === 'U') longest = Math.max(longest, Number(at) - (started.get(id!) ?? Number(at)));
    }
  }
  return longest;
}

/**
 * Ids an nsqd killed at `brokenAt` (epoch ms, taken once the kill returned) may
 * still have held: emitted before then, acknowledged, and not handled by then.
 * Every message a SIGKILL loses is one of these. Read after the run: an OK
 * already on its way when nsqd died can reach the producer's ledger after the
 * kill returned, so a count taken at the kill undercounts what nsqd held.
 */
export function heldByNsqdAt(brokenAt: number, producerLedgers: readonly string[], consumerLedgers: readonly string[]): Set<string> {
  const held = new Set<string>();
  for (const path of producerLedgers) {
    const before = new Set<string>();
    for (const [kind, id, at] of readLines(path)) {
      if (kind === 'E' && Number(at) < brokenAt) before.add(id!);
      else if (kind === 'O' && before.has(id!)) held.add(id!);
    }
  }
  for (const path of consumerLedgers) {
    for (const [kind, id, result, at] of readLines(path)) if (kind === 'D' && result === 'ok' && Number(at) <= brokenAt) held.delete(id!);
  }
  return held;
}

/** Acknowledged emits whose OK came after `since` (epoch ms). */
export function acknowledgedAfter(producerLedgers: readonly string[], since: number): number {
  let ok = 0;
  for (const path of producerLedgers) for (const [kind, , at] of readLines(path)) if (kind === 'O' && Number(at) > since) ok++;
  return ok;
}

/** The M (metrics) lines of a ledger as numbers: [at, heapUsed, non-timer handles, listeners, timers, (producer) outstanding emits]. */
export function metrics(ledger: string): number[][] {
  return readLines(ledger)
    .filter(([kind]) => kind === 'M')
    .map((fields) => fields.slice(1).map(Number));
}
