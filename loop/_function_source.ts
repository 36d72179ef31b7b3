/**
 * Functions across realms: functions cannot be cloned, so a function sent
 * to a worker travels as its source text and is compiled again there. Only
 * a self-contained function survives the trip: one that uses nothing from
 * outside its own body but globals (`Deno`, `fetch`, ...), its parameters,
 * and what it imports itself with `await import(url)`.
 *
 * @module
 */
import { describe } from "./_describe.ts";

// deno-lint-ignore no-explicit-any
export type AnyFn = (...args: any[]) => unknown;

const sources = new WeakMap<AnyFn, string>();

/**
 * Compiles a function's source, as `Function.prototype.toString()` gives
 * it, back into a function of this realm. Accepts function expressions,
 * arrow functions, classes and methods written in shorthand (`f(x) {}`).
 *
 * @throws {SyntaxError} If the source does not compile on its own.
 */
export function compileFunction(source: string): AnyFn {
  try {
    return new Function(`return (${source}\n);`)() as AnyFn;
  } catch (first) {
    if (!(first instanceof SyntaxError)) throw first;
    let holder: Record<string, unknown>;
    try {
      holder = new Function(`return ({${source}\n});`)();
    } catch {
      throw first;
    }
    const keys = Object.keys(holder);
    if (keys.length !== 1 || typeof holder[keys[0]] !== "function") {
      throw first;
    }
    return holder[keys[0]] as AnyFn;
  }
}

/**
 * The source of `fn`, checked to compile on its own (cached per function).
 *
 * @throws {TypeError} If `fn` is native or bound, or its source does not
 *   compile on its own (it uses `import.meta`, `super`, ...).
 */
export function functionSource(fn: AnyFn): string {
  let source = sources.get(fn);
  if (source !== undefined) return source;
  source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(
      `Cannot send ${
        describe(fn)
      } to a worker as it is a native or bound function: send a self-contained function, or a { module, name } reference to an exported one`,
    );
  }
  try {
    compileFunction(source);
  } catch (e) {
    throw new TypeError(
      `Cannot send ${
        describe(fn)
      } to a worker as its source does not compile on its own: ${
        (e as Error).message
      }`,
      { cause: e },
    );
  }
  sources.set(fn, source);
  return source;
}

const NOT_DEFINED = /^(\S+) is not defined$/;

/**
 * Explains a `ReferenceError` raised by a function that was sent as source
 * when the missing name appears in that source: most likely a variable of
 * the scope the function was written in, which did not travel with it.
 * Returns `error`, its message rewritten, or unchanged.
 */
export function explainClosureError(
  error: unknown,
  source: string,
  fnName: string,
): unknown {
  if (!(error instanceof ReferenceError)) return error;
  const m = NOT_DEFINED.exec(error.message);
  if (m === null) return error;
  const id = m[1];
  const escaped = id.replace(/[$]/g, "\\$");
  if (!new RegExp(`(^|[^\\w$.])${escaped}(?![\\w$])`).test(source)) {
    return error;
  }
  const old = `${error.name}: ${error.message}`;
  error.message =
    `${fnName} uses '${id}', which is not defined in the worker: ` +
    "a function sent to a worker is re-created from its source, so it cannot use " +
    "variables from outside its own body (pass them as arguments, import them inside " +
    "it with await import(url), or send a { module, name } reference instead)";
  if (typeof error.stack === "string" && error.stack.startsWith(old)) {
    error.stack = `${error.name}: ${error.message}${
      error.stack.slice(old.length)
    }`;
  }
  return error;
}
