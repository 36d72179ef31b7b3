/**
 * `Task`: a Future that runs a coroutine, as `asyncio.Task`. A task steps
 * a generator coroutine with `next()`/`throw()`, or calls an async function
 * inside its own step and follows its awaits; either way `task.cancel()`
 * delivers a `CancelledError` where the coroutine is suspended.
 *
 * @module
 */
import {
  CancelledError,
  InvalidStateError,
  RuntimeError,
} from "./exceptions.ts";
import {
  CANCELLED,
  FAILED,
  Future,
  isFuture,
  PENDING,
  type ThenRecord,
} from "./future.ts";
import { _getEventLoop, getRunningLoop } from "../loop/_current.ts";
import { describe } from "../loop/_describe.ts";
import type {
  AbstractEventLoop,
  Context,
  CreateTaskOptions,
  TaskFactory,
} from "../loop/events.ts";
import type { LoopInternals } from "./_internals.ts";
import { taskStorage } from "./_task_storage.ts";
import type { Coroutine, CoroutineLike } from "./types.ts";

const KIND_UNSTARTED = 0;
const KIND_GENERATOR = 1;
const KIND_ASYNC = 2;

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;

let taskCounter = 0;

/** Whether `value` is a generator object (a generator coroutine). */
export function isGeneratorObject(value: unknown): value is Coroutine {
  return value !== null && typeof value === "object" &&
    typeof (value as Coroutine).next === "function" &&
    typeof (value as Coroutine).throw === "function" &&
    typeof (value as Coroutine)[Symbol.iterator] === "function";
}

