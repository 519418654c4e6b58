/**
 * Summarises a `node --cpu-prof` profile: self time per package/file and per
 * function, as quoted in BENCHMARKS.md's notes.
 *
 *   node dist/bench/test/bench/report/profile-summary.js <file.cpuprofile> [top N]
 */
import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

function shorten(url: string): string {
  return url.replace(/^.*node_modules\//, 'nm/').replace(/^file:\/\/.*?\/(libs|dist|test)\//, '$1/');
}

export function summarizeProfile(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const perNode = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    perNode.set(id, (perNode.get(id) ?? 0) + dt);
    total += dt;
  });
  const perFunction = new Map<string, number>();
  const perFile = new Map<string, number>();
  for (const [id, time] of perNode) {
    const frame = byId.get(id)!.callFrame;
    const url = shorten(frame.url);
    const fn = `${frame.functionName || '(anonymous)'} ${url}${url ? `:${frame.lineNumber + 1}` : ''}`;
    perFunction.set(fn, (perFunction.get(fn) ?? 0) + time);
    const file = url ? url.replace(/^(nm\/(@[^/]+\/)?[^/]+).*/, '$1') : frame.functionName;
    perFile.set(file, (perFile.get(file) ?? 0) + time);
  }
  const table = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`)
      .join('\n');
  return `total ${(total / 1000).toFixed(0)} ms sampled\n-- self time by package / file\n${table(perFile)}\n-- self time by function\n${table(perFunction)}\n`;
}

const [file, top = '25'] = process.argv.slice(2);
if (file) process.stdout.write(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top)));
