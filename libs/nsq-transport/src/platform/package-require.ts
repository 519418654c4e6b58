import { createRequire } from 'node:module';

/**
 * A CommonJS `require` that resolves from this package's own location, as the
 * nsqjs code we depend on does (optional packages, nsqjs's own files).
 *
 * This is the ES module build's copy: it needs `import.meta.url`, which a
 * CommonJS file cannot even parse, so the CommonJS build compiles
 * `package-require.cjs.ts` in its place (see tsconfig.lib.cjs.json). Code that
 * needs a module-relative `require` imports this file instead of calling
 * `createRequire(import.meta.url)` itself, so it compiles in both builds.
 */
export const packageRequire: NodeJS.Require = createRequire(import.meta.url);
