import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import type { SaverConfig } from '../config/saver.config.js';
import type { SaverTables } from './database.tables.js';
import { saverMigrationProvider } from './migrations/index.js';

/**
 * The saver's database: Kysely on a `pg` pool (DATABASE_URL) or on embedded
 * PGlite, migrated to the latest version before it is handed out. Also its
 * injection token.
 */
export class SaverDatabase {
  private constructor(
    /** Typed queries: `database.db.insertInto('reports')…`. */
    readonly db: Kysely<SaverTables>,
    /** `pglite` (embedded) or `postgresql` (DATABASE_URL). */
    readonly kind: 'pglite' | 'postgresql',
    /** Where the data lives, safe to log (no credentials). */
    readonly location: string,
  ) {}

  /** PostgreSQL when `url` is set, PGlite otherwise; every pending migration is applied first. */
  static async open(config: SaverConfig['database']): Promise<SaverDatabase> {
    const database = config.url ? SaverDatabase.postgres(config, config.url) : await SaverDatabase.pglite(config);
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(config.schema)}`.execute(database.db);
      const migrator = new Migrator({ db: database.db, provider: saverMigrationProvider, migrationTableSchema: config.schema });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error !== undefined || failed) {
        throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      return database;
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  private static postgres(config: SaverConfig['database'], url: string): SaverDatabase {
    const pool = new pg.Pool({
      connectionString: url,
      max: config.poolMax,
      // A connection that cannot be had in time fails the query (the message is retried) instead of hanging the handler.
      connectionTimeoutMillis: config.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      // The server cancels a runaway statement; the client gives up shortly after in case the server cannot answer.
      statement_timeout: config.statementTimeoutMs,
      query_timeout: config.statementTimeoutMs + 1_000,
      application_name: 'saver',
      // Every pooled connection starts with the schema on its search_path.
      options: `-c search_path="${config.schema}"`,
    });
    pool.on('error', () => undefined); // an idle client's error is seen again by the next query
    const { hostname, port, pathname } = new URL(url);
    return new SaverDatabase(new Kysely<SaverTables>({ dialect: new PostgresDialect({ pool }) }), 'postgresql', `PostgreSQL ${hostname}:${port || 5432}${pathname} (schema ${config.schema})`);
  }

  private static async pglite(config: SaverConfig['database']): Promise<SaverDatabase> {
    await mkdir(config.dataDir, { recursive: true });
    const pglite = await PGlite.create(config.dataDir);
    // One connection: the search_path set here holds for every query.
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS "${config.schema}"; SET search_path TO "${config.schema}"`);
    return new SaverDatabase(new Kysely<SaverTables>({ dialect: new PGliteDialect({ pglite }) }), 'pglite', `PGlite ${config.dataDir} (schema ${config.schema})`);
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
