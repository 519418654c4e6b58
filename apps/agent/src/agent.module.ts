import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { NsqClientModule } from 'nestjs-transport-nsq';
import { AgentConfig } from './config/agent.config.js';
import { AgentConfigModule } from './config/agent-config.module.js';
import { FlashSaleModule } from './flash-sale/flash-sale.module.js';
import { HealthModule } from './health/health.module.js';
import { NSQ_CLIENT } from './nsq/nsq-client.token.js';
import { NsqExceptionFilter } from './nsq/nsq-exception.filter.js';
import { NsqModule } from './nsq/nsq.module.js';
import { OrdersModule } from './orders/orders.module.js';
import { ReportsModule } from './reports/reports.module.js';

/** The agent: HTTP in, NSQ events out, a feature module per resource. */
@Module({})
export class AgentModule {
  /** `env`: variables to read instead of `.env` and process.env (tests, embedding). */
  static async forRoot(env?: Readonly<Record<string, string | undefined>>): Promise<DynamicModule> {
    return {
      module: AgentModule,
      imports: [
        await AgentConfigModule.forRoot(env),
        NsqClientModule.registerAsync({
          name: NSQ_CLIENT,
          isGlobal: true,
          inject: [AgentConfig],
          useFactory: (config: AgentConfig) => ({
            nsqdTcpAddresses: config.nsqdTcpAddresses,
            publishTimeoutMs: config.publishTimeoutMs,
            connectTimeoutMs: config.publishTimeoutMs,
            clientId: 'agent',
          }),
        }),
        NsqModule,
        ReportsModule,
        OrdersModule,
        FlashSaleModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: NsqExceptionFilter }],
    };
  }
}
