/**
 * `Condition`: a condition variable for tasks, as `asyncio.Condition`.
 *
 * @module
 */
import { RuntimeError } from "./exceptions.ts";
import { CoroutineAwaitable } from "./_coroutine.ts";
import { ready } from "./_ready.ts";
import { boundLoop, WaiterQueue } from "./_waiters.ts";
import { Lock } from "./lock.ts";
import { isCancelledError } from "./task.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { Awaitable, Coroutine } from "./types.ts";

/**
 * A condition variable: tasks holding its lock `wait()` until another task
 * holding the lock calls `notify()` or `notifyAll()`. asyncio's
 * `Condition`.
 *
 * `acquire()`, `release()` and `locked()` are those of the underlying lock
 * (a new `Lock`, or the one given). As with `Lock`, write
 * `using _ = await cond.acquire();` where asyncio has `async with cond:`.
 *
 * `wait()` releases the lock, waits to be notified, and takes the lock back
 * before it returns, even when it is cancelled (then it rethrows the
 * `CancelledError` once it holds the lock again). A task that is notified
 * but does not return from `wait()` normally passes the notification on to
 * another waiter, so a notification is never lost (a spurious wake-up is
 * possible, as the condition-variable protocol allows: check the state
 * again, or use `waitFor(predicate)`).
 *
 * @example Waiting with the lock held
 * ```ts
 * import { Condition, createTask, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const cond = new Condition();
 * let ready = false;
 * const result = await run(async () => {
 *   const consumer = createTask(async () => {
 *     using _ = await cond.acquire();
 *     return await cond.waitFor(() => ready);
 *   });
 *   await sleep(0.001);
 *   {
 *     using _ = await cond.acquire();
 *     ready = true;
 *     cond.notifyAll();
 *   }
 *   return await consumer;
 * });
 * assert.equal(result, true);
 * ```
 */
export class Condition {
  #lock: Lock;
  #waiters: WaiterQueue<boolean> = new WaiterQueue<boolean>();
  #loop: AbstractEventLoop | null = null;

  /**
   * Creates a condition variable over `lock` (default: a new `Lock`).
   *
   * @param lock The lock to use.
   * @throws {TypeError} If `lock` is given and is not a `Lock`.
   */
  constructor(lock?: Lock | null) {
    if (lock == null) lock = new Lock();
    else if (!(lock instanceof Lock)) {
      throw new TypeError(
        `Cannot create Condition as 'lock' must be a Lock: current value is ${
          String(lock)
        }`,
      );
    }
    this.#lock = lock;
  }

  /** Whether the underlying lock is held. */
  locked(): boolean {
    return this.#lock.locked();
  }

  /**
   * Acquires the underlying lock (see `Lock.acquire()`); resolves to a
   * `Disposable` that releases it.
   */
  acquire(): Awaitable<Disposable> {
    return this.#lock.acquire();
  }

  /**
   * Releases the underlying lock.
   *
   * @throws {RuntimeError} If it is not held.
   */
  release(): void {
    this.#lock.release();
  }

  /**
   * Releases the lock, waits until notified, takes the lock back, and
   * resolves to `true`. Call it with the lock held.
   *
   * @throws {RuntimeError} If the lock is not held (on await).
   * @throws {CancelledError} If the task is cancelled while it waits (after
   * the lock is held again).
   */
  wait(): Awaitable<true> {
    return new CoroutineAwaitable(this.#wait());
  }

  *#wait(): Coroutine<true> {
    if (!this.locked()) {
      throw new RuntimeError("cannot wait on un-acquired lock");
    }
    this.#loop = boundLoop(this.#loop, this);
    const fut = this.#waiters.park(this.#loop);
    this.release();
    try {
      let failed = false;
      let error: unknown = undefined;
      try {
        yield* fut;
      } catch (e) {
        failed = true;
        error = e;
      } finally {
        this.#waiters.remove(fut);
      }
      // Take the lock back, even when cancelled; then throw the last
      // CancelledError, else the error of the wait.
      let cancelled: unknown = null;
      for (;;) {
        try {
          yield* this.#lock.acquire();
          break;
        } catch (e) {
          if (!isCancelledError(e)) throw e;
          cancelled = e;
        }
      }
      if (cancelled !== null) throw cancelled;
      if (failed) throw error;
      return true;
    } catch (e) {
      // We may have been notified before the error: pass it on.
      this.#notify(1);
      throw e;
    }
  }

  /**
   * Waits until `predicate()` is truthy, calling `wait()` between checks;
   * resolves to the predicate's last value. Call it with the lock held.
   *
   * @param predicate A function checked with the lock held.
   * @throws {RuntimeError} If the lock is not held when it must wait.
   */
  waitFor<R>(predicate: () => R): Awaitable<R> {
    const result = predicate();
    if (result) return ready(result);
    return new CoroutineAwaitable(this.#waitFor(predicate));
  }

  *#waitFor<R>(predicate: () => R): Coroutine<R> {
    let result = predicate();
    while (!result) {
      yield* this.#wait();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` (default 1) waiting tasks. Call it with the lock held;
   * the woken tasks return from `wait()` once they get the lock.
   *
   * @throws {RuntimeError} If the lock is not held.
   */
  notify(n = 1): void {
    if (!this.locked()) {
      throw new RuntimeError("cannot notify on un-acquired lock");
    }
    this.#notify(n);
  }

  /**
   * Wakes every waiting task. Call it with the lock held.
   *
   * @throws {RuntimeError} If the lock is not held.
   */
  notifyAll(): void {
    this.notify(this.#waiters.size);
  }

  #notify(n: number): void {
    this.#waiters.wake(n, false);
  }

  /** A description such as `<Condition [locked, waiters:1]>`. */
  toString(): string {
    let extra = this.locked() ? "locked" : "unlocked";
    if (this.#waiters.size > 0) extra += `, waiters:${this.#waiters.size}`;
    return `<Condition [${extra}]>`;
  }
}
