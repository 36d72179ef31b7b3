/**
 * `gather()`: runs awaitables concurrently and collects their results, as
 * `asyncio.gather`.
 *
 * @module
 */
import { Future } from "./future.ts";
import { ensureFuture } from "./ensure_future.ts";
import { _getEventLoop } from "../loop/_current.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { AwaitableLike } from "./types.ts";

/** Options of `gather()`, given as its last argument. */
export interface GatherOptions {
  /**
   * Put errors (and a `CancelledError` for a cancelled child) in the
   * results instead of failing the gather with the first one (default
   * false).
   */
  returnExceptions?: boolean;
}

/**
 * What awaiting `X` gives: the result type of an `AwaitableLike` (a
 * generator coroutine's return type, or a thenable's value).
 *
 * @example
 * ```ts
 * import type { Coroutine, Future, ResultOf } from "@asyncio/asyncio";
 *
 * const a: ResultOf<Future<number>> = 1;
 * const b: ResultOf<Coroutine<string>> = "s";
 * const c: ResultOf<Promise<boolean>> = true;
 * console.assert(a === 1 && b === "s" && c);
 * ```
 */
export type ResultOf<X> = X extends Generator<unknown, infer R, unknown> ? R
  : X extends PromiseLike<infer R> ? R
  : never;

/**
 * The results of `gather(...aws)`: one per argument, in order.
 *
 * @example
 * ```ts
 * import type { Future, GatherResults } from "@asyncio/asyncio";
 *
 * const results: GatherResults<[Future<number>, Promise<string>]> = [1, "a"];
 * console.assert(results.length === 2);
 * ```
 */
export type GatherResults<A extends readonly unknown[]> = {
  -readonly [K in keyof A]: ResultOf<A[K]>;
};

/**
 * `_GatheringFuture`: cancelling it cancels the children (as
 * `Task.cancel()` does, it is not marked cancelled at once).
 */
class GatheringFuture<T> extends Future<T> {
  readonly _children: Future<unknown>[];
  _cancelRequested = false;

  constructor(children: Future<unknown>[], loop: AbstractEventLoop) {
    super({ loop });
    this._children = children;
  }

  override cancel(msg?: string | null): boolean {
    this._markRetrieved();
    if (this.done()) return false;
    let ret = false;
    for (const child of this._children) {
      if (child.cancel(msg)) ret = true;
    }
    // A child was cancelled: the gather ends with CancelledError, even
    // with returnExceptions (bpo-32684).
    if (ret) this._cancelRequested = true;
    return ret;
  }
}

function isOptions(x: unknown): x is GatherOptions {
  return x !== null && typeof x === "object" &&
    typeof (x as PromiseLike<unknown>).then !== "function" &&
    typeof (x as Iterable<unknown>)[Symbol.iterator] !== "function";
}

/**
 * Runs the awaitables concurrently and gives their results, in the order
 * of the arguments. asyncio's `gather`.
 *
 * Generator objects and other awaitables are wrapped into tasks
 * (`ensureFuture`), Promises into futures; the same future given twice is
 * awaited once. The result is a Future:
 *
 * - With `returnExceptions` false (the default), the first error of a
 *   child fails the gather at once; the other children are *not* cancelled
 *   and keep running.
 * - With `returnExceptions` true, errors are results like the others (a
 *   cancelled child gives a `CancelledError`).
 * - Cancelling the gather (or the task awaiting it) cancels every child
 *   that is not done; the gather then fails with `CancelledError`, even
 *   with `returnExceptions`. A child cancelled by other means counts as a
 *   child that threw `CancelledError`: it does not cancel the others.
 *
 * With no awaitables, the result is an empty array.
 *
 * Options come last: `gather(a, b, { returnExceptions: true })`.
 *
 * @param aws The awaitables, then optionally `{ returnExceptions }`.
 * @returns A Future of the results, in argument order.
 * @throws {TypeError} If an argument is not awaitable.
 * @throws {RangeError} If the futures belong to different loops.
 *
 * @example Results in argument order
 * ```ts
 * import { gather, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const results = await run(async () =>
 *   await gather(sleep(0.002, "slow"), sleep(0.001, "fast"), Promise.resolve(3))
 * );
 * assert.deepEqual(results, ["slow", "fast", 3]);
 * ```
 *
 * @example Errors as results
 * ```ts
 * import { gather, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * function* fail() {
 *   yield* sleep(0);
 *   throw new RangeError("bad");
 * }
 * const results = await run(function* () {
 *   return yield* gather(fail(), sleep(0, "ok"), { returnExceptions: true });
 * });
 * assert.ok(results[0] instanceof RangeError);
 * assert.equal(results[1], "ok");
 * ```
 */
