import { type DynamicModule, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import type { ServerNsq } from 'nestjs-transport-nsq';
import { NsqHealthIndicator } from 'nestjs-transport-nsq/health';
import { SAVER_CONFIG, type SaverConfig } from './config/saver.config.js';
import { DATABASE, type Database } from './database/database.js';
import { openDatabase } from './database/open-database.js';
import { FlashSaleEvents } from './events/flash-sale.events.js';
import { OrderEvents } from './events/order.events.js';
import { ReportEvents } from './events/report.events.js';
import { HealthController } from './http/health.controller.js';
import { ReadController } from './http/read.controller.js';
import { DatabaseHealthIndicator } from './http/database.health.js';
import { NSQ_SERVERS } from './nsq-servers.js';
import { SaverStore } from './store/saver.store.js';

@Module({})
export class SaverModule implements OnApplicationShutdown {
  private readonly logger = new Logger('SaverModule');

  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** `config` comes from `loadSaverConfig(env)`; `servers` are the ServerNsq instances connected to the app. */
  static forRoot(config: SaverConfig, servers: Record<string, ServerNsq>): DynamicModule {
    return {
      module: SaverModule,
      imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, ignoreEnvVars: true, skipProcessEnv: true, load: [registerAs(SAVER_CONFIG, () => config)] }), TerminusModule],
      controllers: [ReportEvents, OrderEvents, FlashSaleEvents, ReadController, HealthController],
      providers: [
        { provide: SAVER_CONFIG, inject: [ConfigService], useFactory: (configService: ConfigService) => configService.getOrThrow<SaverConfig>(SAVER_CONFIG) },
        {
          provide: DATABASE,
          inject: [SAVER_CONFIG],
          useFactory: async (saver: SaverConfig) => {
            const db = await openDatabase(saver.database);
            new Logger('Database').log(`Schema ready on ${db.location}`);
            return db;
          },
        },
        { provide: NSQ_SERVERS, useValue: servers },
        SaverStore,
        DatabaseHealthIndicator,
        NsqHealthIndicator,
      ],
    };
  }

  /** Runs after the NSQ servers drained (Nest closes microservices before this hook). */
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
    this.logger.log('Database closed');
  }
}
