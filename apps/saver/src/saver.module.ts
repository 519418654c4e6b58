import { type DynamicModule, Module } from '@nestjs/common';
import { NsqServerModule } from 'nestjs-transport-nsq';
import { SaverConfig } from './config/saver.config.js';
import { SaverConfigModule } from './config/saver-config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { FlashSaleModule } from './flash-sale/flash-sale.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { SaverMetrics } from './metrics/saver-metrics.js';
import { OrdersModule } from './orders/orders.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { SeedReportsModule } from './seed-reports/seed-reports.module.js';
import { StatsModule } from './stats/stats.module.js';
import { randomBytes } from 'node:crypto';

/**
 * The saver: one ServerNsq for every handler (the flash sale's one message in
 * flight is that handler's own `maxInFlight`), the database, and a feature
 * module per kind of event.
 */
@Module({})
export class SaverModule {
  /** `env`: variables to read instead of `.env` and process.env (tests, embedding). */
  static async forRoot(env?: Readonly<Record<string, string | undefined>>): Promise<DynamicModule> {
    return {
      module: SaverModule,
      imports: [
        await SaverConfigModule.forRoot(env),
        NsqServerModule.registerAsync({
          isGlobal: true,
          inject: [SaverConfig, SaverMetrics],
          useFactory: (config: SaverConfig, metrics: SaverMetrics) => ({
            lookupdHttpAddresses: config.lookupdHttpAddresses,
            nsqdTcpAddresses: config.nsqdTcpAddresses,
            lookupdPollIntervalMs: config.lookupdPollIntervalMs,
            channel: config.channel,
            maxInFlight: config.maxInFlight,
            maxAttempts: config.maxAttempts,
            deadLetterTopic: config.deadLetterTopic,
            drainTimeoutMs: config.drainTimeoutMs,
            msgTimeoutMs: config.msgTimeoutMs,
            // One id per replica: nsqd's /stats and nsqadmin tell the replicas of a channel apart.
            clientId: `saver-${randomBytes(3).toString('hex')}`,
            metrics: { meterProvider: metrics.meterProvider },
          }),
        }),
        DatabaseModule,
        ReportsModule,
        OrdersModule,
        FlashSaleModule,
        SeedReportsModule,
        StatsModule,
        HealthModule,
        MetricsModule,
      ],
    };
  }
}
