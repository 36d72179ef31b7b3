/**
 * Awaitables that need no waiting, and the bridge from any awaitable to
 * `yield*`.
 *
 * - `ready(value)`: what `lock.acquire()` or `queue.get()` return when they
 *   can finish at once (asyncio's coroutine that returns without
 *   suspending). It is a settled native Promise that is also iterable, so
 *   `await` costs one microtask and `yield*` none.
 * - `failed(error)`: the same for an error, lazy so that an awaitable that is
 *   never awaited never becomes an unhandled rejection.
 * - `iterate(aw)`: what a generator coroutine of this module `yield*`s to
 *   wait for any `AwaitableLike` (a Promise is wrapped into a Future).
 *
 * @module
 */
import { describe } from "../loop/_describe.ts";
import { wrapFuture } from "./future.ts";
import { isGeneratorObject } from "./task.ts";
import type { Awaitable, AwaitableLike, Coroutine } from "./types.ts";

/** The iterator of a settled awaitable: done at once with `value`. */
class DoneIterator<T> implements Iterator<unknown, T, unknown> {
  readonly #result: IteratorReturnResult<T>;
  constructor(value: T) {
    this.#result = { done: true, value };
  }
  next(): IteratorResult<unknown, T> {
    return this.#result;
  }
  [Symbol.iterator](): this {
    return this;
  }
}

const VALUE: unique symbol = Symbol("asyncio.ready");

type ReadyPromise<T> = Promise<T> & {
  [VALUE]: T;
  [Symbol.iterator]: () => Iterator<unknown, T, unknown>;
};

function readyIterator<T>(this: ReadyPromise<T>): DoneIterator<T> {
  return new DoneIterator(this[VALUE]);
}

/**
 * An awaitable already resolved with `value`: a resolved Promise that a
 * generator coroutine can also `yield*` (done at once). It may be awaited
 * any number of times.
 */
export function ready<T>(value: T): Awaitable<T> {
  const p = Promise.resolve(value) as ReadyPromise<T>;
  p[VALUE] = value;
  p[Symbol.iterator] = readyIterator;
  return p as unknown as Awaitable<T>;
}

/**
 * If `aw` was made by `ready()`, a box with its value (what awaiting it
 * gives); otherwise `null`.
 */
export function readyValue<T>(aw: unknown): { value: T } | null {
  if (
    aw instanceof Promise &&
    (aw as ReadyPromise<T>)[Symbol.iterator] === readyIterator
  ) {
    return { value: (aw as ReadyPromise<T>)[VALUE] };
  }
  return null;
}

/** An awaitable that fails with `error` when awaited (lazily). */
class Failed<T> implements Awaitable<T> {
  readonly #error: unknown;
  constructor(error: unknown) {
    this.#error = error;
  }
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return Promise.reject(this.#error).then(onFulfilled, onRejected);
  }
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    throw this.#error;
  }
}

/**
 * An awaitable that throws `error` where it is awaited (`await` or
 * `yield*`), as a coroutine that raises at once. Nothing happens if it is
 * never awaited.
 */
export function failed<T = never>(error: unknown): Awaitable<T> {
  return new Failed<T>(error);
}

/** Whether `value` is thenable and iterable: an awaitable of this module. */
export function isModuleAwaitable(value: unknown): value is Awaitable<unknown> {
  return value !== null && typeof value === "object" &&
    typeof (value as PromiseLike<unknown>).then === "function" &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === "function";
}

/**
 * What to `yield*` in a generator coroutine to wait for `aw`: a generator
 * object or an awaitable of this module as it is, a Promise or thenable
 * wrapped into a Future of the current loop.
 *
 * @throws {TypeError} If `aw` is not awaitable.
 */
export function iterate<T>(
  aw: AwaitableLike<T>,
  what = "aw",
): Iterable<unknown> & { [Symbol.iterator](): Iterator<unknown, T, unknown> } {
  if (isGeneratorObject(aw)) return aw as Coroutine<T>;
  if (isModuleAwaitable(aw)) return aw as Awaitable<T>;
  if (
    aw !== null && (typeof aw === "object" || typeof aw === "function") &&
    typeof (aw as PromiseLike<T>).then === "function"
  ) {
    return wrapFuture(aw as PromiseLike<T>);
  }
  throw new TypeError(
    `Cannot wait as '${what}' must be a Future, a coroutine or an awaitable: current value is ${
      describe(aw)
    }`,
  );
}
