/**
 * `run()` and `Runner`: the high-level entry point (CPython's
 * `asyncio.runners`). A runner creates a loop, runs the main coroutine as a
 * task, and on close cancels what is left, shuts down the default executor
 * and closes the loop, so a program that uses `run()` exits by itself when
 * its main coroutine is done.
 *
 * @module
 */
import {
  CancelledError,
  KeyboardInterrupt,
  RuntimeError,
} from "../futures/exceptions.ts";
import type { Task } from "../futures/task.ts";
import type { CoroutineLike } from "../futures/types.ts";
import type { AbstractEventLoop, Context } from "./events.ts";
import { _getRunningLoop } from "./_current.ts";
import { newEventLoop, setEventLoop } from "./policy.ts";
import type { LoopInternals } from "../futures/_internals.ts";
import { _runHooks } from "./_run_hooks.ts";

/** Options of `run()` and `new Runner()`. */
export interface RunnerOptions {
  /** Turn the loop's debug mode on or off (default: leave it). */
  debug?: boolean | null;
  /**
   * Makes the loop (default: `newEventLoop()`, which is then also set as the
   * current loop). This is how another loop implementation is chosen.
   */
  loopFactory?: (() => AbstractEventLoop) | null;
}

/** Options of `runner.run()`. */
export interface RunnerRunOptions {
  /** A context to run the main task in. */
  context?: Context | null;
}

const CREATED = 0;
const INITIALIZED = 1;
const CLOSED = 2;

/**
 * Hooks that other parts of the module install into every `Runner.run()`:
 * the platform layer (`signals.ts`) turns Ctrl-C into cancellation of the
 * main task. Each hook is called with the loop, the main task and the
 * runner, and returns a function that undoes it. The array lives in a
 * leaf module, so that registering a hook creates no import cycle.
 * @internal
 */
export { _runHooks };

/**
 * Runs coroutines on one loop, and closes it in the end (asyncio's
 * `Runner`). Each `run()` creates a task of the coroutine and runs the loop
 * until it is done. `close()` cancels the remaining tasks, shuts down the
 * default executor and closes the loop; `await using` calls it.
 *
 * Ctrl-C: on the main thread, during each `run()` and unless a SIGINT
 * handler is already installed, the first SIGINT cancels the main task; if
 * it then ends cancelled, `run()` rejects with `KeyboardInterrupt`. A
 * second SIGINT while it is still pending interrupts the program, as
 * Python's default handler does. A loop's own SIGINT handler
 * (`loop.addSignalHandler("SIGINT", ...)`) takes precedence.
 *
 * @example Two coroutines on the same loop
 * ```ts
 * import { Runner, getRunningLoop, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await using runner = new Runner();
 * const first = await runner.run(async () => { await sleep(0); return getRunningLoop(); });
 * const second = await runner.run(async () => getRunningLoop());
 * assert.equal(first, second);
 * assert.equal(runner.getLoop(), first);
 * ```
 */
export class Runner implements AsyncDisposable {
  #state = CREATED;
  readonly #debug: boolean | null;
  readonly #loopFactory: (() => AbstractEventLoop) | null;
  #loop: AbstractEventLoop | null = null;
  #setEventLoop = false;
  /** @internal Ctrl-C presses seen during the current `run()`. */
  _interruptCount = 0;

  /**
   * Creates a runner; the loop is made on first use.
   *
   * @param options `debug` and `loopFactory`.
   */
  constructor(options?: RunnerOptions) {
    this.#debug = options?.debug ?? null;
    this.#loopFactory = options?.loopFactory ?? null;
  }

