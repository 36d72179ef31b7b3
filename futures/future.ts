/**
 * `Future`: a result that will be set later, as `asyncio.Future`. A Future
 * is awaitable (`await fut`) and iterable for generator coroutines
 * (`yield* fut`); its done callbacks are always scheduled with `callSoon`,
 * never run inline.
 *
 * @module
 */
import {
  CancelledError,
  InvalidStateError,
  RuntimeError,
} from "./exceptions.ts";
import { _getEventLoop } from "../loop/_current.ts";
import { captureStack, describe } from "../loop/_describe.ts";
import type { AbstractEventLoop, Context } from "../loop/events.ts";
import type { LoopInternals } from "./_internals.ts";
import { taskStorage } from "./_task_storage.ts";
import type { Awaitable } from "./types.ts";

/** The states of a future (asyncio's `_state`). */
export const PENDING = 0;
/** The future was cancelled. */
export const CANCELLED = 1;
/** The future has a result or an exception. */
export const FINISHED = 2;

/**
 * Marks futures across copies of this module (as CPython duck-types on
 * `_asyncio_future_blocking`).
 */
export const FUTURE_MARK: unique symbol = Symbol.for("asyncio.Future") as never;

/** A done callback: called with the future, via `callSoon`. */
// deno-lint-ignore no-explicit-any
export type DoneCallback<F = Future<any>> = (future: F) => unknown;

/** Options of `new Future()`. */
export interface FutureOptions {
  /** The loop the future belongs to (default: `getEventLoop()`). */
  loop?: AbstractEventLoop | null;
}

/** Options of `addDoneCallback()`. */
export interface DoneCallbackOptions {
  /** A context to run the callback in. */
  context?: Context | null;
}

interface Unretrieved {
  loop: AbstractEventLoop;
  message: string;
  exception: WeakRef<Error> | { copy: Error } | { value: unknown };
  futureRepr: string;
  sourceTraceback: string | null;
}

/**
 * What the registry may hold of an exception without keeping its future
 * alive. An Error keeps the frames of its stack, and with them the task
 * that was stepping when it was thrown: holding it would keep the future
 * from ever being collected. So the registry holds a weak reference and a
 * copy (name, message, stack) to report if the original is gone.
 */
function detach(
  exception: unknown,
): WeakRef<Error> | { copy: Error } | { value: unknown } {
  if (!(exception instanceof Error)) return { value: exception };
  const copy = new Error(exception.message, { cause: exception.cause });
  copy.name = exception.name;
  copy.stack = exception.stack;
  return Object.assign(new WeakRef(exception), { copy });
}

function reattach(held: Unretrieved["exception"]): unknown {
  if (held instanceof WeakRef) {
    return held.deref() ?? (held as unknown as { copy: Error }).copy;
  }
  return "value" in held ? held.value : held.copy;
}

const unretrieved = new FinalizationRegistry<Unretrieved>((held) => {
  const context: Record<string, unknown> = {
    message: held.message,
    exception: reattach(held.exception),
    futureRepr: held.futureRepr,
  };
  if (held.sourceTraceback !== null) {
    context.sourceTraceback = held.sourceTraceback;
  }
  held.loop.callExceptionHandler(context as never);
});

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;

/**
 * One `then(onFulfilled, onRejected)` registration: delivers the future's
 * outcome to the callbacks and settles the Promise `then()` returned.
 */
export class ThenRecord {
  onFulfilled: AnyFn | null | undefined;
  onRejected: AnyFn | null | undefined;
  resolve!: (value: unknown) => void;
  reject!: (reason: unknown) => void;
  /** The result to deliver when the record is not fed by a future. */
  value: unknown = undefined;

  constructor(
    onFulfilled: AnyFn | null | undefined,
    onRejected: AnyFn | null | undefined,
  ) {
    this.onFulfilled = onFulfilled;
    this.onRejected = onRejected;
  }

