import type { Migration, MigrationProvider } from 'kysely/migration';
import { initialMigration } from './0001-initial.migration.js';
import { orderPaymentDeadlineMigration } from './0002-order-payment-deadline.migration.js';
import { seedReportsMigration } from './0003-seed-reports.migration.js';

/**
 * The saver's versioned migrations, applied in name order at start. Imported,
 * not read from a folder, so they travel with the compiled app. Add one file
 * per change; never edit one that has shipped.
 */
export const SAVER_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initialMigration,
  '0002_order_payment_deadline': orderPaymentDeadlineMigration,
  '0003_seed_reports': seedReportsMigration,
};

export const saverMigrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...SAVER_MIGRATIONS }),
};
