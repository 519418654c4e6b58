#!/usr/bin/env node
// Summarises .tmp/reliability/figures.jsonl (written by test/faults, test/bad-input) as the
// Markdown tables RELIABILITY.md quotes. Usage: node test/faults/tally-figures.mjs [figures.jsonl]
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/reliability/figures.jsonl';
const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const scenarios = rows.filter((r) => r.scenario);
const badInputs = rows.filter((r) => r.badInputs);

const fmt = (n) => Number(n).toLocaleString('en-US');
console.log('| scenario | emitted | acknowledged | failed / unknown | handled | handler runs | lost | unexpected | duplicates |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of scenarios) {
  const window = r.lossWindow !== undefined ? ` (window ${fmt(r.lossWindow)})` : '';
  console.log(`| ${r.scenario} | ${fmt(r.emitted)} | ${fmt(r.ok)} | ${fmt(r.failed)} / ${fmt(r.unknown)} | ${fmt(r.handled)} | ${fmt(r.invocations)} | ${fmt(r.lost)}${window} | ${r.unexpected} | ${fmt(r.duplicates)} |`);
}
const sum = (rows, key) => rows.reduce((total, r) => total + (r[key] ?? 0), 0);
// An nsqd SIGKILL is the one fault where NSQ itself may lose messages (its memory): those runs
// state their window; everywhere else NSQ promises no loss and lost must be 0.
const crash = scenarios.filter((r) => r.lossWindow !== undefined);
const lossless = scenarios.filter((r) => r.lossWindow === undefined);
console.log('');
console.log(`Runs: ${scenarios.length}; faults injected: ${sum(scenarios, 'faults')}; messages emitted: ${fmt(sum(scenarios, 'emitted'))}; acknowledged: ${fmt(sum(scenarios, 'ok'))}; handled: ${fmt(sum(scenarios, 'handled'))}; handler runs: ${fmt(sum(scenarios, 'invocations'))}; unexpected: ${sum(scenarios, 'unexpected')}; duplicates: ${fmt(sum(scenarios, 'duplicates'))}.`);
console.log(`Lost where NSQ promises no loss (${lossless.length} runs, ${fmt(sum(lossless, 'ok'))} acknowledged): ${fmt(sum(lossless, 'lost'))}.`);
console.log(`Lost on nsqd SIGKILL (${crash.length} runs): ${crash.map((r) => `${fmt(r.lost)} of window ${fmt(r.lossWindow)}`).join(', ')}.`);
const tried = badInputs.reduce((total, r) => total + r.tried, 0);
console.log(`Bad inputs tried: ${fmt(tried)} (${badInputs.filter((r) => r.tried > 0).map((r) => `${r.badInputs} ${r.tried}`).join(', ')}); crashes: ${badInputs.reduce((t, r) => t + r.crashed, 0)}.`);
