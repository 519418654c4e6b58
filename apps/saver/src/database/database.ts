/** Rows and the number of rows an INSERT/UPDATE touched. */
export interface QueryResult<T> {
  readonly rows: T[];
  readonly rowCount: number;
}

/** The little the saver needs from PostgreSQL, served by PGlite or by a `pg` pool. */
export interface Database {
  /** `pglite` (embedded) or `postgresql` (DATABASE_URL). */
  readonly kind: 'pglite' | 'postgresql';
  /** Where the data lives, safe to log (no credentials). */
  readonly location: string;
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  close(): Promise<void>;
}

/** Injection token of the {@link Database}. */
export const DATABASE = Symbol('DATABASE');
