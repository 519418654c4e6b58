import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/nsq-binaries.js';
import type { NsqdNode } from '../../support/nsqd-node.js';
import type { FaultConsumerConfig } from '../apps/fault-consumer.js';
import type { FaultProducerConfig } from '../apps/fault-producer.js';
import { FaultRecord } from '../apps/fault-record.js';
import { type AccountingReport, checkAccounting, describeReport } from './accounting.js';
import { type FaultApp, startFaultConsumer, startFaultProducer } from './fault-app.js';

/**
 * One fault scenario's processes and ledgers: start producers and consumers
 * (each with its own ledger file), check the accounting at the end, record
 * the figures, and kill whatever still runs on cleanup.
 */
export class FaultScenario {
  readonly dir = mkdtempSync(join(tmpdir(), 'nsq-fault-'));
  readonly producerLedgers: string[] = [];
  readonly consumerLedgers: string[] = [];
  private readonly apps: FaultApp[] = [];
  private runs = 0;
  /** Set when a check found lost or unexpected messages: the ledgers are kept for diagnosis. */
  private keep = false;

  /** `lossExpected`: a scenario that loses messages on purpose (nsqd SIGKILL with a backlog) keeps no ledgers. */
  constructor(
    readonly name: string,
    private readonly lossExpected = false,
  ) {}

  /** Starts a consumer app; resolves once it listens unless `awaitReady` is false. */
  async consumer(config: Omit<FaultConsumerConfig, 'ledger'>, awaitReady = true): Promise<FaultApp & { ledger: string }> {
    const ledger = join(this.dir, `consumer-${++this.runs}.log`);
    this.consumerLedgers.push(ledger);
    const app = startFaultConsumer({ ...config, ledger });
    this.apps.push(app);
    if (awaitReady) await app.ready;
    return Object.assign(app, { ledger });
  }

  /** Starts a producer app; resolves once it is connected and emitting. */
  async producer(config: Omit<FaultProducerConfig, 'ledger' | 'runTag'>): Promise<FaultApp & { ledger: string }> {
    const run = ++this.runs;
    const ledger = join(this.dir, `producer-${run}.log`);
    this.producerLedgers.push(ledger);
    const app = startFaultProducer({ ...config, ledger, runTag: `p${run}` });
    this.apps.push(app);
    await app.ready;
    return Object.assign(app, { ledger });
  }

  /**
   * Publishes `count` messages `{ id, seq }` in one MPUB over nsqd's HTTP API,
   * bypassing the code under test, with a producer ledger of their own (E,
   * then O once nsqd answered): traffic for a consumer that does not depend
   * on any producer app being alive.
   */
  async publishOverHttp(nsqd: NsqdNode, topic: string, count: number): Promise<void> {
    const run = ++this.runs;
    const ledger = join(this.dir, `http-${run}.log`);
    this.producerLedgers.push(ledger);
    const record = new FaultRecord(ledger);
    try {
      const ids = Array.from({ length: count }, (_, seq) => `h${run}-${seq}`);
      for (const id of ids) record.line('E', id, Date.now());
      await nsqd.publishMany(topic, ids.map((id, seq) => JSON.stringify({ id, seq })));
      const at = Date.now();
      for (const id of ids) record.line('O', id, at);
    } finally {
      record.close();
    }
  }

  check(): AccountingReport {
    const report = checkAccounting(this.producerLedgers, this.consumerLedgers);
    if ((report.lost.length > 0 && !this.lossExpected) || report.unexpected.length > 0) this.keep = true;
    return report;
  }

  /** Logs the report and appends it to .tmp/reliability/figures.jsonl (read by RELIABILITY.md's tally). */
  record(report: AccountingReport, extra: Record<string, unknown> = {}): void {
    console.info(describeReport(this.name, report) + (Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : ''));
    const dir = join(repoRoot(), '.tmp', 'reliability');
    mkdirSync(dir, { recursive: true });
    const { lost, unexpected, failedButHandled, ...counts } = report;
    appendFileSync(
      join(dir, 'figures.jsonl'),
      JSON.stringify({ scenario: this.name, at: new Date().toISOString(), ...counts, lost: lost.length, unexpected: unexpected.length, failedButHandled: failedButHandled.length, ...extra }) + '\n',
    );
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.kill()));
    if (this.keep) console.info(`${this.name}: ledgers kept in ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}