  /** The Promise that `then()` returns. */
  promise(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Delivers a value (`failed` false) or an error (`failed` true). */
  complete(failed: boolean, value: unknown): void {
    const handler = failed ? this.onRejected : this.onFulfilled;
    if (typeof handler !== "function") {
      if (failed) this.reject(value);
      else this.resolve(value);
      return;
    }
    try {
      this.resolve(handler(value));
    } catch (e) {
      this.reject(e);
    }
  }

  /** Delivers the outcome of the done future `fut`. */
  completeFrom(fut: Future<unknown>): void {
    if (fut._state === CANCELLED) {
      this.complete(true, fut._makeCancelledError());
    } else if (fut._hasException) {
      fut._markRetrieved();
      this.complete(true, fut._exception);
    } else {
      this.complete(false, fut._result);
    }
  }
}

/** A plain `then()` on a pending future: a done callback per record. */
function thenCallback(record: ThenRecord): DoneCallback {
  return (fut) => {
    record.completeFrom(fut);
    (fut._loop as LoopInternals)._yieldMicrotask = true;
  };
}

class FutureIterator<T> implements Iterator<unknown, T, unknown> {
  readonly #fut: Future<T>;
  constructor(fut: Future<T>) {
    this.#fut = fut;
  }
  next(): IteratorResult<unknown, T> {
    const fut = this.#fut;
    if (fut._state === PENDING) {
      fut._blocking = true;
      return { done: false, value: fut };
    }
    return { done: true, value: fut.result() };
  }
  throw(error: unknown): IteratorResult<unknown, T> {
    throw error;
  }
  return(value?: T): IteratorResult<unknown, T> {
    return { done: true, value: value as T };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * A result that will be set later: asyncio's Future. It is `await`able, and
 * `yield*`-able inside generator coroutines.
 *
 * A future is pending, then done in one of three ways: with a result
 * (`setResult`), with an exception (`setException`), or cancelled
 * (`cancel`). `result()` on a pending future is an `InvalidStateError`; on
 * a cancelled one, a `CancelledError`. Done callbacks are scheduled with
 * the loop's `callSoon`, never run inline.
 *
 * A future whose exception is never retrieved (by `result()`,
 * `exception()`, `await` or `yield*`) is reported to the loop's exception
 * handler when it is garbage-collected, as in CPython; it never becomes an
 * unhandled Promise rejection.
 *
 * @typeParam T The type of the result.
 *
 * @example Setting a result from a callback
 * ```ts
 * import { getRunningLoop, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const value = await run(async () => {
 *   const loop = getRunningLoop();
 *   const fut = loop.createFuture<string>();
 *   loop.callLater(0.01, () => fut.setResult("ready"));
 *   return await fut;
 * });
 * assert.equal(value, "ready");
 * ```
 */
export class Future<T = unknown> implements Awaitable<T> {
  /** @internal */ _state: number = PENDING;
  /** @internal */ _result: T | undefined = undefined;
  /** @internal */ _exception: unknown = undefined;
  /** @internal */ _hasException = false;
  /** @internal */ _loop: LoopInternals;
  /** @internal */ _callbacks: unknown[] | null = null;
  /** @internal */ _cancelMessage: string | undefined = undefined;
  /** @internal */ _cancelledExc: CancelledError | null = null;
  /** @internal */ _logTraceback = false;
  /** @internal */ _sourceTraceback: string | null = null;
  /** @internal */ _blocking = false;
  /** @internal */ _iterator: FutureIterator<T> | null = null;

  /**
   * Creates a pending future on `options.loop`, or on the current loop
   * (`getEventLoop()`). `loop.createFuture()` is the usual way.
   */
  constructor(options?: FutureOptions) {
    const loop = options?.loop ?? _getEventLoop();
    this._loop = loop as LoopInternals;
    if (this._loop._debug) this._sourceTraceback = captureStack(2);
  }

  /** The loop the future is bound to. */
  getLoop(): AbstractEventLoop {
    return this._loop;
  }

  /** Whether the future is done (result, exception, or cancelled). */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * The result of the future.
   *
   * @throws {InvalidStateError} If the future is not done.
   * @throws {CancelledError} If the future was cancelled.
   * @throws The future's exception, if it has one.
   */
  result(): T {
    if (this._state === PENDING) {
      throw new InvalidStateError("Result is not set.");
    }
    if (this._state === CANCELLED) throw this._makeCancelledError();
    if (this._hasException) {
      this._markRetrieved();
      throw this._exception;
    }
    return this._result as T;
  }

  /**
   * The exception of the future, or `null` if it finished with a result.
   *
   * @throws {InvalidStateError} If the future is not done.
   * @throws {CancelledError} If the future was cancelled.
   */
  exception(): unknown {
    if (this._state === PENDING) {
      throw new InvalidStateError("Exception is not set.");
    }
    if (this._state === CANCELLED) throw this._makeCancelledError();
    if (!this._hasException) return null;
    this._markRetrieved();
    return this._exception;
  }

  /**
   * Marks the future done with `result` and schedules its callbacks.
   *
   * @throws {InvalidStateError} If the future is already done.
   */
  setResult(result: T): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(`${stateName(this._state)}: ${this}`);
    }
    this._result = result;
    this._state = FINISHED;
    this._scheduleCallbacks();
  }

