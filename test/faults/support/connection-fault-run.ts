import type { NsqdNode } from '../../support/nsqd-node.js';
import { waitFor } from '../../support/wait-for.js';
import { type AccountingReport, acknowledgedAfter, acknowledgedSoFar, handledSoFar, heldByNsqdAt, readLines, waitForDrained } from './accounting.js';
import type { FaultApp, FaultAppExit } from './fault-app.js';
import { type MatrixCombo, comboLabel, comboTag } from './fault-matrix-plan.js';
import { FaultScenario } from './fault-scenario.js';

const CHANNEL = 'saver';
/** nsqd's memory queue per topic and per channel: sets what a SIGKILL may lose. */
const MEM_QUEUE_SIZE = 1_000;
const MAX_IN_FLIGHT = 20;
/**
 * nsqd flags for the matrix. A short --msg-timeout because a frozen nsqd makes
 * its clients drop their connections, and the messages in flight on those come
 * back only when their timeout fires.
 */
export const MATRIX_NSQD_ARGS: readonly string[] = [`--mem-queue-size=${MEM_QUEUE_SIZE}`, '--msg-timeout=5s'];
/**
 * 1 s heartbeats: a client gives up on a silent nsqd after 2.5 intervals, so
 * during SIGSTOP every client — idle ones included — drops its connection by
 * itself and has to make a new one once nsqd answers again.
 */
const HEARTBEAT_MS = 1_000;
const BUSY_RATE = 500;
const IDLE_RATE = 200;
/** Acknowledged emits and handled messages that show traffic is flowing before the fault. */
const WARM_UP = { acknowledged: 300, handled: 200 } as const;
/** Messages the harness publishes over HTTP to the idle consumer after the fault. */
const HTTP_MESSAGES = 50;
/** What "messages flow after the fault" means per cell: acknowledged emits (producer) or handled messages (consumer). */
const FLOW_TARGET: Readonly<Record<Side, Readonly<Record<Load, number>>>> = {
  producer: { busy: 300, idle: 100 },
  // The idle consumer is fed by the harness, so it is judged even if the idle producer crashed.
  consumer: { busy: 300, idle: HTTP_MESSAGES },
};
const FLOWING_TIMEOUT_MS = 30_000;
const OUTAGE_NOTICED_TIMEOUT_MS = 20_000;
const RECOVERY_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 30_000;

export type Side = 'producer' | 'consumer';
export type Load = 'busy' | 'idle';

/** The four clients one fault hits: a ClientNsq and a ServerNsq, each with traffic flowing and idle. */
export const CELLS: ReadonlyArray<{ readonly side: Side; readonly load: Load }> = [
  { side: 'producer', load: 'busy' },
  { side: 'producer', load: 'idle' },
  { side: 'consumer', load: 'busy' },
  { side: 'consumer', load: 'idle' },
];

/** What one client app went through. */
export interface CellOutcome {
  readonly side: Side;
  readonly load: Load;
  /** How the app died before the test stopped it, or the unhandled error it printed; undefined: no crash. */
  readonly crash: string | undefined;
  /** How it exited: on the test's final SIGTERM, or on its own when it crashed. */
  readonly exit: FaultAppExit;
  /** Connections (producer) or subscriptions (consumer) made after the fault began. */
  readonly reconnects: number;
  /** Producer: emits acknowledged after nsqd came back; consumer: messages handled after nsqd came back. */
  readonly flowedAfter: number;
  readonly flowTarget: number;
  /** Distinct `name/code` of the errors the app reported through `on('error')` after the fault began. */
  readonly reportedErrors: readonly string[];
}

/** The accounting of one producer/consumer pair. */
export interface PairOutcome {
  readonly report: AccountingReport;
  /** nsqd SIGKILL only: the most NSQ itself may lose — what it held in memory at the kill. */
  readonly lossWindow?: number;
  /** nsqd SIGKILL only: lost messages nsqd cannot have held when it died (emitted later, or handled before). */
  readonly lostOutsideWindow?: readonly string[];
  /** When each lost message was emitted and acknowledged, relative to the fault (for diagnosis). */
  readonly lostTimes: string;
}

