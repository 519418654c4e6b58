import type { SaverConfig } from '../config/saver.config.js';
import type { Database } from './database.js';
import { PgDatabase } from './pg.database.js';
import { PgliteDatabase } from './pglite.database.js';
import { SCHEMA_STATEMENTS } from './schema.js';

/** PostgreSQL when DATABASE_URL is set, PGlite otherwise; the schema is created before it is returned. */
export async function openDatabase(config: SaverConfig['database']): Promise<Database> {
  const db = config.url ? await PgDatabase.open(config.url, config.schema) : await PgliteDatabase.open(config.dataDir, config.schema);
  try {
    for (const statement of SCHEMA_STATEMENTS) await db.query(statement);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
