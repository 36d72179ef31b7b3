/**
 * Work across threads (CPython's `asyncio.threads` and the thread-safe
 * entry points of `asyncio.tasks`), where a thread is a Web Worker:
 *
 * - `toThread(fn, ...args)`: run a function in a worker of the running
 *   loop's default executor and wait for it.
 * - `runCoroutineThreadsafe(coro, loop)`: start a coroutine on `loop` from
 *   outside it, and get a `ConcurrentFuture` of its result.
 * - Loop handles: `exposeLoop(loop, functions)` gives a `MessagePort` that
 *   can be transferred to another Worker (or from a Worker to the main
 *   thread); there, `new LoopHandle(port)` reaches the loop:
 *   `handle.callSoonThreadsafe(name, ...args)` schedules one of the
 *   registered functions on it, `handle.runCoroutineThreadsafe(name, ...args)`
 *   (or `runCoroutineThreadsafe([name, ...args], handle)`) runs one as a
 *   task there and returns a `ConcurrentFuture` of its result in the
 *   caller's realm. Functions cannot cross realms, so they are registered
 *   by name; arguments, results and errors are structured-cloned (errors
 *   keep their class name, message and stack).
 *
 * @module
 */
import { RuntimeError } from "../futures/exceptions.ts";
import type { Future } from "../futures/future.ts";
import { isGeneratorObject, type Task } from "../futures/task.ts";
import { ensureFuture } from "../futures/ensure_future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Awaitable, Coroutine, CoroutineLike } from "../futures/types.ts";
import { AbstractEventLoop } from "./events.ts";
import { ConcurrentFuture } from "./concurrent_future.ts";
import type { ModuleFunction } from "./executor.ts";
import { getRunningLoop } from "./_current.ts";
import { describe } from "./_describe.ts";
import {
  deserializeError,
  type SerializedValue,
  serializeError,
} from "./_remote_error.ts";

// ---- toThread ----

const toThreadCoro = coroutine(function* (
  fn: unknown,
  args: unknown[],
): Coroutine<unknown> {
  const loop = getRunningLoop();
  return yield* loop.runInExecutor(null, fn as ModuleFunction, ...args);
});

/**
 * Runs `fn(...args)` in a worker of the running loop's default executor
 * and waits for its result, as `asyncio.to_thread`: the way to keep
 * CPU-bound or blocking work from stalling the loop. `fn` is a
 * self-contained function (sent as its source: it cannot use variables
 * from outside its body) or a `{ module, name }` reference to a module
 * export; the arguments and the result are structured-cloned (see
 * `WorkerPoolExecutor`). Unlike Python's threads, a worker shares no
 * memory and no context variables with the loop.
 *
 * Lazy like a Python coroutine: nothing starts until it is awaited (or
 * wrapped in a task). Cancelling the waiting task drops a job that has not
 * started; a running one runs to its end.
 *
 * @param fn The function, or a `{ module, name }` reference.
 * @param args Its arguments.
 * @returns An awaitable of the result (`await` or `yield*`).
 * @throws {RuntimeError} When awaited outside a running loop, or after
 *   the loop's `shutdownDefaultExecutor()`.
 * @throws {TypeError} If `fn` cannot be sent to a worker.
 *
 * @example Summing in a worker
 * ```ts
 * import { run, toThread } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const total = await run(async () => {
 *   return await toThread((xs: number[]) => xs.reduce((a, b) => a + b, 0), [40, 2]);
 * });
 * assert.equal(total, 42);
 * ```
 */
export function toThread<A extends unknown[], R>(
  fn: (...args: A) => R,
  ...args: A
): Awaitable<Awaited<R>>;
/**
 * Runs the module export `fn` with `args` in a worker of the running
 * loop's default executor.
 *
 * @param fn A `{ module, name }` reference.
 * @param args Its arguments.
 * @returns An awaitable of the result.
 */
