import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTlsNsqd, type TlsNsqd } from '../security/support/tls-nsqd.js';
import { repoRoot } from '../support/nsq-binaries.js';
import { describeReport } from './support/accounting.js';
import { buildFaultApps } from './support/build-fault-apps.js';
import { CELLS, type FaultRunOutcome, MATRIX_NSQD_ARGS, runConnectionFault } from './support/connection-fault-run.js';
import { comboLabel, matrixPlan } from './support/fault-matrix-plan.js';

/**
 * Issue #8: no nsqd connection fault may crash a client, whatever the wire
 * compression and TLS. Each combination below is one nsqd fault hitting four
 * child processes at once — a ClientNsq producer and a ServerNsq consumer,
 * each busy (messages flowing) and idle (connected, nothing flowing) — and
 * each of those four is one cell of the matrix. CI runs a slice;
 * `FAULT_MATRIX=full` (`npm run test:faults:matrix`) runs all 18 combinations.
 */
describe('connection fault matrix: compression × TLS × nsqd fault, producer and consumer, busy and idle', () => {
  // TLS offered, not required: the plain and the TLS cells share this nsqd.
  let server: TlsNsqd;

  beforeAll(async () => {
    await buildFaultApps();
    server = await startTlsNsqd('matrix', MATRIX_NSQD_ARGS);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  describe.each(matrixPlan().map((combo) => ({ ...combo, label: comboLabel(combo) })))('$label', (combo) => {
    let run: FaultRunOutcome;

    beforeAll(async () => {
      run = await runConnectionFault(server.nsqd, combo, server.ca);
      recordMatrixRun(run);
    }, 240_000);

    it.each(CELLS)('$side, $load: no crash, reconnects by itself, messages flow after the fault', ({ side, load }) => {
      const cell = run.cells.find((c) => c.side === side && c.load === load)!;
      expect({
        crash: cell.crash ?? 'none',
        exitOnSigterm: cell.exit,
        reconnected: cell.reconnects >= 1,
        flowedAfterFault: `${Math.min(cell.flowedAfter, cell.flowTarget)} of ${cell.flowTarget}`,
      }).toEqual({
        crash: 'none',
        exitOnSigterm: { code: 0, signal: null },
        reconnected: true,
        flowedAfterFault: `${cell.flowTarget} of ${cell.flowTarget}`,
      });
    });

    it(
      combo.fault === 'sigkill'
        ? 'busy pair: loss stays inside what nsqd held in memory at the kill; nothing unexpected'
        : 'busy pair: every acknowledged publish is consumed (lost 0)',
      () => {
        const { report, lossWindow, lostOutsideWindow, lostTimes } = run.busy;
        if (report.lost.length > 0) console.info(`${combo.label}, busy: lost relative to the fault: ${lostTimes}`);
        expect(report.unsettled).toBe(0);
        expect(report.unexpected).toEqual([]);
        expect(report.failedButHandled).toEqual([]);
        if (lossWindow !== undefined) {
          expect(lostOutsideWindow).toEqual([]);
          expect(report.lost.length).toBeLessThanOrEqual(lossWindow);
        } else {
          expect(report.lost).toEqual([]);
        }
      },
    );

    it('idle pair: every acknowledged publish is consumed (lost 0), the harness’s own included', () => {
      const { report, lostTimes } = run.idle;
      if (report.lost.length > 0) console.info(`${combo.label}, idle: lost relative to the fault: ${lostTimes}`);
      expect(report.unsettled).toBe(0);
      expect(report.unexpected).toEqual([]);
      expect(report.failedButHandled).toEqual([]);
      // Nothing was in nsqd's memory for the idle topic at the fault: even a SIGKILL may not lose any of it.
      expect(report.lost).toEqual([]);
    });
  });
});

/**
 * One line per cell to .tmp/reliability/matrix.jsonl, which
 * `node test/faults/tally-matrix.mjs` turns into RELIABILITY.md's matrix table.
 */
function recordMatrixRun(run: FaultRunOutcome): void {
  const label = comboLabel(run.combo);
  console.info(`${describeReport(`${label} busy`, run.busy.report)}\n${describeReport(`${label} idle`, run.idle.report)}`);
  const dir = join(repoRoot(), '.tmp', 'reliability');
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  for (const cell of run.cells) {
    const pair = run[cell.load];
    appendFileSync(
      join(dir, 'matrix.jsonl'),
      JSON.stringify({
        at,
        ...run.combo,
        side: cell.side,
        load: cell.load,
        crash: cell.crash ?? null,
        exitCode: cell.exit.code,
        reconnects: cell.reconnects,
        flowedAfter: cell.flowedAfter,
        reportedErrors: cell.reportedErrors,
        emitted: pair.report.emitted,
        acknowledged: pair.report.ok,
        handled: pair.report.handled,
        lost: pair.report.lost.length,
        lossWindow: pair.lossWindow ?? null,
        duplicates: pair.report.duplicates,
        unsettled: pair.report.unsettled,
        missedWaits: run.missedWaits,
      }) + '\n',
    );
  }
}
