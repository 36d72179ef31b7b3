/**
 * `WorkerPoolExecutor`: a pool of Web Workers for blocking or CPU-bound
 * work, the executor of `loop.runInExecutor()` and `toThread()` (CPython's
 * `concurrent.futures` executors, in their Web form).
 *
 * ## What crosses to a worker
 *
 * A worker is another realm: nothing is shared, everything is copied.
 *
 * - The function, in one of two forms. A **self-contained function** is
 *   sent as its source and compiled again in the worker, so it may use its
 *   parameters, globals (`Deno`, `fetch`, `crypto`, ...) and what it
 *   imports itself with `await import(url)`, but no variable from the
 *   scope it was written in: a closure fails in the worker with a
 *   `ReferenceError` that names the variable and says why. A **module
 *   export**, `{ module: new URL("./work.ts", import.meta.url), name: "fib" }`,
 *   is imported by the worker (once per worker) and may use anything its
 *   module imports.
 * - The arguments and the result, by structured cloning: numbers, strings,
 *   plain objects, arrays, `Map`, `Set`, `Date`, typed arrays, ... but not
 *   functions or class instances' methods. An argument that cannot be
 *   cloned fails the job with a `TypeError`.
 * - Errors: a job that throws fails its future with an error rebuilt in
 *   the caller's realm, with the remote class name (the built-in or this
 *   module's class when there is one), message, stack, `cause` and other
 *   cloneable properties.
 *
 * ## Permissions
 *
 * Workers inherit the permissions of the program. Starting one loads
 * `loop/_worker_main.ts` and a module export loads its module, so both
 * need the permission that importing them needs: `--allow-read` for a
 * local checkout (`--allow-read=<dir of this module>,<dir of your module>`
 * is enough), or `--allow-import` for the host of a remote URL.
 *
 * @module
 */
import { BrokenWorkerError, RuntimeError } from "../futures/exceptions.ts";
import { ConcurrentFuture } from "./concurrent_future.ts";
import { ReadyQueue } from "./_ready_queue.ts";
import { describe } from "./_describe.ts";
import { type AnyFn, functionSource } from "./_function_source.ts";
import { deserializeError, type SerializedValue } from "./_remote_error.ts";

const WORKER_URL = new URL("./_worker_main.ts", import.meta.url);

/**
 * A reference to a function exported by a module, for a worker to import:
 * `{ module: new URL("./work.ts", import.meta.url), name: "fib" }`. The
 * module is a `URL` or an absolute URL string. Each worker imports it once;
 * the function may use anything its module imports.
 *
 * @example A module export run in a worker
 * ```ts
 * import { type ModuleFunction, WorkerPoolExecutor } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * // Usually new URL("./work.ts", import.meta.url); a data: URL keeps this short.
 * const twice: ModuleFunction = {
 *   module: "data:application/javascript,export const twice = (x) => 2 * x;",
 *   name: "twice",
 * };
 * await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
 * assert.equal(await pool.submit(twice, 21), 42);
 * ```
 */
export interface ModuleFunction {
  /** The module's URL (`new URL("./work.ts", import.meta.url)`). */
  module: URL | string;
  /** The name of the exported function. */
  name: string;
}

/**
 * What runs in a worker: a self-contained function (sent as its source)
 * or a `ModuleFunction` reference.
 */
// deno-lint-ignore no-explicit-any
export type WorkerFunction<A extends unknown[] = any[], R = unknown> =
  | ((...args: A) => R)
  | ModuleFunction;

/**
 * What `loop.runInExecutor()` accepts as an executor: something with
 * `submit(fn, ...args)`, returning a `ConcurrentFuture` (or any thenable),
 * and `shutdown(wait)`. `WorkerPoolExecutor` is one.
 *
 * @example An executor that runs functions inline (for tests)
 * ```ts
 * import { type Executor, run, getRunningLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const inline: Executor = {
 *   submit: (fn: (...a: unknown[]) => unknown, ...args: unknown[]) =>
 *     Promise.resolve(fn(...args)),
 *   shutdown() {},
 * };
 * const n = await run(async () =>
 *   await getRunningLoop().runInExecutor(inline, (a: number) => a + 1, 41)
 * );
 * assert.equal(n, 42);
 * ```
 */
