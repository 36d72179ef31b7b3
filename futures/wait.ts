/**
 * `wait()`: waits for futures until a condition, as `asyncio.wait`, and
 * its `returnWhen` constants.
 *
 * @module
 */
import { type Future, isFuture } from "./future.ts";
import { isGeneratorObject } from "./task.ts";
import { CoroutineAwaitable } from "./_coroutine.ts";
import { currentLoop } from "./_waiters.ts";
import { describe } from "../loop/_describe.ts";
import type { TimerHandle } from "../loop/handle.ts";
import type { Awaitable, Coroutine } from "./types.ts";

/**
 * `wait()` returns when any future finishes or is cancelled.
 *
 * @example
 * ```ts
 * import { createTask, FIRST_COMPLETED, run, sleep, wait } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const t = createTask(() => sleep(0.001));
 *   const [done] = await wait([t], { returnWhen: FIRST_COMPLETED });
 *   assert.ok(done.has(t));
 * });
 * ```
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/**
 * `wait()` returns when any future finishes with an exception, or when all
 * are done.
 *
 * @example
 * ```ts
 * import { createTask, FIRST_EXCEPTION, run, sleep, wait } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const bad = createTask(async () => { throw new RangeError("bad"); });
 *   const slow = createTask(() => sleep(3600));
 *   const [done, pending] = await wait([bad, slow], { returnWhen: FIRST_EXCEPTION });
 *   assert.ok(done.has(bad) && pending.has(slow));
 *   bad.exception();
 *   slow.cancel();
 * });
 * ```
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/**
 * `wait()` returns when all futures are done (the default).
 *
 * @example
 * ```ts
 * import { ALL_COMPLETED, createTask, run, sleep, wait } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const ts = [1, 2].map((n) => createTask(() => sleep(n / 1000)));
 *   const [done, pending] = await wait(ts, { returnWhen: ALL_COMPLETED });
 *   assert.equal(done.size, 2);
 *   assert.equal(pending.size, 0);
 * });
 * ```
 */
export const ALL_COMPLETED = "ALL_COMPLETED";

/**
 * When `wait()` returns: one of the three constants.
 *
 * @example
 * ```ts
 * import { FIRST_COMPLETED, type ReturnWhen } from "@asyncio/asyncio";
 *
 * const when: ReturnWhen = FIRST_COMPLETED;
 * console.assert(when === "FIRST_COMPLETED");
 * ```
 */
export type ReturnWhen =
  | typeof FIRST_COMPLETED
  | typeof FIRST_EXCEPTION
  | typeof ALL_COMPLETED;

/** Options of `wait()`. */
export interface WaitOptions {
  /** Return after this many seconds at most (`null`: no limit). */
  timeout?: number | null;
  /** When to return (default `ALL_COMPLETED`). */
  returnWhen?: ReturnWhen;
}

/**
 * Waits for the futures and tasks of `fs` until `returnWhen` holds or
 * `timeout` seconds pass, and gives `[done, pending]`: two Sets of the
 * futures. asyncio's `wait`.
 *
 * Nothing is cancelled, and a timeout is not an error: what is not done is
 * in `pending`. Errors of the futures are not thrown: look at `done`.
 * Generator objects are refused, as in CPython 3.11+: wrap them in tasks.
 *
 * @param fs The futures and tasks (at least one).
 * @param options `timeout` and `returnWhen`.
 * @returns An awaitable of `[done, pending]`.
 * @throws {RangeError} If `fs` is empty, or `returnWhen` is not one of the
 * constants (on await).
 * @throws {TypeError} If `fs` holds something other than futures (on
 * await).
 *
 * @example The first to finish
 * ```ts
 * import { createTask, FIRST_COMPLETED, run, sleep, wait } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const fast = createTask(() => sleep(0.001, "fast"));
 *   const slow = createTask(() => sleep(3600, "slow"));
 *   const [done, pending] = await wait([fast, slow], { returnWhen: FIRST_COMPLETED });
 *   assert.deepEqual([...done], [fast]);
 *   assert.deepEqual([...pending], [slow]);
 *   slow.cancel();
 * });
 * ```
 */
export function wait<T>(
  fs: Iterable<Future<T>>,
  options?: WaitOptions,
): Awaitable<[Set<Future<T>>, Set<Future<T>>]> {
  return new CoroutineAwaitable(waitImpl(fs, options));
}

function* waitImpl<T>(
  fs: Iterable<Future<T>>,
  options?: WaitOptions,
): Coroutine<[Set<Future<T>>, Set<Future<T>>]> {
  if (
    isFuture(fs) || isGeneratorObject(fs) || fs === null ||
    typeof fs !== "object" || typeof fs[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `Cannot wait as 'fs' must be an iterable of futures: current value is ${
        describe(fs)
      }`,
    );
  }
  const set = new Set(fs);
  if (set.size === 0) {
    throw new RangeError(
      "Cannot wait as 'fs' must hold at least one future: current value is empty",
    );
  }
  const returnWhen = options?.returnWhen ?? ALL_COMPLETED;
  if (
    returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION &&
    returnWhen !== ALL_COMPLETED
  ) {
    throw new RangeError(
      `Cannot wait as 'returnWhen' must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED: current value is ${
        describe(returnWhen)
      }`,
    );
  }
  const timeout = options?.timeout ?? null;
  if (
    timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))
  ) {
    const err = typeof timeout !== "number" ? TypeError : RangeError;
    throw new err(
      `Cannot wait as 'timeout' must be a number of seconds or null: current value is ${
        describe(timeout)
      }`,
    );
  }
  for (const f of set) {
    if (isGeneratorObject(f)) {
      throw new TypeError(
        "Passing coroutines is forbidden, use tasks explicitly.",
      );
    }
    if (!isFuture(f)) {
      throw new TypeError(
        `Cannot wait as 'fs' must hold only futures and tasks: it holds ${
          describe(f)
        }`,
      );
    }
  }

  const loop = currentLoop();
  const waiter = loop.createFuture<void>();
  let handle: TimerHandle | null = null;
  const release = () => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  if (timeout !== null) handle = loop.callLater(timeout, release);
  let counter = set.size;
  const onCompletion = (f: Future<T>): void => {
    counter--;
    if (
      counter <= 0 || returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() &&
        f.exception() !== null)
    ) {
      if (handle !== null) handle.cancel();
      release();
    }
  };
  for (const f of set) f.addDoneCallback(onCompletion);
  try {
    yield* waiter;
  } finally {
    if (handle !== null) handle.cancel();
    for (const f of set) f.removeDoneCallback(onCompletion);
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const f of set) (f.done() ? done : pending).add(f);
  return [done, pending];
}