export function toThread<R = unknown>(
  fn: ModuleFunction,
  ...args: unknown[]
): Awaitable<R>;
export function toThread(fn: unknown, ...args: unknown[]): Awaitable<unknown> {
  return toThreadCoro(fn, args);
}

// ---- runCoroutineThreadsafe ----

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === "object" || typeof x === "function") &&
    typeof (x as PromiseLike<unknown>).then === "function";
}

function isAwaitableOfModule(x: unknown): boolean {
  return x !== null && typeof x === "object" &&
    typeof (x as Iterable<unknown>)[Symbol.iterator] === "function" &&
    typeof (x as PromiseLike<unknown>).then === "function";
}

/** The outcome of a task copied into a concurrent future (asyncio's `_set_concurrent_future_state`). */
function copyTaskState<T>(task: Future<T>, cf: ConcurrentFuture<T>): void {
  if (task.cancelled()) cf.cancel();
  if (!cf.setRunningOrNotifyCancel()) return;
  const exc = task.exception();
  if (exc !== null) cf.setException(exc);
  else cf.setResult(task.result());
}

function runLocal<T>(
  coro: CoroutineLike<T> | Awaitable<T>,
  loop: AbstractEventLoop,
): ConcurrentFuture<T> {
  if (
    typeof coro !== "function" && !isGeneratorObject(coro) &&
    !isAwaitableOfModule(coro)
  ) {
    throw new TypeError(
      `Cannot run coroutine threadsafe as 'coro' must be a coroutine (a generator object, a function returning a Promise or a generator, or an awaitable of this module): current value is ${
        describe(coro)
      }`,
    );
  }
  const cf = new ConcurrentFuture<T>();
  loop.callSoonThreadsafe(() => {
    let task: Future<T>;
    try {
      task = typeof coro === "function" || isGeneratorObject(coro)
        ? loop.createTask(coro as CoroutineLike<T>)
        : ensureFuture(coro as Awaitable<T>, { loop });
    } catch (e) {
      if (cf.setRunningOrNotifyCancel()) cf.setException(e);
      throw e;
    }
    cf.addDoneCallback((f) => {
      if (f.cancelled()) task.cancel();
    });
    task.addDoneCallback((t) => copyTaskState(t, cf));
  });
  return cf;
}

/**
 * Runs a coroutine on `loop` from outside it (a host callback, or another
 * realm), as `asyncio.run_coroutine_threadsafe`, and returns a
 * `ConcurrentFuture` of its result in the caller's realm. Cancelling the
 * `ConcurrentFuture` cancels the task.
 *
 * - `loop` is a loop of this realm: `coro` is a coroutine (a generator
 *   object, a zero-argument async or generator function, or an awaitable
 *   of this module); it becomes a task of `loop`, scheduled with
 *   `callSoonThreadsafe`.
 * - `loop` is a `LoopHandle` (a loop of another realm): `coro` is
 *   `[name, ...args]`, the name of a function registered with
 *   `exposeLoop()` and its arguments (see `LoopHandle`).
 *
 * @param coro The coroutine, or `[name, ...args]` for a `LoopHandle`.
 * @param loop The loop to run it on.
 * @returns A `ConcurrentFuture` of the result (`await`, `yield*`,
 *   `wrapFuture()`).
 * @throws {TypeError} If `coro` is not a coroutine, or `loop` is neither a
 *   loop nor a `LoopHandle`.
 * @throws {RuntimeError} If the loop (or the handle) is closed.
 *
 * @example Starting a task on a loop from a host callback
 * ```ts
 * import { newEventLoop, runCoroutineThreadsafe, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const results: string[] = [];
 * setTimeout(() => {
 *   const cf = runCoroutineThreadsafe(async () => {
 *     await sleep(0.001);
 *     return "ran on the loop";
 *   }, loop);
 *   cf.addDoneCallback((f) => {
 *     results.push(f.result());
 *     loop.stop();
 *   });
 * }, 1);
 * await loop.runForever();
 * assert.deepEqual(results, ["ran on the loop"]);
 * loop.close();
 * ```
 */
