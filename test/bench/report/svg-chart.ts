/** One bar series (an arm). */
export interface ChartSeries {
  readonly label: string;
  readonly color: string;
}

/** A value with its repetition spread; NaN = no figure (drawn as "n/a"). */
export interface ChartValue {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Optional secondary markers drawn on the bar (e.g. p50 inside a p99 bar). */
  readonly markers?: readonly number[];
}

export interface BarChartSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly groups: readonly string[];
  readonly series: readonly ChartSeries[];
  /** values[group][series] */
  readonly values: ReadonlyArray<ReadonlyArray<ChartValue>>;
  readonly log?: boolean;
  /** A horizontal reference line (e.g. 1.0 for ratios) with its label. */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly note?: string;
}

const WIDTH = 960;
const HEIGHT = 500;
const MARGIN = { top: 64, right: 16, bottom: 165, left: 72 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function formatTick(value: number): string {
  if (value >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (value >= 1e3) return `${+(value / 1e3).toPrecision(3)}k`;
  if (value >= 1) return `${+value.toPrecision(3)}`;
  return `${+value.toPrecision(2)}`;
}

/**
 * A grouped bar chart as a standalone SVG document: one group per workload,
 * one bar per arm, a whisker from the fastest to the slowest repetition.
 * Hand-written so the report needs no charting dependency.
 */
export function barChartSvg(spec: BarChartSpec): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const finite = spec.values.flatMap((g) => g.flatMap((v) => [v.median, v.max, v.min, ...(v.markers ?? [])])).filter((v) => Number.isFinite(v) && (!spec.log || v > 0));
  if (spec.reference) finite.push(spec.reference.value);
  const top = finite.length ? Math.max(...finite) : 1;
  const bottom = spec.log ? Math.max(1e-3, Math.min(...finite.filter((v) => v > 0))) : 0;
  const [lo, hi] = spec.log ? [Math.floor(Math.log10(bottom)), Math.ceil(Math.log10(top * 1.05))] : [0, niceCeil(top * 1.08)];
  const y = (v: number): number => {
    if (spec.log) return MARGIN.top + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH;
    return MARGIN.top + plotH - (v / hi) * plotH;
  };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  out.push(`<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escape(spec.title)}</text>`);
  if (spec.note) out.push(`<text x="${WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle" fill="#555">${escape(spec.note)}</text>`);
  // Axis and grid.
  const ticks: number[] = [];
  if (spec.log) for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  else for (let i = 0; i <= 5; i++) ticks.push((hi / 5) * i);
  for (const tick of ticks) {
    const ty = y(tick);
    out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${(ty + 4).toFixed(1)}" text-anchor="end" fill="#333">${formatTick(tick)}</text>`);
  }
  out.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escape(spec.yLabel)}${spec.log ? ' (log scale)' : ''}</text>`);
  // Bars.
  const groupW = plotW / Math.max(1, spec.groups.length);
  const barW = Math.min(28, (groupW * 0.8) / Math.max(1, spec.series.length));
  spec.groups.forEach((group, gi) => {
    const gx = MARGIN.left + gi * groupW + (groupW - barW * spec.series.length) / 2;
    spec.series.forEach((series, si) => {
      const value = spec.values[gi]?.[si];
      const x = gx + si * barW;
      if (!value || !Number.isFinite(value.median)) {
        out.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${MARGIN.top + plotH - 4}" text-anchor="middle" font-size="9" fill="#999" transform="rotate(-90 ${(x + barW / 2).toFixed(1)} ${MARGIN.top + plotH - 4})">n/a</text>`);
        return;
      }
      const by = y(value.median);
      out.push(`<rect x="${(x + 1).toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(0, MARGIN.top + plotH - by).toFixed(1)}" fill="${series.color}"><title>${escape(`${series.label} — ${group}: ${formatTick(value.median)} (min ${formatTick(value.min)}, max ${formatTick(value.max)})`)}</title></rect>`);
      for (const marker of value.markers ?? []) {
        if (!Number.isFinite(marker)) continue;
        const my = y(marker);
        out.push(`<line x1="${(x + 1).toFixed(1)}" x2="${(x + barW - 1).toFixed(1)}" y1="${my.toFixed(1)}" y2="${my.toFixed(1)}" stroke="#000" stroke-width="2"/>`);
      }
      if (Number.isFinite(value.min) && Number.isFinite(value.max) && value.max > value.min) {
        const cx = x + barW / 2;
        out.push(`<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y(value.min).toFixed(1)}" y2="${y(value.max).toFixed(1)}" stroke="#222" stroke-width="1"/>`);
      }
    });
    const lx = MARGIN.left + gi * groupW + groupW / 2;
    const angle = spec.groups.length > 12 ? -55 : -30;
    out.push(`<text x="${lx.toFixed(1)}" y="${MARGIN.top + plotH + 14}" text-anchor="end" transform="rotate(${angle} ${lx.toFixed(1)} ${MARGIN.top + plotH + 14})" fill="#222">${escape(group)}</text>`);
  });
  if (spec.reference) {
    const ry = y(spec.reference.value);
    out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ry.toFixed(1)}" y2="${ry.toFixed(1)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${WIDTH - MARGIN.right - 4}" y="${(ry - 4).toFixed(1)}" text-anchor="end" fill="#c00">${escape(spec.reference.label)}</text>`);
  }
  out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
  // Legend, under the title.
  spec.series.forEach((series, si) => {
    const lx = MARGIN.left + si * 230;
    const ly = 44;
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${series.color}"/><text x="${lx + 16}" y="${ly}" fill="#222">${escape(series.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function niceCeil(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}
