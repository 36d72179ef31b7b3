/**
 * The shapes of coroutines and awaitables. A Task runs two kinds of
 * coroutine: generator coroutines (`function*` with `yield*`, PEP 380) and
 * async functions. Every awaitable of this module works with both `await`
 * and `yield*`.
 *
 * @module
 */

/**
 * A generator coroutine: what a `function*` returns. It yields futures
 * (through `yield*` on an awaitable) or nothing (a bare `yield` gives the
 * loop one iteration), and returns `T`.
 *
 * @example A generator coroutine run as a task
 * ```ts
 * import { type Coroutine, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * function* work(): Coroutine<number> {
 *   yield* sleep(0.001);
 *   return 42;
 * }
 * assert.equal(await run(work()), 42);
 * ```
 */
export type Coroutine<T = unknown> = Generator<unknown, T, unknown>;

/**
 * An awaitable of this module: `await x` in an async function, `yield* x`
 * in a generator coroutine. `Future`, `Task` and what `sleep()` returns are
 * awaitables.
 *
 * @example Both ways of waiting
 * ```ts
 * import { type Awaitable, type Coroutine, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const later = (): Awaitable<string> => sleep(0.001, "done");
 * function* gen(): Coroutine<string> {
 *   return yield* later();
 * }
 * assert.equal(await run(async () => await later()), "done");
 * assert.equal(await run(gen()), "done");
 * ```
 */
export interface Awaitable<T> extends PromiseLike<T> {
  /** Lets a generator coroutine wait with `yield*`; returns the result. */
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

/**
 * What `createTask()` and `run()` accept: a generator object, or a
 * zero-argument function returning a Promise (an async function) or a
 * generator object (a generator function).
 *
 * @example The three forms
 * ```ts
 * import { type CoroutineLike, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * function* gen() { yield* sleep(0); return 1; }
 * const forms: CoroutineLike<number>[] = [gen(), gen, async () => 1];
 * for (const main of forms) assert.equal(await run(main), 1);
 * ```
 */
export type CoroutineLike<T> =
  | Coroutine<T>
  | (() => PromiseLike<T> | Coroutine<T>);

/**
 * Something to wait for: an awaitable of this module, a generator object,
 * or any Promise or thenable (`ensureFuture` wraps it).
 *
 * @example
 * ```ts
 * import { type AwaitableLike, ensureFuture, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const x: AwaitableLike<number> = Promise.resolve(5);
 * assert.equal(await run(async () => await ensureFuture(x)), 5);
 * ```
 */
export type AwaitableLike<T> = Awaitable<T> | Coroutine<T> | PromiseLike<T>;