  /**
   * Marks the future done with `exception` and schedules its callbacks.
   *
   * @throws {InvalidStateError} If the future is already done.
   */
  setException(exception: unknown): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(`${stateName(this._state)}: ${this}`);
    }
    this._exception = exception;
    this._hasException = true;
    this._state = FINISHED;
    this._scheduleCallbacks();
    this._logTraceback = true;
    unretrieved.register(this, {
      loop: this._loop,
      message: `${this.constructor.name} exception was never retrieved`,
      exception: detach(exception),
      futureRepr: this.toString(),
      sourceTraceback: this._sourceTraceback,
    }, this);
  }

  /**
   * Cancels the future: if it is pending, it becomes cancelled, its
   * callbacks are scheduled, and the result is true; otherwise false.
   *
   * @param msg A message for the `CancelledError`.
   */
  cancel(msg?: string | null): boolean {
    this._markRetrieved();
    if (this._state !== PENDING) return false;
    this._state = CANCELLED;
    this._cancelMessage = msg ?? undefined;
    this._scheduleCallbacks();
    return true;
  }

  /**
   * Adds a callback to run, via `callSoon`, with the future as argument
   * when it is done (at once, via `callSoon`, if it already is).
   */
  addDoneCallback(fn: DoneCallback<this>, options?: DoneCallbackOptions): void {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot add done callback as 'fn' must be a function: current value is ${
          describe(fn)
        }`,
      );
    }
    const context = options?.context ?? null;
    if (this._state !== PENDING) {
      this._loop._callSoon1(fn as never, this, context);
    } else if (this._callbacks === null) {
      this._callbacks = [fn, context];
    } else {
      this._callbacks.push(fn, context);
    }
  }

  /** Removes every registration of `fn`; returns how many were removed. */
  removeDoneCallback(fn: DoneCallback<this>): number {
    const cbs = this._callbacks;
    if (cbs === null) return 0;
    const kept: unknown[] = [];
    for (let i = 0; i < cbs.length; i += 2) {
      if (cbs[i] !== fn) kept.push(cbs[i], cbs[i + 1]);
    }
    const removed = (cbs.length - kept.length) / 2;
    this._callbacks = kept.length === 0 ? null : kept;
    return removed;
  }

  /**
   * Lets `await` wait for the future. Inside a Task, an `await` (a call
   * with both callbacks) also tells the task what it waits on, so
   * `task.cancel()` can cancel it.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this._state !== PENDING) {
      let settled: Promise<T>;
      if (this._state === CANCELLED) {
        settled = Promise.reject(this._makeCancelledError());
      } else if (this._hasException) {
        this._markRetrieved();
        settled = Promise.reject(this._exception);
      } else {
        settled = Promise.resolve(this._result as T);
      }
      return settled.then(onFulfilled, onRejected);
    }
    const record = new ThenRecord(onFulfilled, onRejected);
    const promise = record.promise() as Promise<R1 | R2>;
    if (
      typeof onFulfilled === "function" && typeof onRejected === "function"
    ) {
      const task = taskStorage.getStore();
      if (
        task !== undefined && task._state === PENDING &&
        task._awaitRecord === null
      ) {
        if (task._loop !== this._loop) {
          record.complete(
            true,
            new RuntimeError(
              `Task ${task} got Future ${this} attached to a different loop`,
            ),
          );
          return promise;
        }
        if (task === (this as unknown)) {
          record.complete(
            true,
            new RuntimeError(`Task cannot await on itself: ${task}`),
          );
          return promise;
        }
        task._awaitFuture(this as Future<unknown>, record);
        return promise;
      }
    }
    this.addDoneCallback(thenCallback(record));
    return promise;
  }

  /** Lets a generator coroutine wait with `yield* fut`. */
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return (this._iterator ??= new FutureIterator(this));
  }

  /** A description such as `<Future pending>` or `<Future finished result=1>`. */
  toString(): string {
    return `<${[this.constructor.name, ...this._reprInfo()].join(" ")}>`;
  }

  /** @internal The parts of `toString()` after the class name. */
  _reprInfo(): string[] {
    if (this._state === PENDING) return ["pending"];
    if (this._state === CANCELLED) return ["cancelled"];
    if (this._hasException) {
      return ["finished", `exception=${describeError(this._exception)}`];
    }
    return ["finished", `result=${describe(this._result)}`];
  }

  /** @internal The CancelledError to raise for a cancelled future. */
  _makeCancelledError(): CancelledError {
    if (this._cancelledExc !== null) {
      const exc = this._cancelledExc;
      this._cancelledExc = null;
      return exc;
    }
    return new CancelledError(this._cancelMessage);
  }

  /** @internal The exception was looked at: do not report it at GC. */
  _markRetrieved(): void {
    if (this._logTraceback) {
      this._logTraceback = false;
      unretrieved.unregister(this);
    }
  }

  /** @internal Schedules the done callbacks; called once, on completion. */
  _scheduleCallbacks(): void {
    const cbs = this._callbacks;
    if (cbs === null) return;
    this._callbacks = null;
    const loop = this._loop;
    for (let i = 0; i < cbs.length; i += 2) {
      loop._callSoon1(cbs[i] as never, this, cbs[i + 1] as Context | null);
    }
  }

  /** @internal Copies the outcome of the done future `other` into this one. */
  _copyStateFrom(other: Future<T>): void {
    if (this._state !== PENDING) return;
    if (other._state === CANCELLED) {
      this.cancel(other._cancelMessage);
    } else if (other._hasException) {
      other._markRetrieved();
      this.setException(other._exception);
    } else {
      this.setResult(other._result as T);
    }
  }
}

Object.defineProperty(Future.prototype, FUTURE_MARK, { value: true });

function stateName(state: number): string {
  return state === PENDING
    ? "PENDING"
    : state === CANCELLED
    ? "CANCELLED"
    : "FINISHED";
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}(${JSON.stringify(e.message)})`;
  return describe(e);
}

