import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults, CellResult } from '../bench-results.js';
import { summarize, type Summary } from '../bench-stats.js';
import { sizeLabel } from '../bench-payloads.js';
import { barChartSvg, type ChartValue } from './svg-chart.js';

const ARM_COLORS: Record<string, string> = {
  raw: '#7f7f7f',
  'raw-tuned': '#393939',
  ours: '#1f77b4',
  nnt: '#ff7f0e',
  frames: '#bcbd22',
  nats: '#17becf',
  redis: '#d62728',
  rmq: '#9467bd',
  go: '#2ca02c',
};
/** Short names for ratio columns. */
const ARM_SHORT: Record<string, string> = {
  raw: 'raw (one PUB each, no cork)',
  'raw-tuned': 'raw + cork / hand MPUB',
  ours: 'ours',
  nnt: 'nest-nsq-transport',
  frames: 'frame reader',
  nats: 'Nest NATS',
  redis: 'Nest Redis',
  rmq: 'Nest RabbitMQ',
};
const E2E = ['e2e.window-1000'];
const PUBLISH = ['publish.serial', 'publish.pipelined-100', 'publish.pipelined-1000', 'publish.batched-100'];
const CONSUME = ['consume.mif-1', 'consume.mif-100', 'consume.mif-1000'];
const LATENCY = [
  'latency.1000ps.mif-1.obt-default',
  'latency.1000ps.mif-1.obt-25',
  'latency.1000ps.mif-100.obt-default',
  'latency.1000ps.mif-100.obt-25',
  'latency.1000ps.mif-100.ob-off',
  'latency.half-max.mif-100.obt-25',
];

const WORKLOAD_LABELS: Record<string, string> = {
  'publish.serial': 'publish serial',
  'publish.pipelined-100': 'publish pipelined ×100',
  'publish.pipelined-1000': 'publish pipelined ×1000',
  'publish.batched-100': 'publish batched (MPUB 100)',
  'consume.mif-1': 'consume mif 1',
  'consume.mif-100': 'consume mif 100',
  'consume.mif-1000': 'consume mif 1000',
  'e2e.window-1000': 'emit → handler, 1,000 unhandled',
  'latency.1000ps.mif-1.obt-default': '1,000/s, mif 1, obt default',
  'latency.1000ps.mif-1.obt-25': '1,000/s, mif 1, obt 25 ms',
  'latency.1000ps.mif-100.obt-default': '1,000/s, mif 100, obt default',
  'latency.1000ps.mif-100.obt-25': '1,000/s, mif 100, obt 25 ms',
  'latency.half-max.mif-100.obt-25': '½ max rate, mif 100, obt 25 ms',
  'latency.1000ps.mif-100.ob-off': '1,000/s, mif 100, output buffer off',
};

/** Figures of one run, indexed for the report. */
class ResultIndex {
  constructor(readonly results: BenchResults) {}

  cell(workload: string, size: number, arm: string): CellResult | undefined {
    return this.results.cells.find((c) => c.workload === workload && c.size === size && c.arm === arm);
  }

  summary(workload: string, size: number, arm: string, metric: string): Summary {
    return summarize(this.cell(workload, size, arm)?.metrics[metric] ?? []);
  }

  /** Median (min–max) of per-repetition ratios a/b: repetitions are interleaved, so each pair ran side by side. */
  ratio(workload: string, size: number, a: string, b: string, metric: string): Summary {
    const x = this.cell(workload, size, a)?.metrics[metric] ?? [];
    const y = this.cell(workload, size, b)?.metrics[metric] ?? [];
    const n = Math.min(x.length, y.length);
    return summarize(Array.from({ length: n }, (_, i) => x[i]! / y[i]!));
  }

  /** Median of per-repetition differences a − b. */
  difference(workload: string, size: number, a: string, b: string, metric: string): Summary {
    const x = this.cell(workload, size, a)?.metrics[metric] ?? [];
    const y = this.cell(workload, size, b)?.metrics[metric] ?? [];
    const n = Math.min(x.length, y.length);
    return summarize(Array.from({ length: n }, (_, i) => x[i]! - y[i]!));
  }

  note(workload: string, size: number, arm: string): string | undefined {
    const errors = this.cell(workload, size, arm)?.errors ?? [];
    return errors.length ? errors[0] : undefined;
  }

  get sizes(): number[] {
    return [...new Set(this.results.cells.filter((c) => c.arm !== 'go').map((c) => c.size))].sort((a, b) => a - b);
  }

  get arms(): Array<{ id: string; label: string }> {
    return this.results.arms.filter((a) => a.id !== 'go' && this.results.cells.some((c) => c.arm === a.id));
  }

  /** The arms with at least one cell (figure or error) in `workloads`. */
  armsIn(workloads: readonly string[]): Array<{ id: string; label: string }> {
    return this.arms.filter((a) => this.results.cells.some((c) => c.arm === a.id && workloads.includes(c.workload)));
  }
}

function fmtRate(s: Summary): string {
  if (!Number.isFinite(s.median)) return 'n/a';
  return `${fmtNumber(s.median)} <sub>${fmtNumber(s.min)}–${fmtNumber(s.max)}</sub>`;
}

