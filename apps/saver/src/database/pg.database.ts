import pg from 'pg';
import type { Database, QueryResult } from './database.js';

/** A real PostgreSQL server through a `pg` pool (DATABASE_URL). */
export class PgDatabase implements Database {
  readonly kind = 'postgresql';

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {}

  static async open(url: string, schema: string): Promise<PgDatabase> {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await admin.end();
    }
    // Every pooled connection starts with the schema on its search_path.
    const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path="${schema}"` });
    pool.on('error', () => undefined); // an idle client's error is seen again by the next query
    const { hostname, port, pathname } = new URL(url);
    return new PgDatabase(pool, `PostgreSQL ${hostname}:${port || 5432}${pathname} (schema ${schema})`);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const result = await this.pool.query(sql, [...params]);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