export interface FaultRunOutcome {
  readonly combo: MatrixCombo;
  readonly cells: readonly CellOutcome[];
  readonly busy: PairOutcome;
  readonly idle: PairOutcome;
  /** Waits whose condition did not hold by their deadline (the run went on; the cells tell why). */
  readonly missedWaits: readonly string[];
}

/**
 * One fault injection of the matrix: a busy pair (producer emitting, consumer
 * consuming the same topic) and an idle pair (both connected, nothing flowing)
 * run as child processes with the combination's compression and TLS; nsqd is
 * killed, stopped and restarted, or frozen; then the idle producer starts
 * emitting, the harness feeds the idle consumer over HTTP, and the run waits
 * until traffic flows again everywhere. A child that crashes is seen as its
 * exit; every wait ends early for a dead child, so a crashing cell costs no
 * timeouts.
 *
 * @example
 * const { nsqd, ca } = await startTlsNsqd('matrix', MATRIX_NSQD_ARGS);
 * const run = await runConnectionFault(nsqd, { compression: 'deflate', tls: true, fault: 'sigkill' }, ca);
 * expect(run.cells.filter((cell) => cell.crash)).toEqual([]);
 */
export async function runConnectionFault(nsqd: NsqdNode, combo: MatrixCombo, ca: string): Promise<FaultRunOutcome> {
  const tag = comboTag(combo);
  const topics: Record<Load, string> = { busy: `matrix.${tag}.busy`, idle: `matrix.${tag}.idle` };
  const scenarios: Record<Load, FaultScenario> = {
    busy: new FaultScenario(`${comboLabel(combo)} busy`, combo.fault === 'sigkill'),
    idle: new FaultScenario(`${comboLabel(combo)} idle`),
  };
  const missedWaits: string[] = [];
  const settle = async (what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number) => {
    try {
      await waitFor(condition, { timeoutMs, intervalMs: 50, message: what });
    } catch {
      missedWaits.push(what);
    }
  };
  try {
    // Channels first: nothing published before a consumer subscribes is lost to a missing channel.
    await Promise.all([nsqd.createChannel(topics.busy, CHANNEL), nsqd.createChannel(topics.idle, CHANNEL)]);
    const connection = {
      nsqdTcpAddresses: [nsqd.tcpAddress],
      compression: combo.compression,
      heartbeatIntervalMs: HEARTBEAT_MS,
      ...(combo.tls ? { tls: { ca } } : {}),
    };
    const server = { ...connection, channel: CHANNEL, maxInFlight: MAX_IN_FLIGHT, lookupdPollIntervalMs: 1_000 };
    const client = { ...connection, publishTimeoutMs: 1_000, reconnectMaxDelayMs: 500 };
    const [busyConsumer, idleConsumer] = await Promise.all([
      scenarios.busy.consumer({ topic: topics.busy, server, workMs: 2 }),
      scenarios.idle.consumer({ topic: topics.idle, server, workMs: 2 }),
    ]);
    const [busyProducer, idleProducer] = await Promise.all([
      scenarios.busy.producer({ topic: topics.busy, client, rate: BUSY_RATE, count: 0 }),
      scenarios.idle.producer({ topic: topics.idle, client, rate: IDLE_RATE, count: 0, holdUntilSignal: true }),
    ]);
    const apps: Record<Side, Record<Load, FaultApp & { ledger: string }>> = {
      producer: { busy: busyProducer, idle: idleProducer },
      consumer: { busy: busyConsumer, idle: idleConsumer },
    };
    const clients = CELLS.map(({ side, load }) => apps[side][load]);

    await waitFor(() => acknowledgedSoFar([busyProducer.ledger]) >= WARM_UP.acknowledged && handledSoFar([busyConsumer.ledger]) >= WARM_UP.handled, {
      timeoutMs: FLOWING_TIMEOUT_MS,
      message: () => `no traffic before the fault:\n${busyProducer.output.text().slice(-2_000)}\n${busyConsumer.output.text().slice(-2_000)}`,
    });

    const faultAt = Date.now();
    if (combo.fault === 'sigkill') await nsqd.kill();
    else if (combo.fault === 'sigterm') await nsqd.stop();
    else nsqd.pause();
    // Nothing emitted from here on can be acknowledged by the nsqd that was hit, nor handled from it.
    const brokenAt = Date.now();

    // The outage lasts until every client has noticed it and, when nsqd is gone (not frozen),
    // has had a reconnect attempt refused: the fault reached each connection and its retry path.
    await settle(
      'every client noticed the outage',
      () => clients.every((app) => !app.isRunning() || (connectionEvents(app.ledger, 'down', faultAt) > 0 && (combo.fault === 'sigstop' || reportedErrors(app.ledger, faultAt).length > 0))),
      OUTAGE_NOTICED_TIMEOUT_MS,
    );
    if (combo.fault === 'sigstop') nsqd.resume();
    else await nsqd.restart();
    const recoveredAt = Date.now();

    if (idleProducer.isRunning()) idleProducer.child.kill('SIGUSR2');
    await scenarios.idle.publishOverHttp(nsqd, topics.idle, HTTP_MESSAGES);
    const flowedAfter = (side: Side, load: Load) => (side === 'producer' ? acknowledgedAfter([apps[side][load].ledger], recoveredAt) : handledAfter(apps[side][load].ledger, recoveredAt));
    await settle(
      'messages flow again through every client',
      () => CELLS.every(({ side, load }) => !apps[side][load].isRunning() || flowedAfter(side, load) >= FLOW_TARGET[side][load]),
      RECOVERY_TIMEOUT_MS,
    );

    // Producers stop first (their shutdown waits for outstanding emits), then each channel drains.
    const survived = new Map(clients.map((app) => [app, app.isRunning()]));
    const exits = new Map<FaultApp, FaultAppExit>();
    for (const [app, exit] of await Promise.all([busyProducer, idleProducer].map(async (app) => [app, await app.terminate()] as const))) exits.set(app, exit);
    for (const load of ['busy', 'idle'] as const) {
      // A dead consumer cannot drain its channel; its cells and the accounting say so.
      if (!apps.consumer[load].isRunning()) continue;
      await waitForDrained([nsqd], topics[load], CHANNEL, scenarios[load].consumerLedgers, DRAIN_TIMEOUT_MS).catch(() => missedWaits.push(`${load} channel drained`));
    }
    for (const [app, exit] of await Promise.all([busyConsumer, idleConsumer].map(async (app) => [app, await app.terminate()] as const))) exits.set(app, exit);

    const cells = CELLS.map(({ side, load }): CellOutcome => {
      const app = apps[side][load];
      return {
        side,
        load,
        crash: crashOf(app, survived.get(app) ?? false, exits.get(app)!),
        exit: exits.get(app)!,
        reconnects: connectionEvents(app.ledger, 'up', faultAt),
        flowedAfter: flowedAfter(side, load),
        flowTarget: FLOW_TARGET[side][load],
        reportedErrors: reportedErrors(app.ledger, faultAt),
      };
    });
    const busyReport = scenarios.busy.check();
    const heldAtKill = combo.fault === 'sigkill' ? heldByNsqdAt(brokenAt, scenarios.busy.producerLedgers, scenarios.busy.consumerLedgers) : undefined;
    const idleReport = scenarios.idle.check();
    if (missedWaits.length > 0) console.info(`${comboLabel(combo)}: conditions not met by their deadline: ${missedWaits.join('; ')}`);
    return {
      combo,
      cells,
      busy: {
        report: busyReport,
        // nsqd's own SIGKILL loss: its topic's and channel's memory queues plus the consumer's
        // in-flight messages — and only messages it acknowledged and had not seen handled.
        ...(heldAtKill
          ? { lossWindow: Math.min(2 * MEM_QUEUE_SIZE + MAX_IN_FLIGHT, heldAtKill.size), lostOutsideWindow: busyReport.lost.filter((id) => !heldAtKill.has(id)) }
          : {}),
        lostTimes: lostTimes(busyReport.lost, scenarios.busy.producerLedgers, faultAt),
      },
      idle: { report: idleReport, lostTimes: lostTimes(idleReport.lost, scenarios.idle.producerLedgers, faultAt) },
      missedWaits,
    };
  } finally {
    await Promise.all([scenarios.busy.cleanup(), scenarios.idle.cleanup()]);
    // The matrix shares one nsqd: leave nothing behind for the next fault's restart to reload.
    await Promise.all(Object.values(topics).map((topic) => nsqd.deleteTopic(topic).catch(() => undefined)));
  }
}

