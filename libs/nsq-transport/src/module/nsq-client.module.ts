import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ClientNsq } from '../client/client-nsq.js';
import type { ClientNsqOptions } from '../options/client-nsq-options.interface.js';
import { assertKnownOptionKeys } from '../options/known-option-keys.js';
import { CLIENT_OPTION_KEYS } from '../options/resolve-client-options.js';
import type { NsqClientModuleAsyncOptions, NsqClientModuleOptions } from './nsq-module-options.interface.js';
import { ASYNC_REGISTRATION_KEYS, REGISTRATION_KEYS, registrationModule } from './nsq-registration.js';

/**
 * Registers a {@link ClientNsq} with typed options — a typo is a compile error
 * under `strict`, and a run-time error naming the closest option when the
 * options are built at run time — closed with the application. The client is
 * injected by type, or by `name` when there are several.
 *
 * @example
 * ```ts
 * @Module({ imports: [NsqClientModule.register({ nsqdTcpAddresses: ['127.0.0.1:4150'] })] })
 * export class AppModule {}
 *
 * @Injectable()
 * export class Reports {
 *   constructor(private readonly nsq: ClientNsq) {}
 * }
 * ```
 */
@Module({})
export class NsqClientModule {
  /** One client, with the options given here. */
  static register(options: NsqClientModuleOptions): DynamicModule {
    assertKnownOptionKeys(options, { ...CLIENT_OPTION_KEYS, ...REGISTRATION_KEYS });
    const { name, isGlobal, ...clientOptions } = options;
    return registrationModule(NsqClientModule, { name, isGlobal }, { useValue: clientOptions }, ClientNsq, createClient);
  }

  /**
   * One client, with options made by `useFactory` from the providers named in
   * `inject` (e.g. `ConfigService`). The options are checked when Nest runs
   * the factory, like `register`'s.
   *
   * @example
   * ```ts
   * NsqClientModule.registerAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ nsqdTcpAddresses: config.getOrThrow<string>('NSQD').split(',') }),
   * })
   * ```
   */
  static registerAsync<TOptions extends ClientNsqOptions>(options: NsqClientModuleAsyncOptions<TOptions>): DynamicModule {
    assertKnownOptionKeys(options, ASYNC_REGISTRATION_KEYS);
    return registrationModule<ClientNsqOptions, ClientNsq>(NsqClientModule, options, options, ClientNsq, createClient);
  }
}

function createClient(options: ClientNsqOptions): ClientNsq & OnApplicationShutdown {
  const client = new ClientNsq(options);
  // As ClientsModule does: Nest calls this hook on every provider that has one,
  // so the client waits for its unacknowledged publishes and closes with the app.
  return Object.assign(client, { onApplicationShutdown: () => client.close() });
}