function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (Math.abs(v) >= 10_000) return `${Math.round(v / 1000)}k`;
  if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(1)}k`;
  return `${Math.round(v)}`;
}

function fmtMs(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function fmtRatio(s: Summary): string {
  if (!Number.isFinite(s.median)) return 'n/a';
  return `**${s.median.toFixed(2)}×** <sub>${s.min.toFixed(2)}–${s.max.toFixed(2)}</sub>`;
}

function fmtBytes(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return Math.abs(v) >= 10_240 ? `${(v / 1024).toFixed(1)} KiB` : `${Math.round(v)} B`;
}

function chartValue(s: Summary, markers?: number[]): ChartValue {
  return { median: s.median, min: s.min, max: s.max, ...(markers ? { markers } : {}) };
}

interface TargetRow {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** Writes the charts into `outDir` and, unless `markdownPath` is undefined, BENCHMARKS.md. */
export async function renderReport(results: BenchResults, outDir: string, markdownPath: string | undefined): Promise<void> {
  const index = new ResultIndex(results);
  const arms = index.arms;
  const charts: Array<{ file: string; title: string }> = [];
  const writeChart = async (file: string, title: string, svg: string) => {
    await writeFile(join(outDir, file), svg);
    charts.push({ file, title });
  };

  for (const size of index.sizes) {
    const workloads = [...PUBLISH, ...CONSUME, ...E2E];
    const chartArms = index.armsIn(workloads);
    await writeChart(
      `throughput-${size}.svg`,
      `Throughput, ${sizeLabel(size)} messages`,
      barChartSvg({
        title: `Throughput, ${sizeLabel(size)} JSON messages (median of ${results.plan === 'smoke' ? 1 : 'repetitions'}, whisker = min–max)`,
        yLabel: 'messages / s',
        log: true,
        groups: workloads.map((w) => WORKLOAD_LABELS[w] ?? w),
        series: chartArms.map((a) => ({ label: a.label, color: ARM_COLORS[a.id] ?? '#444' })),
        values: workloads.map((w) => chartArms.map((a) => chartValue(index.summary(w, size, a.id, 'throughput')))),
      }),
    );
  }
  const ratioGroups = index.sizes.flatMap((size) => [...PUBLISH, ...CONSUME, ...E2E].map((w) => ({ w, size })));
  const ratioArms = index.armsIn([...PUBLISH, ...CONSUME, ...E2E]).filter((a) => a.id !== 'raw');
  await writeChart(
    'ratio-to-raw.svg',
    'Throughput relative to raw nsqjs',
    barChartSvg({
      title: 'Throughput relative to raw nsqjs (per-repetition ratios, median and min–max)',
      yLabel: '× raw nsqjs',
      log: true,
      groups: ratioGroups.map(({ w, size }) => `${(WORKLOAD_LABELS[w] ?? w).replace('publish ', 'pub ').replace('consume ', 'con ').replace(' (MPUB 100)', '').replace(', 1,000 unhandled', '')} ${sizeLabel(size)}`),
      series: ratioArms.map((a) => ({ label: a.label, color: ARM_COLORS[a.id] ?? '#444' })),
      values: ratioGroups.map(({ w, size }) => ratioArms.map((a) => chartValue(index.ratio(w, size, a.id, 'raw', 'throughput')))),
      reference: { value: 1, label: 'raw nsqjs = 1×' },
    }),
  );
  const latencyArms = index.armsIn(LATENCY);
  for (const size of index.sizes) {
    await writeChart(
      `latency-${size}.svg`,
      `End-to-end latency, ${sizeLabel(size)}`,
      barChartSvg({
        title: `End-to-end latency, ${sizeLabel(size)}: bar = p99, marks = p50 and p99.9 (median of repetitions)`,
        yLabel: 'ms',
        log: true,
        groups: LATENCY.map((w) => WORKLOAD_LABELS[w] ?? w),
        series: latencyArms.map((a) => ({ label: a.label, color: ARM_COLORS[a.id] ?? '#444' })),
        values: LATENCY.map((w) =>
          latencyArms.map((a) => chartValue(index.summary(w, size, a.id, 'p99'), [index.summary(w, size, a.id, 'p50').median, index.summary(w, size, a.id, 'p999').median])),
        ),
      }),
    );
  }
  if (markdownPath === undefined) return;
  const chartDir = relative(dirname(markdownPath), outDir) || '.';
  await writeFile(markdownPath, await markdown(index, arms, charts, chartDir, markdownPath));
}

async function markdown(index: ResultIndex, arms: Array<{ id: string; label: string }>, charts: Array<{ file: string; title: string }>, chartDir: string, markdownPath: string): Promise<string> {
  const r = index.results;
  const has = (id: string) => arms.some((a) => a.id === id);
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  const minutes = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 60_000;

  push('# Benchmarks', '');
  push('<!-- Generated by `npm run bench` (test/bench/report/render-report.ts) from test/bench/results/results.json; edit the notes in test/bench/report/benchmarks-notes.md. -->', '');
  push(
    'Side by side on one machine, in one run (issues 5 and 16): raw **nsqjs** configured like our transport (one PUB per publish, one write per FIN), ' +
      '**raw nsqjs + cork + hand MPUB** (the same with the two tricks a performance-minded raw user adds: the socket corked while one read\'s messages are handled, so their FINs leave in one write; publishes of one tick gathered by hand into MPUBs of up to 200), ' +
      '**nestjs-transport-nsq** (ours: `ClientNsq` / `ServerNsq` in minimal Nest apps), **nest-nsq-transport** (the npm transport for Nest), ' +
      'a **minimal Node frame reader** (no nsqjs, no Nest: the Node ceiling for a consumer, diagnostic only; in the latency cells it also publishes one PUB per message on a raw socket, the floor any NSQ client in Node stands on), **Nest\'s own NATS, Redis and RabbitMQ transports** on this machine\'s brokers (emit → handler workloads only), ' +
      'and nsqd\'s own Go **bench_writer / bench_reader** as the broker\'s ceiling. ' +
      'Every figure is the median of the repetitions with min–max in small type; every ratio is the median of per-repetition ratios (the arms of one repetition run back to back, in rotated order).',
    '',
  );
  push('## Run', '');
  push('| | |', '|---|---|');
  push(`| Date | ${r.startedAt} → ${r.finishedAt} (${minutes.toFixed(1)} min) |`);
  push(`| Machine | ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.os} |`);
  push(`| Load average (1/5/15 min) | before ${r.machine.loadBefore.map((v) => v.toFixed(2)).join(' / ')}, after ${r.machine.loadAfter.map((v) => v.toFixed(2)).join(' / ')} (the machine is shared; nsqd, the Node arms and the Go tools share its cores) |`);
  push(`| Versions | ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  push(`| Plan | ${r.plan}: ${summarize(r.cells.filter((c) => c.arm === 'raw').map((c) => Object.values(c.metrics)[0]?.length ?? 0)).max} repetitions per figure |`);
  if (r.note) push(`| Note | ${r.note} |`);
  push(`| Commands | ${r.commands.map((c) => `\`${c}\``).join(' → ')}; smoke: \`npm run bench:smoke\` |`);
  push('');
  const unrunnable = r.arms.filter((a) => !a.runnable);
  if (unrunnable.length) push(`**Not runnable:** ${unrunnable.map((a) => `${a.label}: \`${a.note ?? ''}\``).join('; ')}`, '');

  // Targets.
  const rows: TargetRow[] = [];
  const all = (values: number[], test: (v: number) => boolean) => (values.length === 0 || values.some((v) => !Number.isFinite(v)) ? undefined : values.every(test));
  const list = (pairs: Array<[string, number]>, fmt: (v: number) => string) => pairs.map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
  const x = (v: number) => `${v.toFixed(2)}×`;
  const small = index.sizes.filter((s) => s < 65_536);
  const ratioRow = (target: string, workload: string, sizes: readonly number[], a: string, b: string, bound: number) => {
    const pairs = sizes.map((s): [string, number] => [sizeLabel(s), index.ratio(workload, s, a, b, 'throughput').median]);
    rows.push({ target, measured: list(pairs, x), met: all(pairs.map((p) => p[1]), (v) => v >= bound) });
  };
  const rateOf = (workload: string, size: number, arm: string) => index.summary(workload, size, arm, 'throughput').median;
  if (has('ours') && has('raw-tuned')) {
    for (const mif of [100, 1000]) ratioRow(`#16 Consume at maxInFlight ${mif} ≥ 1.0× **raw nsqjs + cork**`, `consume.mif-${mif}`, small, 'ours', 'raw-tuned', 1);
    for (const window of [100, 1000]) ratioRow(`#16 Pipelined emit (window ${window}) ≥ 1.5× **raw nsqjs + hand-batched MPUB**, same window`, `publish.pipelined-${window}`, small, 'ours', 'raw-tuned', 1.5);
  }
  if (has('ours') && has('raw')) {
    ratioRow('#16 Pipelined emit at 64 KiB ≥ 1.0× raw nsqjs (one PUB each), windows 100 / 1000', 'publish.pipelined-100', [65_536], 'ours', 'raw', 1);
    rows[rows.length - 1] = (() => {
      const w100 = index.ratio('publish.pipelined-100', 65_536, 'ours', 'raw', 'throughput').median;
      const w1000 = index.ratio('publish.pipelined-1000', 65_536, 'ours', 'raw', 'throughput').median;
      return { target: rows[rows.length - 1]!.target, measured: `×100 ${x(w100)}, ×1000 ${x(w1000)}`, met: all([w100, w1000], (v) => v >= 1) };
    })();
    ratioRow('#16 Serial await-each emit ≥ 1.0× raw nsqjs at every size', 'publish.serial', index.sizes, 'ours', 'raw', 1);
  }
  if (has('ours')) {
    const go = (workload: string) => index.summary(workload, 100, 'go', 'throughput').median;
    const consumeBest = Math.max(rateOf('consume.mif-100', 100, 'ours'), rateOf('consume.mif-1000', 100, 'ours'));
    const publishBest = Math.max(rateOf('publish.pipelined-100', 100, 'ours'), rateOf('publish.pipelined-1000', 100, 'ours'));
    const c = consumeBest / go('ceiling.bench_reader');
    const p = publishBest / go('ceiling.bench_writer');
    rows.push({ target: '#16 Consume ≥ 0.3× bench_reader (100 B, best of mif 100 / 1000; Go: one connection, RDY 1000)', measured: x(c), met: all([c], (v) => v >= 0.3) });
    rows.push({ target: '#16 Pipelined emit ≥ 0.3× bench_writer (100 B, best window; Go: one connection, MPUB 200)', measured: x(p), met: all([p], (v) => v >= 0.3) });
    const brokers = ['nats', 'redis', 'rmq'].filter(has);
    if (brokers.length) {
      const tp = brokers.flatMap((b) => index.sizes.map((s): [string, number] => [`${ARM_SHORT[b]} ${sizeLabel(s)}`, index.ratio('e2e.window-1000', s, 'ours', b, 'throughput').median]));
      // A broker that failed a cell (e.g. Redis dropping a subscriber past its output buffer limit) is named, not averaged.
      const failed = brokers.flatMap((b) => index.sizes.filter((s) => !Number.isFinite(index.summary('e2e.window-1000', s, b, 'throughput').median)).map((s) => `${ARM_SHORT[b]} ${sizeLabel(s)}: ${(index.note('e2e.window-1000', s, b) ?? 'no figure').replace(/^n\/a: /, '')}`));
      const measuredPairs = tp.filter((q) => Number.isFinite(q[1]));
      rows.push({
        target: "#16 Emit → handler throughput ≥ Nest's NATS / Redis / RabbitMQ transports (ours / theirs)",
        measured: `${list(measuredPairs, x)}${failed.length ? `; no figure on their side: ${failed.join('; ')}` : ''}`,
        met: all(measuredPairs.map((q) => q[1]), (v) => v >= 1),
      });
      // The scenario a latency-sensitive user runs: several messages in flight (mif 100) and nsqd's output buffering
      // off (outputBufferSize -1), so nsqd writes each message at once. Runs before that scenario existed: mif 1.
      const mif1 = 'latency.1000ps.mif-1.obt-default';
      const lw = index.sizes.some((s) => Number.isFinite(index.summary('latency.1000ps.mif-100.ob-off', s, 'ours', 'p50').median)) ? 'latency.1000ps.mif-100.ob-off' : mif1;
      // Emit → handler where the run has it (the transports' own latency); runs before it only had scheduled → handler.
      const metric = Number.isFinite(index.summary(lw, index.sizes[0]!, 'ours', 'emitP50').median) ? 'emitP50' : 'p50';
      const ratios = (w: string, m: string) => brokers.flatMap((b) => index.sizes.map((s): [string, number] => [`${ARM_SHORT[b]} ${sizeLabel(s)}`, index.ratio(w, s, 'ours', b, m).median]));
      const lat = ratios(lw, metric);
      const scheduled = ratios(lw, 'p50');
      const p50s = (arm: string) => `${ARM_SHORT[arm] ?? arm} ${index.sizes.map((s) => fmtMs(index.summary(lw, s, arm, metric).median)).join(' / ')}`;
      const offRow = lw !== mif1;
      // NSQ's own floor in this run: raw sockets on both sides (no nsqjs, no Nest), what any NSQ client in Node pays.
      const floor = index.sizes.map((s): [string, number] => [sizeLabel(s), index.ratio(lw, s, 'ours', 'frames', metric).median]);
      const floorText = floor.some((q) => Number.isFinite(q[1]))
        ? `. nsqd's floor in Node (the minimal frame reader, PUB and SUB on raw sockets) p50 ${index.sizes.map((s) => fmtMs(index.summary(lw, s, 'frames', metric).median)).join(' / ')} ms; ours / floor: ${list(floor, x)}`
        : '';
      rows.push({
        target: offRow
          ? "#16 End-to-end p50 latency ≤ Nest's NATS / Redis / RabbitMQ at 1,000/s (ours / theirs, emit → handler p50; ours at maxInFlight 100 with nsqd's output buffering off, `outputBufferSize: -1`, what a latency-sensitive consumer runs; theirs with their defaults)"
          : "#16 End-to-end p50 latency ≤ Nest's NATS / Redis / RabbitMQ at 1,000/s (ours / theirs, emit → handler; ours at mif 1)",
        measured:
          (metric === 'emitP50' ? `${list(lat, x)}; from the scheduled send time instead (timer lateness included): ${list(scheduled, x)}` : list(lat, x)) +
          (offRow
            ? `. p50 in ms (${index.sizes.map(sizeLabel).join(' / ')}): ${['ours', ...brokers].map(p50s).join('; ')}. ` +
              `At mif 1 (nsqd's default buffer, which then flushes every message): ${list(ratios(mif1, metric), x)}`
            : '') +
          floorText,
        met: all(lat.map((q) => q[1]), (v) => v <= 1),
      });
    }
    rows.push({
      target: '#16 Envelope (#12), tracing and metrics (#13): off no measurable cost, on ≤ 15 % at 1 KiB',
      measured: 'their own runs, below: "Envelope on and off" (`npm run bench:envelope`) and "Tracing and metrics on and off" (`npm run bench:tracing`)',
      met: undefined,
    });
  }
  if (has('ours') && has('raw')) {
    for (const [mif, bound] of [
      [1, 0.95],
      [100, 0.9],
      [1000, 0.9],
    ] as const) {
      const pairs = index.sizes.map((s): [string, number] => [sizeLabel(s), index.ratio(`consume.mif-${mif}`, s, 'ours', 'raw', 'throughput').median]);
      rows.push({ target: `#5 Consume at maxInFlight ${mif} ≥ ${bound}× raw nsqjs (no cork)`, measured: list(pairs, x), met: all(pairs.map((p) => p[1]), (v) => v >= bound) });
    }
    for (const window of [100, 1000]) {
      const pairs = index.sizes.map((s): [string, number] => [sizeLabel(s), index.ratio(`publish.pipelined-${window}`, s, 'ours', 'raw', 'throughput').median]);
      rows.push({ target: `#5 Pipelined emit (window ${window}) ≥ 2× raw nsqjs sending one PUB each`, measured: list(pairs, x), met: all(pairs.map((p) => p[1]), (v) => v >= 2) });
    }
  }
  if (has('ours') && has('nnt')) {
    const pairs = index.sizes.flatMap((s) =>
      [...PUBLISH, ...CONSUME].filter((w) => Number.isFinite(index.summary(w, s, 'nnt', 'throughput').median)).map((w): [string, number] => [`${WORKLOAD_LABELS[w]} ${sizeLabel(s)}`, index.ratio(w, s, 'ours', 'nnt', 'throughput').median]),
    );
    const misses = pairs.filter((p) => !(p[1] >= 1.5));
    rows.push({
      target: '#5 ≥ 1.5× nest-nsq-transport in every throughput workload',
      measured: `${pairs.length - misses.length} of ${pairs.length} cells; min ${x(Math.min(...pairs.map((p) => p[1])))}${misses.length ? `; below: ${list(misses, x)}` : ''}`,
      met: pairs.length ? misses.length === 0 : undefined,
    });
  }
  if (has('ours') && has('raw')) {
    for (const w of ['latency.1000ps.mif-1.obt-default', 'latency.1000ps.mif-1.obt-25']) {
      const pairs = index.sizes.map((s): [string, number] => [sizeLabel(s), index.difference(w, s, 'ours', 'raw', 'p50').median * 1000]);
      rows.push({ target: `#5 p50 end-to-end overhead over raw ≤ 50 µs (${WORKLOAD_LABELS[w]})`, measured: list(pairs, (v) => `${v.toFixed(0)} µs`), met: all(pairs.map((p) => p[1]), (v) => v <= 50) });
    }
  }
  if (has('ours')) {
    for (const w of ['latency.1000ps.mif-1.obt-25', 'latency.1000ps.mif-100.obt-25']) {
      const pairs = index.sizes.map((s): [string, number] => [sizeLabel(s), index.summary(w, s, 'ours', 'p99').median]);
      const rawPairs = index.sizes.map((s) => index.summary(w, s, 'raw', 'p99').median);
      rows.push({
        target: `#5 p99 ≤ 5 ms at 1,000 msg/s with 25 ms output buffer timeout (${w.includes('mif-1.') ? 'mif 1' : 'mif 100'})`,
        measured: `${list(pairs, (v) => `${fmtMs(v)} ms`)} (raw nsqjs: ${rawPairs.map((v) => `${fmtMs(v)} ms`).join(', ')})`,
        met: all(pairs.map((p) => p[1]), (v) => v <= 5),
      });
    }
  }
  if (has('ours') && has('raw')) {
    const pairs = index.sizes.map((s): [string, number] => [sizeLabel(s), index.difference('memory.inflight', s, 'ours', 'raw', 'bytesPerMessage').median]);
    rows.push({ target: '#5/#16 ≤ 1 KiB memory per in-flight message beyond raw nsqjs', measured: list(pairs, fmtBytes), met: all(pairs.map((p) => p[1]), (v) => v <= 1024) });
  }
  push('## Targets', '');
  push('| Target (issue) | Measured (ours; ratios are medians of per-repetition ratios) | Met |', '|---|---|---|');
  for (const row of rows) push(`| ${row.target} | ${row.measured} | ${row.met === undefined ? 'n/a' : row.met ? '✅ yes' : '❌ no — see notes'} |`);
  push('');

  // Throughput tables.
  const throughputTable = (title: string, workloads: string[], ratios: Array<[string, string]>) => {
    push(`## ${title}`, '');
    const tableArms = index.armsIn(workloads);
    const header = ['Workload', 'Size', ...tableArms.map((a) => `${a.label} (msg/s)`)];
    const ratioPairs = ratios.filter(([a, b]) => tableArms.some((t) => t.id === a) && tableArms.some((t) => t.id === b));
    header.push(...ratioPairs.map(([a, b]) => `${ARM_SHORT[a] ?? a} vs ${ARM_SHORT[b] ?? b}`));
    push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
    const limits: string[] = [];
    for (const w of workloads) {
      for (const s of index.sizes) {
        const cells = [WORKLOAD_LABELS[w] ?? w, sizeLabel(s)];
        for (const a of tableArms) {
          const sum = index.summary(w, s, a.id, 'throughput');
          const note = index.note(w, s, a.id);
          if (Number.isFinite(sum.median)) cells.push(fmtRate(sum));
          else if (note?.startsWith('n/a') && a.id === 'nnt') cells.push('n/a¹');
          else if (note?.startsWith('n/a')) {
            // Any other known limit: the reason under the table (a broker's documented default, say).
            limits.push(`² ${a.label} ${sizeLabel(s)}: ${note.slice('n/a:'.length).trim()}.`);
            cells.push('n/a²');
          } else cells.push(`error: ${note ?? 'none'}`);
        }
        for (const [a, b] of ratioPairs) cells.push(fmtRatio(index.ratio(w, s, a, b, 'throughput')));
        push(`| ${cells.join(' | ')} |`);
      }
    }
    push('');
    if (limits.length > 0) push(...limits, '');
  };
  throughputTable('Publish (acknowledged messages per second)', PUBLISH, [
    ['ours', 'raw'],
    ['ours', 'raw-tuned'],
    ['raw-tuned', 'raw'],
    ['ours', 'nnt'],
  ]);
  push(
    'Serial = await each publish; pipelined ×N = N publishes outstanding, each acknowledgement sends the next (raw nsqjs: one PUB each; ours: `emit()` per message, coalesced by the batcher into MPUBs); ' +
      'raw + hand MPUB: the publishes of one tick gathered into MPUBs of up to 200 (a flush per microtask), callbacks fanned out per MPUB. ' +
      'batched = explicit batches of 100 (≤ 4 MiB) awaited one at a time (raw: `Writer.publish(topic, array)`; ours: `emit(topic, NsqRecordBuilder.setBatch())`). ' +
      '¹ nest-nsq-transport has no batch publish: emitting an array publishes one message holding the array.',
    '',
  );
  throughputTable('Consume (drain a pre-filled channel)', CONSUME, [
    ['ours', 'raw'],
    ['ours', 'raw-tuned'],
    ['raw-tuned', 'raw'],
    ['ours', 'nnt'],
    ['ours', 'frames'],
  ]);
  push(
    'Messages per second between the 1st and the 99th percentile of deliveries (connection set-up, Nest boot and nsqd\'s final output-buffer flush tick are outside the window, identically for every arm). ' +
      'Each handler decodes the JSON body and returns; the transport FINs. raw + cork: the raw Reader\'s sockets (reached through `reader.readerRdy.connections`) corked at the first message of a macrotask and uncorked at the next. ' +
      'The frame reader (diagnostic) speaks the protocol on one socket with RDY set once and one write of FINs per socket read.',
    '',
  );
  throughputTable('Emit → handler (producer and consumer in one process)', E2E, [
    ['ours', 'raw'],
    ['ours', 'raw-tuned'],
    ['ours', 'nnt'],
    ['ours', 'nats'],
    ['ours', 'redis'],
    ['ours', 'rmq'],
  ]);
  push(
    'Each arm emits through its own client to its own handler; at most 1,000 messages are emitted but not yet handled (each handled message lets the next one go), so no broker is flooded past its consumer. ' +
      'Messages per second from the first emit to the last handler call. NSQ arms consume at maxInFlight 100 with a 25 ms output buffer timeout; ' +
      "Nest's NATS (core pub/sub), Redis (pub/sub) and RabbitMQ (a queue per run, Nest's defaults: no acks, no prefetch limit, not persistent) transports run with their defaults against this machine's brokers. " +
      'Delivery guarantees differ: NSQ persists to memory/disk queues and waits for FIN; NATS core and Redis pub/sub drop messages when nobody listens.',
    '',
  );

  // Latency.
  push('## End-to-end latency (open loop)', '');
  push(
    'Messages leave on a fixed schedule (open loop) from the arm\'s own producer to its own consumer in the same process; latency runs from the scheduled send time to the handler, so a stalled producer counts against the arm. ' +
      '"obt" = nsqd\'s output_buffer_timeout asked for in IDENTIFY (default 250 ms); "output buffer off" = output_buffer_size -1 in IDENTIFY (our `outputBufferSize: -1`, nsqjs\'s `outputBufferSize: -1`): nsqd writes each message at once instead of holding it until 16 KiB fill, the client runs out of RDY or the timeout passes. ' +
      '½ max rate = half of the lower of the arm\'s pipelined-×1000 publish and mif-100 consume medians measured earlier in the same run ' +
      "(Nest's NATS / Redis / RabbitMQ: half their emit → handler rate); with output buffering off it is the same rate as with obt 25 ms (derived from the buffered throughput cells). " +
      'mif, obt and the output buffer are NSQ settings: the other brokers run the same schedule with their defaults, so their rows repeat one configuration.',
    '',
  );
  const latArms = index.armsIn(LATENCY);
  const lh = ['Scenario', 'Size', ...latArms.map((a) => `${a.label} p50 / p99 / p99.9 (ms)`)];
  if (has('ours') && has('raw')) lh.push('ours − raw p50 (µs)');
  push(`| ${lh.join(' | ')} |`, `|${lh.map(() => '---').join('|')}|`);
  for (const w of LATENCY) {
    for (const s of index.sizes) {
      const cells = [WORKLOAD_LABELS[w] ?? w, sizeLabel(s)];
      for (const a of latArms) {
        const c = index.cell(w, s, a.id);
        const p = (m: string) => index.summary(w, s, a.id, m).median;
        const note = index.note(w, s, a.id);
        cells.push(
          c && Number.isFinite(p('p50'))
            ? `${fmtMs(p('p50'))} / ${fmtMs(p('p99'))} / ${fmtMs(p('p999'))}${w.startsWith('latency.half-max') && c.parameter ? ` @ ${fmtNumber(c.parameter)}/s` : ''}`
            : note?.startsWith('n/a') ? note : `error: ${note ?? 'none'}`,
        );
      }
      if (has('ours') && has('raw')) {
        const d = index.difference(w, s, 'ours', 'raw', 'p50');
        cells.push(Number.isFinite(d.median) ? `${(d.median * 1000).toFixed(0)} <sub>${(d.min * 1000).toFixed(0)}…${(d.max * 1000).toFixed(0)}</sub>` : 'n/a');
      }
      push(`| ${cells.join(' | ')} |`);
    }
  }
  push('');
  if (LATENCY.some((w) => index.sizes.some((s) => latArms.some((a) => Number.isFinite(index.summary(w, s, a.id, 'emitP50').median))))) {
    push(
      "The same messages from the moment the arm's publish was called to its handler (the transports' own part; the schedule's timer ticks send up to a millisecond late, the same for every arm, which the table above includes):",
      '',
    );
    const eh = ['Scenario', 'Size', ...latArms.map((a) => `${a.label} p50 / p99 / p99.9 (ms)`)];
    push(`| ${eh.join(' | ')} |`, `|${eh.map(() => '---').join('|')}|`);
    for (const w of LATENCY) {
      for (const s of index.sizes) {
        const cells = [WORKLOAD_LABELS[w] ?? w, sizeLabel(s)];
        for (const a of latArms) {
          const p = (m: string) => index.summary(w, s, a.id, m).median;
          cells.push(Number.isFinite(p('emitP50')) ? `${fmtMs(p('emitP50'))} / ${fmtMs(p('emitP99'))} / ${fmtMs(p('emitP999'))}` : 'n/a');
        }
        push(`| ${cells.join(' | ')} |`);
      }
    }
    push('');
  }

  // Memory.
  push('## Memory per in-flight message', '');
  push(
    `What the process retains per message in flight: the consumer's handler holds ${index.cell('memory.inflight', index.sizes[0] ?? 100, 'raw')?.parameter ?? 'N'} messages unsettled (maxInFlight = that many; each handler keeps its decoded payload and waits on a promise); heap + external (Buffers) after two forced GCs (\`node --expose-gc\`), minus the same for the subscribed idle consumer, divided by the count. ` +
      "It counts everything a held message keeps alive: the client library's message and body, the transport's per-message state and, in the Nest arms, Nest's handler pipeline (its promises and suspended async frame: about 1.1 KB per message for any Nest transport). " +
      '`node --expose-gc dist/bench/test/bench/memory-profile.js ARM SIZE COUNT --snapshot` breaks a figure down by object kind; `memory-profile.js nest-floor` measures Nest\'s share alone.',
    '',
  );
  const memArms = index.armsIn(['memory.inflight']);
  const mh = ['Size', ...memArms.map((a) => a.label)];
  if (has('ours') && has('raw')) mh.push('ours − raw');
  push(`| ${mh.join(' | ')} |`, `|${mh.map(() => '---').join('|')}|`);
  for (const s of index.sizes) {
    const cells = [sizeLabel(s)];
    for (const a of memArms) {
      const sum = index.summary('memory.inflight', s, a.id, 'bytesPerMessage');
      cells.push(Number.isFinite(sum.median) ? `${fmtBytes(sum.median)} <sub>${fmtBytes(sum.min)}–${fmtBytes(sum.max)}</sub>` : `error: ${index.note('memory.inflight', s, a.id) ?? 'none'}`);
    }
    if (has('ours') && has('raw')) cells.push(fmtBytes(index.difference('memory.inflight', s, 'ours', 'raw', 'bytesPerMessage').median));
    push(`| ${cells.join(' | ')} |`);
  }
  push('');

  // Event-loop delay.
  push('## Event-loop delay during the runs', '');
  push('`perf_hooks.monitorEventLoopDelay` (1 ms resolution, the resolution subtracted) over each cell: how late the loop ran, p99 / max in ms, median over repetitions and sizes. High values under pipelining and drains mean long synchronous stretches per socket read (a whole burst of messages handled in one go), which is also what delays other work in the process.', '');
  const eh = ['Workload', ...arms.map((a) => `${a.label} p99 / max`)];
  push(`| ${eh.join(' | ')} |`, `|${eh.map(() => '---').join('|')}|`);
  for (const w of [...PUBLISH, ...CONSUME, ...E2E, ...LATENCY, 'memory.inflight']) {
    const cells = [WORKLOAD_LABELS[w] ?? w];
    for (const a of arms) {
      const cs = index.sizes.map((s) => index.cell(w, s, a.id)).filter((c): c is CellResult => c !== undefined);
      const p99 = summarize(cs.flatMap((c) => c.loopDelayP99)).median;
      const max = summarize(cs.flatMap((c) => c.loopDelayMax)).median;
      cells.push(Number.isFinite(p99) ? `${fmtMs(p99)} / ${fmtMs(max)}` : 'n/a');
    }
    push(`| ${cells.join(' | ')} |`);
  }
  push('');

  // Ceiling.
  push("## The broker's ceiling: nsqd's bench_writer / bench_reader", '');
  push(
    'Go, settings comparable to the Node arms: one connection each (`GOMAXPROCS=1`; the tools open one connection per GOMAXPROCS), MPUBs of 200 (writer), RDY 1000 (reader), against the same nsqd with a memory queue holding the whole run; ' +
      'the writer runs twice as long as the reader, so the reader never idles. "Best Node arm" = the fastest Node figure of the run for that direction and size (batched or pipelined publish; consume at mif 100/1000, the frame reader included).',
    '',
  );
  push('| Size | bench_writer (msg/s) | best Node publish | Node / Go | ours / Go | bench_reader (msg/s) | best Node consume | Node / Go | ours / Go |', '|---|---|---|---|---|---|---|---|---|');
  for (const s of index.sizes) {
    const writer = index.summary('ceiling.bench_writer', s, 'go', 'throughput');
    const reader = index.summary('ceiling.bench_reader', s, 'go', 'throughput');
    const best = (workloads: string[]) => {
      let top = { value: Number.NaN, label: '' };
      for (const w of workloads) for (const a of arms) {
        const m = index.summary(w, s, a.id, 'throughput').median;
        if (Number.isFinite(m) && !(m <= top.value)) top = { value: m, label: `${a.id === 'ours' ? 'ours' : a.id}, ${WORKLOAD_LABELS[w]}` };
      }
      return top;
    };
    const bp = best(PUBLISH);
    const bc = best(['consume.mif-100', 'consume.mif-1000']);
    const oursBest = (workloads: string[]) => Math.max(...workloads.map((w) => index.summary(w, s, 'ours', 'throughput').median).filter(Number.isFinite));
    const op = oursBest(PUBLISH) / writer.median;
    const oc = oursBest(['consume.mif-100', 'consume.mif-1000']) / reader.median;
    push(
      `| ${sizeLabel(s)} | ${fmtRate(writer)} | ${fmtNumber(bp.value)} (${bp.label}) | ${(bp.value / writer.median).toFixed(2)}× | ${op.toFixed(2)}× | ${fmtRate(reader)} | ${fmtNumber(bc.value)} (${bc.label}) | ${(bc.value / reader.median).toFixed(2)}× | ${oc.toFixed(2)}× |`,
    );
  }
  push('');

  push('## Charts', '');
  for (const chart of charts) push(`![${chart.title}](${chartDir}/${chart.file})`, '');

  push('## Errors', '');
  const errors = r.cells.filter((c) => c.errors.some((e) => !e.startsWith('n/a')));
  push(errors.length ? errors.map((c) => `- ${c.workload} ${sizeLabel(c.size)} ${c.arm}: ${c.errors.join('; ')}`).join('\n') : 'None: every arm completed every workload it can run (an n/a cell says why not).', '');

  // The features' own runs (npm run bench:envelope, bench:tracing, bench:rpc) write their sections next to results.json.
  for (const section of SECTIONS) {
    const text = await readFile(join(dirname(markdownPath), chartDir, section), 'utf8').catch(() => undefined);
    if (text !== undefined) push(text.trim(), '');
  }

  try {
    const notesPath = join(dirname(fileURLToPath(import.meta.url)), 'benchmarks-notes.md');
    const sourceNotes = resolve(dirname(markdownPath), 'test', 'bench', 'report', basename(notesPath));
    push(await readFile(sourceNotes, 'utf8').catch(() => readFile(notesPath, 'utf8')));
  } catch {
    // No notes: the generated part stands alone.
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** Sections written by the other benchmark scripts into the results folder, in the order they appear. */
const SECTIONS = ['envelope.md', 'tracing.md', 'request-response.md'] as const;

/** `node dist/bench/test/bench/report/render-report.js [results.json] [BENCHMARKS.md]`: re-renders without re-running. */
export async function renderFromFile(jsonPath: string, markdownPath: string | undefined): Promise<void> {
  const results = JSON.parse(await readFile(jsonPath, 'utf8')) as BenchResults;
  await renderReport(results, dirname(resolve(jsonPath)), markdownPath);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [json = 'test/bench/results/results.json', md = 'BENCHMARKS.md'] = process.argv.slice(2);
  renderFromFile(json, resolve(md)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
