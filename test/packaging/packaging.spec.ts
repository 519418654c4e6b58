/**
 * The package as a team gets it: `npm pack`, installed with a plain `npm install` (no
 * --legacy-peer-deps, no --force) into a Nest 11 CommonJS project and a Nest 12 ES module project
 * (test/packaging/fixtures), type-checked under `strict` together with the READMEs' code blocks,
 * and each project's own test command run: a consumer and a client against a real nsqd, the health
 * indicator and the testing helpers (fixtures/shared/nsq-transport.spec.ts).
 *
 * Each fixture's dependencies come from the npm registry and are installed once, in a temporary
 * directory outside this repository (so nothing resolves through the repository's node_modules),
 * then reused by every check of that fixture.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { nsqBinary, repoRoot } from '../support/index.js';
import { readmeCodeBlocks, type ReadmeCodeBlock } from './support/readme-code-blocks.js';
import { cleanEnv, runCommand, type CommandResult } from './support/run-command.js';

const FIXTURES = ['nest11-cjs', 'nest12-esm'] as const;
type Fixture = (typeof FIXTURES)[number];
const READMES = ['README.md', 'libs/nsq-transport/README.md'];
const PACKAGE = 'nestjs-transport-nsq';
/** The tarball's name in the work directory, as the fixtures' package.json refer to it. */
const TARBALL = `${PACKAGE}.tgz`;

const root = repoRoot();
const libDir = join(root, 'libs/nsq-transport');
/** Two levels below the root, as the library itself, so its tsconfig's `extends` still resolves. */
const stageDir = join(root, '.tmp/packaging-stage');
const fixturesDir = join(root, 'test/packaging/fixtures');
// TestNsqd (nestjs-transport-nsq/testing) looks for nsqd on PATH, as a user's test would.
const env = cleanEnv(dirname(nsqBinary('nsqd')));

let workDir: string;
let tarballFiles: string[];
const installs = new Map<Fixture, CommandResult>();
const typeChecks = new Map<Fixture, Promise<CommandResult>>();
/** README block files written into each fixture (relative path → block). */
const readmeFiles = new Map<string, ReadmeCodeBlock>();

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'nsq-packaging-'));
  // prepack builds both module formats from a clean dist, in a copy of the library: the e2e suites
  // run the apps from libs/nsq-transport/dist meanwhile, which must not vanish under them.
  await rm(stageDir, { recursive: true, force: true });
  await cp(libDir, stageDir, { recursive: true, filter: (path) => !/^(dist|node_modules|test)(\/|$)/.test(relative(libDir, path)) });
  const pack = await runCommand('npm', ['pack', '--pack-destination', workDir], { cwd: stageDir, env, timeoutMs: 180_000 });
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.output}`);
  const [tarball] = (await readdir(workDir)).filter((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball:\n${pack.output}`);
  await rename(join(workDir, tarball), join(workDir, TARBALL));
  tarballFiles = (await runCommand('tar', ['-tzf', TARBALL], { cwd: workDir, env, timeoutMs: 30_000 })).output.split('\n').filter(Boolean);

  for (const readme of READMES) {
    for (const block of await readmeCodeBlocks(root, readme)) readmeFiles.set(`readme/${readme.replaceAll('/', '_')}.L${block.line}.ts`, block);
  }
  // Both installs at once: they mostly wait on the registry.
  await Promise.all(FIXTURES.map(async (fixture) => installs.set(fixture, await prepare(fixture))));
}, 10 * 60_000);

