import { InvalidNsqOptionError } from './invalid-nsq-option.error.js';

/**
 * An options object has a key the transport does not know: usually a typo
 * (`publishTimeoutMS`), or an option of the other side (a server option given
 * to the client). A subclass of {@link InvalidNsqOptionError}, so one
 * `instanceof` still catches every configuration mistake.
 */
export class UnknownNsqOptionError extends InvalidNsqOptionError {
  constructor(
    option: string,
    /** The closest valid option at the same level, when one is close enough to be the intended one. */
    readonly suggestion: string | undefined,
    /** Every valid option at that level. */
    readonly validOptions: readonly string[],
  ) {
    // The value is never echoed: a mistyped `authSecret` is still a secret.
    super(option, suggestion === undefined ? `one of ${validOptions.join(', ')}` : `"${suggestion}"`, undefined);
    this.message =
      `Unknown NSQ option "${option}"` + (suggestion === undefined ? `; valid options here: ${validOptions.join(', ')}` : `; did you mean "${suggestion}"?`);
  }
}
