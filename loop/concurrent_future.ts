/**
 * `ConcurrentFuture`: a result computed outside the loop — in a worker of
 * a `WorkerPoolExecutor`, or on another realm's loop — as Python's
 * `concurrent.futures.Future`. It belongs to no loop; it works with
 * `await` and `yield*` (wrapped into a Future of the loop that waits for
 * it) and with `wrapFuture()`.
 *
 * @module
 */
import {
  CancelledError,
  InvalidStateError,
  RuntimeError,
} from "../futures/exceptions.ts";
import type { Future } from "../futures/future.ts";
import { taskStorage } from "../futures/_task_storage.ts";
import type { Awaitable } from "../futures/types.ts";
import type { AbstractEventLoop } from "./events.ts";
import { getRunningLoop } from "./_current.ts";
import { describe } from "./_describe.ts";

const PENDING = 0;
const RUNNING = 1;
const CANCELLED = 2;
const CANCELLED_AND_NOTIFIED = 3;
const FINISHED = 4;

const STATE_NAMES = [
  "PENDING",
  "RUNNING",
  "CANCELLED",
  "CANCELLED",
  "FINISHED",
];

/**
 * The method through which `wrapFuture()` asks a foreign future for a
 * Future of a loop that follows it (and cancels it when cancelled).
 */
export const WRAP_INTO: unique symbol = Symbol.for(
  "asyncio.wrapInto",
) as never;

/** A done callback of a `ConcurrentFuture`: called with the future. */
export type ConcurrentDoneCallback<T> = (
  future: ConcurrentFuture<T>,
) => unknown;

function copyInto<T>(src: ConcurrentFuture<T>, dest: Future<T>): void {
  if (dest.done()) return;
  if (src.cancelled()) {
    dest.cancel();
    return;
  }
  const exc = src.exception();
  if (exc !== null) dest.setException(exc);
  else dest.setResult(src.result());
}

/**
 * A result computed outside the loop, as Python's
 * `concurrent.futures.Future`: `WorkerPoolExecutor.submit()` and
 * `runCoroutineThreadsafe()` return one. It belongs to no loop.
 *
 * States: pending, then running (work started; it can no longer be
 * cancelled), then finished; or cancelled while pending. Done callbacks run
 * synchronously when it completes (at once if it already has), in the
 * realm that completes it, like the thread that completes a Python
 * concurrent future; an error a callback throws is logged.
 *
 * Waiting: `await cf` and, in a generator coroutine, `yield* cf`. Inside a
 * task both wait on a Future of the task's loop that follows `cf` (what
 * `wrapFuture(cf)` returns), so cancelling the task cancels `cf` — which
 * stops work that has not started, or a coroutine running on another
 * realm's loop. Outside a task, `await cf` waits on a plain Promise.
 * `result()` never blocks (JavaScript cannot): on a pending future it is an
 * `InvalidStateError`, as on a loop's Future.
 *
 * @typeParam T The type of the result.
 *
 * @example Completing one by hand, and awaiting it
 * ```ts
 * import { ConcurrentFuture, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const cf = new ConcurrentFuture<number>();
 * assert.ok(cf.setRunningOrNotifyCancel());
 * assert.ok(cf.running());
 * queueMicrotask(() => cf.setResult(42));
 * assert.equal(await run(async () => await cf), 42);
 * assert.equal(cf.result(), 42);
 * ```
 */
export class ConcurrentFuture<T = unknown> implements Awaitable<T> {
  #state = PENDING;
  #result: T | undefined = undefined;
  #exception: unknown = undefined;
  #hasException = false;
  #callbacks: ConcurrentDoneCallback<T>[] | null = null;
  #promise: Promise<T> | null = null;

  /**
   * Cancels the future if its work has not started: true if it is (now)
   * cancelled, false if it is running or finished.
   */
  cancel(): boolean {
    const state = this.#state;
    if (state === RUNNING || state === FINISHED) return false;
    if (state === CANCELLED || state === CANCELLED_AND_NOTIFIED) return true;
    this.#state = CANCELLED;
    this.#invokeCallbacks();
    return true;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this.#state === CANCELLED ||
      this.#state === CANCELLED_AND_NOTIFIED;
  }

  /** Whether its work is running (and can no longer be cancelled). */
  running(): boolean {
    return this.#state === RUNNING;
  }

  /** Whether the future is finished or cancelled. */
  done(): boolean {
    return this.#state >= CANCELLED;
  }

