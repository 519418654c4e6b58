type ErrorClass<T extends Error> = abstract new (...args: never[]) => T;

/** Runs `fn` and returns what it threw, failing the test unless it is an instance of `type`. */
export function catchError<T extends Error>(type: ErrorClass<T>, fn: () => unknown): T {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  return expectInstance(type, thrown);
}

/** Awaits `fn` and returns its rejection, failing the test unless it is an instance of `type`. */
export async function catchRejection<T extends Error>(type: ErrorClass<T>, fn: () => Promise<unknown>): Promise<T> {
  let thrown: unknown;
  try {
    await fn();
  } catch (error) {
    thrown = error;
  }
  return expectInstance(type, thrown);
}

function expectInstance<T extends Error>(type: ErrorClass<T>, thrown: unknown): T {
  if (thrown === undefined) throw new Error(`expected ${type.name} to be thrown, nothing was`);
  if (!(thrown instanceof type)) throw new Error(`expected ${type.name}, got ${String(thrown)}`, { cause: thrown });
  return thrown;
}
