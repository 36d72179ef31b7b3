/**
 * `TaskGroup`: structured concurrency, as `asyncio.TaskGroup` (CPython
 * 3.11+ `taskgroups.py`, with 3.15's `cancel()`).
 *
 * @module
 */
import { CancelledError, ExceptionGroup, RuntimeError } from "./exceptions.ts";
import type { Future } from "./future.ts";
import { isCancelledError, isGeneratorObject, type Task } from "./task.ts";
import { drive, type Outcome, runningTask, scoped } from "./_scope.ts";
import type { AbstractEventLoop, CreateTaskOptions } from "../loop/events.ts";
import type { Awaitable, Coroutine, CoroutineLike } from "./types.ts";

// How the body left the group.
const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_CANCELLED = 2;
const EXIT_UNKNOWN = 3;

/**
 * A group of tasks that live inside a block of the task that made it:
 * asyncio's `TaskGroup`. The block does not end before every task of the
 * group is done.
 *
 * - `tg.createTask(coro)` starts a task in the group.
 * - When the block ends, the group waits for its tasks.
 * - The first task to fail (with an error other than `CancelledError`)
 *   cancels the other tasks and the block itself; once all are done, the
 *   errors are thrown together as an `ExceptionGroup` ("unhandled errors in
 *   a TaskGroup"). An error thrown by the block joins them.
 * - If the task running the block is cancelled from outside, the group's
 *   tasks are cancelled and the `CancelledError` propagates (it is never
 *   swallowed), unless tasks failed, whose `ExceptionGroup` wins.
 * - `tg.cancel()` (CPython 3.15) cancels the tasks and the block and ends
 *   the group without an error.
 *
 * Two ways to write the block:
 *
 * - `TaskGroup.run(async (tg) => { ... })`, or
 *   `yield* TaskGroup.run(function* (tg) { ... })` in a generator
 *   coroutine: exactly asyncio's semantics; gives the body's result
 *   (`undefined` if the group stopped the body, by `tg.cancel()` or because
 *   a task failed and the error group was then thrown instead).
 * - `await using tg = new TaskGroup();` in an async function: the group
 *   ends where the variable's scope does. JavaScript does not tell a
 *   disposer which error left the block, so: an error thrown by the block
 *   does not cancel the tasks (the group waits for them, then the error
 *   propagates); when a task fails, the `ExceptionGroup` surfaces as the
 *   `error` of a `SuppressedError` (the `CancelledError` that stopped the
 *   block is its `suppressed`); and after `tg.cancel()` the block's
 *   `CancelledError` propagates. Cancellation from outside is seen (by the
 *   task's `cancelling()` count) and handled as above.
 *
 * A group is made in a task, which becomes its parent; making one outside a
 * task is a `RuntimeError`. Groups nest.
 *
 * @example Two tasks, both awaited
 * ```ts
 * import { run, sleep, TaskGroup } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const results = await run(async () => {
 *   return await TaskGroup.run(async (tg) => {
 *     const a = tg.createTask(() => sleep(0.002, "a"));
 *     const b = tg.createTask(() => sleep(0.001, "b"));
 *     return [a, b];
 *   });
 * });
 * assert.deepEqual(results?.map((t) => t.result()), ["a", "b"]);
 * ```
 *
 * @example The first failure cancels the rest
 * ```ts
 * import { ExceptionGroup, run, sleep, TaskGroup } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   let slowCancelled = false;
 *   try {
 *     await TaskGroup.run(async (tg) => {
 *       tg.createTask(async () => {
 *         try {
 *           await sleep(3600);
 *         } catch (e) {
 *           slowCancelled = true;
 *           throw e;
 *         }
 *       });
 *       tg.createTask(async () => {
 *         await sleep(0.001);
 *         throw new RangeError("boom");
 *       });
 *     });
 *   } catch (e) {
 *     assert.ok(e instanceof ExceptionGroup);
 *     assert.equal((e.exceptions[0] as Error).message, "boom");
 *   }
 *   assert.ok(slowCancelled);
 * });
 * ```
 *
 * @example With await using
 * ```ts
 * import { run, sleep, TaskGroup } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * await run(async () => {
 *   {
 *     await using tg = new TaskGroup();
 *     tg.createTask(async () => { await sleep(0.001); log.push("child"); });
 *     log.push("body");
 *   }
 *   log.push("after");
 * });
 * assert.deepEqual(log, ["body", "child", "after"]);
 * ```
 */
