import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { NsqClientModule } from 'nestjs-transport-nsq';
import { NsqHealthIndicator } from 'nestjs-transport-nsq/health';
import { AGENT_CONFIG, type AgentConfig } from './config/agent.config.js';
import { FlashSaleBacklog } from './flash-sale/flash-sale-backlog.service.js';
import { FlashSaleController } from './flash-sale/flash-sale.controller.js';
import { HealthController } from './health/health.controller.js';
import { EventPublisher } from './nsq/event-publisher.service.js';
import { NsqExceptionFilter } from './nsq/nsq-exception.filter.js';
import { OrdersController } from './orders/orders.controller.js';
import { ReportsController } from './reports/reports.controller.js';
import { NSQ_CLIENT } from './topics.js';

@Module({})
export class AgentModule {
  /** `config` comes from `loadAgentConfig(env)`, validated before the app is created. */
  static forRoot(config: AgentConfig): DynamicModule {
    return {
      module: AgentModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, ignoreEnvVars: true, skipProcessEnv: true, load: [registerAs(AGENT_CONFIG, () => config)] }),
        NsqClientModule.registerAsync({
          name: NSQ_CLIENT,
          inject: [ConfigService],
          useFactory: (configService: ConfigService) => {
            const agent = configService.getOrThrow<AgentConfig>(AGENT_CONFIG);
            return {
              nsqdTcpAddresses: agent.nsqdTcpAddresses,
              publishTimeoutMs: agent.publishTimeoutMs,
              connectTimeoutMs: agent.publishTimeoutMs,
              clientId: 'agent',
            };
          },
        }),
        TerminusModule,
      ],
      controllers: [ReportsController, OrdersController, FlashSaleController, HealthController],
      providers: [
        { provide: AGENT_CONFIG, inject: [ConfigService], useFactory: (configService: ConfigService) => configService.getOrThrow<AgentConfig>(AGENT_CONFIG) },
        { provide: APP_FILTER, useClass: NsqExceptionFilter },
        EventPublisher,
        FlashSaleBacklog,
        NsqHealthIndicator,
      ],
    };
  }
}