export function runCoroutineThreadsafe<T>(
  coro: CoroutineLike<T> | Awaitable<T>,
  loop: AbstractEventLoop,
): ConcurrentFuture<T>;
/**
 * Runs the function registered as `call[0]` with the arguments `call[1..]`
 * as a task on the loop `loop` reaches.
 *
 * @param call `[name, ...args]`.
 * @param loop A handle to a loop of another realm.
 * @returns A `ConcurrentFuture` of the result.
 */
export function runCoroutineThreadsafe<
  F extends LoopFunctions,
  K extends keyof F & string,
>(
  call: [K, ...Parameters<F[K]>],
  loop: LoopHandle<F>,
): ConcurrentFuture<LoopCallResult<ReturnType<F[K]>>>;
export function runCoroutineThreadsafe(
  coro: unknown,
  loop: AbstractEventLoop | LoopHandle,
): ConcurrentFuture<unknown> {
  if (loop instanceof LoopHandle) {
    if (!Array.isArray(coro) || typeof coro[0] !== "string") {
      throw new TypeError(
        `Cannot run coroutine threadsafe through a LoopHandle as 'coro' must be [name, ...args]: current value is ${
          describe(coro)
        }`,
      );
    }
    const [name, ...args] = coro;
    return loop.runCoroutineThreadsafe(name, ...args as never[]);
  }
  if (!(loop instanceof AbstractEventLoop)) {
    throw new TypeError(
      `Cannot run coroutine threadsafe as 'loop' must be an event loop or a LoopHandle: current value is ${
        describe(loop)
      }`,
    );
  }
  return runLocal(coro as CoroutineLike<unknown>, loop);
}

// ---- loop handles ----

/** Functions a loop exposes to other realms, by name. */
// deno-lint-ignore no-explicit-any
export type LoopFunctions = Record<string, (...args: any[]) => unknown>;

/**
 * What a registered function's call gives through
 * `runCoroutineThreadsafe`: the return value of a generator coroutine, the
 * awaited value of a Promise or awaitable, or a plain value.
 */
export type LoopCallResult<R> = R extends Coroutine<infer T> ? T : Awaited<R>;

/**
 * The `MessagePort` `exposeLoop()` returns, typed with the functions it
 * exposes. Transfer it: `worker.postMessage(port, [port])`.
 *
 * @example The functions' types travel with the port (within a module)
 * ```ts
 * import { exposeLoop, LoopHandle, type LoopPort, newEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const port: LoopPort<{ hello: (who: string) => string }> = exposeLoop(loop, {
 *   hello: (who: string) => `hello, ${who}`,
 * });
 * using handle = new LoopHandle(port);
 * const cf = handle.runCoroutineThreadsafe("hello", "world"); // typed
 * cf.addDoneCallback(() => loop.stop());
 * await loop.runForever();
 * assert.equal(cf.result(), "hello, world");
 * loop.close();
 * ```
 */
export type LoopPort<F extends LoopFunctions = LoopFunctions> =
  & MessagePort
  & { readonly __loopFunctions?: F };

const CALL = 0;
const RUN = 1;
const CANCEL = 2;
const BYE = 3;

const RESULT = 0;
const ERROR = 1;
const CANCELLED = 2;
const CLOSED = 3;

interface ClosableLoop {
  _closeCallbacks: Set<() => void> | null;
}

function hasCloseCallbacks(loop: AbstractEventLoop): boolean {
  return "_closeCallbacks" in loop;
}

function postResult(port: MessagePort, id: number, value: unknown): void {
  try {
    port.postMessage([RESULT, id, value]);
  } catch (e) {
    port.postMessage([
      ERROR,
      id,
      serializeError(
        new TypeError(
          `Cannot send the result back through the loop handle as it cannot be structured-cloned: ${
            (e as Error).message
          }`,
        ),
      ),
    ]);
  }
}

