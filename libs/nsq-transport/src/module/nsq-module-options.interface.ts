import type { FactoryProvider, InjectionToken, ModuleMetadata } from '@nestjs/common';
import type { ClientNsqOptions } from '../options/client-nsq-options.interface.js';
import type { ServerNsqOptions } from '../options/server-nsq-options.interface.js';
import type { RejectUnknownOptionKeys, UnknownOptionKeys } from '../options/unknown-option-keys.type.js';

/** How a client or server is registered: its injection token and scope. */
export interface NsqRegistration {
  /**
   * Injection token of the instance. Give one per instance when the app
   * registers several.
   * @default the class itself (`ClientNsq` / `ServerNsq`), so it is injected by type
   */
  readonly name?: string | symbol;
  /** Register in a global module, injectable everywhere. @default false */
  readonly isGlobal?: boolean;
}

/** Options of {@link NsqClientModule.register}: the client's options plus its registration. */
export interface NsqClientModuleOptions extends ClientNsqOptions, NsqRegistration {}

/** Options of {@link NsqServerModule.register}: the server's options plus its registration. */
export interface NsqServerModuleOptions extends ServerNsqOptions, NsqRegistration {}

/** Options of `registerAsync`: a factory for the options, run by Nest with `inject`'s providers. */
export interface NsqModuleAsyncOptions<TOptions> extends NsqRegistration {
  /** Modules that export what `inject` names (e.g. `ConfigModule`). */
  readonly imports?: ModuleMetadata['imports'];
  /** Providers handed to `useFactory`, in order. */
  readonly inject?: Exclude<FactoryProvider['inject'], undefined> | readonly InjectionToken[];
  /**
   * Returns the options (or a promise of them). A method, so a factory with
   * typed parameters, `(config: ConfigService) => ({ … })`, fits.
   */
  useFactory(...args: unknown[]): TOptions | Promise<TOptions>;
}

/**
 * Options of {@link NsqClientModule.registerAsync}. `TOptions` is what the
 * factory returns: an unknown key in it (top level, `tls`, `batching`) fails
 * to compile.
 */
export type NsqClientModuleAsyncOptions<TOptions extends ClientNsqOptions = ClientNsqOptions> = NsqModuleAsyncOptions<TOptions> &
  RejectUnknownOptionKeys<UnknownOptionKeys<TOptions, ClientNsqOptions, 'tls' | 'batching'>>;

/** Options of {@link NsqServerModule.registerAsync}; an unknown key in what the factory returns fails to compile. */
export type NsqServerModuleAsyncOptions<TOptions extends ServerNsqOptions = ServerNsqOptions> = NsqModuleAsyncOptions<TOptions> &
  RejectUnknownOptionKeys<UnknownOptionKeys<TOptions, ServerNsqOptions, 'tls'>>;
