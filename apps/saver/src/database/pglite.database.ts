import { PGlite } from '@electric-sql/pglite';
import { mkdir } from 'node:fs/promises';
import type { Database, QueryResult } from './database.js';

/** Embedded PostgreSQL (WASM) persisted in a folder: the default, so the saver runs with nothing installed. */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite';

  private constructor(
    private readonly db: PGlite,
    readonly location: string,
  ) {}

  static async open(dataDir: string, schema: string): Promise<PgliteDatabase> {
    await mkdir(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir);
    // One connection, so the search_path set here holds for every query.
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`);
    return new PgliteDatabase(db, `PGlite ${dataDir} (schema ${schema})`);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const result = await this.db.query<T>(sql, [...params]);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
