import { sql } from 'kysely';
import { SaverDatabase } from '../../apps/saver/src/database/saver-database.js';
import { SAVER_MIGRATIONS } from '../../apps/saver/src/database/migrations/index.js';
import { validateSaverConfig } from '../../apps/saver/src/config/saver.config.js';
import { announceTargets, databaseTargets } from './support/database-targets.js';

const targets = databaseTargets();
announceTargets('saver database: migrations and timeouts', targets);

describe.each(targets.map((target) => [target.name, target] as const))('the saver database on %s', (_name, target) => {
  afterAll(async () => {
    await target.cleanup();
  });

  it('applies every versioned migration once, and again finds nothing to do', async () => {
    const env = { ...(await target.env()), NSQD_TCP_ADDRESSES: '127.0.0.1:4150' };
    const { database: config } = validateSaverConfig(env).saver;
    const first = await SaverDatabase.open(config);
    const applied = await sql<{ name: string }>`SELECT name FROM ${sql.table(`${config.schema}.kysely_migration`)} ORDER BY name`.execute(first.db);
    expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(SAVER_MIGRATIONS).sort());
    await first.close();

    const again = await SaverDatabase.open(config);
    const still = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(`${config.schema}.kysely_migration`)}`.execute(again.db);
    expect(Number(still.rows[0]!.n)).toBe(Object.keys(SAVER_MIGRATIONS).length);
    await again.close();
  });

  if (target.name === 'postgresql') {
    it('cancels a statement that runs past DATABASE_STATEMENT_TIMEOUT_MS', async () => {
      const env = { ...(await target.env()), NSQD_TCP_ADDRESSES: '127.0.0.1:4150', DATABASE_STATEMENT_TIMEOUT_MS: '300' };
      const database = await SaverDatabase.open(validateSaverConfig(env).saver.database);
      try {
        await expect(sql`SELECT pg_sleep(30)`.execute(database.db)).rejects.toThrow(/statement timeout/);
        await database.ping();
      } finally {
        await database.close();
      }
    });
  }
});