/** Whether `value` is a coroutine: what `createTask()` accepts. */
export function isCoroutineLike(value: unknown): boolean {
  return typeof value === "function" || isGeneratorObject(value);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * Whether `value` is an awaitable of this module (a Future, or what
 * `sleep()` returns): thenable and iterable, so a task can wait on it with
 * `yield*` and cancel it.
 */
function isModuleAwaitable(value: unknown): boolean {
  return isFuture(value) ||
    (value !== null && typeof value === "object" &&
      typeof (value as PromiseLike<unknown>).then === "function" &&
      typeof (value as Iterable<unknown>)[Symbol.iterator] === "function");
}

function* delegateTo(aw: Iterable<unknown>): Coroutine<unknown> {
  return yield* aw as Coroutine<unknown>;
}

/** Whether `error` is a CancelledError (of this or another module copy). */
export function isCancelledError(error: unknown): error is CancelledError {
  return error instanceof CancelledError ||
    (error instanceof Error && error.name === "CancelledError");
}

/**
 * Starts an async-function task: called inside the task's async context, so
 * every continuation of `fn` knows its task. The result Promise is
 * observed with two shared handlers that find their task through that same
 * context, so starting a task allocates no closure.
 */
function startAsync(task: Task<unknown>, fn: () => unknown): void {
  let ret: unknown;
  try {
    ret = fn();
  } catch (e) {
    task._asyncSettled(true, e);
    return;
  }
  if (isGeneratorObject(ret) || isModuleAwaitable(ret)) {
    task._becomeGenerator(ret);
    return;
  }
  if (!isThenable(ret)) {
    task._asyncSettled(
      true,
      new TypeError(
        `Cannot run Task as its function must return a Promise or a generator object: it returned ${
          describe(ret)
        }`,
      ),
    );
    return;
  }
  task._loop._yieldMicrotask = true;
  ret.then(asyncFulfilled, asyncRejected);
}

function asyncFulfilled(value: unknown): void {
  (taskStorage.getStore() as Task<unknown>)._asyncSettled(false, value);
}

function asyncRejected(error: unknown): void {
  (taskStorage.getStore() as Task<unknown>)._asyncSettled(true, error);
}

/** Options of `new Task()`. */
export interface TaskOptions extends CreateTaskOptions {
  /** The loop to run on (default: `getEventLoop()`). */
  loop?: AbstractEventLoop | null;
}

/** Rarely used task state, allocated on demand. */
interface TaskExtra {
  abort: AbortController | null;
  cancelMessage: string | undefined;
}

/** @internal Options key: run as an inline coroutine of this task. */
const INLINE_OWNER: unique symbol = Symbol("inlineOwner");
interface InlineOptions extends TaskOptions {
  [INLINE_OWNER]?: Task<unknown>;
}

const futureCancel = Future.prototype.cancel;
const futureSetResult = Future.prototype.setResult;
const futureSetException = Future.prototype.setException;

/**
 * A Future that runs a coroutine: asyncio's Task.
 *
 * The coroutine is a generator object (`function*` using `yield*` on
 * awaitables, PEP 380 style), or a zero-argument function returning a
 * Promise (an async function) or a generator object. The task runs its first
 * step in a later loop iteration (or at once with `eagerStart`); its result
 * is the coroutine's return value.
 *
 * Cancellation: `cancel(msg)` requests cancellation; a `CancelledError` is
 * thrown into the coroutine where it is suspended. A generator is suspended
 * at a `yield*`; an async function at an `await` on an awaitable of this
 * module (the task knows which one it waits on). An async function waiting
 * on a foreign Promise gets the error at its next await on one of ours, and
 * can pass `task.signal` to `fetch()` and other Web APIs to stop them at
 * once. The coroutine may catch the error and go on (then `uncancel()` is
 * expected, as `timeout()` does).
 *
 * Inside a task, a call of `then()` with both callbacks on a Future of this
 * module counts as an `await` for cancellation (that is how `await` calls
 * it); `Promise.all([fut])` inside a task counts as awaiting `fut`.
 *
 * The loop keeps a strong reference to every pending task, so a task that
 * nothing else references still runs to its end.
 *
 * @typeParam T The type of the coroutine's result.
 *
 * @example A task's lifecycle
 * ```ts
 * import { createTask, run, sleep, Task } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const task = createTask(async () => {
 *     await sleep(0.01);
 *     return "done";
 *   }, { name: "worker" });
 *   assert.ok(task instanceof Task);
 *   assert.equal(task.getName(), "worker");
 *   assert.equal(await task, "done");
 * });
 * ```
 */
export class Task<T = unknown> extends Future<T> {
  // Few fields on purpose: every field costs 8 bytes per task here.
  /**
   * @internal The function to call in the first step, then the generator
   * being stepped (for generator coroutines), then null.
   */
  _coro: unknown;
  /** @internal The original coroutine argument, for `getCoro()`. */
  _origin: CoroutineLike<T>;
  /** @internal */ _kind = KIND_UNSTARTED;
  /** @internal The name, or its number for the default `Task-N`. */
  _name: string | number;
  /** @internal */ _context: Context | null;
  /** @internal */ _mustCancel = false;
  /** @internal The future the coroutine waits on. */
  _futWaiter: Future<unknown> | null = null;
  /** @internal */ _numCancelsRequested = 0;
  /** @internal The pending `await` of the async function. */
  _awaitRecord: ThenRecord | null = null;
  /** @internal Rarely used state: the AbortController, a cancel message. */
  _extra: TaskExtra | null = null;
  /** @internal Links of the loop's task list (undefined: not listed). */
  _prevTask: Task<unknown> | null | undefined = undefined;
  /** @internal */ _nextTask: Task<unknown> | null | undefined = undefined;
  /**
   * @internal The task `currentTask()` reports while this one steps: null
   * for itself, or for an inline coroutine (`await coro()`), the task that
   * awaits it.
   */
  _owner: Task<unknown> | null = null;
  /** @internal The task is its own ready-queue item: never cancelled. */
  readonly _cancelled = false;
  /** @internal What the next step receives (the future that woke it). */
  _wakeArg: unknown = undefined;
  /** @internal The link of the loop's run-next list. */
  _nextRunnable: Task<unknown> | null = null;

  /**
   * Creates a task and schedules its first step. `loop.createTask()` and
   * `createTask()` are the usual ways.
   *
   * @throws {TypeError} If `coro` is not a generator object or a function.
   */
  constructor(coro: CoroutineLike<T>, options?: TaskOptions) {
    const loop = (options?.loop ?? _getEventLoop()) as LoopInternals;
    super({ loop });
    if (typeof coro !== "function") {
      if (!isGeneratorObject(coro)) {
        throw new TypeError(
          `Cannot create Task as 'coro' must be a generator object or a function returning a Promise or a generator: current value is ${
            describe(coro)
          }`,
        );
      }
      this._kind = KIND_GENERATOR;
    }
    this._coro = coro;
    this._origin = coro;
    this._context = options?.context ?? null;
    const owner = (options as InlineOptions | undefined)?.[INLINE_OWNER];
    if (owner !== undefined) {
      this._name = owner._name;
      this._owner = owner;
      this._step(undefined);
      return;
    }
    const name = options?.name;
    this._name = name == null ? ++taskCounter : String(name);
    if (options?.eagerStart && loop.isRunning()) {
      loop._tasks.add(this as Task<unknown>);
      this._step(undefined);
    } else {
      loop._checkClosed();
      loop._tasks.add(this as Task<unknown>);
      loop._schedule(this);
    }
  }

  /** The task's name. */
  getName(): string {
    const n = this._name;
    return typeof n === "number" ? `Task-${n}` : n;
  }

  /** Renames the task. */
  setName(value: unknown): void {
    this._name = String(value);
  }

  /** The coroutine the task was created with. */
  getCoro(): CoroutineLike<T> | null {
    return this._state === PENDING ? this._origin : null;
  }

  /** The context the task's steps run in, or `null`. */
  getContext(): Context | null {
    return this._context;
  }

  /**
   * An `AbortSignal` that aborts when cancellation is requested (its
   * `reason` is a `CancelledError`) and when the task ends: pass it to
   * `fetch()` and other Web APIs. After `uncancel()` brings the count of
   * requests back to zero, the task gets a fresh signal.
   */
  get signal(): AbortSignal {
    const extra = this._extra ??= { abort: null, cancelMessage: undefined };
    if (extra.abort === null) {
      extra.abort = new AbortController();
      if (this._state !== PENDING) {
        extra.abort.abort(new CancelledError(`${this} is done`));
      } else if (this._numCancelsRequested > 0) {
        extra.abort.abort(new CancelledError(extra.cancelMessage));
      }
    }
    return extra.abort.signal;
  }

  /** @internal The message of the pending cancellation request. */
  get _cancelMessage(): string | undefined {
    return this._extra?.cancelMessage;
  }
  set _cancelMessage(msg: string | undefined) {
    if (this._extra === null) {
      if (msg === undefined) return;
      this._extra = { abort: null, cancelMessage: msg };
    } else {
      this._extra.cancelMessage = msg;
    }
  }

  /**
   * Requests cancellation: a `CancelledError` is thrown into the coroutine
   * at its next suspension point. Returns false if the task is done.
   *
   * @param msg A message for the `CancelledError`.
   */
  override cancel(msg?: string | null): boolean {
    this._markRetrieved();
    if (this._state !== PENDING) return false;
    this._numCancelsRequested++;
    const abort = this._extra?.abort ?? null;
    if (abort !== null && !abort.signal.aborted) {
      abort.abort(new CancelledError(msg ?? undefined));
    }
    if (this._futWaiter !== null && this._futWaiter.cancel(msg)) {
      return true;
    }
    this._mustCancel = true;
    this._cancelMessage = msg ?? undefined;
    return true;
  }

  /** The number of pending cancellation requests. */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /**
   * Takes back one cancellation request (for code that handled the
   * `CancelledError` it caused, as `timeout()` does); returns the number
   * left.
   */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      if (this._numCancelsRequested === 0) {
        this._mustCancel = false;
        const extra = this._extra;
        if (
          extra !== null && extra.abort !== null && extra.abort.signal.aborted
        ) {
          extra.abort = null;
        }
      }
    }
    return this._numCancelsRequested;
  }

  /**
   * Tasks cannot be resolved from outside.
   *
   * @throws {RuntimeError} Always.
   */
  override setResult(_result: T): never {
    throw new RuntimeError("Task does not support setResult operation");
  }

  /**
   * Tasks cannot be failed from outside.
   *
   * @throws {RuntimeError} Always.
   */
  override setException(_exception: unknown): never {
    throw new RuntimeError("Task does not support setException operation");
  }

  /** A description such as `<Task pending name='Task-1' coro=main()>`. */
  override toString(): string {
    return `<${[this.constructor.name, ...this._reprInfo()].join(" ")}>`;
  }

  /** @internal The parts of `toString()` after the class name. */
  override _reprInfo(): string[] {
    const info = super._reprInfo();
    info.splice(1, 0, `name='${this.getName()}'`);
    if (this._state === PENDING) {
      info.push(
        `coro=${
          typeof this._origin === "function"
            ? describe(this._origin)
            : "<generator>"
        }`,
      );
    }
    return info;
  }

  /**
   * @internal The CancelledError to throw: for a pending task, one with the
   * message of the pending request.
   */
  override _makeCancelledError(): CancelledError {
    if (this._state === PENDING) return new CancelledError(this._cancelMessage);
    return super._makeCancelledError();
  }

  /** @internal Done: unregister, abort the signal, schedule callbacks. */
  override _scheduleCallbacks(): void {
    this._loop._tasks.delete(this as Task<unknown>);
    const abort = this._extra?.abort ?? null;
    if (abort !== null && !abort.signal.aborted) {
      abort.abort(new CancelledError(`${this} is done`));
    }
    this._coro = null;
    super._scheduleCallbacks();
  }

  /**
   * @internal An async function of this task awaits `fut`: wake the task
   * when it is done, and cancel it on `task.cancel()`.
   */
  _awaitFuture(fut: Future<unknown>, record: ThenRecord): void {
    this._awaitRecord = record;
    this._futWaiter = fut;
    fut._addStepTarget(this);
    if (this._mustCancel && fut.cancel(this._cancelMessage)) {
      this._mustCancel = false;
    }
  }

  /**
   * @internal An async function of this task gives up one iteration
   * (`await sleep(0)`): resume it in the next one with `record.value`.
   */
  _awaitYield(record: ThenRecord): void {
    this._awaitRecord = record;
    this._futWaiter = null;
    this._wakeArg = undefined;
    this._loop._schedule(this);
  }

  /** @internal The future the task waits on is done: step in the next iteration. */
  _wakeWith(fut: Future<unknown>): void {
    this._wakeArg = fut;
    if ((fut as Task<unknown>)._owner === this) {
      // The inline coroutine this task awaits is done: go on at once.
      this._loop._scheduleNext(this);
    } else {
      this._loop._schedule(this);
    }
  }

  /**
   * @internal Run by the loop as a ready-queue item: the next step, with an
   * error it throws sent to the exception handler.
   */
  _run(): void {
    const arg = this._wakeArg;
    this._wakeArg = undefined;
    try {
      if (this._context === null) this._step(arg);
      else this._context.run(() => this._step(arg));
    } catch (exception) {
      this._loop.callExceptionHandler({
        message: `Exception in step of ${this}`,
        exception,
        task: this as Task<unknown>,
      });
    }
  }

  /**
   * @internal One step: the first step, a wakeup by the future the
   * coroutine waited on (`arg`), or a resumption after a bare yield (`arg`
   * undefined).
   */
  _step(arg: unknown): void {
    if (this._kind === KIND_GENERATOR) {
      this.#stepGenerator(false, undefined);
    } else if (this._kind === KIND_ASYNC) {
      this.#resumeAsync(arg as Future<unknown> | undefined);
    } else {
      this.#start();
    }
  }

  /** Throws `error` into the coroutine in a later iteration. */
  #scheduleThrow(error: unknown): void {
    this._loop._callSoon1(
      ((e: unknown) => this.#stepGenerator(true, e)) as never,
      error,
      this._context,
      undefined,
    );
  }

  #start(): void {
    if (this._state !== PENDING) return;
    const fn = this._coro as () => unknown;
    this._coro = null;
    if (this._mustCancel) {
      this._mustCancel = false;
      futureCancel.call(this, this._cancelMessage);
      return;
    }
    const loop = this._loop;
    const prev = loop._currentTask;
    loop._currentTask = this._owner ?? this as Task<unknown>;
    try {
      if (fn instanceof GeneratorFunction) {
        let gen: Coroutine<T>;
        try {
          gen = fn() as Coroutine<T>;
        } catch (e) {
          this.#finishWithError(e);
          return;
        }
        this._coro = gen;
        this._kind = KIND_GENERATOR;
        this.#runGenerator(false, undefined);
        return;
      }
      this._kind = KIND_ASYNC;
      taskStorage.run(
        this as Task<unknown>,
        startAsync,
        this as Task<unknown>,
        fn,
      );
    } finally {
      loop._currentTask = prev;
    }
  }

  /**
   * @internal The async function returned something that is not a
   * Promise: a generator object (or an awaitable of this module), which the
   * task then steps as a generator coroutine.
   */
  _becomeGenerator(ret: unknown): void {
    this._coro = (isGeneratorObject(ret) ? ret : delegateTo(
      ret as Iterable<unknown>,
    )) as Coroutine<T>;
    this._kind = KIND_GENERATOR;
    this.#runGenerator(false, undefined);
  }

  /** @internal The async function settled (`failed` with `value`). */
  _asyncSettled(failed: boolean, value: unknown): void {
    try {
      if (failed) this.#finishWithError(value);
      else this.#finishWithResult(value as T);
    } catch (e) {
      // The loop was closed before the function ended: nobody can be told.
      if (!this._loop.isClosed()) throw e;
    }
  }

  #stepGenerator(hasExc: boolean, exc: unknown): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(`_step(): already done: ${this}`);
    }
    if (this._mustCancel) {
      if (!(hasExc && isCancelledError(exc))) {
        exc = this._makeCancelledError();
      }
      hasExc = true;
      this._mustCancel = false;
    }
    this._futWaiter = null;
    const loop = this._loop;
    const prev = loop._currentTask;
    loop._currentTask = this._owner ?? this as Task<unknown>;
    try {
      this.#runGenerator(hasExc, exc);
    } finally {
      loop._currentTask = prev;
    }
  }

  #runGenerator(hasExc: boolean, exc: unknown): void {
    const coro = this._coro as Coroutine<T>;
    let r: IteratorResult<unknown, T>;
    try {
      r = hasExc ? coro.throw(exc) : coro.next(undefined);
    } catch (e) {
      this.#finishWithError(e);
      return;
    }
    if (r.done) {
      this.#finishWithResult(r.value);
      return;
    }
    const yielded = r.value;
    if (isFuture(yielded)) {
      const fut = yielded as Future<unknown>;
      if (fut._loop !== this._loop) {
        this.#scheduleThrow(
          new RuntimeError(
            `Task ${this} got Future ${fut} attached to a different loop`,
          ),
        );
      } else if (fut._blocking) {
        if (fut === (this as unknown)) {
          this.#scheduleThrow(
            new RuntimeError(`Task cannot await on itself: ${this}`),
          );
        } else {
          fut._blocking = false;
          fut._addStepTarget(this);
          this._futWaiter = fut;
          if (this._mustCancel && fut.cancel(this._cancelMessage)) {
            this._mustCancel = false;
          }
        }
      } else {
        this.#scheduleThrow(
          new RuntimeError(
            `yield was used instead of yield* in task ${this} with ${fut}`,
          ),
        );
      }
    } else if (yielded === undefined || yielded === null) {
      this._wakeArg = undefined;
      this._loop._schedule(this);
    } else if (isGeneratorObject(yielded)) {
      this.#scheduleThrow(
        new RuntimeError(
          `yield was used instead of yield* for generator in task ${this}`,
        ),
      );
    } else {
      this.#scheduleThrow(
        new RuntimeError(
          `Task got bad yield: ${
            describe(yielded)
          } (use yield* on an awaitable of this module; wrap a Promise with ensureFuture())`,
        ),
      );
    }
  }

  /** Delivers the outcome of an await (or a yield) to the async function. */
  #resumeAsync(fut: Future<unknown> | undefined): void {
    const record = this._awaitRecord;
    if (record === null) return;
    this._awaitRecord = null;
    this._futWaiter = null;
    let failed = false;
    let value: unknown;
    if (this._mustCancel && this._state === PENDING) {
      // Cancelled while the result was on its way: the CancelledError
      // replaces it (a lazy outcome, such as a read's bytes, is not taken).
      this._mustCancel = false;
      failed = true;
      if (fut !== undefined && fut._state === CANCELLED) {
        value = fut._makeCancelledError();
      } else {
        if (fut !== undefined && fut._state === FAILED) fut._markRetrieved();
        value = this._makeCancelledError();
      }
    } else if (fut === undefined) {
      value = record.value;
    } else {
      fut._settle();
      if (fut._state === CANCELLED) {
        failed = true;
        value = fut._makeCancelledError();
      } else if (fut._state === FAILED) {
        fut._markRetrieved();
        failed = true;
        value = fut._value;
      } else {
        value = fut._value;
      }
    }
    const loop = this._loop;
    const prev = loop._currentTask;
    loop._currentTask = this._owner ?? this as Task<unknown>;
    try {
      record.complete(failed, value);
    } finally {
      loop._currentTask = prev;
    }
    loop._yieldMicrotask = true;
  }

  #finishWithResult(value: T): void {
    if (this._state !== PENDING) return;
    if (this._mustCancel) {
      this._mustCancel = false;
      futureCancel.call(this, this._cancelMessage);
    } else {
      futureSetResult.call(this, value);
    }
  }

  #finishWithError(error: unknown): void {
    if (this._state !== PENDING) return;
    if (isCancelledError(error)) {
      futureCancel.call(this);
      this._value = error;
    } else {
      futureSetException.call(this, error);
    }
  }
}

