/**
 * `ensureFuture()`: turns anything awaitable into a Future of a loop.
 *
 * @module
 */
import { _getEventLoop } from "../loop/_current.ts";
import { describe } from "../loop/_describe.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { type Future, isFuture, wrapFuture } from "./future.ts";
import { isGeneratorObject } from "./task.ts";
import type { AwaitableLike, Coroutine } from "./types.ts";

/** Options of `ensureFuture()`. */
export interface EnsureFutureOptions {
  /** The loop (default: the running loop, or `getEventLoop()`). */
  loop?: AbstractEventLoop | null;
}

/**
 * Returns a Future for `aw`: a Future or Task as it is; a generator object
 * (or another awaitable of this module, such as what `sleep()` returns)
 * wrapped into a Task; a Promise or any thenable wrapped into a Future.
 *
 * @throws {TypeError} If `aw` is not awaitable.
 * @throws {RangeError} If `aw` is a Future of another loop than `loop`.
 *
 * @example Wrapping a Promise
 * ```ts
 * import { ensureFuture, isFuture, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const fut = ensureFuture(Promise.resolve("x"));
 *   assert.ok(isFuture(fut));
 *   assert.equal(await fut, "x");
 * });
 * ```
 */
export function ensureFuture<T>(
  aw: AwaitableLike<T>,
  options?: EnsureFutureOptions,
): Future<T> {
  const loop = options?.loop ?? null;
  if (isFuture(aw)) {
    if (loop !== null && aw.getLoop() !== loop) {
      throw new RangeError(
        "The future belongs to a different loop than the one specified as the loop argument",
      );
    }
    return aw as Future<T>;
  }
  if (isGeneratorObject(aw)) {
    return (loop ?? _getEventLoop()).createTask(aw as Coroutine<T>);
  }
  if (
    aw !== null && typeof aw === "object" &&
    typeof (aw as { [Symbol.iterator]?: unknown })[Symbol.iterator] ===
      "function" &&
    typeof (aw as PromiseLike<T>).then === "function"
  ) {
    const it = aw as unknown as Iterable<unknown>;
    return (loop ?? _getEventLoop()).createTask(
      (function* () {
        return (yield* it as unknown as Coroutine<T>) as T;
      })(),
    );
  }
  if (
    aw !== null && (typeof aw === "object" || typeof aw === "function") &&
    typeof (aw as PromiseLike<T>).then === "function"
  ) {
    return wrapFuture(aw as PromiseLike<T>, { loop });
  }
  throw new TypeError(
    `An asyncio Future, a coroutine or an awaitable is required: current value is ${
      describe(aw)
    }`,
  );
}
