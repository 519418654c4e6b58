import { type DynamicModule, Module } from '@nestjs/common';
import type { ServerNsqOptions } from '../options/server-nsq-options.interface.js';
import { assertKnownOptionKeys } from '../options/known-option-keys.js';
import { ServerNsq } from '../server/server-nsq.js';
import type { NsqServerModuleAsyncOptions, NsqServerModuleOptions } from './nsq-module-options.interface.js';
import { ASYNC_REGISTRATION_KEYS, registrationModule } from './nsq-registration.js';

/**
 * Provides a {@link ServerNsq} to a hybrid application, configured from its
 * own providers if need be. Connect it with `inheritAppConfig` so global pipes,
 * filters and interceptors apply to its handlers too; the application then
 * drains and closes it. (A standalone microservice needs its strategy before
 * any module exists: give `NestFactory.createMicroservice` a `new ServerNsq()`.)
 *
 * @example
 * ```ts
 * @Module({ imports: [NsqServerModule.register({ nsqdTcpAddresses: ['127.0.0.1:4150'], channel: 'saver' })] })
 * export class AppModule {}
 *
 * const app = await NestFactory.create(AppModule);
 * app.connectMicroservice({ strategy: app.get(ServerNsq) }, { inheritAppConfig: true });
 * await app.startAllMicroservices();
 * ```
 */
@Module({})
export class NsqServerModule {
  /** One server, with the options given here. */
  static register(options: NsqServerModuleOptions): DynamicModule {
    const { name, isGlobal, ...serverOptions } = options;
    return registrationModule(NsqServerModule, { name, isGlobal }, { useValue: serverOptions }, ServerNsq, createServer);
  }

  /** One server, with options made by `useFactory` from the providers named in `inject` (e.g. `ConfigService`). */
  static registerAsync<TOptions extends ServerNsqOptions>(options: NsqServerModuleAsyncOptions<TOptions>): DynamicModule {
    assertKnownOptionKeys(options, ASYNC_REGISTRATION_KEYS);
    return registrationModule<ServerNsqOptions, ServerNsq>(NsqServerModule, options, options, ServerNsq, createServer);
  }
}

function createServer(options: ServerNsqOptions): ServerNsq {
  return new ServerNsq(options);
}