/** `N up|down` lines after `since`. */
function connectionEvents(ledger: string, kind: 'up' | 'down', since: number): number {
  return readLines(ledger).filter(([line, event, , at]) => line === 'N' && event === kind && Number(at) > since).length;
}

/** Distinct `name/code` of the X (reported error) lines after `since`. */
function reportedErrors(ledger: string, since: number): string[] {
  const errors = readLines(ledger)
    .filter(([line, , , at]) => line === 'X' && Number(at) > since)
    .map(([, name, code]) => (code === '-' ? name! : `${name}/${code}`));
  return [...new Set(errors)];
}

/** Successful handler completions after `since`. */
function handledAfter(ledger: string, since: number): number {
  return readLines(ledger).filter(([line, , result, at]) => line === 'D' && result === 'ok' && Number(at) > since).length;
}

/** Printed by Node when an error or rejection nobody handled ends the process. */
const UNHANDLED = /Unhandled 'error' event|UnhandledPromiseRejection|Uncaught \w*Error|triggerUncaughtException/;

/**
 * Why a client counts as crashed: it was gone before the test stopped it, it
 * did not exit 0 on SIGTERM, or it printed an unhandled error. Undefined when
 * none of these happened.
 */
function crashOf(app: FaultApp, survived: boolean, exit: FaultAppExit): string | undefined {
  const output = app.output.text();
  if (!survived) return `died during the run (${exit.signal ?? `exit ${exit.code}`}): ${describeCrash(output)}`;
  if (exit.code !== 0) return `unclean exit on SIGTERM (${exit.signal ?? `exit ${exit.code}`}): ${describeCrash(output)}`;
  if (UNHANDLED.test(output)) return `printed an unhandled error: ${describeCrash(output)}`;
  return undefined;
}

