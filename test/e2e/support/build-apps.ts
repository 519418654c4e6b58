import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from '../../support/nsq-binaries.js';

/** Compiles the library, the contracts and both apps to dist/ (what `npm run demo` and docker-compose run). */
export async function buildApps(): Promise<void> {
  const tsc = `${repoRoot()}/node_modules/typescript/bin/tsc`;
  for (const project of ['libs/nsq-transport/tsconfig.lib.json', 'libs/contracts/tsconfig.lib.json', 'apps/agent/tsconfig.app.json', 'apps/saver/tsconfig.app.json']) {
    await promisify(execFile)(process.execPath, [tsc, '-p', project], { cwd: repoRoot() });
  }
}
