/**
 * The exception classes of the module, named as in CPython's
 * `asyncio.exceptions`, each with its Python name as `name`.
 *
 * Python's `ValueError` maps to `RangeError`, its `TypeError` to `TypeError`,
 * and its `RuntimeError` to the exported {@linkcode RuntimeError}.
 *
 * @module
 */

/**
 * Python's `RuntimeError`: an operation that is not allowed in the current
 * state (a nested `runForever()`, `getRunningLoop()` outside a loop, a closed
 * loop, ...). The messages keep asyncio's wording so they can be searched.
 *
 * @example Catching a nested run
 * ```ts
 * import { getRunningLoop, RuntimeError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => getRunningLoop(), RuntimeError);
 * ```
 */
export class RuntimeError extends Error {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RuntimeError";
  }
}

/**
 * Python's `NotImplementedError`: the operation exists in the API but this
 * loop cannot provide it. The message names the loop that can.
 *
 * @example
 * ```ts
 * import { NotImplementedError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new NotImplementedError("addReader() needs SelectorEventLoop");
 * assert.equal(err.name, "NotImplementedError");
 * ```
 */
export class NotImplementedError extends Error {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NotImplementedError";
  }
}

/**
 * The operation was cancelled: thrown into a task at the point where it is
 * suspended when `task.cancel()` is called, and by `future.result()` on a
 * cancelled future.
 *
 * Unlike Python's `CancelledError`, which derives from `BaseException`, this
 * class extends `Error` (JavaScript has no other root). Code that catches
 * every error should rethrow a `CancelledError` it did not cause.
 *
 * @example Cancelling a sleeping task
 * ```ts
 * import { CancelledError, run, sleep, createTask } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const task = createTask(() => sleep(3600));
 *   await sleep(0);
 *   task.cancel("enough");
 *   await assert.rejects(async () => await task, CancelledError);
 *   assert.ok(task.cancelled());
 * });
 * ```
 */
export class CancelledError extends Error {
  /** Creates the error; `message` is the one given to `cancel(msg)`. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CancelledError";
  }
}

/**
 * An operation exceeded its deadline (`waitFor`, `timeout`, ...).
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new TimeoutError().name, "TimeoutError");
 * ```
 */
export class TimeoutError extends Error {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/**
 * The operation is not allowed in the object's current state: setting the
 * result of a future that is already done, asking a pending future for its
 * result.
 *
 * @example
 * ```ts
 * import { Future, InvalidStateError, newEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const fut = loop.createFuture<number>();
 * assert.throws(() => fut.result(), InvalidStateError);
 * loop.close();
 * ```
 */
export class InvalidStateError extends Error {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidStateError";
  }
}

/**
 * `loop.sockSendfile()` cannot use the native sendfile path for this
 * socket or file, and the fallback was disabled.
 *
 * @example
 * ```ts
 * import { SendfileNotAvailableError, RuntimeError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new SendfileNotAvailableError() instanceof RuntimeError);
 * ```
 */
export class SendfileNotAvailableError extends RuntimeError {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SendfileNotAvailableError";
  }
}

/**
 * A read reached EOF before the expected number of bytes (or the separator)
 * arrived. `partial` holds the bytes read before EOF; `expected` is the
 * number of bytes asked for, or `null` when reading up to a separator.
 *
 * @example
 * ```ts
 * import { IncompleteReadError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new IncompleteReadError(new Uint8Array([1, 2]), 5);
 * assert.equal(err.message, "2 bytes read on a total of 5 expected bytes");
 * ```
 */
export class IncompleteReadError extends Error {
  /** The bytes that were read before EOF. */
  readonly partial: Uint8Array;
  /** The number of bytes that were expected, or `null` (undefined size). */
  readonly expected: number | null;
  /**
   * Creates the error.
   *
   * @param partial The bytes read before EOF.
   * @param expected The total expected, or `null` when it is not known.
   */
  constructor(partial: Uint8Array, expected: number | null) {
    const r = expected === null ? "undefined" : String(expected);
    super(`${partial.length} bytes read on a total of ${r} expected bytes`);
    this.name = "IncompleteReadError";
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * The buffer limit was reached while looking for a separator. `consumed` is
 * the number of bytes to be consumed (the separator was found past the
 * limit, or not at all).
 *
 * @example
 * ```ts
 * import { LimitOverrunError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new LimitOverrunError("Separator is not found, and chunk exceed the limit", 10);
 * assert.equal(err.consumed, 10);
 * ```
 */
export class LimitOverrunError extends Error {
  /** The number of bytes to be consumed. */
  readonly consumed: number;
  /**
   * Creates the error.
   *
   * @param message What happened.
   * @param consumed The number of bytes to be consumed.
   */
  constructor(message: string, consumed: number) {
    super(message);
    this.name = "LimitOverrunError";
    this.consumed = consumed;
  }
}

/**
 * `queue.getNowait()` on an empty queue.
 *
 * @example
 * ```ts
 * import { QueueEmpty } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new QueueEmpty().name, "QueueEmpty");
 * ```
 */
export class QueueEmpty extends Error {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueEmpty";
  }
}

/**
 * `queue.putNowait()` on a full queue.
 *
 * @example
 * ```ts
 * import { QueueFull } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new QueueFull().name, "QueueFull");
 * ```
 */
export class QueueFull extends Error {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueFull";
  }
}