export class TaskGroup implements AsyncDisposable {
  #exiting = false;
  #aborting = false;
  #disposed = false;
  readonly #loop: AbstractEventLoop;
  readonly #parentTask: Task<unknown>;
  #parentCancelRequested = false;
  readonly #tasks = new Set<Task<unknown>>();
  readonly #errors: unknown[] = [];
  #onCompletedFut: Future<boolean> | null = null;

  /**
   * Makes a group whose parent is the running task (asyncio's
   * `async with TaskGroup()`): use it with `await using`, or use
   * `TaskGroup.run()`.
   *
   * @throws {RuntimeError} If no task is running.
   */
  constructor() {
    const parent = runningTask();
    if (parent === null) {
      throw new RuntimeError(
        "TaskGroup cannot determine the parent task",
      );
    }
    this.#parentTask = parent;
    this.#loop = parent.getLoop();
  }

  /**
   * Runs `body(tg)` with a new group in the calling task and gives the
   * body's result once every task of the group is done (`undefined` if the
   * group stopped the body). Await it from an async function, or `yield*`
   * it from a generator coroutine (with a generator function as `body`).
   *
   * @param body An async function or a generator function.
   * @returns An awaitable of the body's result.
   * @throws {ExceptionGroup} If tasks of the group (or the body) failed.
   * @throws {CancelledError} If the calling task was cancelled from
   * outside.
   * @throws {RuntimeError} If called outside a task.
   * @throws {TypeError} If `body` is not a function (on await).
   *
   * @example In a generator coroutine
   * ```ts
   * import { run, sleep, TaskGroup } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const total = await run(function* () {
   *   let sum = 0;
   *   yield* TaskGroup.run(function* (tg) {
   *     for (const n of [1, 2, 3]) {
   *       tg.createTask(function* () {
   *         yield* sleep(0.001 * n);
   *         sum += n;
   *       });
   *     }
   *   });
   *   return sum;
   * });
   * assert.equal(total, 6);
   * ```
   */
  static run<T>(
    body: (tg: TaskGroup) => PromiseLike<T> | Coroutine<T>,
  ): Awaitable<T | undefined> {
    return scoped(
      "TaskGroup",
      () => new TaskGroup(),
      body,
      (tg, outcome) => tg.#exitRun(outcome),
    );
  }

