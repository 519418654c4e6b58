#!/usr/bin/env node
// Renders .tmp/reliability/matrix.jsonl (written by connection-fault-matrix.spec.ts, one line per
// cell) as the Markdown table RELIABILITY.md quotes: one row per fault injection, its four cells.
// Usage: node test/faults/tally-matrix.mjs [matrix.jsonl]
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/reliability/matrix.jsonl';
const cells = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const FAULTS = { sigkill: 'SIGKILL + restart', sigterm: 'SIGTERM + restart', sigstop: 'SIGSTOP + SIGCONT' };
const ORDER = ['producer busy', 'producer idle', 'consumer busy', 'consumer idle'];

const runs = new Map();
for (const cell of cells) {
  const key = `${cell.at} ${cell.compression} ${cell.tls} ${cell.fault}`;
  if (!runs.has(key)) runs.set(key, []);
  runs.get(key).push(cell);
}

const fmt = (n) => Number(n).toLocaleString('en-US');
const pair = (cell) => `${fmt(cell.acknowledged)} / ${fmt(cell.lost)}${cell.lossWindow !== null ? ` (window ${fmt(cell.lossWindow)})` : ''}`;
console.log('| compression | TLS | nsqd fault | crashes (of 4) | reconnects: producer busy / idle, consumer busy / idle | busy pair: acknowledged / lost | idle pair: acknowledged / lost | duplicates |');
console.log('|---|---|---|---:|---|---:|---:|---:|');
let crashes = 0;
let lostLossless = 0;
for (const run of runs.values()) {
  const by = Object.fromEntries(run.map((cell) => [`${cell.side} ${cell.load}`, cell]));
  const ordered = ORDER.map((name) => by[name]).filter(Boolean);
  const crashed = ordered.filter((cell) => cell.crash !== null);
  crashes += crashed.length;
  const { compression, tls, fault } = ordered[0];
  const busy = by['consumer busy'] ?? by['producer busy'];
  const idle = by['consumer idle'] ?? by['producer idle'];
  if (fault !== 'sigkill') lostLossless += busy.lost;
  lostLossless += idle.lost;
  const reconnects = ordered.map((cell) => (cell.crash !== null ? 'crash' : String(cell.reconnects))).join(' / ');
  console.log(`| ${compression} | ${tls ? 'on' : 'off'} | ${FAULTS[fault]} | ${crashed.length} | ${reconnects} | ${pair(busy)} | ${pair(idle)} | ${fmt(busy.duplicates + idle.duplicates)} |`);
}
console.log('');
console.log(`Fault injections: ${runs.size}; cells: ${cells.length}; crashes: ${crashes}; lost where NSQ promises no loss: ${lostLossless}.`);
const reasons = [...new Set(cells.filter((cell) => cell.crash !== null).map((cell) => cell.crash.replace(/\(exit \d+\)/, '(exit)')))];
for (const reason of reasons) console.log(`Crash: ${reason}`);