/**
 * Makes `loop` reachable from other realms: returns a `MessagePort` to
 * transfer to another Worker (or from a Worker to the main thread), where
 * `new LoopHandle(port)` can call the `functions` on `loop` by name. Call
 * it once per realm that needs a handle (a port connects two realms).
 *
 * A registered function runs on `loop`: with `callSoonThreadsafe` as a
 * callback (its errors go to the loop's exception handler); with
 * `runCoroutineThreadsafe` as a task, whose outcome — the result of the
 * coroutine, Promise or plain value it returns, its error, or its
 * cancellation — goes back to the caller. When `loop` closes, the port
 * closes and the handles on the other side fail what they wait for with
 * `RuntimeError`. When the handle on the other side is closed, this side
 * of the port closes too, and the tasks it started are cancelled.
 *
 * @param loop The loop to expose (a loop of this module).
 * @param functions The functions other realms may call, by name.
 * @returns A transferable `MessagePort`.
 * @throws {TypeError} If `functions` is not an object of functions, or
 *   `loop` cannot tell when it closes (not a `BaseEventLoop`).
 * @throws {RuntimeError} If `loop` is closed.
 *
 * @example A loop reached through a handle (here in the same realm)
 * ```ts
 * import { exposeLoop, getRunningLoop, LoopHandle, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const port = exposeLoop(getRunningLoop(), {
 *     async double(x: number) {
 *       await sleep(0.001);
 *       return 2 * x;
 *     },
 *   });
 *   using handle = new LoopHandle(port); // in another Worker, after postMessage(port, [port])
 *   assert.equal(await handle.runCoroutineThreadsafe("double", 21), 42);
 * });
 * ```
 */
