/**
 * `BaseEventLoop`: the scheduler every loop of this module shares (CPython's
 * `base_events.py`): the ready queue, the timer heap, one iteration at a
 * time (`_runOnce`), start and stop, the exception handler and debug mode.
 * It names no `Deno.*` API; I/O lives in the concrete loops.
 *
 * ## How it runs inside Deno
 *
 * JavaScript cannot block, so `runForever()` returns a Promise and the loop
 * runs as a guest of Deno's own event loop. Each iteration runs in a
 * microtask; after a callback that resumed an async function the loop yields
 * one microtask, so the function's continuation runs before the next
 * callback, as the coroutine step would in asyncio. Every `HOP_WORK`
 * callbacks, and whenever it has nothing ready, the loop gives Deno a turn
 * (`setImmediate`, about 1 µs) so Deno's I/O and timers make progress; it
 * never uses `setTimeout(0)`. When idle, it sleeps on a host timer set for
 * the next deadline, and anything scheduled from outside wakes it at once.
 *
 * @module
 */
import { AbstractEventLoop } from "./events.ts";
import type {
  Context,
  CreateTaskOptions,
  ExceptionContext,
  ExceptionHandler,
  TaskFactory,
} from "./events.ts";
import { Handle, Handle1, TimerHandle } from "./handle.ts";
import { ReadyQueue } from "./_ready_queue.ts";
import { TimerHeap } from "./_timer_heap.ts";
import { _getRunningLoop, _setRunningLoop } from "./_current.ts";
import { clearHostTimer, hop, type HostTimer, setHostTimer } from "./_host.ts";
import { describe } from "./_describe.ts";
import { RuntimeError } from "../futures/exceptions.ts";
import { Future, isFuture, wrapFuture } from "../futures/future.ts";
import { Task } from "../futures/task.ts";
import { TaskList } from "../futures/_task_list.ts";
import { ensureFuture } from "../futures/ensure_future.ts";
import { taskStorage } from "../futures/_task_storage.ts";
import type { AwaitableLike, CoroutineLike } from "../futures/types.ts";
import {
  type Executor,
  type ModuleFunction,
  WorkerPoolExecutor,
} from "./executor.ts";

/**
 * An item of the ready queue: a `Handle`, or a `Task` (which is its own
 * item: a task has at most one step pending, so it needs no handle).
 */
export interface Runnable {
  /** @internal Skipped when true. */
  readonly _cancelled: boolean;
  /** @internal Runs the item; reports its errors itself. */
  _run(): void;
  /** @internal Where it was created (debug mode). */
  readonly _sourceTraceback?: string | null;
  /** @internal The link of the loop's run-next list. */
  _nextRunnable?: Runnable | null;
}

/**
 * An item of the timer heap: a `TimerHandle`, or a future that arms its own
 * timer (what `sleep()` returns), which saves a handle per sleep.
 */
export interface TimerEntry extends Runnable {
  /** @internal The deadline, in `time()` seconds. */
  _when: number;
  /** @internal The order of scheduling (ties). */
  _seq: number;
  /** @internal Whether it is in the heap. */
  _scheduled: boolean;
  /** @internal Cancelled: dropped from the heap lazily. */
  readonly _cancelled: boolean;
}

/** Compact the heap when it has more timers than this... */
const MIN_SCHEDULED_TIMER_HANDLES = 100;
/** ...and more than this fraction of them are cancelled. */
const MIN_CANCELLED_TIMER_HANDLES_FRACTION = 0.5;
/** Callbacks run between two turns given to Deno's event loop. */
const HOP_WORK = 256;

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => unknown;

/**
 * Something with a `shutdown()`, as a default executor (a
 * `WorkerPoolExecutor`).
 */
export interface ShutdownableExecutor {
  /** Stops the executor; with `wait`, resolves when its work is done. */
  shutdown(wait?: boolean): Promise<void> | void;
}

