import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { repoRoot } from '../../support/nsq-binaries.js';

const OUT_DIR = 'dist/faults';
const STALE_LOCK_MS = 120_000;

/** Where the compiled fault apps are. */
export function faultAppPath(app: 'fault-consumer' | 'fault-producer' | 'protocol-fault-client' | 'short-lived-emit'): string {
  return join(repoRoot(), OUT_DIR, 'test/faults/apps', `${app}.js`);
}

/**
 * Compiles the fault apps together with the library sources into dist/faults
 * (the apps import the library by relative path, so they always run the
 * current sources, not a stale libs/nsq-transport/dist). Several Jest workers
 * may ask at once: one compiles under a lock, the others wait; an up-to-date
 * build is reused.
 */
export async function buildFaultApps(): Promise<void> {
  const root = repoRoot();
  const lock = join(root, `${OUT_DIR}.lock`);
  await mkdir(join(root, 'dist'), { recursive: true });
  await acquire(lock);
  try {
    const stamp = join(root, OUT_DIR, '.stamp');
    const built = await mtime(stamp);
    const newest = Math.max(await newestIn(join(root, 'libs/nsq-transport/src')), await newestIn(join(root, 'test/faults/apps')));
    if (built !== undefined && built >= newest) return;
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', 'test/faults/apps/tsconfig.app.json'], { cwd: root });
    await writeFile(stamp, String(Date.now()));
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch {
      const since = await mtime(lock);
      if (since !== undefined && Date.now() - since > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
      await delay(100);
    }
  }
}

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

async function newestIn(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, (await mtime(join(entry.parentPath, entry.name))) ?? 0);
  }
  return newest;
}
