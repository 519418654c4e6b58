import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A database the saver can run on during a suite, and how to clean it up. */
export interface DatabaseTarget {
  readonly name: 'pglite' | 'postgresql';
  /** Environment variables that point the saver at this database. */
  env(): Promise<Record<string, string>>;
  /** Removes what `env()` created (PGlite folders, PostgreSQL schemas). */
  cleanup(): Promise<void>;
}

/**
 * PGlite always; PostgreSQL too when DATABASE_URL is set (`.ci/run` sets it
 * when a local server answers). Each `env()` gets a fresh PGlite folder or a
 * fresh `e2e_<random>` schema, so runs never see each other's rows.
 */
export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [pgliteTarget()];
  const url = process.env.DATABASE_URL;
  if (url) targets.push(postgresTarget(url));
  return targets;
}

/** One line in the test output saying which databases this suite runs on. */
export function announceTargets(suite: string, targets: readonly DatabaseTarget[]): void {
  const names = targets.map((t) => t.name).join(' + ');
  const note = process.env.DATABASE_URL ? '' : ' (set DATABASE_URL to also run on PostgreSQL)';
  process.stdout.write(`[e2e] ${suite}: running on ${names}${note}\n`);
}

function pgliteTarget(): DatabaseTarget {
  const dirs: string[] = [];
  return {
    name: 'pglite',
    async env() {
      const dir = await mkdtemp(join(tmpdir(), 'saver-e2e-'));
      dirs.push(dir);
      // Empty DATABASE_URL = unset: a child process must not inherit the PostgreSQL one.
      return { SAVER_DATA_DIR: dir, DATABASE_URL: '' };
    },
    async cleanup() {
      await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

function postgresTarget(url: string): DatabaseTarget {
  const schemas: string[] = [];
  return {
    name: 'postgresql',
    async env() {
      const schema = `e2e_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return { DATABASE_URL: url, DATABASE_SCHEMA: schema };
    },
    async cleanup() {
      if (schemas.length === 0) return;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