interface PendingTaskInfo {
  loop: AbstractEventLoop;
  taskRepr: string;
  sourceTraceback: string | null;
}

const destroyedPending = new FinalizationRegistry<PendingTaskInfo>((held) => {
  const context: ExceptionContext = {
    message: "Task was destroyed but it is pending!",
    taskRepr: held.taskRepr,
  };
  if (held.sourceTraceback !== null) {
    context.sourceTraceback = held.sourceTraceback;
  }
  held.loop.callExceptionHandler(context);
});

function isCoroutineFunction(fn: AnyFn): boolean {
  const name = fn.constructor?.name;
  return name === "AsyncFunction" || name === "GeneratorFunction" ||
    name === "AsyncGeneratorFunction";
}

function runUntilCompleteCb(fut: Future<unknown>): void {
  fut.getLoop().stop();
}

/**
 * The scheduler shared by this module's loops: FIFO callbacks, a timer
 * heap keyed by `(when, seq)` with lazy cancellation, and asyncio's
 * iteration: callbacks scheduled while an iteration runs wait for the next.
 * Subclasses add I/O (`DenoEventLoop`) or replace the clock (`TestLoop`).
 *
 * @example Callbacks, a timer and stop
 * ```ts
 * import { BaseEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = new BaseEventLoop();
 * const seen: string[] = [];
 * loop.callLater(0.01, () => { seen.push("timer"); loop.stop(); });
 * loop.callSoon(() => seen.push("soon"));
 * await loop.runForever();
 * assert.deepEqual(seen, ["soon", "timer"]);
 * loop.close();
 * ```
 */
