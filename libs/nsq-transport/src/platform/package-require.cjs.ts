/**
 * The CommonJS build's `packageRequire` (see package-require.ts): in CommonJS,
 * the module's own `require` already resolves from this package's location.
 */
export const packageRequire: NodeJS.Require = require;
