/**
 * Compile-time twin of `assertKnownOptionKeys`, for options TypeScript's
 * excess-property check misses: an object literal returned by a factory
 * (`registerAsync({ useFactory: () => ({ publishTimeoutMS: 1 }) })`) is not
 * checked against the declared return type, so its typo would compile.
 */

/** Keys of `T` that `Shape` does not have. */
type ExtraKeys<T, Shape> = Exclude<keyof T, keyof Shape> & string;

/** `parent.key` for unknown keys of the nested options object at `K` (e.g. `tls`, `batching`). */
type NestedExtraKeys<T, Shape, K extends string> = K extends keyof T & keyof Shape
  ? T[K] extends infer Value
    ? Value extends object
      ? `${K}.${ExtraKeys<Value, Extract<Shape[K], object>>}`
      : never
    : never
  : never;

/** Unknown keys of `T` as dotted paths: at the top level, and inside the nested options objects `Nested`. */
export type UnknownOptionKeys<T, Shape, Nested extends string = never> = ExtraKeys<T, Shape> | NestedExtraKeys<T, Shape, Nested>;

/**
 * `unknown` when there are no unknown keys; otherwise a required property no
 * real options object has, so the call fails to compile with an error that
 * names the unknown keys.
 */
export type RejectUnknownOptionKeys<Unknown extends string> = [Unknown] extends [never] ? unknown : { readonly 'unknown NSQ options (check the spelling)': Unknown };
