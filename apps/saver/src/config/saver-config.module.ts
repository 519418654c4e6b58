import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { SaverConfig, type SaverConfigNamespace, validateSaverConfig } from './saver.config.js';

/**
 * `ConfigModule.forRoot({ validate })`, and the validated {@link SaverConfig}
 * as a provider of its own so services inject it typed.
 */
@Global()
@Module({})
export class SaverConfigModule {
  /**
   * `env`: variables to read instead of `.env` and process.env (tests, embedding).
   * Awaited here, so an invalid variable rejects this call (and the app's
   * creation) instead of surfacing later as an unhandled rejection.
   */
  static async forRoot(env?: Readonly<Record<string, string | undefined>>): Promise<DynamicModule> {
    const explicit = env !== undefined;
    return {
      module: SaverConfigModule,
      imports: [
        await ConfigModule.forRoot({
          ignoreEnvFile: explicit,
          ignoreEnvVars: explicit,
          skipProcessEnv: explicit,
          validate: (variables) => validateSaverConfig(env ?? variables),
        }),
      ],
      providers: [
        {
          provide: SaverConfig,
          inject: [ConfigService],
          useFactory: (config: ConfigService<SaverConfigNamespace, true>) => config.get('saver', { infer: true }),
        },
      ],
      exports: [SaverConfig],
    };
  }
}