/**
 * The task running in `loop` (default: the running loop), or `null` when
 * called from a plain callback.
 *
 * @throws {RuntimeError} If no loop is given and none is running.
 *
 * @example
 * ```ts
 * import { currentTask, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const name = await run(async () => currentTask()?.getName());
 * assert.match(String(name), /^Task-\d+$/);
 * ```
 */
export function currentTask(loop?: AbstractEventLoop | null): Task | null {
  const l = (loop ?? getRunningLoop()) as LoopInternals;
  const t = l._currentTask;
  if (t !== null) return t;
  const s = taskStorage.getStore();
  if (s !== undefined && s._loop === l && s._state === PENDING) return s;
  return null;
}

/**
 * The tasks of `loop` (default: the running loop) that are not done yet.
 *
 * @throws {RuntimeError} If no loop is given and none is running.
 *
 * @example
 * ```ts
 * import { allTasks, createTask, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const t = createTask(() => sleep(0.01));
 *   assert.ok(allTasks().has(t));
 *   await t;
 *   assert.ok(!allTasks().has(t));
 * });
 * ```
 */
export function allTasks(loop?: AbstractEventLoop | null): Set<Task> {
  const l = (loop ?? getRunningLoop()) as LoopInternals;
  const out = new Set<Task>();
  for (const t of l._tasks) if (t._state === PENDING) out.add(t);
  return out;
}

