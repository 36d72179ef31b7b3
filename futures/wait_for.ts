/**
 * `waitFor()`: waits for an awaitable with a timeout, as
 * `asyncio.wait_for` (CPython 3.12+, built on `timeout()`).
 *
 * @module
 */
import { RuntimeError, TimeoutError } from "./exceptions.ts";
import type { Future } from "./future.ts";
import { ensureFuture } from "./ensure_future.ts";
import { isCancelledError } from "./task.ts";
import { CoroutineAwaitable } from "./_coroutine.ts";
import { iterate, readyValue } from "./_ready.ts";
import { runningTask } from "./_scope.ts";
import { EXIT_ERROR, EXIT_OK, Timeout } from "./timeouts.ts";
import { describe } from "../loop/_describe.ts";
import type { Awaitable, AwaitableLike, Coroutine } from "./types.ts";

/**
 * Waits for `aw` for at most `timeout` seconds and gives its result.
 * asyncio's `wait_for`.
 *
 * If the timeout passes first, `aw` is cancelled and waited for (so it is
 * not running any more when `waitFor` ends), then a `TimeoutError` is
 * thrown (its `cause` is the `CancelledError`). `timeout` `null` waits
 * without limit; a timeout of 0 or less gives the result of an `aw` that is
 * already done, and otherwise cancels it at once. Cancelling the task that
 * waits cancels `aw` too; wrap `aw` in `shield()` to keep it running.
 *
 * A coroutine (generator object, or what a module coroutine returns) runs
 * inside the calling task, as in CPython 3.12; a Future or Task is waited
 * for; a Promise is wrapped into a Future (cancelling that does not stop the
 * Promise's work).
 *
 * @param aw What to wait for.
 * @param timeout Seconds, or `null` for no limit.
 * @returns An awaitable of `aw`'s result.
 * @throws {TimeoutError} If the timeout passes first.
 * @throws {TypeError} If `timeout` is neither a number nor `null`, or `aw`
 * is not awaitable (on await).
 *
 * @example A slow operation
 * ```ts
 * import { run, sleep, TimeoutError, waitFor } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   assert.equal(await waitFor(sleep(0.001, "quick"), 1), "quick");
 *   await assert.rejects(async () => await waitFor(sleep(3600), 0.01), TimeoutError);
 * });
 * ```
 *
 * @example In a generator coroutine, on the virtual clock
 * ```ts
 * import { createTask, TestLoop, waitFor } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = new TestLoop();
 * const slow = loop.createTask(async () => { await loop.createFuture(); });
 * await loop.runUntilComplete(function* () {
 *   try {
 *     yield* waitFor(slow, 5);
 *   } catch (e) {
 *     assert.equal((e as Error).name, "TimeoutError");
 *   }
 * });
 * assert.ok(slow.cancelled());
 * assert.equal(loop.time(), 5);
 * loop.close();
 * ```
 */
export function waitFor<T>(
  aw: AwaitableLike<T>,
  timeout: number | null,
): Awaitable<T> {
  return new CoroutineAwaitable(waitForImpl(aw, timeout));
}

function* waitForImpl<T>(
  aw: AwaitableLike<T>,
  timeout: number | null,
): Coroutine<T> {
  if (timeout !== null && timeout !== undefined) {
    if (typeof timeout !== "number") {
      throw new TypeError(
        `Cannot wait as 'timeout' must be a number of seconds or null: current value is ${
          describe(timeout)
        }`,
      );
    }
    if (Number.isNaN(timeout)) {
      throw new RangeError(
        "Cannot wait as 'timeout' must be a number of seconds or null: current value is NaN",
      );
    }
    if (timeout <= 0) {
      // Already done: the result; else cancel it at once.
      const done = readyValue<T>(aw);
      if (done !== null) return done.value;
      const fut = ensureFuture(aw);
      if (fut.done()) return fut.result();
      yield* cancelAndWait(fut);
      try {
        return fut.result();
      } catch (e) {
        if (isCancelledError(e)) {
          throw new TimeoutError(undefined, { cause: e });
        }
        throw e;
      }
    }
  }
  const task = runningTask();
  if (task === null) {
    throw new RuntimeError("Timeout should be used inside a task");
  }
  const t = new Timeout(
    timeout == null ? null : task.getLoop().time() + timeout,
  )._enter();
  let result: T;
  try {
    result = yield* iterate(aw);
  } catch (e) {
    throw t._exit(EXIT_ERROR, e) ?? e;
  }
  t._exit(EXIT_OK, undefined);
  return result;
}

/** Cancels `fut` and waits until it is done (without awaiting it). */
function* cancelAndWait(fut: Future<unknown>): Coroutine<void> {
  const waiter = fut.getLoop().createFuture<void>();
  const release = () => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  fut.addDoneCallback(release);
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    fut.removeDoneCallback(release);
  }
}
