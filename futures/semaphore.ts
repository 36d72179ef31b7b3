/**
 * `Semaphore` and `BoundedSemaphore`: counters that limit how many tasks
 * hold a resource at once, as in asyncio.
 *
 * @module
 */
import { CoroutineAwaitable } from "./_coroutine.ts";
import { ready } from "./_ready.ts";
import { boundLoop, WaiterQueue } from "./_waiters.ts";
import { isCancelledError } from "./task.ts";
import { describe } from "../loop/_describe.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { Awaitable, Coroutine } from "./types.ts";

/**
 * A counter of permits: `acquire()` takes one (waiting while there is
 * none), `release()` gives one back. asyncio's `Semaphore`.
 *
 * Fair: a task that calls `acquire()` while others wait queues behind them
 * even if a permit is free, and waiters are served in FIFO order. A free
 * permit is taken at the call: always await what `acquire()` returns.
 * Cancellation-safe: a task cancelled after it was handed a permit gives it
 * back and wakes the next waiter.
 *
 * Where asyncio has `async with sem:`, write
 * `using _ = await sem.acquire();` (`yield*` in a generator coroutine):
 * `acquire()` resolves to a `Disposable` that releases the permit.
 *
 * @example At most two workers at a time
 * ```ts
 * import { createTask, run, Semaphore, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const sem = new Semaphore(2);
 * let inside = 0;
 * let most = 0;
 * async function worker() {
 *   using _ = await sem.acquire();
 *   most = Math.max(most, ++inside);
 *   await sleep(0.001);
 *   inside--;
 * }
 * await run(async () => {
 *   const tasks = [1, 2, 3, 4, 5].map(() => createTask(worker));
 *   for (const t of tasks) await t;
 * });
 * assert.equal(most, 2);
 * ```
 */
export class Semaphore {
  /** @internal The number of free permits. */
  _value: number;
  #waiters: WaiterQueue<boolean> = new WaiterQueue<boolean>();
  #loop: AbstractEventLoop | null = null;
  readonly #releaser: Disposable;
  readonly #acquired: Awaitable<Disposable>;

  /**
   * Creates a semaphore with `value` permits (default 1).
   *
   * @param value The initial number of permits.
   * @throws {TypeError} If `value` is not a number.
   * @throws {RangeError} If `value` is not an integer >= 0.
   */
  constructor(value = 1) {
    checkValue(value, new.target.name);
    this._value = value;
    this.#releaser = { [Symbol.dispose]: () => this.release() };
    this.#acquired = ready(this.#releaser);
  }

  /**
   * Whether `acquire()` would wait: no permit is free, or tasks already
   * wait for one.
   */
  locked(): boolean {
    return this._value === 0 || !this.#waiters.allCancelled();
  }

  /**
   * Takes a permit: at once if one is free and no task waits, else in FIFO
   * order. Resolves to a `Disposable` that releases the permit.
   *
   * @returns An awaitable of the releaser (`await` or `yield*` it).
   * @throws {CancelledError} If the task is cancelled while it waits.
   */
  acquire(): Awaitable<Disposable> {
    if (!this.locked()) {
      this._value--;
      return this.#acquired;
    }
    return new CoroutineAwaitable(this.#acquireSlow());
  }

  *#acquireSlow(): Coroutine<Disposable> {
    // The coroutine starts when it is awaited: a permit may be free by now.
    if (!this.locked()) {
      this._value--;
      return this.#releaser;
    }
    this.#loop = boundLoop(this.#loop, this);
    const fut = this.#waiters.park(this.#loop);
    try {
      try {
        yield* fut;
      } finally {
        this.#waiters.remove(fut);
      }
    } catch (e) {
      // Handed a permit, but cancelled before taking it: give it back.
      if (isCancelledError(e) && fut.done() && !fut.cancelled()) {
        this._value++;
      }
      throw e;
    } finally {
      // Tasks that queued behind us while permits were free: wake them.
      while (this._value > 0) {
        if (!this.#wakeUpNext()) break;
      }
    }
    return this.#releaser;
  }

  /**
   * Gives a permit back, waking the first waiting task if any.
   *
   * @throws {RangeError} For a `BoundedSemaphore` released more times than
   * it was acquired.
   */
  release(): void {
    this._value++;
    this.#wakeUpNext();
  }

  /** Hands a permit to the first waiter that is not done. */
  #wakeUpNext(): boolean {
    if (this.#waiters.size === 0) return false;
    for (let w = this.#waiters.first(); w !== null; w = w._next) {
      if (!w.done()) {
        this._value--;
        w.setResult(true);
        return true;
      }
    }
    return false;
  }

  /** A description such as `<Semaphore [unlocked, value:2]>`. */
  toString(): string {
    let extra = this.locked() ? "locked" : `unlocked, value:${this._value}`;
    if (this.#waiters.size > 0) extra += `, waiters:${this.#waiters.size}`;
    return `<${this.constructor.name} [${extra}]>`;
  }
}

/**
 * A `Semaphore` that refuses to be released more times than it was
 * acquired: `release()` past the initial value is a `RangeError` (asyncio's
 * `ValueError`), which catches a double release.
 *
 * @example Releasing too many times
 * ```ts
 * import { BoundedSemaphore, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const sem = new BoundedSemaphore(1);
 * await run(async () => {
 *   await sem.acquire();
 *   sem.release();
 *   assert.throws(() => sem.release(), RangeError);
 * });
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  readonly #boundValue: number;

  /**
   * Creates a bounded semaphore with `value` permits (default 1), which is
   * also the most it may hold.
   *
   * @param value The initial and largest number of permits.
   * @throws {TypeError} If `value` is not a number.
   * @throws {RangeError} If `value` is not an integer >= 0.
   */
  constructor(value = 1) {
    super(value);
    this.#boundValue = value;
  }

  /**
   * Gives a permit back.
   *
   * @throws {RangeError} If that would exceed the initial value.
   */
  override release(): void {
    if (this._value >= this.#boundValue) {
      throw new RangeError("BoundedSemaphore released too many times");
    }
    super.release();
  }
}

function checkValue(value: unknown, cls: string): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create ${cls} as 'value' must be an integer >= 0: current value is ${
        describe(value)
      }`,
    );
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot create ${cls} as 'value' must be an integer >= 0: current value is ${value}`,
    );
  }
}