export function gather<A extends readonly AwaitableLike<unknown>[]>(
  ...aws: A
): Future<GatherResults<A>>;
/**
 * As above, with the options last: `returnExceptions: false` fails on the
 * first error.
 *
 * @param args The awaitables, then `{ returnExceptions: false }`.
 * @returns A Future of the results, in argument order.
 */
export function gather<A extends readonly AwaitableLike<unknown>[]>(
  ...args: [...A, GatherOptions & { returnExceptions?: false }]
): Future<GatherResults<A>>;
/**
 * As above, with `returnExceptions: true`: each result may be an error.
 *
 * @param args The awaitables, then `{ returnExceptions: true }`.
 * @returns A Future of the results or errors, in argument order.
 */
export function gather<A extends readonly AwaitableLike<unknown>[]>(
  ...args: [...A, GatherOptions]
): Future<{ -readonly [K in keyof A]: unknown }>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let returnExceptions = false;
  if (args.length > 0 && isOptions(args[args.length - 1])) {
    returnExceptions = Boolean(
      (args[args.length - 1] as GatherOptions).returnExceptions,
    );
    args = args.slice(0, -1);
  }
  if (args.length === 0) {
    const outer = _getEventLoop().createFuture<unknown[]>();
    outer.setResult([]);
    return outer;
  }

  let outer: GatheringFuture<unknown[]> | null = null;
  const children: Future<unknown>[] = [];
  let nfuts = 0;
  let nfinished = 0;

  const onChildDone = (fut: Future<unknown>): void => {
    nfinished++;
    const o = outer as GatheringFuture<unknown[]>;
    if (o.done()) {
      if (!fut.cancelled()) fut.exception(); // mark it retrieved
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        o.setException(fut._makeCancelledError());
        return;
      }
      const exc = fut.exception();
      if (exc !== null) {
        o.setException(exc);
        return;
      }
    }
    if (nfinished === nfuts) {
      const results: unknown[] = new Array(children.length);
      for (let i = 0; i < children.length; i++) {
        const f = children[i];
        if (f.cancelled()) {
          results[i] = f._makeCancelledError();
        } else {
          const exc = f.exception();
          results[i] = exc !== null ? exc : f.result();
        }
      }
      if (o._cancelRequested) {
        o.setException(fut._makeCancelledError());
      } else {
        o.setResult(results);
      }
    }
  };

  let loop: AbstractEventLoop | null = null;
  // Coroutines and Promises given twice become one task; a Future given
  // twice is simply counted twice (one callback each), which finishes the
  // same way without a lookup per argument.
  let argToFut: Map<unknown, Future<unknown>> | null = null;
  const doneFuts: Future<unknown>[] = [];
  for (const arg of args) {
    let fut: Future<unknown> | undefined;
    if (arg instanceof Future && (loop === null || arg._loop === loop)) {
      fut = arg;
      loop = fut._loop;
    } else {
      argToFut ??= new Map();
      fut = argToFut.get(arg);
      if (fut !== undefined) {
        children.push(fut);
        continue;
      }
      fut = ensureFuture(arg as AwaitableLike<unknown>, { loop });
      loop ??= fut.getLoop();
      argToFut.set(arg, fut);
    }
    nfuts++;
    if (fut.done()) doneFuts.push(fut);
    else fut.addDoneCallback(onChildDone);
    children.push(fut);
  }
  outer = new GatheringFuture<unknown[]>(
    children,
    loop as AbstractEventLoop,
  );
  // Children already done (eager tasks, done futures) count now.
  for (const fut of doneFuts) onChildDone(fut);
  return outer;
}
