import { Global, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { SaverConfig } from '../config/saver.config.js';
import { SaverDatabase } from './saver-database.js';
import { WriteTally } from './write-tally.js';

/** The migrated database and the write tally, for every feature module. */
@Global()
@Module({
  providers: [
    {
      provide: SaverDatabase,
      inject: [SaverConfig],
      useFactory: async (config: SaverConfig) => {
        const database = await SaverDatabase.open(config.database);
        new Logger('Database').log(`Migrated and ready on ${database.location}`);
        return database;
      },
    },
    WriteTally,
  ],
  exports: [SaverDatabase, WriteTally],
})
export class DatabaseModule implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseModule.name);

  constructor(private readonly database: SaverDatabase) {}

  /** Runs after the NSQ server drained (Nest closes microservices before this hook). */
  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
    this.logger.log('Database closed');
  }
}
