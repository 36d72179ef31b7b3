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

/** The states of a future (asyncio's `_state`): pending. */
export const PENDING = 0;
/** The future was cancelled. */
export const CANCELLED = 1;
/** The future has a result. */
export const FINISHED = 2;
/** The future has an exception. */
export const FAILED = 3;

/** `_flags`: the exception is not retrieved yet (report it at GC). */
const LOG_TRACEBACK = 1;
/** `_flags`: yielded by `yield*` (asyncio's `_asyncio_future_blocking`). */
const BLOCKING = 2;
/**
 * `_flags`: done, but the outcome is computed when it is first delivered
 * (`_resolveLazy`), so that a consumer cancelled before it resumes takes
 * nothing (a `StreamReader` read leaves its bytes in the buffer).
 */
const LAZY = 4;

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

// A module-level Promise executor: `new Promise(takeResolvers)` hands out
// the resolving functions without allocating a closure per promise.
let tookResolve: ((value: unknown) => void) | null = null;
let tookReject: ((reason: unknown) => void) | null = null;
function takeResolvers(
  resolve: (value: unknown) => void,
  reject: (reason: unknown) => void,
): void {
  tookResolve = resolve;
  tookReject = reject;
}

/**
 * A waiter that is not a function: a task. When the future is done the
 * loop wakes the task itself (`_wakeWith`), with no handle allocated.
 */
export interface StepTarget {
  /** @internal Schedules the target's next step, woken by `fut`. */
  _wakeWith(fut: Future<unknown>): void;
}

/**
 * One `then(onFulfilled, onRejected)` registration: delivers the future's
 * outcome to the callbacks and settles the Promise `then()` returned.
 */
export class ThenRecord implements PromiseLike<unknown> {
  onFulfilled: AnyFn | null | undefined;
  onRejected: AnyFn | null | undefined;
  /**
   * The native Promise of the chain, made only when someone chains on
   * this record (or when it fails unobserved, so the rejection is reported
   * as a Promise's would be). `await` never chains: it costs nothing.
   */
  #promise: Promise<unknown> | null = null;
  #resolve: ((value: unknown) => void) | null = null;
  #reject: ((reason: unknown) => void) | null = null;
  /** 0 pending, 1 fulfilled with `#outcome`. */
  #settled = 0;
  #outcome: unknown = undefined;
  /** The result to deliver when the record is not fed by a future. */
  value: unknown = undefined;

  constructor(
    onFulfilled: AnyFn | null | undefined,
    onRejected: AnyFn | null | undefined,
  ) {
    this.onFulfilled = onFulfilled;
    this.onRejected = onRejected;
  }

  /** Chains on the outcome of the callbacks, as a Promise would. */
  then<R1 = unknown, R2 = never>(
    onFulfilled?: ((value: unknown) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#native().then(onFulfilled, onRejected);
  }

  /** As `Promise.prototype.catch`. */
  catch<R = never>(
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R | PromiseLike<R>) | null,
  ): Promise<unknown> {
    return this.#native().catch(onRejected);
  }

  /** As `Promise.prototype.finally`. */
  finally(onFinally?: (() => void) | null): Promise<unknown> {
    return this.#native().finally(onFinally);
  }