export interface Executor {
  /** Schedules `fn(...args)`; returns a future of its result. */
  submit(
    // deno-lint-ignore no-explicit-any
    fn: any,
    // deno-lint-ignore no-explicit-any
    ...args: any[]
  ): ConcurrentFuture<unknown> | PromiseLike<unknown>;
  /** Stops the executor; with `wait`, resolves when its work is done. */
  shutdown(wait?: boolean): Promise<void> | void;
}

/** Options of `new WorkerPoolExecutor()`. */
export interface WorkerPoolExecutorOptions {
  /**
   * The most workers the pool starts (default
   * `navigator.hardwareConcurrency`). Workers start on demand, one per job
   * that finds no idle worker, up to this number.
   */
  maxWorkers?: number;
  /** A prefix for the workers' names (`self.name`; default "asyncio"). */
  name?: string;
}

/** Options of `executor.shutdown()`. */
export interface ShutdownOptions {
  /** Cancel the jobs that have not started (default false: run them). */
  cancelFutures?: boolean;
}

interface Job {
  id: number;
  kind: 0 | 1;
  payload: string | [string, string];
  args: unknown[];
  label: string;
  future: ConcurrentFuture<unknown>;
}

interface PoolWorker {
  worker: Worker;
  job: Job | null;
}

function encode(fn: unknown): [0 | 1, string | [string, string], string] {
  if (typeof fn === "function") {
    const source = functionSource(fn as AnyFn);
    return [0, source, describe(fn)];
  }
  if (fn !== null && typeof fn === "object") {
    const { module, name } = fn as Partial<ModuleFunction>;
    let href: string;
    if (module instanceof URL) {
      href = module.href;
    } else if (typeof module === "string" && URL.canParse(module)) {
      href = new URL(module).href;
    } else {
      throw new TypeError(
        `Cannot send the function to a worker as 'module' must be a URL or an absolute URL string: current value is ${
          describe(module)
        }`,
      );
    }
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `Cannot send the function to a worker as 'name' must be the name of an export: current value is ${
          describe(name)
        }`,
      );
    }
    return [1, [href, name], `${name}() of ${href}`];
  }
  throw new TypeError(
    `Cannot submit to a worker as 'fn' must be a function or a { module, name } reference: current value is ${
      describe(fn)
    }`,
  );
}

function message(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : describe(e);
}

/**
 * A pool of Web Workers that runs functions off the loop's thread: the
 * executor of `loop.runInExecutor()` and `toThread()`, as Python's
 * `ThreadPoolExecutor`/`ProcessPoolExecutor`. See the module notes for
 * what crosses to a worker (self-contained functions or module exports;
 * structured-cloned arguments, results and errors) and for permissions.
 *
 * Each worker runs one job at a time. A job that finds no idle worker
 * starts a new one, up to `maxWorkers`; then jobs wait in FIFO order. A
 * worker that crashes (an uncaught error or an unhandled rejection in it,
 * or a job that calls `close()` or `Deno.exit()` there) fails its job with
 * `BrokenWorkerError` and is replaced. Workers keep the
 * program alive: `shutdown()` (or `await using`) terminates them all; the
 * loop's default executor is shut down by `run()` and `loop.close()`.
 *
 * Starting a worker blocks the thread that starts it for some tens of
 * milliseconds (Deno builds the worker's isolate synchronously), which is
 * why workers start on demand; a latency-sensitive program can start them
 * early by submitting one small job per worker.
 *
 * @example A CPU-bound function in a worker
 * ```ts
 * import { WorkerPoolExecutor } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
 * const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));
 * const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
 * assert.equal(await pool.submit(sum, [40, 2]), 42);
 * await assert.rejects(async () => await pool.submit(fib, 10), {
 *   name: "ReferenceError", // fib calls itself through an outer variable
 * });
 * ```
 */