  /**
   * The result.
   *
   * @throws {InvalidStateError} If the future is not done (this never
   *   blocks).
   * @throws {CancelledError} If the future was cancelled.
   * @throws The future's exception, if it has one.
   */
  result(): T {
    this.#checkDone("Result");
    if (this.#hasException) throw this.#exception;
    return this.#result as T;
  }

  /**
   * The exception, or `null` if the future finished with a result.
   *
   * @throws {InvalidStateError} If the future is not done.
   * @throws {CancelledError} If the future was cancelled.
   */
  exception(): unknown {
    this.#checkDone("Exception");
    return this.#hasException ? this.#exception : null;
  }

  /**
   * Calls `fn(future)` when the future is done: at once if it already is,
   * else synchronously when it completes. An error `fn` throws is logged.
   *
   * @throws {TypeError} If `fn` is not a function.
   */
  addDoneCallback(fn: ConcurrentDoneCallback<T>): void {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot add done callback as 'fn' must be a function: current value is ${
          describe(fn)
        }`,
      );
    }
    if (this.done()) {
      this.#call(fn);
    } else {
      (this.#callbacks ??= []).push(fn);
    }
  }

  /** Removes every registration of `fn`; returns how many were removed. */
  removeDoneCallback(fn: ConcurrentDoneCallback<T>): number {
    const cbs = this.#callbacks;
    if (cbs === null) return 0;
    const kept = cbs.filter((cb) => cb !== fn);
    this.#callbacks = kept.length === 0 ? null : kept;
    return cbs.length - kept.length;
  }

  /**
   * For executors: marks the future running before its work starts.
   * Returns false if it was cancelled (the work must then be skipped),
   * true if it is now running.
   *
   * @throws {RuntimeError} If the future is already running or finished.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === CANCELLED) {
      this.#state = CANCELLED_AND_NOTIFIED;
      return false;
    }
    if (this.#state === PENDING) {
      this.#state = RUNNING;
      return true;
    }
    throw new RuntimeError(`Future in unexpected state: ${this}`);
  }

  /**
   * Marks the future finished with `result` and calls its callbacks.
   *
   * @throws {InvalidStateError} If the future is already done.
   */
  setResult(result: T): void {
    this.#checkSettable();
    this.#result = result;
    this.#state = FINISHED;
    this.#invokeCallbacks();
  }

  /**
   * Marks the future finished with `exception` and calls its callbacks.
   *
   * @throws {InvalidStateError} If the future is already done.
   */
  setException(exception: unknown): void {
    this.#checkSettable();
    this.#exception = exception;
    this.#hasException = true;
    this.#state = FINISHED;
    this.#invokeCallbacks();
  }

  /**
   * Lets `await` wait for the future. Inside a task, it waits on a Future
   * of the task's loop (see the class notes), so `task.cancel()` reaches
   * it.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    if (
      typeof onFulfilled === "function" && typeof onRejected === "function"
    ) {
      const task = taskStorage.getStore();
      if (
        task !== undefined && task._state === 0 &&
        task._awaitRecord === null && !task._loop.isClosed()
      ) {
        return this[WRAP_INTO](task._loop).then(onFulfilled, onRejected);
      }
    }
    return this.#asPromise().then(onFulfilled, onRejected);
  }

  /**
   * Lets a generator coroutine wait with `yield* cf`, on a Future of the
   * running loop that follows it.
   *
   * @throws {RuntimeError} If no loop is running.
   */
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return this[WRAP_INTO](getRunningLoop())[Symbol.iterator]();
  }

  /**
   * A Future of `loop` that follows this one (its outcome is copied with
   * `callSoonThreadsafe`), and cancels this one when it is cancelled: what
   * `wrapFuture(cf, { loop })` returns.
   */
  [WRAP_INTO](loop: AbstractEventLoop): Future<T> {
    const dest = loop.createFuture<T>();
    this.addDoneCallback((src) => {
      if (!loop.isClosed()) loop.callSoonThreadsafe(copyInto, src, dest);
    });
    dest.addDoneCallback((d) => {
      if (d.cancelled()) this.cancel();
    });
    return dest;
  }

  /** A description such as `<ConcurrentFuture running>`. */
  toString(): string {
    const state = this.#state;
    let info = STATE_NAMES[state].toLowerCase();
    if (state === FINISHED) {
      info += this.#hasException
        ? ` raised ${
          this.#exception instanceof Error
            ? this.#exception.name
            : describe(this.#exception)
        }`
        : ` returned ${describe(this.#result)}`;
    }
    return `<${this.constructor.name} ${info}>`;
  }

  #checkDone(what: string): void {
    const state = this.#state;
    if (state < CANCELLED) throw new InvalidStateError(`${what} is not set.`);
    if (state !== FINISHED) throw new CancelledError();
  }

  #checkSettable(): void {
    if (this.#state >= CANCELLED) {
      throw new InvalidStateError(`${STATE_NAMES[this.#state]}: ${this}`);
    }
  }

  #asPromise(): Promise<T> {
    if (this.#promise === null) {
      this.#promise = new Promise<T>((resolve, reject) => {
        this.addDoneCallback((f) => {
          if (f.cancelled()) reject(new CancelledError());
          else if (this.#hasException) reject(this.#exception);
          else resolve(this.#result as T);
        });
      });
    }
    return this.#promise;
  }

  #call(fn: ConcurrentDoneCallback<T>): void {
    try {
      fn(this);
    } catch (e) {
      console.error(`exception calling callback for ${this}`, e);
    }
  }

  #invokeCallbacks(): void {
    const cbs = this.#callbacks;
    if (cbs === null) return;
    this.#callbacks = null;
    for (const fn of cbs) this.#call(fn);
  }
}
