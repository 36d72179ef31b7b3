/**
 * `sleep()`: suspends the current task for a number of seconds.
 *
 * @module
 */
import { _getRunningLoop, getRunningLoop } from "../loop/_current.ts";
import { describe } from "../loop/_describe.ts";
import { Future, PENDING, ThenRecord } from "./future.ts";
import type { LoopInternals } from "./_internals.ts";
import { taskStorage } from "./_task_storage.ts";
import type { Awaitable } from "./types.ts";

/**
 * What `sleep(delay)` returns inside a running loop: a future that is its
 * own timer, armed at once (it enters the loop's timer heap), with its
 * timer dropped when it is cancelled. One object per sleep: no handle, no
 * arguments array. (Made outside a running loop, a sleep is a lazy
 * wrapper that makes one of these when it is first awaited.)
 */
class SleepFuture<T> extends Future<T> {
  /** @internal The deadline. */
  _when: number;
  /** @internal */ _seq = 0;
  /** @internal */ _scheduled = false;
  /** @internal The timer was cancelled (not: the future). */
  _cancelled = false;

  constructor(loop: LoopInternals, delay: number, result: T) {
    super({ loop });
    loop._checkClosed();
    this._when = loop.time() + delay;
    this._value = result;
    loop._addTimer(this);
  }

  /** @internal The timer fired (the loop runs the entry). */
  _run(): void {
    if (this._state === PENDING) this.setResult(this._value as T);
  }

  override cancel(msg?: string | null): boolean {
    if (!this._cancelled && this._state === PENDING) {
      this._loop._timerHandleCancelled(this);
      this._cancelled = true;
    }
    return super.cancel(msg);
  }
}

/**
 * The loop a sleep runs on: the running loop, or else the loop of the task
 * whose async function awaits it (an `await` resumes in a microtask, which
 * may come after the loop stopped; the sleep then belongs to the task's
 * loop and goes on when it runs again).
 */
function sleepLoop(): LoopInternals {
  const task = taskStorage.getStore();
  if (task !== undefined && task._state === 0 && !task._loop.isClosed()) {
    return task._loop;
  }
  return getRunningLoop() as LoopInternals;
}

class YieldIterator<T> implements Iterator<unknown, T, unknown> {
  #yielded = false;
  readonly #result: T;
  constructor(result: T) {
    this.#result = result;
  }
  next(): IteratorResult<unknown, T> {
    if (!this.#yielded) {
      this.#yielded = true;
      return { done: false, value: undefined };
    }
    return { done: true, value: this.#result };
  }
  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }
  return(value?: T): IteratorResult<unknown, T> {
    return { done: true, value: value as T };
  }
}

class Sleep<T> implements Awaitable<T> {
  readonly #delay: number;
  readonly #result: T;
  readonly #error: Error | null;
  #future: SleepFuture<T> | null = null;

  constructor(delay: number, result: T, error: Error | null) {
    this.#delay = delay;
    this.#result = result;
    this.#error = error;
  }

  #getFuture(): SleepFuture<T> {
    if (this.#future !== null) return this.#future;
    return (this.#future = new SleepFuture(
      sleepLoop(),
      this.#delay,
      this.#result,
    ));
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    try {
      if (this.#error !== null) throw this.#error;
      if (this.#delay > 0) {
        return this.#getFuture().then(onFulfilled, onRejected);
      }
      const record = new ThenRecord(onFulfilled, onRejected);
      const promise = record as PromiseLike<R1 | R2>;
      record.value = this.#result;
      if (
        typeof onFulfilled === "function" && typeof onRejected === "function"
      ) {
        const task = taskStorage.getStore();
        if (
          task !== undefined && task._state === 0 &&
          task._awaitRecord === null && !task._loop.isClosed()
        ) {
          task._awaitYield(record);
          return promise;
        }
      }
      const loop = sleepLoop();
      loop.callSoon(() => {
        record.complete(false, this.#result);
        loop._yieldMicrotask = true;
      });
      return promise;
    } catch (e) {
      return Promise.reject(e).then(onFulfilled, onRejected);
    }
  }

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    if (this.#error !== null) throw this.#error;
    if (this.#delay > 0) return this.#getFuture()[Symbol.iterator]();
    return new YieldIterator(this.#result);
  }
}

/**
 * Suspends the current task for `delay` seconds, then gives `result`.
 * `sleep(0)` gives the loop one iteration, as a bare `yield` does in a
 * generator coroutine. A negative delay counts as zero; `Infinity` sleeps
 * until cancelled. Cancelling the task cancels the sleep and its timer.
 *
 * The sleep starts when it is first awaited (`await` or `yield*`), as a
 * coroutine would; a bad `delay` is reported then, by rejecting.
 *
 * @param delay Seconds to sleep.
 * @param result What the sleep gives back.
 * @throws {TypeError} If `delay` is not a number (on await).
 * @throws {RangeError} If `delay` is NaN (on await).
 * @throws {RuntimeError} If no loop is running (on await).
 *
 * @example In an async function and in a generator coroutine
 * ```ts
 * import { run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await run(async () => await sleep(0.01, "a")), "a");
 * assert.equal(await run(function* () { return yield* sleep(0.01, "b"); }), "b");
 * ```
 */
export function sleep<T = undefined>(
  delay: number,
  result?: T,
): Awaitable<T> {
  let error: Error | null = null;
  if (typeof delay !== "number") {
    error = new TypeError(
      `Cannot sleep as 'delay' must be a number of seconds: current value is ${
        describe(delay)
      }`,
    );
  } else if (Number.isNaN(delay)) {
    error = new RangeError(
      "Cannot sleep as 'delay' must be a number of seconds: current value is NaN",
    );
  }
  const loop = _getRunningLoop();
  if (error === null && delay > 0 && loop !== null) {
    return new SleepFuture(loop as LoopInternals, delay, result as T);
  }
  return new Sleep(delay, result as T, error);
}