/**
 * Wraps a coroutine into a Task on the running loop and schedules it: the
 * usual way to run things concurrently (`asyncio.create_task`).
 *
 * @throws {RuntimeError} If no loop is running.
 * @throws {TypeError} If `coro` is not a coroutine.
 *
 * @example Two tasks running side by side
 * ```ts
 * import { createTask, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const order: string[] = [];
 * await run(async () => {
 *   const a = createTask(async () => { await sleep(0.02); order.push("a"); });
 *   const b = createTask(async () => { await sleep(0.01); order.push("b"); });
 *   await a;
 *   await b;
 * });
 * assert.deepEqual(order, ["b", "a"]);
 * ```
 */
export function createTask<T>(
  coro: CoroutineLike<T>,
  options?: CreateTaskOptions,
): Task<T> {
  return getRunningLoop().createTask(coro, options);
}

/**
 * A task factory whose tasks start eagerly: the first step runs inside
 * `createTask()`, so a coroutine that finishes without suspending is done at
 * once, without a loop iteration (CPython 3.12's `eager_task_factory`).
 *
 * @example
 * ```ts
 * import { eagerTaskFactory, getRunningLoop, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(function* () {
 *   const loop = getRunningLoop();
 *   loop.setTaskFactory(eagerTaskFactory);
 *   const t = loop.createTask((function* () { return 1; })());
 *   assert.ok(t.done());
 * });
 * ```
 */