/**
 * Whether `value` is a Future of this module (a `Future` or a `Task`), by
 * duck typing as CPython does, so futures from another copy of the module
 * count too.
 *
 * @example
 * ```ts
 * import { isFuture, newEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.ok(isFuture(loop.createFuture()));
 * assert.ok(!isFuture(Promise.resolve(1)));
 * loop.close();
 * ```
 */
export function isFuture(value: unknown): value is Future<unknown> {
  return value !== null && typeof value === "object" &&
    (value as Record<symbol, unknown>)[FUTURE_MARK] === true;
}

/**
 * A foreign future (a `ConcurrentFuture`) builds its own wrapper through
 * this method, so that cancelling the wrapper cancels it.
 */
const WRAP_INTO = Symbol.for("asyncio.wrapInto");

/** Options of `wrapFuture()`. */
export interface WrapFutureOptions {
  /** The loop of the new future (default: `getEventLoop()`). */
  loop?: AbstractEventLoop | null;
}

/**
 * Wraps a Promise, a thenable, a `ConcurrentFuture`, or a Future of
 * another loop into a Future of `loop`, as `asyncio.wrap_future` wraps a
 * `concurrent.futures.Future`. A Future of the same loop is returned as it
 * is. Cancelling the wrapper does not cancel a Promise (Promises cannot be
 * cancelled); it cancels a wrapped Future or `ConcurrentFuture`.
 *
 * @example
 * ```ts
 * import { run, wrapFuture } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const n = await run(async () => {
 *   const fut = wrapFuture(Promise.resolve(7));
 *   return await fut;
 * });
 * assert.equal(n, 7);
 * ```
 */
export function wrapFuture<T>(
  source: PromiseLike<T> | Future<T>,
  options?: WrapFutureOptions,
): Future<T> {
  const loop = (options?.loop ?? _getEventLoop()) as LoopInternals;
  if (isFuture(source)) {
    const src = source as Future<T>;
    if (src._loop === loop) return src;
    const dest = new Future<T>({ loop });
    chainForeignFuture(src, dest);
    return dest;
  }
  const wrapInto = source !== null && typeof source === "object"
    ? (source as { [WRAP_INTO]?: unknown })[WRAP_INTO]
    : undefined;
  if (typeof wrapInto === "function") return wrapInto.call(source, loop);
  if (
    source === null || (typeof source !== "object" &&
      typeof source !== "function") ||
    typeof (source as PromiseLike<T>).then !== "function"
  ) {
    throw new TypeError(
      `Cannot wrap future as 'source' must be a Future, a Promise or a thenable: current value is ${
        describe(source)
      }`,
    );
  }
  const dest = new Future<T>({ loop });
  (source as PromiseLike<T>).then(
    (value) => {
      if (!loop.isClosed()) setIfPending(dest, false, value);
    },
    (error) => {
      if (!loop.isClosed()) setIfPending(dest, true, error);
    },
  );
  return dest;
}

function setIfPending(fut: Future<unknown>, failed: boolean, value: unknown) {
  if (fut._state !== PENDING) return;
  if (failed) fut.setException(value);
  else fut.setResult(value);
}

/** Two futures on different loops: the outcome of `src` goes to `dest`. */
function chainForeignFuture<T>(src: Future<T>, dest: Future<T>): void {
  const destLoop = dest._loop;
  src.addDoneCallback(() => {
    if (dest._state !== PENDING || destLoop.isClosed()) return;
    destLoop.callSoonThreadsafe(() => dest._copyStateFrom(src));
  });
  dest.addDoneCallback(() => {
    if (dest.cancelled() && !src._loop.isClosed()) {
      src._loop.callSoonThreadsafe(() => src.cancel());
    }
  });
}

/** Resolves a future unless it was cancelled (asyncio helper). */
export function _setResultUnlessCancelled<T>(fut: Future<T>, result: T): void {
  if (fut._state === CANCELLED) return;
  fut.setResult(result);
}