afterAll(async () => {
  await rm(stageDir, { recursive: true, force: true });
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships both builds, their sources (for the source maps), README, LICENSE and CHANGELOG; nothing else', () => {
    const unexpected = tarballFiles.filter((file) => !/^package\/(dist\/(esm|cjs)\/|src\/|(package\.json|README\.md|LICENSE|CHANGELOG\.md)$)/.test(file));
    expect(unexpected).toEqual([]);
    expect(tarballFiles).toEqual(expect.arrayContaining(['package/LICENSE', 'package/CHANGELOG.md', 'package/README.md', 'package/dist/cjs/package.json']));
    expect(tarballFiles.filter((file) => /\.spec\.ts$|tsconfig/.test(file))).toEqual([]);
  });

  it('says where it comes from, and that terminus is an optional peer', async () => {
    const manifest = JSON.parse(await readFile(join(installedPackage('nest12-esm'), 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      license: 'MIT',
      repository: { type: 'git', url: expect.any(String) },
      homepage: expect.any(String),
      bugs: { url: expect.any(String) },
      peerDependenciesMeta: { '@nestjs/terminus': { optional: true } },
    });
  });

  it('has source maps whose sources are all in the package', async () => {
    const dir = installedPackage('nest12-esm');
    const missing: string[] = [];
    for (const file of tarballFiles.filter((f) => f.endsWith('.map'))) {
      const path = join(dir, relative('package', file));
      const map = JSON.parse(await readFile(path, 'utf8')) as { sourceRoot?: string; sources: string[] };
      for (const source of map.sources) {
        const target = join(dirname(path), map.sourceRoot ?? '', source);
        if (!tarballFiles.includes(`package/${relative(dir, target)}`)) missing.push(`${relative(dir, path)} → ${source}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe.each(FIXTURES)('a %s project', (fixture) => {
  it('installs the package with a plain npm install', () => {
    expect(installs.get(fixture)).toMatchObject({ code: 0 });
  });

  it('type-checks under strict', async () => {
    const check = await typeCheck(fixture);
    if (check.code !== 0 && diagnostics(check, () => true).length === 0) throw new Error(`tsc failed without a diagnostic:\n${check.output}`);
    expect(diagnostics(check, (file) => !file.startsWith('readme/'))).toEqual([]);
  });

  it("type-checks the READMEs' code blocks under strict", async () => {
    expect(readmeFiles.size).toBeGreaterThan(0);
    expect(diagnostics(await typeCheck(fixture), (file) => file.startsWith('readme/'))).toEqual([]);
  });

  it('passes its own test command: delivery, health indicator and testing helpers against a real nsqd', async () => {
    const run = await runCommand('npm', ['test'], { cwd: join(workDir, fixture), env, timeoutMs: 180_000 });
    expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
    // The spec really ran, and every test in it passed.
    expect(run.output).toMatch(/Tests:\s+(\d+) passed, \1 total/);
  });
});

/** Copies the fixture, its shared spec and the README blocks into the work directory and installs it. */
async function prepare(fixture: Fixture): Promise<CommandResult> {
  const dir = join(workDir, fixture);
  await cp(join(fixturesDir, fixture), dir, { recursive: true });
  await mkdir(join(dir, 'src'), { recursive: true });
  await cp(join(fixturesDir, 'shared/nsq-transport.spec.ts'), join(dir, 'src/nsq-transport.spec.ts'));
  await mkdir(join(dir, 'readme'), { recursive: true });
  for (const [file, block] of readmeFiles) await writeFile(join(dir, file), `${block.code}\n`);
  // The project's own tsconfig, over its sources and the README blocks; each block is a module of its own.
  const tsconfig = { extends: './tsconfig.json', compilerOptions: { noEmit: true, incremental: false, moduleDetection: 'force' }, include: ['src/**/*.ts', 'readme/**/*.ts'] };
  await writeFile(join(dir, 'tsconfig.packaging.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  return runCommand('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, env, timeoutMs: 8 * 60_000 });
}

function installedPackage(fixture: Fixture): string {
  return join(workDir, fixture, 'node_modules', PACKAGE);
}

/** One tsc run per fixture, shared by the two type-check tests. */
function typeCheck(fixture: Fixture): Promise<CommandResult> {
  let check = typeChecks.get(fixture);
  if (check === undefined) {
    const dir = join(workDir, fixture);
    check = runCommand(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.packaging.json', '--pretty', 'false'], { cwd: dir, env, timeoutMs: 180_000 });
    typeChecks.set(fixture, check);
  }
  return check;
}

/** tsc's error lines for the files `select` picks; README blocks are named by their README line. */
function diagnostics(check: CommandResult, select: (file: string) => boolean): string[] {
  const errors: string[] = [];
  for (const line of check.output.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(line);
    if (match === null) {
      if (/error TS/.test(line)) errors.push(line); // a global error (bad tsconfig, missing types)
      continue;
    }
    const [, file, row, column, message] = match as unknown as [string, string, string, string, string];
    if (!select(file)) continue;
    const block = readmeFiles.get(file);
    errors.push(block ? `${block.readme}:${block.line + Number(row) - 1}:${column} ${message}` : `${file}:${row}:${column} ${message}`);
  }
  return errors;
}
