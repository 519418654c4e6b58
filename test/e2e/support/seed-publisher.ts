import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../support/nsq-binaries.js';

const run = promisify(execFile);

/** The Go toolchain, found as test/scripts/install-nsq.sh finds it: $GO, `go` on PATH, $GOROOT, Go's usual install folder. */
export function findGo(): string {
  const candidates = [
    process.env.GO,
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'go')),
    process.env.GOROOT && join(process.env.GOROOT, 'bin', 'go'),
    '/usr/local/go/bin/go',
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error('Go toolchain not found: install Go, put `go` on PATH or set GO=/path/to/go (needed to build the seed publisher)');
}

/** The seed's Go publisher (test/e2e/seed-publisher, go-nsq from the module proxy), built in a temp folder. */
export interface SeedPublisher {
  publish(args: { nsqd: string; eventTopic: string; statusTopic: string; eventName: string; count: number; dataName?: string }): Promise<string>;
  remove(): Promise<void>;
}

export async function buildSeedPublisher(): Promise<SeedPublisher> {
  const go = findGo();
  const dir = await mkdtemp(join(tmpdir(), 'seed-publisher-'));
  await cp(join(repoRoot(), 'test', 'e2e', 'seed-publisher'), dir, { recursive: true });
  const binary = join(dir, 'seed-publisher');
  // Module downloads and the build cache stay in Go's usual places; the sources and the binary in the temp folder.
  // GOTOOLCHAIN=local: never download another toolchain; GOWORK=off: no go.work further up applies.
  await run(go, ['build', '-buildvcs=false', '-o', binary, '.'], { cwd: dir, env: { ...process.env, GOTOOLCHAIN: 'local', GOWORK: 'off' }, timeout: 180_000 });
  return {
    async publish({ nsqd, eventTopic, statusTopic, eventName, count, dataName }) {
      const args = ['-nsqd', nsqd, '-event-topic', eventTopic, '-status-topic', statusTopic, '-event-name', eventName, '-count', String(count)];
      if (dataName !== undefined) args.push('-data-name', dataName);
      const { stdout } = await run(binary, args, { timeout: 60_000 });
      return stdout;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