export function exposeLoop<F extends LoopFunctions>(
  loop: AbstractEventLoop,
  functions: F,
): LoopPort<F> {
  if (!(loop instanceof AbstractEventLoop) || !hasCloseCallbacks(loop)) {
    throw new TypeError(
      `Cannot expose loop as 'loop' must be an event loop of this module (a BaseEventLoop): current value is ${
        describe(loop)
      }`,
    );
  }
  if (loop.isClosed()) throw new RuntimeError("Event loop is closed");
  if (functions === null || typeof functions !== "object") {
    throw new TypeError(
      `Cannot expose loop as 'functions' must be an object of functions: current value is ${
        describe(functions)
      }`,
    );
  }
  const registry = new Map<string, (...args: unknown[]) => unknown>();
  for (const [name, fn] of Object.entries(functions)) {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot expose loop as 'functions.${name}' must be a function: current value is ${
          describe(fn)
        }`,
      );
    }
    registry.set(name, fn as (...args: unknown[]) => unknown);
  }
  const known = () => [...registry.keys()].map((n) => `"${n}"`).join(", ");
  const unknown = (name: string, how: string) =>
    `Cannot ${how} "${name}" through a loop handle as no function is registered under that name (registered: ${known()})`;

  const { port1, port2 } = new MessageChannel();
  const tasks = new Map<number, Task<unknown>>();

  const startRun = (id: number, name: string, args: unknown[]) => {
    const fn = registry.get(name);
    if (fn === undefined) {
      port1.postMessage([
        ERROR,
        id,
        serializeError(new RangeError(unknown(name, "run"))),
      ]);
      return;
    }
    let task: Task<unknown>;
    try {
      task = loop.createTask(() => {
        const r = fn(...args);
        return isGeneratorObject(r) || isThenable(r)
          ? r as Coroutine<unknown> | PromiseLike<unknown>
          : Promise.resolve(r);
      });
    } catch (e) {
      port1.postMessage([ERROR, id, serializeError(e)]);
      return;
    }
    tasks.set(id, task);
    task.addDoneCallback((t) => {
      tasks.delete(id);
      if (t.cancelled()) {
        port1.postMessage([CANCELLED, id]);
        return;
      }
      const exc = t.exception();
      if (exc !== null) port1.postMessage([ERROR, id, serializeError(exc)]);
      else postResult(port1, id, t.result());
    });
  };
  const reportUnknown = (name: string) => {
    loop.callExceptionHandler({ message: unknown(name, "call") });
  };

  port1.onmessage = (event: MessageEvent) => {
    const msg = event.data as unknown[];
    if (loop.isClosed()) return;
    switch (msg[0]) {
      case CALL: {
        const name = msg[1] as string;
        const fn = registry.get(name);
        if (fn === undefined) loop.callSoonThreadsafe(reportUnknown, name);
        else loop.callSoonThreadsafe(fn, ...(msg[2] as unknown[]));
        break;
      }
      case RUN:
        loop.callSoonThreadsafe(
          startRun,
          msg[1] as number,
          msg[2] as string,
          msg[3] as unknown[],
        );
        break;
      case CANCEL:
        loop.callSoonThreadsafe(() => tasks.get(msg[1] as number)?.cancel());
        break;
      case BYE:
        // The handle was closed: nobody waits for these results any more.
        port1.onmessage = null;
        port1.close();
        closable._closeCallbacks?.delete(onClose);
        loop.callSoonThreadsafe(() => {
          for (const task of tasks.values()) task.cancel();
        });
        break;
    }
  };
  const closable = loop as unknown as ClosableLoop;
  const onClose = () => {
    port1.postMessage([CLOSED]);
    port1.close();
  };
  (closable._closeCallbacks ??= new Set()).add(onClose);
  return port2 as LoopPort<F>;
}

/**
 * A handle to a loop of another realm, made from the port that
 * `exposeLoop()` returned there: it schedules the functions registered
 * there, by name. It also works within one realm.
 *
 * - `callSoonThreadsafe(name, ...args)` schedules `functions[name](...args)`
 *   as a callback of that loop (fire and forget: errors, and an unknown
 *   name, go to that loop's exception handler).
 * - `runCoroutineThreadsafe(name, ...args)` runs it as a task there and
 *   returns a `ConcurrentFuture` of its result here: it settles with the
 *   result, or the error (rebuilt with its class name, message and stack),
 *   or is cancelled with the task. Cancelling it cancels the task.
 *
 * While open, the handle's port keeps this realm alive: close the handle
 * (`close()`, or `using`) when done. When the other loop closes, the
 * handle closes by itself and what waits fails with `RuntimeError`.
 *
 * @typeParam F The functions the other side exposes (for typing only).
 *
 * @example Calling a Worker's loop
 * ```ts ignore
 * // worker.ts, with its own loop:
 * //   await run(async () => {
 * //     const port = exposeLoop(getRunningLoop(), { add: async (a, b) => a + b });
 * //     self.postMessage(port, [port]);
 * //     await stopRequested;
 * //   });
 * import { LoopHandle, run } from "@asyncio/asyncio";
 *
 * const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
 * const port = await new Promise<MessagePort>((r) => (worker.onmessage = (e) => r(e.data)));
 * await run(async () => {
 *   using handle = new LoopHandle(port);
 *   console.log(await handle.runCoroutineThreadsafe("add", 1, 2)); // 3
 * });
 * ```
 *
 * @example In one realm
 * ```ts
 * import { exposeLoop, getRunningLoop, LoopHandle, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const seen: string[] = [];
 * await run(async () => {
 *   const port = exposeLoop(getRunningLoop(), {
 *     log: (msg: string) => void seen.push(msg),
 *     add: (a: number, b: number) => a + b,
 *   });
 *   using handle = new LoopHandle<{ log: (m: string) => void; add: (a: number, b: number) => number }>(port);
 *   handle.callSoonThreadsafe("log", "hello");
 *   assert.equal(await handle.runCoroutineThreadsafe("add", 1, 2), 3);
 * });
 * assert.deepEqual(seen, ["hello"]);
 * ```
 */
export class LoopHandle<F extends LoopFunctions = LoopFunctions>
  implements Disposable {
  readonly #port: MessagePort;
  readonly #pending = new Map<number, ConcurrentFuture<unknown>>();
  #nextId = 0;
  #closed: RuntimeError | null = null;

  /**
   * Wraps the port `exposeLoop()` returned (after its transfer).
   *
   * @param port The transferred `MessagePort`.
   * @throws {TypeError} If `port` is not a `MessagePort`.
   */
  constructor(port: LoopPort<F> | MessagePort) {
    if (!(port instanceof MessagePort)) {
      throw new TypeError(
        `Cannot create LoopHandle as 'port' must be the MessagePort exposeLoop() returned: current value is ${
          describe(port)
        }`,
      );
    }
    this.#port = port;
    port.onmessage = (event: MessageEvent) => this.#onMessage(event.data);
  }

  /**
   * Schedules `functions[name](...args)` as a callback of the other loop.
   *
   * @throws {RuntimeError} If the handle or the other loop is closed.
   * @throws {TypeError} If `name` is not a string.
   * @throws {DOMException} If an argument cannot be structured-cloned
   *   (`DataCloneError`).
   */
  callSoonThreadsafe<K extends keyof F & string>(
    name: K,
    ...args: Parameters<F[K]>
  ): void {
    this.#check(name, "callSoonThreadsafe");
    this.#port.postMessage([CALL, name, args]);
  }

  /**
   * Runs `functions[name](...args)` as a task of the other loop.
   *
   * @returns A `ConcurrentFuture` of its result, in this realm.
   * @throws {RuntimeError} If the handle or the other loop is closed.
   * @throws {TypeError} If `name` is not a string.
   * @throws {DOMException} If an argument cannot be structured-cloned.
   */
  runCoroutineThreadsafe<K extends keyof F & string>(
    name: K,
    ...args: Parameters<F[K]>
  ): ConcurrentFuture<LoopCallResult<ReturnType<F[K]>>> {
    this.#check(name, "runCoroutineThreadsafe");
    const id = ++this.#nextId;
    const cf = new ConcurrentFuture<LoopCallResult<ReturnType<F[K]>>>();
    this.#port.postMessage([RUN, id, name, args]);
    this.#pending.set(id, cf as ConcurrentFuture<unknown>);
    cf.addDoneCallback((f) => {
      if (f.cancelled() && this.#pending.delete(id) && this.#closed === null) {
        this.#port.postMessage([CANCEL, id]);
      }
    });
    return cf;
  }

  /** Whether the handle is closed (by `close()` or by the other loop). */
  isClosed(): boolean {
    return this.#closed !== null;
  }

  /**
   * Closes the handle and its port; what waits for a result fails with
   * `RuntimeError`, and the tasks it started on the other loop are
   * cancelled. Closing twice does nothing.
   */
  close(): void {
    this.#shut(new RuntimeError("LoopHandle is closed"), true);
  }

  /** Closes the handle (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  #check(name: unknown, method: string): void {
    if (this.#closed !== null) {
      throw new RuntimeError(this.#closed.message);
    }
    if (typeof name !== "string") {
      throw new TypeError(
        `Cannot ${method} through a LoopHandle as 'name' must be the name of a registered function: current value is ${
          describe(name)
        }`,
      );
    }
  }

  #shut(reason: RuntimeError, bye = false): void {
    if (this.#closed !== null) return;
    this.#closed = reason;
    this.#port.onmessage = null;
    if (bye) this.#port.postMessage([BYE]);
    this.#port.close();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const cf of pending) {
      if (cf.setRunningOrNotifyCancel()) {
        cf.setException(new RuntimeError(reason.message));
      }
    }
  }

  #onMessage(msg: unknown[]): void {
    const kind = msg[0];
    if (kind === CLOSED) {
      this.#shut(new RuntimeError("Event loop is closed"));
      return;
    }
    const id = msg[1] as number;
    const cf = this.#pending.get(id);
    if (cf === undefined) return;
    this.#pending.delete(id);
    if (kind === CANCELLED) {
      cf.cancel();
      return;
    }
    if (!cf.setRunningOrNotifyCancel()) return;
    if (kind === RESULT) cf.setResult(msg[2]);
    else cf.setException(deserializeError(msg[2] as SerializedValue));
  }
}
