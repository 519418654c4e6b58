import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { TerminusModule } from '@nestjs/terminus';
import { ClientNsq, type ClientNsqOptions } from 'nestjs-transport-nsq';
import { AGENT_CONFIG, type AgentConfig } from './config/agent.config.js';
import { FlashSaleBacklog } from './flash-sale/flash-sale-backlog.service.js';
import { FlashSaleController } from './flash-sale/flash-sale.controller.js';
import { HealthController } from './health/health.controller.js';
import { NsqdHealthIndicator } from './health/nsqd.health.js';
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
        ClientsModule.registerAsync([
          {
            name: NSQ_CLIENT,
            inject: [ConfigService],
            useFactory: (configService: ConfigService) => {
              const agent = configService.getOrThrow<AgentConfig>(AGENT_CONFIG);
              const options: ClientNsqOptions = {
                nsqdTcpAddresses: agent.nsqdTcpAddresses,
                publishTimeoutMs: agent.publishTimeoutMs,
                connectTimeoutMs: agent.publishTimeoutMs,
                clientId: 'agent',
              };
              return { customClass: ClientNsq, options };
            },
          },
        ]),
        TerminusModule,
      ],
      controllers: [ReportsController, OrdersController, FlashSaleController, HealthController],
      providers: [
        { provide: AGENT_CONFIG, inject: [ConfigService], useFactory: (configService: ConfigService) => configService.getOrThrow<AgentConfig>(AGENT_CONFIG) },
        { provide: APP_FILTER, useClass: NsqExceptionFilter },
        EventPublisher,
        FlashSaleBacklog,
        NsqdHealthIndicator,
      ],
    };
  }
}