  #native(): Promise<unknown> {
    if (this.#promise === null) {
      if (this.#settled === 1) {
        this.#promise = Promise.resolve(this.#outcome);
      } else {
        this.#promise = new Promise(takeResolvers);
        this.#resolve = tookResolve;
        this.#reject = tookReject;
        tookResolve = tookReject = null;
      }
    }
    return this.#promise;
  }

  #settle(failed: boolean, value: unknown): void {
    if (this.#resolve !== null) {
      if (failed) (this.#reject as (r: unknown) => void)(value);
      else this.#resolve(value);
      this.#resolve = this.#reject = null;
    } else if (failed) {
      // Unobserved failure: a rejected Promise, reported as unhandled
      // unless someone chains on it in time, exactly as a Promise's.
      this.#promise = Promise.reject(value);
    } else {
      this.#settled = 1;
      this.#outcome = value;
    }
  }

  /** Delivers a value (`failed` false) or an error (`failed` true). */
  complete(failed: boolean, value: unknown): void {
    const handler = failed ? this.onRejected : this.onFulfilled;
    if (typeof handler !== "function") {
      this.#settle(failed, value);
      return;
    }
    let out: unknown;
    try {
      out = handler(value);
    } catch (e) {
      this.#settle(true, e);
      return;
    }
    this.#settle(false, out);
  }

  /** Delivers the outcome of the done future `fut`. */
  completeFrom(fut: Future<unknown>): void {
    fut._settle();
    if (fut._state === CANCELLED) {
      this.complete(true, fut._makeCancelledError());
    } else if (fut._state === FAILED) {
      fut._markRetrieved();
      this.complete(true, fut._value);
    } else {
      this.complete(false, fut._value);
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

/** Debug-mode creation stacks, kept aside so futures stay small. */
const sourceTracebacks = new WeakMap<object, string | null>();

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
 * What `then()` returns when the callback it called at once returned
 * undefined, as `await`'s own callbacks do: one shared resolved Promise
 * instead of a new one per `await` of a done future.
 */
const RESOLVED: Promise<unknown> = Promise.resolve(undefined);

function resolvedUndefined<R>(): PromiseLike<R> {
  return RESOLVED as PromiseLike<R>;
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
  // Few fields on purpose: every field costs 8 bytes per future here.
  /** @internal PENDING, CANCELLED, FINISHED or FAILED. */
  _state: number = PENDING;
  /** @internal LOG_TRACEBACK | BLOCKING. */
  _flags = 0;
  /**
   * @internal The result (FINISHED), the exception (FAILED), or for a
   * cancelled future the cancel message or the CancelledError to raise.
   */
  _value: unknown = undefined;
  /** @internal */ _loop: LoopInternals;
  /** @internal Done callbacks as `[fn, context]` pairs, or null. */
  _callbacks: unknown[] | null = null;

  /**
   * Creates a pending future on `options.loop`, or on the current loop
   * (`getEventLoop()`). `loop.createFuture()` is the usual way.
   */
  constructor(options?: FutureOptions) {
    const loop = options?.loop ?? _getEventLoop();
    this._loop = loop as LoopInternals;
    if (this._loop._debug) sourceTracebacks.set(this, captureStack(2));
  }

  /** @internal Where the future was created (debug mode), or `null`. */
  get _sourceTraceback(): string | null {
    return sourceTracebacks.get(this) ?? null;
  }

  /**
   * @internal Marks the future done with an outcome to be computed at its
   * first delivery (by `_resolveLazy()`), and schedules its callbacks.
   */
  _setLazy(): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(`${stateName(this._state)}: ${this}`);
    }
    this._state = FINISHED;
    this._flags |= LAZY;
    this._scheduleCallbacks();
  }

  /** @internal Computes a lazy outcome now, if there is one pending. */
  _settle(): void {
    if ((this._flags & LAZY) !== 0) {
      this._flags &= ~LAZY;
      this._resolveLazy();
    }
  }

  /**
   * @internal Sets `_state` (FINISHED or FAILED) and `_value` of a lazy
   * future; subclasses that call `_setLazy()` override it.
   */
  _resolveLazy(): void {}

  /** @internal Whether the future failed with an exception. */
  get _hasException(): boolean {
    return this._state === FAILED;
  }

  /** @internal Whether the future was yielded by `yield*` (not yet seen). */
  get _blocking(): boolean {
    return (this._flags & BLOCKING) !== 0;
  }
  set _blocking(value: boolean) {
    if (value) this._flags |= BLOCKING;
    else this._flags &= ~BLOCKING;
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
    this._settle();
    if (this._state === FAILED) {
      this._markRetrieved();
      throw this._value;
    }
    return this._value as T;
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
    this._settle();
    if (this._state !== FAILED) return null;
    this._markRetrieved();
    return this._value;
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
    this._value = result;
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
    this._value = exception;
    this._state = FAILED;
    this._scheduleCallbacks();
    this._flags |= LOG_TRACEBACK;
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
    this._value = msg ?? undefined;
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
      this._loop._callSoon1(fn as never, this, context, undefined);
    } else if (this._callbacks === null) {
      this._callbacks = [fn, context];
    } else {
      this._callbacks.push(fn, context);
    }
  }

  /**
   * @internal Wakes `target` (a task) with this future when it is done: the
   * done callback of a task waiting on it, without a closure.
   */
  _addStepTarget(target: StepTarget): void {
    if (this._state !== PENDING) {
      target._wakeWith(this as Future<unknown>);
    } else if (this._callbacks === null) {
      this._callbacks = [target, null];
    } else {
      this._callbacks.push(target, null);
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
   * Lets `await` wait for the future, and chains like a Promise's `then`.
   *
   * A call with both callbacks is how `await` calls it, and gets two
   * refinements: inside a Task it tells the task what it waits on (so
   * `task.cancel()` can cancel this future), and on a future that is
   * already done it calls the callback at once, as asyncio's `await` of a
   * done future does not suspend (the awaiting code still resumes in a
   * later microtask). A call with one callback behaves exactly as a
   * Promise's.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    if (this._state !== PENDING) {
      this._settle();
      if (
        typeof onFulfilled === "function" && typeof onRejected === "function"
      ) {
        // The call `await` makes: deliver now. `await` of a done future
        // does not suspend in asyncio either; the continuation still runs
        // in a later microtask, as every await's does.
        try {
          if (this._state === FINISHED) {
            const r = onFulfilled(this._value as T);
            // `await`'s own callback returns undefined: no new Promise.
            return r === undefined ? resolvedUndefined() : Promise.resolve(r);
          }
          let reason: unknown;
          if (this._state === CANCELLED) reason = this._makeCancelledError();
          else {
            this._markRetrieved();
            reason = this._value;
          }
          const r = onRejected(reason);
          return r === undefined ? resolvedUndefined() : Promise.resolve(r);
        } catch (e) {
          return Promise.reject(e);
        }
      }
      let settled: Promise<T>;
      if (this._state === CANCELLED) {
        settled = Promise.reject(this._makeCancelledError());
      } else if (this._state === FAILED) {
        this._markRetrieved();
        settled = Promise.reject(this._value);
      } else {
        settled = Promise.resolve(this._value as T);
      }
      return settled.then(onFulfilled, onRejected);
    }
    const record = new ThenRecord(onFulfilled, onRejected);
    const promise = record as PromiseLike<R1 | R2>;
    if (
      typeof onFulfilled === "function" && typeof onRejected === "function"
    ) {
      const task = taskStorage.getStore();
      if (
        task !== undefined && task._state === PENDING &&
        task._awaitRecord === null
      ) {
        if (task._loop !== this._loop) {
          return Promise.reject(
            new RuntimeError(
              `Task ${task} got Future ${this} attached to a different loop`,
            ),
          ).then(onFulfilled, onRejected);
        }
        if (task === (this as unknown)) {
          return Promise.reject(
            new RuntimeError(`Task cannot await on itself: ${task}`),
          ).then(onFulfilled, onRejected);
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
    return new FutureIterator(this);
  }

  /** A description such as `<Future pending>` or `<Future finished result=1>`. */
  toString(): string {
    return `<${[this.constructor.name, ...this._reprInfo()].join(" ")}>`;
  }

  /** @internal The parts of `toString()` after the class name. */
  _reprInfo(): string[] {
    if (this._state === PENDING) return ["pending"];
    if (this._state === CANCELLED) return ["cancelled"];
    if (this._state === FAILED) {
      return ["finished", `exception=${describeError(this._value)}`];
    }
    return ["finished", `result=${describe(this._value)}`];
  }

  /** @internal The CancelledError to raise for a cancelled future. */
  _makeCancelledError(): CancelledError {
    const v = this._value;
    if (v instanceof CancelledError) return v;
    return new CancelledError(v as string | undefined);
  }

  /** @internal The exception was looked at: do not report it at GC. */
  _markRetrieved(): void {
    if ((this._flags & LOG_TRACEBACK) !== 0) {
      this._flags &= ~LOG_TRACEBACK;
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
      const cb = cbs[i];
      if (typeof cb === "function") {
        loop._callSoon1(
          cb as never,
          this,
          cbs[i + 1] as Context | null,
          undefined,
        );
      } else {
        (cb as StepTarget)._wakeWith(this as Future<unknown>);
      }
    }
  }

  /** @internal Copies the outcome of the done future `other` into this one. */
  _copyStateFrom(other: Future<T>): void {
    if (this._state !== PENDING) return;
    other._settle();
    if (other._state === CANCELLED) {
      const v = other._value;
      this.cancel(v instanceof CancelledError ? v.message : v as string);
    } else if (other._state === FAILED) {
      other._markRetrieved();
      this.setException(other._value);
    } else {
      this.setResult(other._value as T);
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
