import { execFile } from 'node:child_process';
import { delimiter } from 'node:path';

/** How a command ended; `output` is stdout and stderr together, as a terminal shows them. */
export interface CommandResult {
  readonly code: number;
  readonly output: string;
}

/**
 * Runs a program (no shell) and resolves with its exit code and output, whatever the code: the
 * caller asserts on both, so a failure shows what the command said.
 *
 * @example
 * const { code, output } = await runCommand('npm', ['install'], { cwd: dir, env: cleanEnv() });
 */
export function runCommand(file: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<CommandResult> {
  return new Promise((resolve) => {
    let output = '';
    const child = execFile(file, [...args], { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: error !== null && error.killed ? `${output}\n(killed after ${options.timeoutMs} ms)` : output });
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
}

/** npm settings worth passing on: where and how to reach the registry, and the cache. */
const NPM_SETTINGS_KEPT = /^npm_config_(registry|cache|cafile|ca|proxy|https_proxy|noproxy|strict_ssl|userconfig|globalconfig|@[^:]+:registry)$/i;

/**
 * This process's environment without what `npm test` and Jest put in it: npm's lifecycle variables
 * (`npm_config_local_prefix`, `npm_package_*`, …, which would make a fixture's npm act on this
 * repository) except registry and cache settings, and Jest's worker variables. `PATH` gets
 * `prependPath` in front.
 */
export function cleanEnv(prependPath: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const npmInternal = /^npm_/i.test(key) && !NPM_SETTINGS_KEPT.test(key);
    if (!npmInternal && !/^(JEST_WORKER_ID|INIT_CWD)$/.test(key)) env[key] = value;
  }
  env['PATH'] = `${prependPath}${delimiter}${process.env['PATH'] ?? ''}`;
  return env;
}