/**
 * A put or get on a queue that was shut down (CPython 3.13).
 *
 * @example
 * ```ts
 * import { QueueShutDown } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new QueueShutDown().name, "QueueShutDown");
 * ```
 */
export class QueueShutDown extends Error {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueShutDown";
  }
}

/**
 * A `Barrier` was reset or aborted while tasks waited on it, or a task
 * waits on a broken barrier.
 *
 * @example
 * ```ts
 * import { BrokenBarrierError, RuntimeError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new BrokenBarrierError() instanceof RuntimeError);
 * ```
 */
export class BrokenBarrierError extends RuntimeError {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenBarrierError";
  }
}

/**
 * Several errors raised together, as Python's `ExceptionGroup`: `TaskGroup`
 * raises it with the errors of its failed tasks. `exceptions` is the same
 * array as `errors`.
 *
 * @example
 * ```ts
 * import { ExceptionGroup } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const eg = new ExceptionGroup("unhandled errors in a TaskGroup", [new TypeError("a")]);
 * assert.ok(eg instanceof AggregateError);
 * assert.equal(eg.exceptions, eg.errors);
 * assert.equal(eg.message, "unhandled errors in a TaskGroup (1 sub-exception)");
 * ```
 */
export class ExceptionGroup extends AggregateError {
  /** The message given to the constructor, without the count suffix. */
  readonly rawMessage: string;
  /**
   * Creates the group.
   *
   * @param message What the errors have in common.
   * @param exceptions The errors, at least one.
   * @throws {RangeError} If `exceptions` is empty or not an array.
   */
  constructor(message: string, exceptions: readonly unknown[]) {
    if (!Array.isArray(exceptions) || exceptions.length === 0) {
      throw new RangeError(
        "Cannot create ExceptionGroup as 'exceptions' must be a non-empty array",
      );
    }
    const n = exceptions.length;
    super(
      exceptions,
      `${message} (${n} sub-exception${n === 1 ? "" : "s"})`,
    );
    this.name = "ExceptionGroup";
    this.rawMessage = message;
  }

  /** The errors of the group (the same array as `errors`). */
  get exceptions(): unknown[] {
    return this.errors;
  }

  /**
   * A group with the same message and the errors of this one that match
   * `condition`, nested groups kept (Python's `subgroup`), or `null` if
   * none match. If the group itself matches, or every error does, it is
   * returned as it is.
   * This is how Python's `except* E` picks errors.
   *
   * @param condition An error class, an array of them, or a predicate.
   * @returns The matching part, or `null`.
   *
   * @example Picking the errors of one class
   * ```ts
   * import { ExceptionGroup } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const eg = new ExceptionGroup("many", [new TypeError("t"), new RangeError("r")]);
   * const types = eg.subgroup(TypeError);
   * assert.equal(types?.exceptions.length, 1);
   * assert.equal(eg.subgroup(SyntaxError), null);
   * ```
   */
  subgroup(condition: ErrorCondition): ExceptionGroup | null {
    return this.split(condition)[0];
  }

  /**
   * Splits the group in two (Python's `split`): the errors that match
   * `condition` and those that do not, each as a group with the same
   * message (nested groups kept), or `null` when empty; a side that has
   * every error is the group itself.
   *
   * @param condition An error class, an array of them, or a predicate.
   * @returns `[match, rest]`.
   *
   * @example Handling one kind of error, rethrowing the rest
   * ```ts
   * import { ExceptionGroup } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const eg = new ExceptionGroup("many", [new TypeError("t"), new RangeError("r")]);
   * const [match, rest] = eg.split((e) => e instanceof TypeError);
   * assert.equal((match?.exceptions[0] as Error).message, "t");
   * assert.equal((rest?.exceptions[0] as Error).message, "r");
   * ```
   */
  split(
    condition: ErrorCondition,
  ): [ExceptionGroup | null, ExceptionGroup | null] {
    const matches = toPredicate(condition);
    if (matches(this)) return [this, null];
    const match: unknown[] = [];
    const rest: unknown[] = [];
    for (const e of this.errors) {
      if (e instanceof ExceptionGroup) {
        const [m, r] = e.split(condition);
        if (m !== null) match.push(m);
        if (r !== null) rest.push(r);
      } else if (matches(e)) {
        match.push(e);
      } else {
        rest.push(e);
      }
    }
    // A side that kept everything is the group itself, as in Python.
    if (rest.length === 0) return [this, null];
    if (match.length === 0) return [null, this];
    return [this.derive(match), this.derive(rest)];
  }