export const eagerTaskFactory: TaskFactory = <T>(
  loop: AbstractEventLoop,
  coro: CoroutineLike<T>,
  options: CreateTaskOptions,
): Task<T> => new Task(coro, { ...options, loop, eagerStart: true });

/**
 * Makes an eager task factory that builds tasks with `taskConstructor`
 * (CPython's `create_eager_task_factory`).
 *
 * @example
 * ```ts
 * import { createEagerTaskFactory, Task } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const factory = createEagerTaskFactory(Task);
 * assert.equal(typeof factory, "function");
 * ```
 */
export function createEagerTaskFactory(
  taskConstructor: new <T>(
    coro: CoroutineLike<T>,
    options: TaskOptions,
  ) => Task<T>,
): TaskFactory {
  return <T>(
    loop: AbstractEventLoop,
    coro: CoroutineLike<T>,
    options: CreateTaskOptions,
  ): Task<T> =>
    new taskConstructor(coro, { ...options, loop, eagerStart: true });
}

/**
 * @internal Runs `coro` inline in `owner` (the task that awaits it), as
 * `await coro()` runs a coroutine inside the calling task in asyncio: the
 * first step runs now, `currentTask()` is `owner` throughout, and the
 * result is a Future-like that `owner` awaits (so `owner.cancel()` reaches
 * the future the coroutine waits on). It is not listed by `allTasks()`.
 */
export function _runInline<T>(
  coro: Coroutine<T>,
  loop: AbstractEventLoop,
  owner: Task<unknown>,
): Task<T> {
  return new Task(coro, { loop, [INLINE_OWNER]: owner } as InlineOptions);
}
