// Builds the package twice from the same sources: ES modules into dist/esm and
// CommonJS into dist/cjs, so Nest 12 (ESM) and Nest 11 (CommonJS) apps, and
// Jest in either mode, load a build of their own format (no require(esm)).
// package.json's "exports" picks one per condition; each build has its own
// declarations, so TypeScript sees the format the runtime loads.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dist = join(root, 'dist');

// A clean dist: a file deleted from src must not linger in the published package.
rmSync(dist, { recursive: true, force: true });
for (const project of ['tsconfig.lib.json', 'tsconfig.lib.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit' });
}

// The package is "type": "module"; this marks dist/cjs/*.js as CommonJS.
writeFileSync(join(dist, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

// moduleSuffixes made `./x.js` imports compile against `x.cjs.ts`, but tsc names
// the output `x.cjs.js`: give each such module its importable name.
for (const file of readdirSync(join(dist, 'cjs'), { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.cjs.js')) continue;
  const base = file.slice(0, -'.cjs.js'.length);
  const target = `./${relative(dirname(base), file).replaceAll('\\', '/')}`;
  writeFileSync(join(dist, 'cjs', `${base}.js`), `'use strict';\nmodule.exports = require('${target}');\n`);
  writeFileSync(join(dist, 'cjs', `${base}.d.ts`), `export * from '${target}';\n`);
}
