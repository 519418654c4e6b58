#!/usr/bin/env node
// `npm run demo` (runs until Ctrl-C) or `npm run demo -- --once` (runs the scenarios, prints the summary,
// exits 1 if anything is missing). This launcher only builds, with progress: the library, the contracts,
// both apps and the demo itself (apps/demo/src, TypeScript), and installs the NSQ programs if needed; the
// demo then runs on the test harness (test/support) and the e2e suite's scenarios (test/e2e/scenarios).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({ options: { once: { type: 'boolean', default: false }, nodes: { type: 'string', default: '1' }, help: { type: 'boolean', short: 'h', default: false } } });
const nodes = Number(args.nodes);
if (args.help || !Number.isInteger(nodes) || nodes < 1 || nodes > 9) {
  console.log('Usage: npm run demo [-- --once] [-- --nodes N]\n  --once     run the scenarios, print the summary and exit (non-zero if anything is missing)\n  --nodes N  N nsqds (2..9), two nsqlookupds, two saver replicas: the scale-out scenario');
  process.exit(args.help ? 0 : 1);
}
const tty = process.stdout.isTTY;
const paint = (code, text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);

/** Runs a build step, printing how long it has been going once a second. */
function run(label, command, commandArgs) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, commandArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const ticker = setInterval(() => {
      const line = `  ${paint('2', `… ${label} (${Math.round((Date.now() - started) / 1000)} s)`)}`;
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else console.log(line);
    }, 1000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearInterval(ticker);
      if (tty) process.stdout.write('\r\x1b[2K');
      if (code === 0) {
        console.log(`  ${paint('32', '✓')} ${label} ${paint('2', `(${seconds()})`)}`);
        resolve();
      } else {
        console.error(`  ${paint('31', '✗')} ${label} failed (exit ${code ?? signal})\n${output}`);
        reject(new Error(`${label} failed`));
      }
    });
  });
}

console.log(paint('1', `NSQ transport for NestJS: demo${args.once ? ' (--once)' : ''}${nodes > 1 ? ` (--nodes ${nodes})` : ''}`));
console.log(`\n${paint('1', '▸ Building (tsc) and installing NSQ')}`);
const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  console.error('node_modules is missing: run `npm ci` first');
  process.exit(1);
}
try {
  for (const [project, label] of [
    ['libs/nsq-transport/tsconfig.lib.json', 'nestjs-transport-nsq → libs/nsq-transport/dist'],
    ['libs/contracts/tsconfig.lib.json', '@app/contracts → libs/contracts/dist'],
    ['apps/agent/tsconfig.app.json', 'agent → dist/apps/agent'],
    ['apps/saver/tsconfig.app.json', 'saver → dist/apps/saver'],
    ['apps/demo/tsconfig.json', 'demo → dist/demo'],
  ]) {
    await run(label, process.execPath, [tsc, '-p', project]);
  }
  await run('NSQ programs (test/scripts/install-nsq.sh)', 'bash', ['test/scripts/install-nsq.sh']);
} catch {
  process.exit(1);
}

const { runDemo } = await import(pathToFileURL(join(ROOT, 'dist', 'demo', 'apps', 'demo', 'src', 'demo.js')).href);
process.exit(await runDemo({ once: args.once, nodes, root: ROOT }));