export class BaseEventLoop extends AbstractEventLoop {
  /** @internal Handles, and tasks (a task is its own ready item). */
  _ready: ReadyQueue<Runnable> = new ReadyQueue<Runnable>(1024);
  /** @internal Timer handles, and timer-armed futures (sleeps). */
  _scheduled: TimerHeap<TimerEntry> = new TimerHeap<TimerEntry>();
  /** @internal */ _timerCancelledCount = 0;
  /** @internal */ _timerSeq = 0;
  /** @internal */ _stopping = false;
  /** @internal */ _closed = false;
  /** @internal */ _running = false;
  /** @internal */ _debug = false;
  /** @internal */ _exceptionHandler: ExceptionHandler | null = null;
  /** @internal */ _taskFactory: TaskFactory | null = null;
  /** @internal */ _tasks: TaskList<Task<unknown>> = new TaskList();
  /** @internal */ _currentTask: Task<unknown> | null = null;
  /** @internal */ _currentHandle: Runnable | null = null;
  /** @internal */ _yieldMicrotask = false;
  /** @internal A ready item is running (the driver is inside `_run()`). */
  _inRun = false;
  /** @internal Items to run right after the current one (`_scheduleNext`). */
  _next: Runnable | null = null;
  /** @internal */ _idleResolve: (() => void) | null = null;
  /** @internal */ _idleTimer: HostTimer | null = null;
  /** @internal */ _defaultExecutor: Executor | null = null;
  /** @internal */ _executorShutdownCalled = false;
  /** @internal Called once by `close()` (loop handles, ...). */
  _closeCallbacks: Set<() => void> | null = null;
  /** @internal Timers due within this many seconds fire now. */
  _clockResolution = 1e-6;
  /** @internal Iterations run so far (for tests and statistics). */
  _iterations = 0;
  /**
   * @internal The loop checks for I/O in every iteration it does not idle
   * in (`_pollIO()`): a selector loop sets it; the default loop, whose I/O
   * completes in Deno's own turns, does not.
   */
  _pollsIO = false;
  readonly #onIdleTimer = () => {
    this._idleTimer = null;
    this._wake();
  };

  // ---- time ----

  /** The loop's monotonic clock, in seconds (`performance.now()`). */
  override time(): number {
    return performance.now() / 1000;
  }

  // ---- scheduling ----

  /**
   * Schedules `callback(...args)` for the next iteration. Callbacks run in
   * the order they were scheduled; an exception goes to the exception
   * handler.
   *
   * @throws {RuntimeError} If the loop is closed.
   * @throws {TypeError} If `callback` is not a function.
   */
  override callSoon<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle;
  override callSoon(callback: AnyFn): Handle {
    this._checkClosed();
    this._checkCallback(callback, "callSoon");
    // `arguments`, not a rest parameter: a call without arguments (the
    // common case) then allocates no empty array.
    const h = new Handle(
      callback,
      arguments.length > 1 ? Array.prototype.slice.call(arguments, 1) : null,
      this,
    );
    this._ready.push(h);
    if (this._idleResolve !== null) this._wake();
    return h;
  }

  /**
   * Schedules `callback(...args)` from a host callback (a Deno I/O or
   * timer callback of this realm) and wakes the loop if it waits. Within one
   * realm this is `callSoon`; from another Worker, use a loop handle.
   *
   * @throws {RuntimeError} If the loop is closed.
   */
  override callSoonThreadsafe<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle {
    return this.callSoon(callback, ...args);
  }

  /** @internal Queues a task (its own ready item) for the next iteration. */
  _schedule(item: Runnable): void {
    this._checkClosed();
    this._ready.push(item);
    if (this._idleResolve !== null) this._wake();
  }

  /**
   * @internal Runs `item` right after the callback now running, in the same
   * iteration (or queues it, outside a callback): an owner task goes on as
   * soon as the inline coroutine it awaits is done, as a coroutine's caller
   * does in asyncio, in the same step.
   */
  _scheduleNext(item: Runnable): void {
    if (!this._inRun) {
      this._schedule(item);
      return;
    }
    item._nextRunnable = null;
    if (this._next === null) {
      this._next = item;
    } else {
      let last = this._next;
      while (last._nextRunnable != null) last = last._nextRunnable;
      last._nextRunnable = item;
    }
  }

  /**
   * @internal `callback.call(target, arg)` in the next iteration: the
   * loop's own calls for futures and tasks, with no arguments array.
   */
  _callSoon1(
    callback: (arg: never) => unknown,
    arg: unknown,
    context: Context | null,
    target: unknown,
  ): Handle {
    this._checkClosed();
    const h = new Handle1(callback as AnyFn, arg, target, this, context);
    this._ready.push(h);
    if (this._idleResolve !== null) this._wake();
    return h;
  }

  /**
   * Schedules `callback(...args)` after `delay` seconds. A negative delay is
   * zero; `Infinity` never fires. Timers with the same deadline run in the
   * order they were scheduled.
   *
   * @throws {RuntimeError} If the loop is closed.
   * @throws {TypeError} If `delay` is not a number or `callback` not a function.
   * @throws {RangeError} If `delay` is NaN.
   */
  override callLater<A extends unknown[]>(
    delay: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle;
  override callLater(delay: number, callback: AnyFn): TimerHandle {
    if (typeof delay !== "number") {
      throw new TypeError(
        `Cannot schedule callback as 'delay' must be a number of seconds: current value is ${
          describe(delay)
        }`,
      );
    }
    if (Number.isNaN(delay)) {
      throw new RangeError(
        "Cannot schedule callback as 'delay' must be a number of seconds: current value is NaN",
      );
    }
    this._checkCallback(callback, "callLater");
    return this._timer(this.time() + delay, callback, arguments);
  }

  /**
   * Schedules `callback(...args)` at the loop time `when` (see `time()`).
   *
   * @throws {RuntimeError} If the loop is closed.
   * @throws {TypeError} If `when` is not a number or `callback` not a function.
   * @throws {RangeError} If `when` is NaN.
   */
  override callAt<A extends unknown[]>(
    when: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle;
  override callAt(when: number, callback: AnyFn): TimerHandle {
    if (typeof when !== "number" || Number.isNaN(when)) {
      const err = typeof when !== "number" ? TypeError : RangeError;
      throw new err(
        `Cannot schedule callback as 'when' must be a loop time in seconds: current value is ${
          describe(when)
        }`,
      );
    }
    this._checkCallback(callback, "callAt");
    return this._timer(when, callback, arguments);
  }

  /**
   * @internal A timer handle for `callback` with the arguments that follow
   * the first two in `callArgs` (the caller's `arguments`: no array is
   * made when there are none).
   */
  _timer(when: number, callback: AnyFn, callArgs: IArguments): TimerHandle {
    this._checkClosed();
    const h = new TimerHandle(
      when,
      0,
      callback,
      callArgs.length > 2 ? Array.prototype.slice.call(callArgs, 2) : null,
      this,
    );
    this._addTimer(h);
    return h;
  }

  /**
   * @internal Puts a timer entry (a TimerHandle, or a timer-armed future)
   * in the heap at its `_when`, after the timers with the same deadline.
   */
  _addTimer(entry: TimerEntry): void {
    entry._seq = this._timerSeq++;
    entry._scheduled = true;
    this._scheduled.push(entry);
    if (this._idleResolve !== null) this._wake();
  }

  /** @internal A scheduled timer was cancelled. */
  _timerHandleCancelled(handle: TimerEntry): void {
    if (handle._scheduled) this._timerCancelledCount++;
  }

  // ---- futures and tasks ----

  /** Creates a Future attached to this loop. */
  override createFuture<T>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /**
   * Wraps a coroutine into a Task on this loop (through the task factory, if
   * one is set).
   *
   * @throws {RuntimeError} If the loop is closed.
   * @throws {TypeError} If `coro` is not a coroutine.
   */
  override createTask<T>(
    coro: CoroutineLike<T>,
    options?: CreateTaskOptions,
  ): Task<T> {
    this._checkClosed();
    if (this._taskFactory !== null) {
      const task = this._taskFactory(this, coro, { ...options });
      if (options?.name != null) task.setName(options.name);
      return task;
    }
    return new Task(coro, {
      loop: this,
      name: options?.name,
      context: options?.context,
      eagerStart: options?.eagerStart,
    });
  }

  /**
   * Sets the task factory; `null` restores the default.
   *
   * @throws {TypeError} If `factory` is neither a function nor `null`.
   */
  override setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== "function") {
      throw new TypeError(
        `Cannot set task factory as 'factory' must be a function or null: current value is ${
          describe(factory)
        }`,
      );
    }
    this._taskFactory = factory;
  }

  /** The task factory, or `null` for the default. */
  override getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  // ---- running ----

  /** Whether the loop is running (between `runForever()` and its end). */
  override isRunning(): boolean {
    return this._running;
  }

  /** Whether the loop was closed. */
  override isClosed(): boolean {
    return this._closed;
  }

  /**
   * Runs the loop until `stop()` is called. The Promise settles when the
   * loop has stopped. If `stop()` was called before, the loop runs one
   * iteration and stops.
   *
   * Rejects with `RuntimeError` if the loop is closed, already running, or
   * another loop runs in this realm.
   */
  override runForever(): Promise<void> {
    try {
      this._checkClosed();
      this._checkRunning();
    } catch (e) {
      return Promise.reject(e);
    }
    this._running = true;
    _setRunningLoop(this);
    return taskStorage.run(
      undefined as unknown as Task<unknown>,
      () => this._drive(),
    );
  }

  /**
   * Runs the loop until `future` is done, and settles with its result or
   * error. A generator object, an async function or a Promise becomes a
   * Task or a Future of this loop first.
   *
   * Rejects with `RuntimeError` if the loop stops before `future` is done.
   */
  override async runUntilComplete<T>(
    future: AwaitableLike<T> | CoroutineLike<T>,
  ): Promise<T> {
    this._checkClosed();
    this._checkRunning();
    const isNew = !isFuture(future);
    const fut: Future<T> = typeof future === "function"
      ? this.createTask(future as CoroutineLike<T>)
      : ensureFuture(future as AwaitableLike<T>, { loop: this });
    fut.addDoneCallback(runUntilCompleteCb);
    try {
      await this.runForever();
    } catch (e) {
      if (isNew && fut.done() && !fut.cancelled()) fut.exception();
      throw e;
    } finally {
      fut.removeDoneCallback(runUntilCompleteCb);
    }
    if (!fut.done()) {
      throw new RuntimeError("Event loop stopped before Future completed.");
    }
    return fut.result();
  }

  /** Stops the loop after the iteration that is running. */
  override stop(): void {
    this._stopping = true;
    this._wake();
  }

  /**
   * Closes the loop: what is scheduled is dropped, the default executor is
   * shut down without waiting, and the loop cannot run again. Closing a
   * closed loop does nothing. Tasks still pending are reported ("Task was
   * destroyed but it is pending!") when they are garbage-collected.
   *
   * @throws {RuntimeError} If the loop is running.
   */
  override close(): void {
    if (this._running) {
      throw new RuntimeError("Cannot close a running event loop");
    }
    if (this._closed) return;
    this._closed = true;
    this._ready.clear();
    this._scheduled.clear((h) => (h._scheduled = false));
    this._timerCancelledCount = 0;
    this._executorShutdownCalled = true;
    const executor = this._defaultExecutor;
    if (executor !== null) {
      this._defaultExecutor = null;
      void Promise.resolve(executor.shutdown(false)).catch(() => {});
    }
    const closeCallbacks = this._closeCallbacks;
    if (closeCallbacks !== null) {
      this._closeCallbacks = null;
      for (const cb of closeCallbacks) {
        try {
          cb();
        } catch (exception) {
          this.callExceptionHandler({
            message: "Exception in a close callback of the loop",
            exception,
          });
        }
      }
    }
    for (const task of this._tasks) {
      if (task._state === 0) {
        destroyedPending.register(task, {
          loop: this,
          taskRepr: String(task),
          sourceTraceback: task._sourceTraceback,
        });
      }
    }
    this._tasks.clear();
  }

  /**
   * Closes the async generators the loop knows of. JavaScript offers no
   * hook to track async generators, so the loop knows of none: this resolves
   * at once, and exists so that shutdown code reads as in asyncio.
   */
  override shutdownAsyncgens(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Shuts down the default executor and waits for its work and workers to
   * end, up to `timeout` seconds (default: no limit). Past the timeout, a
   * warning is logged (CPython's `RuntimeWarning`) and the executor is left
   * to end its work on its own (`shutdown(false)`). Afterwards,
   * `runInExecutor(null, ...)` is a `RuntimeError`. `run()` calls this.
   *
   * Rejects with `TypeError`/`RangeError` if `timeout` is not a number of
   * seconds >= 0 or null.
   */
  override async shutdownDefaultExecutor(
    timeout: number | null = null,
  ): Promise<void> {
    if (
      timeout !== null &&
      (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0)
    ) {
      const err = typeof timeout !== "number" ? TypeError : RangeError;
      throw new err(
        `Cannot shut down the default executor as 'timeout' must be a number of seconds >= 0 or null: current value is ${
          describe(timeout)
        }`,
      );
    }
    this._executorShutdownCalled = true;
    const executor = this._defaultExecutor;
    if (executor === null) return;
    this._defaultExecutor = null;
    const done = Promise.resolve(executor.shutdown(true));
    if (timeout === null || timeout === Infinity) {
      await done;
      return;
    }
    let timer: HostTimer | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = setHostTimer(() => resolve(true), timeout);
    });
    try {
      const late = await Promise.race([done.then(() => false), expired]);
      if (late) {
        console.warn(
          `The executor did not finish joining its workers within ${timeout} seconds.`,
        );
        await executor.shutdown(false);
      }
    } finally {
      clearHostTimer(timer as HostTimer);
    }
  }

  // ---- executors (worker pools) ----

  /**
   * Runs `fn(...args)` in a worker of `executor` (`null`: the loop's
   * default executor, a `WorkerPoolExecutor` created on first use) and
   * returns a Future of this loop for its result. `fn` is a self-contained
   * function (sent as its source) or a `{ module, name }` reference to a
   * module export; arguments and result are structured-cloned (see
   * `WorkerPoolExecutor`). Cancelling the Future removes a job that has not
   * started; a running job runs to its end and its result is dropped.
   *
   * @throws {RuntimeError} If the loop is closed, or `executor` is null
   *   and `shutdownDefaultExecutor()` was called.
   * @throws {TypeError} If `executor` has no `submit()`, or `fn` cannot be
   *   sent to a worker.
   *
   * @example CPU-bound work off the loop
   * ```ts
   * import { getRunningLoop, run } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const primes = await run(async () => {
   *   const countPrimes = (limit: number) => {
   *     let count = 0;
   *     for (let n = 2; n < limit; n++) {
   *       let prime = true;
   *       for (let d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
   *       if (prime) count++;
   *     }
   *     return count;
   *   };
   *   return await getRunningLoop().runInExecutor(null, countPrimes, 1000);
   * });
   * assert.equal(primes, 168);
   * ```
   */
  override runInExecutor<A extends unknown[], R>(
    executor: Executor | null | undefined,
    fn: (...args: A) => R,
    ...args: A
  ): Future<Awaited<R>>;
  /** Runs the module export `fn` with `args` in a worker of `executor`. */
  override runInExecutor<R = unknown>(
    executor: Executor | null | undefined,
    fn: ModuleFunction,
    ...args: unknown[]
  ): Future<R>;
  override runInExecutor(
    executor: Executor | null | undefined,
    fn: unknown,
    ...args: unknown[]
  ): Future<unknown> {
    this._checkClosed();
    if (executor == null) {
      if (this._executorShutdownCalled) {
        throw new RuntimeError("Executor shutdown has been called");
      }
      executor = this._defaultExecutor ??= new WorkerPoolExecutor();
    } else if (
      typeof executor !== "object" || typeof executor.submit !== "function"
    ) {
      throw new TypeError(
        `Cannot run in executor as 'executor' must have a submit() method or be null: current value is ${
          describe(executor)
        }`,
      );
    }
    return wrapFuture(executor.submit(fn, ...args), { loop: this });
  }

  /**
   * Sets the executor `runInExecutor(null, ...)` and `toThread()` use. The
   * previous default executor is not shut down.
   *
   * @throws {TypeError} If `executor` lacks `submit()` or `shutdown()`.
   */
  override setDefaultExecutor(executor: Executor): void {
    if (
      executor === null || typeof executor !== "object" ||
      typeof executor.submit !== "function" ||
      typeof executor.shutdown !== "function"
    ) {
      throw new TypeError(
        `Cannot set default executor as 'executor' must have submit() and shutdown() methods: current value is ${
          describe(executor)
        }`,
      );
    }
    this._defaultExecutor = executor;
  }

  // ---- errors and debug ----

  /**
   * Sets the exception handler, called as `handler(loop, context)`; `null`
   * restores the default.
   *
   * @throws {TypeError} If `handler` is neither a function nor `null`.
   */
  override setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError(
        `Cannot set exception handler as 'handler' must be a function or null: current value is ${
          describe(handler)
        }`,
      );
    }
    this._exceptionHandler = handler;
  }

  /** The exception handler, or `null` for the default. */
  override getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  /**
   * Logs `context` to `console.error`: the message, the other keys, and the
   * exception's stack.
   */
  override defaultExceptionHandler(context: ExceptionContext): void {
    const message = context.message || "Unhandled exception in event loop";
    const lines = [message];
    const handleSource = this._currentHandle?._sourceTraceback ?? null;
    if (!("sourceTraceback" in context) && handleSource !== null) {
      context.handleTraceback = handleSource;
    }
    for (const key of Object.keys(context).sort()) {
      if (key === "message" || key === "exception") continue;
      const value = context[key];
      if (key === "sourceTraceback") {
        lines.push(`Object created at (most recent call last):\n${value}`);
      } else if (key === "handleTraceback") {
        lines.push(`Handle created at (most recent call last):\n${value}`);
      } else {
        lines.push(`${key}: ${describe(value)}`);
      }
    }
    const exc = context.exception;
    if (exc !== undefined) {
      lines.push(
        exc instanceof Error ? String(exc.stack ?? exc) : describe(exc),
      );
    }
    console.error(lines.join("\n"));
  }

  /**
   * Calls the exception handler with `context` (the default one if none is
   * set). An error thrown by the handler is logged, never propagated.
   */
  override callExceptionHandler(context: ExceptionContext): void {
    const handler = this._exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (e) {
        console.error("Exception in default exception handler", e);
      }
      return;
    }
    try {
      handler(this, context);
    } catch (exc) {
      try {
        this.defaultExceptionHandler({
          message: "Unhandled error in exception handler",
          exception: exc,
          context,
        });
      } catch (e) {
        console.error(
          "Exception in default exception handler while handling an unexpected error in custom exception handler",
          e,
        );
      }
    }
  }

  /** Whether debug mode is on. */
  override getDebug(): boolean {
    return this._debug;
  }

  /**
   * Turns debug mode on or off. In debug mode the loop records where
   * handles and futures were created, logs callbacks slower than
   * `slowCallbackDuration`, and rejects coroutine functions given to
   * `callSoon`.
   */
  override setDebug(enabled: boolean): void {
    this._debug = Boolean(enabled);
  }

  /** A description such as `<BaseEventLoop running=false closed=false>`. */
  override toString(): string {
    return `<${this.constructor.name} running=${this._running} closed=${this._closed} debug=${this._debug}>`;
  }

  // ---- internals ----

  /** @internal */
  _checkClosed(): void {
    if (this._closed) throw new RuntimeError("Event loop is closed");
  }

  /** @internal */
  _checkRunning(): void {
    if (this._running) {
      throw new RuntimeError("This event loop is already running");
    }
    if (_getRunningLoop() !== null) {
      throw new RuntimeError(
        "Cannot run the event loop while another loop is running",
      );
    }
  }

  /** @internal */
  _checkCallback(callback: unknown, method: string): void {
    if (typeof callback !== "function") {
      throw new TypeError(
        `Cannot call ${method}() as 'callback' must be a function: current value is ${
          describe(callback)
        }`,
      );
    }
    if (this._debug && isCoroutineFunction(callback as AnyFn)) {
      throw new TypeError(`coroutines cannot be used with ${method}()`);
    }
  }

  /** @internal Wakes the loop if it waits for something to do. */
  _wake(): void {
    const resolve = this._idleResolve;
    if (resolve === null) return;
    this._idleResolve = null;
    if (this._idleTimer !== null) {
      clearHostTimer(this._idleTimer);
      this._idleTimer = null;
    }
    resolve();
  }

  /**
   * @internal Waits until something is scheduled, the loop is stopped, or
   * `timeout` seconds pass (`Infinity`: no deadline). `TestLoop` overrides
   * this to move its virtual clock instead; a selector loop, to wait in
   * its selector (and queue the I/O callbacks that became ready).
   */
  _idle(timeout: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this._idleResolve = resolve;
      if (timeout !== Infinity) {
        this._idleTimer = setHostTimer(this.#onIdleTimer, timeout);
      }
    });
  }

  /**
   * @internal Queues the callbacks of the I/O that is ready now, without
   * waiting (CPython's `select(0)` in `_run_once`); called once per
   * iteration when `_pollsIO` is set. `_idle()` does the waiting kind.
   */
  _pollIO(): void {}

  /** @internal Drops cancelled timers (all of them when there are many). */
  _pruneTimers(): void {
    const sched = this._scheduled;
    const n = sched.length;
    if (
      n > MIN_SCHEDULED_TIMER_HANDLES &&
      this._timerCancelledCount / n > MIN_CANCELLED_TIMER_HANDLES_FRACTION
    ) {
      sched.filter((h) => {
        if (h._cancelled) {
          h._scheduled = false;
          return false;
        }
        return true;
      });
      this._timerCancelledCount = 0;
      return;
    }
    let top: TimerEntry | undefined;
    while ((top = sched.peek()) !== undefined && top._cancelled) {
      this._timerCancelledCount--;
      sched.pop();
      top._scheduled = false;
    }
  }

  /** @internal Moves the timers that are due to the ready queue. */
  _fireDueTimers(): void {
    const sched = this._scheduled;
    const end = this.time() + this._clockResolution;
    let top: TimerEntry | undefined;
    while ((top = sched.peek()) !== undefined && top._when < end) {
      sched.pop();
      top._scheduled = false;
      if (top._cancelled) {
        this._timerCancelledCount--;
        continue;
      }
      this._ready.push(top);
    }
  }

  /** @internal The loop itself: iterations until `stop()`. */
  async _drive(): Promise<void> {
    let work = 0;
    const ready = this._ready;
    const sched = this._scheduled;
    try {
      for (;;) {
        this._iterations++;
        if (sched.length > 0) this._pruneTimers();
        let idled = false;
        if (ready.length === 0 && !this._stopping) {
          let timeout = Infinity;
          const top = sched.peek();
          if (top !== undefined) timeout = top._when - this.time();
          if (timeout > 0) {
            await this._idle(timeout);
            work = 0;
            idled = true;
          }
        }
        if (this._pollsIO && !idled) this._pollIO();
        if (sched.length > 0) this._fireDueTimers();
        let n = ready.length;
        work += n + 1;
        if (this._debug) {
          await this._runReadyDebug(n);
        } else {
          while (n-- > 0) {
            let h = ready.shift();
            if (h._cancelled) continue;
            for (;;) {
              this._inRun = true;
              h._run();
              this._inRun = false;
              if (this._yieldMicrotask) {
                this._yieldMicrotask = false;
                await null;
              }
              if (this._next === null) break;
              h = this._next;
              this._next = h._nextRunnable ?? null;
              h._nextRunnable = null;
            }
          }
        }
        if (this._stopping) break;
        if (work >= HOP_WORK) {
          work = 0;
          await hop();
        } else {
          await null;
        }
      }
    } finally {
      this._stopping = false;
      this._running = false;
      this._yieldMicrotask = false;
      this._inRun = false;
      _setRunningLoop(null);
    }
  }

  /** @internal The ready callbacks, timed, with slow ones logged. */
  async _runReadyDebug(n: number): Promise<void> {
    const ready = this._ready;
    while (n-- > 0) {
      const h = ready.shift();
      if (h._cancelled) continue;
      this._currentHandle = h;
      const t0 = this.time();
      try {
        let item: Runnable = h;
        for (;;) {
          this._inRun = true;
          item._run();
          this._inRun = false;
          if (this._yieldMicrotask) {
            this._yieldMicrotask = false;
            await null;
          }
          if (this._next === null) break;
          item = this._next;
          this._next = item._nextRunnable ?? null;
          item._nextRunnable = null;
        }
      } finally {
        this._inRun = false;
        this._currentHandle = null;
      }
      const dt = this.time() - t0;
      if (dt >= this.slowCallbackDuration) {
        console.warn(`Executing ${h} took ${dt.toFixed(3)} seconds`);
      }
    }
  }
}
