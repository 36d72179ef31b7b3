/**
 * Coroutines of this module, usable with both `await` and `yield*`.
 *
 * Functions such as `waitFor()` or `reader.readline()` are written once, as
 * generator coroutines, and wrapped with `coroutine()`. The wrapper is lazy
 * like a Python coroutine object:
 *
 * - `yield* fn(...)` in a generator coroutine delegates to the generator,
 *   so it runs inside the calling task, step by step;
 * - `await fn(...)` in an async function runs the generator *inline* in the
 *   awaiting task (as `await coro()` does in asyncio): `currentTask()` is
 *   the awaiting task, and cancelling that task cancels what the coroutine
 *   waits on. No separate task is listed by `allTasks()`.
 *
 * Awaited outside any task, it runs as a Task of the running loop.
 *
 * @module
 */
import { RuntimeError } from "./exceptions.ts";
import { _getRunningLoop, getRunningLoop } from "../loop/_current.ts";
import type { LoopInternals } from "./_internals.ts";
import { taskStorage } from "./_task_storage.ts";
import { _runInline, type Task } from "./task.ts";
import type { Awaitable, Coroutine } from "./types.ts";

/** A lazy coroutine: iterate it (`yield*`) or await it, once. */
export class CoroutineAwaitable<T> implements Awaitable<T> {
  #gen: Coroutine<T>;
  #task: Task<T> | null = null;
  #iterated = false;

  constructor(gen: Coroutine<T>) {
    this.#gen = gen;
  }

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    if (this.#task !== null) return this.#task[Symbol.iterator]();
    if (this.#iterated) {
      throw new RuntimeError("cannot reuse already awaited coroutine");
    }
    this.#iterated = true;
    return this.#gen;
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    let task: Task<T>;
    try {
      task = this.#start();
    } catch (e) {
      return Promise.reject(e).then(onFulfilled, onRejected);
    }
    return task.then(onFulfilled, onRejected);
  }

  #start(): Task<T> {
    if (this.#task !== null) return this.#task;
    if (this.#iterated) {
      throw new RuntimeError("cannot reuse already awaited coroutine");
    }
    this.#iterated = true;
    const stored = taskStorage.getStore();
    const running = _getRunningLoop() as LoopInternals | null;
    const owner = stored !== undefined && stored._state === 0 &&
        !stored._loop.isClosed()
      ? stored
      : running?._currentTask ?? null;
    if (owner !== null) {
      this.#task = _runInline(this.#gen, owner._loop, owner) as Task<T>;
    } else {
      this.#task = getRunningLoop().createTask(this.#gen);
    }
    return this.#task;
  }
}

/**
 * Wraps a generator function so that what it returns works with `await`
 * and `yield*` (see the module notes).
 */
export function coroutine<A extends unknown[], T>(
  fn: (...args: A) => Coroutine<T>,
): (...args: A) => Awaitable<T> {
  return (...args: A) => new CoroutineAwaitable(fn(...args));
}
