/**
 * `timeout()`, `timeoutAt()` and `Timeout`: a deadline for a block of code,
 * as `asyncio.timeout` (CPython 3.11+ `timeouts.py`).
 *
 * @module
 */
import { RuntimeError, TimeoutError } from "./exceptions.ts";
import { isCancelledError, type Task } from "./task.ts";
import { type Outcome, runningTask, scoped } from "./_scope.ts";
import { describe } from "../loop/_describe.ts";
import type { Handle } from "../loop/handle.ts";
import type { Awaitable, Coroutine } from "./types.ts";

const CREATED = "created";
const ENTERED = "active";
const EXPIRING = "expiring";
const EXPIRED = "expired";
const EXITED = "finished";
type State =
  | typeof CREATED
  | typeof ENTERED
  | typeof EXPIRING
  | typeof EXPIRED
  | typeof EXITED;

/** @internal How the block left, as `_exit()` is told. */
export const EXIT_OK = 0;
/** @internal The block threw (the error is given). */
export const EXIT_ERROR = 1;
/** @internal The block left, and we cannot tell how (`using`). */
export const EXIT_UNKNOWN = 2;

function checkTime(what: string, name: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${what} as '${name}' must be a number of seconds or null: current value is ${
        describe(value)
      }`,
    );
  }
  if (Number.isNaN(value)) {
    throw new RangeError(
      `Cannot ${what} as '${name}' must be a number of seconds or null: current value is NaN`,
    );
  }
}

/**
 * A deadline on the code of a task: asyncio's `Timeout`, as `timeout()`
 * and `timeoutAt()` return it.
 *
 * When the deadline passes, the task is cancelled; the `CancelledError`
 * that this causes becomes a `TimeoutError` where the block ends. A
 * cancellation that the timeout did not cause (the task is cancelled from
 * outside, or an outer timeout expired first) passes through unchanged:
 * the timeout tells them apart with the task's `cancelling()` count, and
 * takes its own request back with `uncancel()`, exactly as CPython does,
 * so timeouts nest. Code waiting on a foreign Promise (`fetch()`) is
 * interrupted at its next await of this module; pass it
 * `currentTask().signal` to stop it at the deadline itself.
 *
 * Three ways to delimit the block:
 *
 * - `await t.run(async (t) => ...)` or
 *   `yield* t.run(function* (t) { ... })`: the body's result is returned;
 *   an expired timeout throws exactly asyncio's `TimeoutError` (its `cause`
 *   is the `CancelledError`). Prefer this form.
 * - `await using t = timeout(delay);` in an async function (or `using` in
 *   either kind of coroutine): the block ends where the variable's scope
 *   does. JavaScript does not tell a disposer which error left the block,
 *   so an expired timeout surfaces as a `TimeoutError`, or as a
 *   `SuppressedError` whose `error` is the `TimeoutError` (and whose
 *   `suppressed` is the `CancelledError`) when the block was interrupted.
 *
 * `timeout()` and `timeoutAt()` start the timer at once, in the task that
 * calls them; `new Timeout(when)` makes one that starts in `run()`.
 *
 * @example An operation that takes too long
 * ```ts
 * import { run, sleep, timeout, TimeoutError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   await assert.rejects(
 *     async () => await timeout(0.01).run(async () => await sleep(3600)),
 *     TimeoutError,
 *   );
 * });
 * ```
 *
 * @example With await using, and rescheduling
 * ```ts
 * import { run, sleep, TestLoop, timeout } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = new TestLoop();
 * await loop.runUntilComplete(async () => {
 *   await using t = timeout(10);
 *   t.reschedule(loop.time() + 60);
 *   await sleep(30);
 *   assert.equal(t.expired(), false);
 * });
 * loop.close();
 * ```
 */
export class Timeout implements Disposable, AsyncDisposable {
  #state: State = CREATED;
  #handle: Handle | null = null;
  #task: Task<unknown> | null = null;
  #when: number | null;
  #cancelling = 0;
  #running = false;

  /**
   * Creates a timeout for the loop time `when` (`null`: none). It starts
   * when it is entered, by `run()`; `timeout()` and `timeoutAt()` make
   * timeouts that are entered at once.
   *
   * @param when A deadline in loop time (`loop.time()`), or `null`.
   * @throws {TypeError} If `when` is neither a number nor `null`.
   * @throws {RangeError} If `when` is NaN.
   */
  constructor(when: number | null) {
    checkTime("create Timeout", "when", when);
    this.#when = when ?? null;
  }

  /** The deadline in loop time, or `null` if there is none. */
  when(): number | null {
    return this.#when;
  }

  /**
   * Moves the deadline to the loop time `when` (`null`: none). A deadline
   * already past fires in the next loop iteration.
   *
   * @param when The new deadline, or `null`.
   * @throws {RuntimeError} If the timeout is not active (not entered yet,
   * expired, or finished).
   * @throws {TypeError} If `when` is neither a number nor `null`.
   */
  reschedule(when: number | null): void {
    if (this.#state !== ENTERED) {
      if (this.#state === CREATED) {
        throw new RuntimeError("Timeout has not been entered");
      }
      throw new RuntimeError(`Cannot change state of ${this.#state} Timeout`);
    }
    checkTime("reschedule Timeout", "when", when);
    this.#when = when ?? null;
    if (this.#handle !== null) this.#handle.cancel();
    if (this.#when === null) {
      this.#handle = null;
    } else {
      const loop = (this.#task as Task<unknown>).getLoop();
      this.#handle = this.#when <= loop.time()
        ? loop.callSoon(this.#onTimeout)
        : loop.callAt(this.#when, this.#onTimeout);
    }
  }

  /** Whether the deadline passed while the timeout was active. */
  expired(): boolean {
    return this.#state === EXPIRING || this.#state === EXPIRED;
  }

  /** A description such as `<Timeout [active] when=12.5>`. */
  toString(): string {
    let info = "";
    if (this.#state === ENTERED) {
      const when = this.#when === null
        ? "null"
        : String(Math.round(this.#when * 1000) / 1000);
      info = ` when=${when}`;
    }
    return `<Timeout [${this.#state}]${info}>`;
  }

  /**
   * Runs `body(this)` under the timeout, in the calling task, and gives its
   * result; if the deadline passes first, the body is cancelled and a
   * `TimeoutError` is thrown. Await it from an async function, or `yield*`
   * it from a generator coroutine (with a generator function as `body`).
   *
   * A timeout made by `timeout()`/`timeoutAt()` is already running; one
   * made by `new Timeout(when)` starts here.
   *
   * @param body An async function or a generator function.
   * @returns An awaitable of the body's result.
   * @throws {TimeoutError} If the deadline passed (its `cause` is the
   * `CancelledError`).
   * @throws {RuntimeError} If the timeout already ran, or is used outside a
   * task.
   * @throws {TypeError} If `body` is not a function (on await).
   *
   * @example In a generator coroutine
   * ```ts
   * import { run, sleep, timeout, TimeoutError } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const result = await run(function* () {
   *   try {
   *     yield* timeout(0.01).run(function* () {
   *       yield* sleep(3600);
   *     });
   *     return "finished";
   *   } catch (e) {
   *     return e instanceof TimeoutError ? "timed out" : "other";
   *   }
   * });
   * assert.equal(result, "timed out");
   * ```
   */
  run<T>(body: (t: Timeout) => PromiseLike<T> | Coroutine<T>): Awaitable<T> {
    return scoped(
      "Timeout",
      () => this.#enterForRun(),
      body,
      (t, outcome) => t.#exitRun(outcome),
    );
  }

  #enterForRun(): this {
    if (this.#state === CREATED) return this._enter();
    if (
      this.#state === ENTERED && !this.#running &&
      this.#task === runningTask()
    ) {
      this.#running = true;
      return this;
    }
    throw new RuntimeError("Timeout has already been entered");
  }

  // deno-lint-ignore require-yield
  *#exitRun<T>(outcome: Outcome<T>): Coroutine<T> {
    const err = this._exit(
      outcome.failed ? EXIT_ERROR : EXIT_OK,
      outcome.error,
    );
    if (err !== null) throw err;
    if (outcome.failed) throw outcome.error;
    return outcome.result as T;
  }

  /**
   * Ends the block (for `using`): if the deadline passed and the task's
   * cancellation was the timeout's own, throws `TimeoutError`.
   *
   * @throws {TimeoutError} If the timeout expired.
   */
  [Symbol.dispose](): void {
    const err = this._exit(EXIT_UNKNOWN, undefined);
    if (err !== null) throw err;
  }

  /**
   * Ends the block (for `await using`); rejects with `TimeoutError` if the
   * timeout expired (see `[Symbol.dispose]`).
   */
  [Symbol.asyncDispose](): Promise<void> {
    try {
      this[Symbol.dispose]();
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.resolve();
  }

  /**
   * @internal Enters the timeout in the running task (asyncio's
   * `__aenter__`).
   */
  _enter(): this {
    if (this.#state !== CREATED) {
      throw new RuntimeError("Timeout has already been entered");
    }
    const task = runningTask();
    if (task === null) {
      throw new RuntimeError("Timeout should be used inside a task");
    }
    this.#state = ENTERED;
    this.#task = task;
    this.#cancelling = task.cancelling();
    this.reschedule(this.#when);
    return this;
  }

  /**
   * @internal Leaves the timeout (asyncio's `__aexit__`); returns the error
   * to throw instead of the block's outcome, or `null`.
   */
  _exit(how: number, error: unknown): Error | null {
    if (this.#state !== ENTERED && this.#state !== EXPIRING) return null;
    if (this.#handle !== null) {
      this.#handle.cancel();
      this.#handle = null;
    }
    if (this.#state === ENTERED) {
      this.#state = EXITED;
      return null;
    }
    this.#state = EXPIRED;
    const task = this.#task as Task<unknown>;
    // Our cancellation never reached the block (it did not await since).
    const undelivered = how === EXIT_UNKNOWN && task._mustCancel;
    if (task.uncancel() <= this.#cancelling) {
      if (how === EXIT_ERROR && isCancelledError(error)) {
        return new TimeoutError(undefined, { cause: error });
      }
      if (how === EXIT_UNKNOWN && !undelivered) {
        return new TimeoutError();
      }
    }
    return null;
  }

  #onTimeout = (): void => {
    (this.#task as Task<unknown>).cancel();
    this.#state = EXPIRING;
    this.#handle = null;
  };
}

/**
 * A timeout of `delay` seconds from now, in the current task (`null`: no
 * deadline, which `reschedule()` can set later): asyncio's `timeout()`.
 * The timer starts at once. Use it with `run()` or `await using` (see
 * `Timeout`).
 *
 * @param delay Seconds from now, or `null` for no deadline.
 * @returns The running `Timeout`.
 * @throws {RuntimeError} If called outside a task.
 * @throws {TypeError} If `delay` is neither a number nor `null`.
 * @throws {RangeError} If `delay` is NaN.
 *
 * @example The callback form sees the error
 * ```ts
 * import { run, sleep, timeout, TimeoutError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const out = await run(async () => {
 *   try {
 *     return await timeout(0.01).run(async () => {
 *       await sleep(3600);
 *       return "finished";
 *     });
 *   } catch (e) {
 *     assert.ok(e instanceof TimeoutError);
 *     return "timed out";
 *   }
 * });
 * assert.equal(out, "timed out");
 * ```
 *
 * @example Under await using
 * ```ts
 * import { run, sleep, timeout, TimeoutError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   try {
 *     await using _ = timeout(0.01);
 *     await sleep(3600);
 *   } catch (e) {
 *     const err = e instanceof SuppressedError ? e.error : e;
 *     assert.ok(err instanceof TimeoutError);
 *   }
 * });
 * ```
 */
export function timeout(delay: number | null): Timeout {
  checkTime("create timeout", "delay", delay);
  const task = runningTask();
  if (task === null) {
    throw new RuntimeError("Timeout should be used inside a task");
  }
  const when = delay == null ? null : task.getLoop().time() + delay;
  return new Timeout(when)._enter();
}

/**
 * A timeout at the loop time `when` (`null`: no deadline), in the current
 * task: asyncio's `timeout_at()`. `when` is in the clock of
 * `loop.time()`, not wall-clock time.
 *
 * @param when A deadline in loop time, or `null`.
 * @returns The running `Timeout`.
 * @throws {RuntimeError} If called outside a task.
 * @throws {TypeError} If `when` is neither a number nor `null`.
 * @throws {RangeError} If `when` is NaN.
 *
 * @example
 * ```ts
 * import { getRunningLoop, run, sleep, timeoutAt, TimeoutError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const deadline = getRunningLoop().time() + 0.01;
 *   await assert.rejects(
 *     async () => await timeoutAt(deadline).run(() => sleep(3600)),
 *     TimeoutError,
 *   );
 * });
 * ```
 */
export function timeoutAt(when: number | null): Timeout {
  return new Timeout(when)._enter();
}
