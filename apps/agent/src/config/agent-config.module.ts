import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AgentConfig, type AgentConfigNamespace, validateAgentConfig } from './agent.config.js';

/**
 * `ConfigModule.forRoot({ validate })`, and the validated {@link AgentConfig}
 * as a provider of its own so services inject it typed.
 */
@Global()
@Module({})
export class AgentConfigModule {
  /**
   * `env`: variables to read instead of `.env` and process.env (tests, embedding).
   * Awaited here, so an invalid variable rejects this call (and the app's
   * creation) instead of surfacing later as an unhandled rejection.
   */
  static async forRoot(env?: Readonly<Record<string, string | undefined>>): Promise<DynamicModule> {
    const explicit = env !== undefined;
    return {
      module: AgentConfigModule,
      imports: [
        await ConfigModule.forRoot({
          ignoreEnvFile: explicit,
          ignoreEnvVars: explicit,
          skipProcessEnv: explicit,
          validate: (variables) => validateAgentConfig(env ?? variables),
        }),
      ],
      providers: [
        {
          provide: AgentConfig,
          inject: [ConfigService],
          useFactory: (config: ConfigService<AgentConfigNamespace, true>) => config.get('agent', { infer: true }),
        },
      ],
      exports: [AgentConfig],
    };
  }
}
