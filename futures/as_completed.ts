/**
 * `asCompleted()`: futures in the order they finish, as
 * `asyncio.as_completed` (CPython 3.13: both kinds of iteration).
 *
 * @module
 */
import { TimeoutError } from "./exceptions.ts";
import { type Future, isFuture } from "./future.ts";
import { ensureFuture } from "./ensure_future.ts";
import { isGeneratorObject } from "./task.ts";
import { CoroutineAwaitable } from "./_coroutine.ts";
import { drive } from "./_scope.ts";
import { Queue } from "./queue.ts";
import { _getEventLoop } from "../loop/_current.ts";
import { describe } from "../loop/_describe.ts";
import type { TimerHandle } from "../loop/handle.ts";
import type { Awaitable, AwaitableLike, Coroutine } from "./types.ts";

/** Options of `asCompleted()`. */
export interface AsCompletedOptions {
  /**
   * Seconds after which the awaitables not yet yielded throw
   * `TimeoutError` (`null`: no limit).
   */
  timeout?: number | null;
}

/**
 * A future that is done, as `for await (... of asCompleted(...))` gives it:
 * the `Future` (or `Task`) itself, typed without `then` because TypeScript
 * would otherwise type the loop variable as the future's result (it
 * assumes `for await` unwraps thenables, which it does not for async
 * iterators). Call `result()`, or cast to `Future<T>`.
 *
 * @example
 * ```ts
 * import { asCompleted, type CompletedFuture, createTask, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const t = createTask(() => sleep(0.001, "x"));
 *   for await (const done of asCompleted([t])) {
 *     const f: CompletedFuture<string> = done;
 *     assert.equal(f.result(), "x");
 *     assert.equal(f, t);
 *   }
 * });
 * ```
 */
export type CompletedFuture<T> = Omit<Future<T>, "then">;

/**
 * What `asCompleted()` returns: iterate it with `for...of` to get one
 * awaitable per input, each giving the next result to finish, or with
 * `for await` to get the input futures themselves as they finish.
 *
 * @example Both ways
 * ```ts
 * import { asCompleted, type AsCompletedIterator, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const it: AsCompletedIterator<number> = asCompleted([sleep(0.001, 1)]);
 *   for (const next of it) assert.equal(await next, 1);
 * });
 * ```
 */
export interface AsCompletedIterator<T>
  extends Iterable<Awaitable<T>>, AsyncIterable<CompletedFuture<T>> {}

class AsCompleted<T> implements AsCompletedIterator<T> {
  readonly #done = new Queue<Future<T> | null>();
  readonly #todo: Set<Future<T>>;
  #left: number;
  #handle: TimerHandle | null = null;

  constructor(aws: Iterable<AwaitableLike<T>>, timeout: number | null) {
    const loop = _getEventLoop();
    this.#todo = new Set();
    for (const aw of new Set(aws)) {
      this.#todo.add(ensureFuture(aw, { loop }));
    }
    for (const f of this.#todo) f.addDoneCallback(this.#onCompletion);
    if (this.#todo.size > 0 && timeout !== null) {
      this.#handle = loop.callLater(timeout, this.#onTimeout);
    }
    this.#left = this.#todo.size;
  }

  [Symbol.iterator](): Iterator<Awaitable<T>> {
    return {
      next: (): IteratorResult<Awaitable<T>> => {
        if (this.#left === 0) return { done: true, value: undefined };
        this.#left--;
        return {
          done: false,
          value: new CoroutineAwaitable(this.#waitForOne(true)) as Awaitable<
            T
          >,
        };
      },
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<CompletedFuture<T>> {
    return {
      next: async (): Promise<IteratorResult<CompletedFuture<T>>> => {
        if (this.#left === 0) return { done: true, value: undefined };
        this.#left--;
        // Boxed: an async function would adopt a returned future.
        const box = await drive(this.#waitForOne(false)) as [Future<T>];
        return { done: false, value: box[0] };
      },
    };
  }

  #onTimeout = (): void => {
    for (const f of this.#todo) {
      f.removeDoneCallback(this.#onCompletion);
      this.#done.putNowait(null); // a TimeoutError for one waiter
    }
    this.#todo.clear();
  };

  #onCompletion = (f: Future<T>): void => {
    if (this.#todo.size === 0) return; // the timeout came first
    this.#todo.delete(f);
    this.#done.putNowait(f);
    if (this.#todo.size === 0 && this.#handle !== null) this.#handle.cancel();
  };

  *#waitForOne(resolve: boolean): Coroutine<T | [Future<T>]> {
    const f = yield* this.#done.get();
    if (f === null) throw new TimeoutError();
    return resolve ? f.result() : [f];
  }
}

/**
 * Gives the awaitables of `aws` in the order they finish: asyncio's
 * `as_completed`. Generator objects and Promises are wrapped into tasks
 * and futures first (`ensureFuture`), duplicates are dropped.
 *
 * - `for (const next of asCompleted(aws))` gives one awaitable per input;
 *   awaiting it (`await`, or `yield*` in a generator coroutine) gives the
 *   result of the next input to finish, or throws its error (CPython 3.11).
 * - `for await (const fut of asCompleted(aws))` gives the input futures
 *   and tasks themselves as they finish, so you know which one it was
 *   (CPython 3.13). They are typed as `CompletedFuture<T>` (see there).
 *
 * With `timeout`, what has not finished `timeout` seconds after the call
 * throws `TimeoutError` where it is awaited. Nothing is cancelled.
 *
 * @param aws The awaitables.
 * @param options `timeout`.
 * @returns An iterable and async iterable (see above).
 * @throws {TypeError} If `aws` is a single future or coroutine, not an
 * iterable of them.
 *
 * @example Results in completion order
 * ```ts
 * import { asCompleted, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const order = await run(async () => {
 *   const out: string[] = [];
 *   for (const next of asCompleted([sleep(0.003, "c"), sleep(0.001, "a"), sleep(0.002, "b")])) {
 *     out.push(await next);
 *   }
 *   return out;
 * });
 * assert.deepEqual(order, ["a", "b", "c"]);
 * ```
 *
 * @example The tasks themselves, with for await
 * ```ts
 * import { asCompleted, createTask, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const slow = createTask(() => sleep(0.002, "slow"));
 *   const fast = createTask(() => sleep(0.001, "fast"));
 *   const seen = [];
 *   for await (const task of asCompleted([slow, fast])) seen.push(task);
 *   assert.deepEqual(seen, [fast, slow]);
 * });
 * ```
 */
export function asCompleted<T>(
  aws: Iterable<AwaitableLike<T>>,
  options?: AsCompletedOptions,
): AsCompletedIterator<T> {
  if (
    isFuture(aws) || isGeneratorObject(aws) || aws === null ||
    typeof aws !== "object" ||
    typeof (aws as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `Cannot iterate as 'aws' must be an iterable of futures: current value is ${
        describe(aws)
      }`,
    );
  }
  const timeout = options?.timeout ?? null;
  if (
    timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))
  ) {
    throw new (typeof timeout !== "number" ? TypeError : RangeError)(
      `Cannot iterate as 'timeout' must be a number of seconds or null: current value is ${
        describe(timeout)
      }`,
    );
  }
  return new AsCompleted(aws, timeout);
}
