import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/nsq-binaries.js';

/** Appends how many bad inputs a suite tried to .tmp/reliability/figures.jsonl (RELIABILITY.md's tally). */
export function recordBadInputs(suite: string, tried: number, crashed = 0): void {
  const dir = join(repoRoot(), '.tmp', 'reliability');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'figures.jsonl'), JSON.stringify({ badInputs: suite, at: new Date().toISOString(), tried, crashed }) + '\n');
}
