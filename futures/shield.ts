/**
 * `shield()`: protects an awaitable from the cancellation of its waiter,
 * as `asyncio.shield`.
 *
 * @module
 */
import { ensureFuture } from "./ensure_future.ts";
import type { Future } from "./future.ts";
import type { AwaitableLike } from "./types.ts";

/**
 * Waits for `aw` without letting a cancellation of the waiter reach it:
 * asyncio's `shield`. `await shield(x)` is `await x`, except that when the
 * awaiting task is cancelled, `x` keeps running (the task still gets its
 * `CancelledError`). If `x` itself is cancelled, the shield is cancelled
 * too.
 *
 * A coroutine is wrapped into a task first (`ensureFuture`); keep a
 * reference to the result, or to `x`, if you need it after a cancellation.
 * An `aw` that is already done is returned as it is.
 *
 * @param aw What to protect.
 * @returns A Future with `aw`'s outcome (cancelling it leaves `aw` alone).
 * @throws {TypeError} If `aw` is not awaitable.
 *
 * @example The inner work survives the cancellation
 * ```ts
 * import { CancelledError, createTask, run, shield, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const inner = createTask(() => sleep(0.01, "saved"));
 *   const waiter = createTask(async () => await shield(inner));
 *   await sleep(0);
 *   waiter.cancel();
 *   await assert.rejects(async () => await waiter, CancelledError);
 *   assert.equal(await inner, "saved");
 * });
 * ```
 */
export function shield<T>(aw: AwaitableLike<T>): Future<T> {
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = inner.getLoop().createFuture<T>();

  const onInnerDone = (inner: Future<T>): void => {
    if (outer.cancelled()) {
      if (!inner.cancelled()) inner.exception(); // mark it retrieved
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
    } else {
      const exc = inner.exception();
      if (exc !== null) outer.setException(exc);
      else outer.setResult(inner.result());
    }
  };
  const onOuterDone = (): void => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  };
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(onOuterDone);
  return outer;
}