  /**
   * Runs `coro` as a task on the runner's loop until it is done; settles
   * with its result or error (`KeyboardInterrupt` if Ctrl-C cancelled it;
   * see the class notes).
   *
   * Rejects with `RuntimeError` if a loop is already running in this realm
   * or the runner is closed.
   */
  async run<T>(coro: CoroutineLike<T>, options?: RunnerRunOptions): Promise<T> {
    if (_getRunningLoop() !== null) {
      throw new RuntimeError(
        "Runner.run() cannot be called from a running event loop",
      );
    }
    const loop = this.#lazyInit();
    const task = loop.createTask(coro, { context: options?.context ?? null });
    const undo = _runHooks.map((hook) =>
      hook(loop, task as Task<unknown>, this)
    );
    this._interruptCount = 0;
    try {
      return await loop.runUntilComplete(task);
    } catch (e) {
      // Ctrl-C cancelled main, and main ended cancelled by it (not by a
      // cancellation of its own): report the interrupt, as CPython does.
      if (this._interruptCount > 0 && e instanceof CancelledError) {
        const uncancel = (task as { uncancel?: () => number }).uncancel;
        if (typeof uncancel === "function" && uncancel.call(task) === 0) {
          throw new KeyboardInterrupt();
        }
      }
      throw e;
    } finally {
      for (const u of undo) u();
    }
  }

  /**
   * The runner's loop (created on first use).
   *
   * @throws {RuntimeError} If the runner is closed.
   */
  getLoop(): AbstractEventLoop {
    return this.#lazyInit();
  }

  /**
   * Cancels the remaining tasks and waits for them, shuts down the default
   * executor, and closes the loop. Closing twice does nothing.
   */
  async close(): Promise<void> {
    if (this.#state !== INITIALIZED) return;
    const loop = this.#loop as AbstractEventLoop;
    try {
      await cancelAllTasks(loop);
      await loop.runUntilComplete(loop.shutdownAsyncgens());
      await loop.runUntilComplete(loop.shutdownDefaultExecutor(300));
    } finally {
      if (this.#setEventLoop) setEventLoop(null);
      loop.close();
      this.#loop = null;
      this.#state = CLOSED;
    }
  }

  /** Closes the runner (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #lazyInit(): AbstractEventLoop {
    if (this.#state === CLOSED) throw new RuntimeError("Runner is closed");
    if (this.#state === INITIALIZED) return this.#loop as AbstractEventLoop;
    if (this.#loopFactory === null) {
      this.#loop = newEventLoop();
      if (!this.#setEventLoop) {
        setEventLoop(this.#loop);
        this.#setEventLoop = true;
      }
    } else {
      this.#loop = this.#loopFactory();
    }
    if (this.#debug !== null) this.#loop.setDebug(this.#debug);
    this.#state = INITIALIZED;
    return this.#loop;
  }
}

async function cancelAllTasks(loop: AbstractEventLoop): Promise<void> {
  const tasks = [...(loop as LoopInternals)._tasks].filter((t) => !t.done());
  if (tasks.length === 0) return;
  for (const t of tasks) t.cancel();
  const all = loop.createFuture<void>();
  let left = tasks.length;
  const onDone = () => {
    if (--left === 0 && !all.done()) all.setResult(undefined);
  };
  for (const t of tasks) t.addDoneCallback(onDone);
  await loop.runUntilComplete(all);
  for (const t of tasks) {
    if (t.cancelled()) continue;
    const exc = t.exception();
    if (exc !== null) {
      loop.callExceptionHandler({
        message: "unhandled exception during asyncio.run() shutdown",
        exception: exc,
        task: t,
      });
    }
  }
}

/**
 * Runs `main` on a new loop and returns a Promise of its result: the entry
 * point of an asyncio program. `main` is a generator object, or a
 * zero-argument async or generator function. When it is done, the tasks
 * left are cancelled, the default executor is shut down and the loop is
 * closed, so the process can exit. On the main thread, the first Ctrl-C
 * cancels `main` (the run then rejects with `KeyboardInterrupt` if `main`
 * ends cancelled) and a second one interrupts the program, as in CPython.
 *
 * Rejects with `RuntimeError` if a loop is already running in this realm.
 *
 * @example
 * ```ts
 * import { run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const result = await run(async () => {
 *   await sleep(0.01);
 *   return "hello";
 * });
 * assert.equal(result, "hello");
 * ```
 */
export async function run<T>(
  main: CoroutineLike<T>,
  options?: RunnerOptions,
): Promise<T> {
  if (_getRunningLoop() !== null) {
    throw new RuntimeError(
      "asyncio.run() cannot be called from a running event loop",
    );
  }
  await using runner = new Runner(options);
  return await runner.run(main);
}
