import type { DynamicModule, FactoryProvider, InjectionToken, Type } from '@nestjs/common';
import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import type { OptionKeys } from '../options/known-option-keys.js';
import { boolean } from '../options/option-validators.js';
import type { NsqModuleAsyncOptions, NsqRegistration } from './nsq-module-options.interface.js';

export const REGISTRATION_DEFAULTS = {
  isGlobal: false,
} as const;

/** The keys `register` accepts besides the client's or server's own options. */
export const REGISTRATION_KEYS = { name: true, isGlobal: true } as const satisfies OptionKeys<NsqRegistration>;

/** Every key of `registerAsync`'s options. */
export const ASYNC_REGISTRATION_KEYS = {
  ...REGISTRATION_KEYS,
  imports: true,
  inject: true,
  useFactory: true,
} as const satisfies OptionKeys<NsqModuleAsyncOptions<unknown>>;

/** Module-private token of a registration's options (each dynamic module has its own). */
const OPTIONS = Symbol('NSQ_REGISTRATION_OPTIONS');

/**
 * The dynamic module of one registration: its options (given, or made by a
 * factory), and the instance built from them, exported under `name` (default:
 * the class).
 *
 * The options are a provider of their own, not captured by the instance's
 * factory: with `moduleIdGeneratorAlgorithm: 'deep-hash'`, Nest identifies a
 * dynamic module by its serialized metadata, in which a function counts only
 * by its source text, so two registrations differing only in captured options
 * would be merged into one.
 */
export function registrationModule<TOptions, TInstance>(
  module: Type<unknown>,
  registration: NsqRegistration & Pick<NsqModuleAsyncOptions<TOptions>, 'imports'>,
  options: { readonly useValue: TOptions } | Pick<NsqModuleAsyncOptions<TOptions>, 'inject' | 'useFactory'>,
  defaultToken: InjectionToken,
  create: (options: TOptions) => TInstance,
): DynamicModule {
  const optionsProvider =
    'useValue' in options
      ? { provide: OPTIONS, useValue: options.useValue }
      : // The user's own factory, not a wrapper: its source text is what tells two registrations apart.
        { provide: OPTIONS, inject: [...(options.inject ?? [])], useFactory: options.useFactory };
  const name = registration.name;
  if (name !== undefined && typeof name !== 'string' && typeof name !== 'symbol') throw new InvalidNsqOptionError('name', 'a string or a symbol (the injection token)', name);
  const instance: FactoryProvider<TInstance> = { provide: name ?? defaultToken, inject: [OPTIONS], useFactory: create };
  return {
    module,
    global: boolean('isGlobal', registration.isGlobal ?? REGISTRATION_DEFAULTS.isGlobal),
    imports: [...(registration.imports ?? [])],
    providers: [optionsProvider, instance],
    exports: [instance.provide],
  };
}