  /**
   * A new group with this one's message and `exceptions` (Python's
   * `derive`, which `split` and `subgroup` use); the `cause` is kept.
   *
   * @param exceptions The errors of the new group.
   * @returns The new group.
   *
   * @example
   * ```ts
   * import { ExceptionGroup } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const eg = new ExceptionGroup("batch", [new Error("a")]);
   * assert.equal(eg.derive([new Error("b")]).rawMessage, "batch");
   * ```
   */
  derive(exceptions: readonly unknown[]): ExceptionGroup {
    const eg = new ExceptionGroup(this.rawMessage, exceptions);
    if (this.cause !== undefined) eg.cause = this.cause;
    return eg;
  }
}

/**
 * What `ExceptionGroup.split()` and `subgroup()` match errors with: an
 * error class (`instanceof`), an array of classes, or a predicate.
 *
 * @example
 * ```ts
 * import { type ErrorCondition, ExceptionGroup } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const eg = new ExceptionGroup("e", [new TypeError("a")]);
 * const conditions: ErrorCondition[] = [TypeError, [TypeError, RangeError], (e) => e instanceof TypeError];
 * for (const c of conditions) assert.equal(eg.subgroup(c), eg);
 * ```
 */
export type ErrorCondition =
  // deno-lint-ignore no-explicit-any
  | (abstract new (...args: any[]) => unknown)
  // deno-lint-ignore no-explicit-any
  | readonly (abstract new (...args: any[]) => unknown)[]
  | ((error: unknown) => boolean);

function isErrorClass(f: unknown): boolean {
  return typeof f === "function" &&
    (f === Error || (f as { prototype?: unknown }).prototype instanceof Error);
}

function toPredicate(condition: ErrorCondition): (e: unknown) => boolean {
  if (Array.isArray(condition)) {
    const classes = condition as readonly (abstract new () => unknown)[];
    return (e) => classes.some((c) => e instanceof c);
  }
  if (isErrorClass(condition)) {
    const cls = condition as abstract new () => unknown;
    return (e) => e instanceof cls;
  }
  if (typeof condition === "function") {
    return condition as (e: unknown) => boolean;
  }
  throw new TypeError(
    "Cannot split ExceptionGroup as 'condition' must be an error class, an array of them, or a predicate",
  );
}

/**
 * Python's `KeyboardInterrupt`: the user pressed Ctrl-C. `run()` and
 * `Runner.run()` turn the first Ctrl-C (SIGINT) into cancellation of the
 * main task; if the main task then ends cancelled, the run rejects with
 * this error instead of `CancelledError`, as CPython's runner raises
 * `KeyboardInterrupt`.
 *
 * Python's `KeyboardInterrupt` derives from `BaseException`; this class
 * extends `Error` (JavaScript has no other root).
 *
 * @example Telling an interrupted run from a failed one
 * ```ts
 * import { KeyboardInterrupt } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new KeyboardInterrupt();
 * assert.equal(err.name, "KeyboardInterrupt");
 * assert.ok(err instanceof Error);
 * ```
 */
export class KeyboardInterrupt extends Error {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyboardInterrupt";
  }
}

/**
 * A worker of a `WorkerPoolExecutor` crashed (an uncaught error or an
 * unhandled rejection in the worker, or its module failed to load) while it
 * ran a job: the job's future fails with this error, whose `cause` is the
 * worker's error, and the pool replaces the worker. CPython's
 * `BrokenProcessPool` in spirit, though only the one worker is lost.
 *
 * @example
 * ```ts
 * import { BrokenWorkerError, RuntimeError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new BrokenWorkerError("a worker crashed", { cause: new TypeError("boom") });
 * assert.ok(err instanceof RuntimeError);
 * assert.equal(err.name, "BrokenWorkerError");
 * ```
 */
export class BrokenWorkerError extends RuntimeError {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenWorkerError";
  }
}
