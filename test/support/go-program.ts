import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { promisify } from 'node:util';

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
  throw new Error('Go toolchain not found: install Go, put `go` on PATH or set GO=/path/to/go (the interop suites build Go programs)');
}

/** A Go program of the test suite, built into a temp folder. */
export interface GoProgram {
  /** The built executable. */
  readonly binary: string;
  /** Runs it to completion; rejects on a non-zero exit (the error carries stdout and stderr). */
  run(args: readonly string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

/**
 * Builds the Go module in `sourceDir` (its own go.mod and go.sum, dependencies from the module proxy)
 * with the machine's Go. The sources are copied to a temp folder so no binary lands in the repository.
 */
export async function buildGoProgram(sourceDir: string): Promise<GoProgram> {
  const go = findGo();
  const dir = await mkdtemp(join(tmpdir(), `${basename(sourceDir)}-`));
  await cp(sourceDir, dir, { recursive: true });
  const binary = join(dir, basename(sourceDir));
  // Module downloads and the build cache stay in Go's usual places; the sources and the binary in the temp folder.
  // GOTOOLCHAIN=local: never download another toolchain; GOWORK=off: no go.work further up applies.
  await run(go, ['build', '-buildvcs=false', '-o', binary, '.'], { cwd: dir, env: { ...process.env, GOTOOLCHAIN: 'local', GOWORK: 'off' }, timeout: 180_000 });
  return {
    binary,
    run: (args, timeoutMs = 60_000) => run(binary, [...args], { timeout: timeoutMs }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
