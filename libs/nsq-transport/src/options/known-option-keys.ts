import { UnknownNsqOptionError } from '../errors/unknown-nsq-option.error.js';
import { closestName } from './closest-name.js';

/**
 * The keys of an options interface, as a value: `{ a: true, b: true } satisfies
 * OptionKeys<Options>` fails to compile when the interface gains or loses a
 * key, so the run-time check below cannot drift from the types.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Throws {@link UnknownNsqOptionError} for the first key of `value` that is not
 * in `known`, naming it (with `path` in front, e.g. `batching.`) and the
 * closest valid key. Shared by every options resolver: TypeScript catches such
 * typos in object literals, but not in options built at run time (a
 * `registerAsync` factory, a config file, plain JavaScript).
 */
export function assertKnownOptionKeys(value: object, known: Readonly<Record<string, true>>, path = ''): void {
  const valid = Object.keys(known);
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(known, key)) continue;
    const suggestion = closestName(key, valid);
    throw new UnknownNsqOptionError(`${path}${key}`, suggestion === undefined ? undefined : `${path}${suggestion}`, valid.map((name) => `${path}${name}`));
  }
}
