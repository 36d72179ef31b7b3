/**
 * The bad-input matrix of `bad_input_test.ts` and
 * `bad_input_platform_test.ts`: each case is a bad call, the error class it
 * must raise (or reject with) and what the message must say; after each,
 * a normal call on the same object must still work.
 *
 * @module
 */
import assert from "node:assert/strict";

/** An error class. */
export type ErrorClass = new (...args: never[]) => Error;

/** A bad call: what it is, the call, the error class, and what the message must say. */
export type Case = [string, () => unknown, ErrorClass, RegExp];

/** std's wording: "Cannot X as 'y' must be Z: current value is N". */
export const STD = /Cannot .+ as .*'.+' must .+: current value is .+/;

/**
 * Runs each bad call (awaiting what it returns, so a rejection counts as
 * its error), checks the error, then `stillWorks()`; the number of cases.
 */
export async function matrix(
  cases: Case[],
  stillWorks: () => Promise<void> | void,
): Promise<number> {
  for (const [what, call, cls, says] of cases) {
    let error: unknown = null;
    try {
      const r = call();
      if (
        r !== null && typeof (r as PromiseLike<unknown>)?.then === "function"
      ) {
        await r;
      }
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof cls, `${what}: got ${error}, not ${cls.name}`);
    assert.match((error as Error).message, says, what);
    await stillWorks();
  }
  return cases.length;
}