/** `Error: unexpected end of file (Z_BUF_ERROR) on InflateRaw` from Node's crash report. */
function describeCrash(output: string): string {
  const start = Math.max(0, output.search(UNHANDLED));
  const tail = output.slice(start);
  const error = tail.split('\n').find((line) => /^\s*\w*Error( \[\w+\])?: /.test(line))?.trim();
  const code = /code: '([^']+)'/.exec(tail)?.[1];
  const emitter = /Emitted 'error' event on (\w+) instance/.exec(tail)?.[1];
  const lastLine = output.trim().split('\n').pop()?.trim();
  return [error ?? `no error printed; last line: ${lastLine ?? '(none)'}`, code && `(${code})`, emitter && `on ${emitter}`].filter(Boolean).join(' ');
}

/** Each lost id's ledger entries with times relative to the fault, e.g. `{"p3-1200":["E@-12ms","O@-9ms"]}`. */
function lostTimes(lost: readonly string[], producerLedgers: readonly string[], faultAt: number): string {
  if (lost.length === 0) return '';
  const wanted = new Set(lost.slice(0, 20));
  const times = new Map<string, string[]>();
  for (const path of producerLedgers) for (const [kind, id, at] of readLines(path)) if (wanted.has(id!)) times.set(id!, [...(times.get(id!) ?? []), `${kind}@${Number(at) - faultAt}ms`]);
  return JSON.stringify(Object.fromEntries(times));
}