export class WorkerPoolExecutor implements AsyncDisposable {
  readonly #max: number;
  readonly #name: string;
  readonly #workers = new Set<PoolWorker>();
  readonly #idle: PoolWorker[] = [];
  readonly #queue = new ReadyQueue<Job>();
  #shutdown = false;
  #gone: PromiseWithResolvers<void> | null = null;
  #spawned = 0;
  #jobIds = 0;

  /**
   * Creates the pool; no worker starts before the first job.
   *
   * @param options `maxWorkers` and `name`.
   * @throws {TypeError} If `maxWorkers` is not a number.
   * @throws {RangeError} If `maxWorkers` is not a positive integer.
   */
  constructor(options?: WorkerPoolExecutorOptions) {
    const max = options?.maxWorkers ?? navigator.hardwareConcurrency ?? 1;
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1) {
      throw new (typeof max !== "number" ? TypeError : RangeError)(
        `Cannot create WorkerPoolExecutor as 'maxWorkers' must be a positive integer: current value is ${
          describe(max)
        }`,
      );
    }
    this.#max = max;
    this.#name = String(options?.name ?? "asyncio");
  }

  /** The most workers the pool starts. */
  get maxWorkers(): number {
    return this.#max;
  }

  /**
   * Schedules `fn(...args)` in a worker and returns a `ConcurrentFuture` of
   * its result (await it, `yield*` it, or `wrapFuture()` it; cancelling it
   * before a worker takes the job removes the job).
   *
   * @param fn A self-contained function or a `{ module, name }` reference.
   * @param args Its arguments, structured-cloned.
   * @returns A `ConcurrentFuture` of the result.
   * @throws {RuntimeError} If the executor was shut down.
   * @throws {TypeError} If `fn` cannot be sent to a worker (native, bound,
   *   or not compilable on its own; a bad `{ module, name }`).
   */
  submit<A extends unknown[], R>(
    fn: (...args: A) => R,
    ...args: A
  ): ConcurrentFuture<Awaited<R>>;
  /**
   * Schedules the module export `fn` with `args` in a worker.
   *
   * @param fn A `{ module, name }` reference.
   * @param args Its arguments, structured-cloned.
   * @returns A `ConcurrentFuture` of the result.
   */
  submit<R = unknown>(
    fn: ModuleFunction,
    ...args: unknown[]
  ): ConcurrentFuture<R>;
  submit(fn: WorkerFunction, ...args: unknown[]): ConcurrentFuture<unknown> {
    if (this.#shutdown) {
      throw new RuntimeError("cannot schedule new futures after shutdown");
    }
    const [kind, payload, label] = encode(fn);
    const future = new ConcurrentFuture<unknown>();
    const job: Job = {
      id: ++this.#jobIds,
      kind,
      payload,
      args,
      label,
      future,
    };
    const w = this.#idle.pop() ??
      (this.#workers.size < this.#max ? this.#spawn() : null);
    if (w === null) {
      this.#queue.push(job);
    } else if (!this.#start(w, job)) {
      this.#next(w);
    }
    return future;
  }

  /**
   * Stops the executor: no new job is accepted; the jobs submitted still
   * run (unless `cancelFutures`), then every worker is terminated. With
   * `wait` (the default), the Promise resolves once they all are; without,
   * it resolves at once and the workers end on their own after their jobs.
   * Calling it again is harmless.
   *
   * @param wait Wait for the jobs and the workers' end (default true).
   * @param options `cancelFutures`: cancel the jobs that have not started.
   */
  shutdown(wait = true, options?: ShutdownOptions): Promise<void> {
    this.#shutdown = true;
    const gone = this.#gone ??= Promise.withResolvers<void>();
    if (options?.cancelFutures) {
      while (this.#queue.length > 0) this.#queue.shift().future.cancel();
    }
    if (this.#queue.length === 0) {
      for (const w of this.#idle.splice(0)) this.#terminate(w);
    }
    if (this.#workers.size === 0) gone.resolve();
    return wait ? gone.promise : Promise.resolve();
  }

  /** Shuts the pool down and waits (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown(true);
  }

  /** A description such as `<WorkerPoolExecutor workers=2/4 queued=0>`. */
  toString(): string {
    return `<WorkerPoolExecutor workers=${this.#workers.size}/${this.#max} idle=${this.#idle.length} queued=${this.#queue.length}${
      this.#shutdown ? " shutdown" : ""
    }>`;
  }

  #spawn(): PoolWorker {
    const worker = new Worker(WORKER_URL, {
      type: "module",
      name: `${this.#name}-worker-${++this.#spawned}`,
    });
    const w: PoolWorker = { worker, job: null };
    worker.onmessage = (event: MessageEvent) => this.#onMessage(w, event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#onCrash(w, event.error ?? new Error(event.message));
    };
    worker.onmessageerror = () => {
      const job = w.job;
      if (job === null) return;
      w.job = null;
      this.#next(w);
      job.future.setException(
        new TypeError(
          `Cannot receive the result of ${job.label} from the worker: it could not be deserialized`,
        ),
      );
    };
    this.#workers.add(w);
    return w;
  }

  /** Gives `job` to the idle worker `w`; false if the job was cancelled. */
  #start(w: PoolWorker, job: Job): boolean {
    if (!job.future.setRunningOrNotifyCancel()) return false;
    try {
      w.worker.postMessage([
        job.id,
        job.kind,
        job.payload,
        job.args,
        job.label,
      ]);
    } catch (e) {
      job.future.setException(
        new TypeError(
          `Cannot send the arguments of ${job.label} to a worker as they cannot be structured-cloned: ${
            (e as Error).message
          }`,
          { cause: e },
        ),
      );
      return false;
    }
    w.job = job;
    return true;
  }

  /** The worker `w` is free: next job, or idle, or terminate. */
  #next(w: PoolWorker): void {
    const queue = this.#queue;
    while (queue.length > 0) {
      if (this.#start(w, queue.shift())) return;
    }
    if (this.#shutdown) this.#terminate(w);
    else this.#idle.push(w);
  }

  #onMessage(w: PoolWorker, data: [number, number, unknown]): void {
    const [id, status, value] = data;
    if (status === 2) {
      this.#onCrash(w, deserializeError(value as SerializedValue));
      return;
    }
    const job = w.job;
    if (job === null || job.id !== id) return;
    w.job = null;
    this.#next(w);
    if (status === 0) job.future.setResult(value);
    else job.future.setException(deserializeError(value as SerializedValue));
  }

  #onCrash(w: PoolWorker, error: unknown): void {
    if (!this.#workers.has(w)) return;
    const job = w.job;
    w.job = null;
    this.#terminate(w);
    if (job !== null) {
      job.future.setException(
        new BrokenWorkerError(
          `A worker of the pool crashed while running ${job.label}: ${
            message(error)
          }`,
          { cause: error },
        ),
      );
    } else {
      console.error(
        `An idle worker of ${this} crashed and was dropped:`,
        error,
      );
    }
    // Replace it if jobs wait (they found no idle worker).
    while (this.#queue.length > 0 && this.#workers.size < this.#max) {
      const fresh = this.#spawn();
      this.#next(fresh);
      if (fresh.job === null) break;
    }
  }

  #terminate(w: PoolWorker): void {
    w.worker.terminate();
    this.#workers.delete(w);
    const i = this.#idle.indexOf(w);
    if (i !== -1) this.#idle.splice(i, 1);
    if (this.#shutdown && this.#workers.size === 0) this.#gone?.resolve();
  }
}