  /**
   * Creates a task of the group, running `coro` (as `createTask()`).
   *
   * @param coro A generator object, or a function returning a Promise or a
   * generator object.
   * @param options `name` and `context`, as `createTask()`.
   * @returns The task.
   * @throws {RuntimeError} If the group is finished or shutting down.
   * @throws {TypeError} If `coro` is not a coroutine.
   */
  createTask<T>(coro: CoroutineLike<T>, options?: CreateTaskOptions): Task<T> {
    if (this.#exiting && this.#tasks.size === 0) {
      closeCoro(coro);
      throw new RuntimeError(`TaskGroup ${this} is finished`);
    }
    if (this.#aborting) {
      closeCoro(coro);
      throw new RuntimeError(`TaskGroup ${this} is shutting down`);
    }
    const task = this.#loop.createTask(coro, options);
    this.#tasks.add(task as Task<unknown>);
    task.addDoneCallback(this.#onTaskDone);
    // An eager task may have cancelled the group already.
    if (this.#aborting && !task.done()) task.cancel();
    return task;
  }

  /**
   * Cancels the group (CPython 3.15): its tasks and its body are
   * cancelled, and the group ends without an error. Idempotent; does
   * nothing once the group is finished.
   */
  cancel(): void {
    if (this.#exiting && this.#tasks.size === 0) return;
    if (!this.#aborting) {
      this.#abort();
      if (!this.#parentCancelRequested) {
        this.#parentCancelRequested = true;
        this.#parentTask.cancel();
      }
    }
  }

  /**
   * Ends the group (for `await using`): waits for its tasks, then throws
   * their errors as an `ExceptionGroup`. See the class notes for what
   * `await using` cannot do.
   *
   * @throws {ExceptionGroup} If tasks of the group failed.
   * @throws {CancelledError} If the task was cancelled from outside.
   */
  [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    this.#disposed = true;
    return drive(this.#aexit(EXIT_UNKNOWN, undefined)).then(() => {});
  }

  /** A description such as `<TaskGroup tasks=2 entered>`. */
  toString(): string {
    const info = [""];
    if (this.#tasks.size > 0) info.push(`tasks=${this.#tasks.size}`);
    if (this.#errors.length > 0) info.push(`errors=${this.#errors.length}`);
    if (this.#aborting) info.push("cancelling");
    else if (!this.#exiting) info.push("entered");
    return `<TaskGroup${info.join(" ")}>`;
  }

  *#exitRun<T>(outcome: Outcome<T>): Coroutine<T | undefined> {
    this.#disposed = true;
    const how = !outcome.failed
      ? EXIT_OK
      : isCancelledError(outcome.error)
      ? EXIT_CANCELLED
      : EXIT_ERROR;
    const propagate = yield* this.#aexit(how, outcome.error);
    if (propagate) throw outcome.error;
    return outcome.failed ? undefined : outcome.result;
  }

  /**
   * asyncio's `__aexit__`: waits for the tasks, then throws what must
   * leave the block; returns whether the block's own error must propagate
   * (false: suppressed).
   */
  *#aexit(how: number, exc: unknown): Coroutine<boolean> {
    this.#exiting = true;
    const parent = this.#parentTask;
    if (how === EXIT_UNKNOWN) {
      // `await using`: a cancellation request that is not ours, and that
      // was delivered, means a CancelledError is leaving the block. One not
      // delivered yet is delivered at our first await below.
      const ours = this.#parentCancelRequested ? 1 : 0;
      if (!parent._mustCancel && parent.cancelling() > ours) {
        how = EXIT_CANCELLED;
        exc = new CancelledError();
      } else {
        how = EXIT_OK;
      }
    }
    let propagateCancellationError: unknown = how === EXIT_CANCELLED
      ? exc
      : null;
    if (how !== EXIT_OK && !this.#aborting) {
      // The parent is being cancelled, or the body failed.
      this.#abort();
    }
    // A loop: the parent may be cancelled again while we wait.
    let pendingCancellationError: unknown = null;
    while (this.#tasks.size > 0) {
      this.#onCompletedFut ??= this.#loop.createFuture<boolean>();
      try {
        yield* this.#onCompletedFut;
      } catch (e) {
        if (!isCancelledError(e)) throw e;
        pendingCancellationError = e;
        if (!this.#aborting) {
          // The parent is cancelled while the tasks still run.
          propagateCancellationError = e;
          this.#abort();
        }
      }
      this.#onCompletedFut = null;
    }

    if (this.#parentCancelRequested) {
      // We cancelled the parent: take the request back.
      if (parent.uncancel() === 0) {
        propagateCancellationError = null;
      } else if (propagateCancellationError === null) {
        // The remaining cancellation is not ours: keep it.
        propagateCancellationError = pendingCancellationError;
      }
    }
    // Errors of the tasks win over a CancelledError.
    if (propagateCancellationError !== null && this.#errors.length === 0) {
      if (propagateCancellationError === exc) return true;
      throw propagateCancellationError;
    }
    if (how === EXIT_ERROR) this.#errors.push(exc);
    if (this.#errors.length > 0) {
      // Keep a cancellation from outside pending for the parent's next
      // await, with a stable count.
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      throw new ExceptionGroup(
        "unhandled errors in a TaskGroup",
        this.#errors.splice(0),
      );
    }
    return false;
  }

  #abort(): void {
    this.#aborting = true;
    for (const t of this.#tasks) {
      if (!t.done()) t.cancel();
    }
  }

  #onTaskDone = (task: Task<unknown>): void => {
    this.#tasks.delete(task);
    if (
      this.#onCompletedFut !== null && this.#tasks.size === 0 &&
      !this.#onCompletedFut.done()
    ) {
      this.#onCompletedFut.setResult(true);
    }
    if (task.cancelled()) return;
    const exc = task.exception();
    if (exc === null) return;
    this.#errors.push(exc);
    if (this.#parentTask.done()) {
      this.#loop.callExceptionHandler({
        message:
          `Task ${task} has errored out but its parent task ${this.#parentTask} is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this.#aborting && !this.#parentCancelRequested) {
      // Stop the body too; __aexit__ takes the request back.
      this.#abort();
      this.#parentCancelRequested = true;
      this.#parentTask.cancel();
    }
  };
}

/** Closes a generator object that will never run (asyncio's `coro.close()`). */
function closeCoro(coro: unknown): void {
  if (isGeneratorObject(coro)) {
    try {
      coro.return(undefined);
    } catch {
      // a generator that refuses to close: nothing more to do
    }
  }
}
