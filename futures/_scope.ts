/**
 * Scopes (asyncio's `async with` blocks that must see the error leaving
 * them: `timeout()`, `TaskGroup`), run in the calling task, with both kinds
 * of caller.
 *
 * A scope is `enter()`, then `body(arg)`, then `exit(arg, outcome)`, a
 * generator coroutine that may wait (TaskGroup waits for its tasks) and
 * decides what leaves the scope. `scoped()` returns an awaitable:
 *
 * - awaited from an async function, it runs as part of that function: the
 *   body is called in its async context and generators (a generator body,
 *   `exit`) are driven by `drive()`, which awaits each future they yield.
 *   No task is created, so `currentTask()` is the caller throughout and a
 *   cancellation requested while the scope's code runs lands at its next
 *   await, exactly as in asyncio;
 * - delegated to with `yield*` from a generator coroutine, it is a
 *   generator running in the caller's task. A generator body is delegated
 *   to; an async body runs in a task of its own (eagerly started), which
 *   the caller waits for, so cancelling the caller cancels it.
 *
 * @module
 */
import { RuntimeError } from "./exceptions.ts";
import { isFuture } from "./future.ts";
import { sleep } from "./sleep.ts";
import { failed } from "./_ready.ts";
import { isGeneratorObject, Task } from "./task.ts";
import { taskStorage } from "./_task_storage.ts";
import { _getRunningLoop, getRunningLoop } from "../loop/_current.ts";
import { describe } from "../loop/_describe.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { Awaitable, Coroutine } from "./types.ts";

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;

/**
 * The task whose code is running (the step of a generator task, or the
 * async function whose continuation runs), or `null`.
 */
export function runningTask(): Task<unknown> | null {
  const running = _getRunningLoop() as
    | (AbstractEventLoop & { _currentTask: Task<unknown> | null })
    | null;
  if (running !== null && running._currentTask !== null) {
    return running._currentTask;
  }
  const stored = taskStorage.getStore();
  if (
    stored !== undefined && stored._state === 0 &&
    (running === null || stored._loop === running)
  ) {
    return stored;
  }
  return null;
}

/**
 * Runs a generator coroutine inside the calling async function: each
 * future it yields is awaited here, so the calling task waits on it
 * directly (and `task.cancel()` reaches it); a bare `yield` is a
 * `sleep(0)`.
 */
export async function drive<T>(gen: Coroutine<T>): Promise<T> {
  let failed = false;
  let value: unknown = undefined;
  for (;;) {
    const r = failed ? gen.throw(value) : gen.next(value);
    if (r.done) return r.value;
    const y = r.value;
    try {
      if (isFuture(y)) {
        if (!y._blocking) {
          throw new RuntimeError(
            `yield was used instead of yield* with ${y}`,
          );
        }
        y._blocking = false;
        value = await y;
      } else if (y === undefined || y === null) {
        value = await sleep(0);
      } else {
        throw new RuntimeError(
          `Task got bad yield: ${describe(y)} (use yield* on an awaitable)`,
        );
      }
      failed = false;
    } catch (e) {
      failed = true;
      value = e;
    }
  }
}

/** How the body of a scope ended. */
export interface Outcome<T> {
  /** Whether it threw. */
  failed: boolean;
  /** What it threw. */
  error: unknown;
  /** What it returned. */
  result: T | undefined;
}

/** The body of a scope: an async function or a generator function. */
export type ScopeBody<A, T> = (arg: A) => PromiseLike<T> | Coroutine<T>;

class Scoped<A, T, R> implements Awaitable<R> {
  readonly #enter: () => A;
  readonly #body: ScopeBody<A, T>;
  readonly #exit: (arg: A, outcome: Outcome<T>) => Coroutine<R>;
  #promise: Promise<R> | null = null;
  #iterated = false;

  constructor(
    enter: () => A,
    body: ScopeBody<A, T>,
    exit: (arg: A, outcome: Outcome<T>) => Coroutine<R>,
  ) {
    this.#enter = enter;
    this.#body = body;
    this.#exit = exit;
  }

  then<R1 = R, R2 = never>(
    onFulfilled?: ((value: R) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this.#promise === null) {
      if (this.#iterated) {
        return Promise.reject(
          new RuntimeError("cannot reuse already awaited coroutine"),
        ).then(onFulfilled, onRejected);
      }
      this.#promise = this.#runAsync();
    }
    return this.#promise.then(onFulfilled, onRejected);
  }

  [Symbol.iterator](): Iterator<unknown, R, unknown> {
    if (this.#promise !== null || this.#iterated) {
      throw new RuntimeError("cannot reuse already awaited coroutine");
    }
    this.#iterated = true;
    return this.#runGenerator();
  }

  async #runAsync(): Promise<R> {
    const arg = this.#enter();
    const outcome: Outcome<T> = {
      failed: false,
      error: undefined,
      result: undefined,
    };
    try {
      const r = this.#body(arg);
      outcome.result = isGeneratorObject(r)
        ? await drive(r as Coroutine<T>)
        : await r;
    } catch (e) {
      outcome.failed = true;
      outcome.error = e;
    }
    return await drive(this.#exit(arg, outcome));
  }

  *#runGenerator(): Coroutine<R> {
    const arg = this.#enter();
    const outcome: Outcome<T> = {
      failed: false,
      error: undefined,
      result: undefined,
    };
    try {
      const body = this.#body;
      if (body instanceof GeneratorFunction) {
        outcome.result = yield* body(arg) as Coroutine<T>;
      } else {
        // An async body from a generator coroutine: it runs in a task of
        // its own (so its awaits can be cancelled), started at once.
        const task = new Task<T>(() => body(arg), {
          loop: getRunningLoop(),
          eagerStart: true,
        });
        outcome.result = yield* task;
      }
    } catch (e) {
      outcome.failed = true;
      outcome.error = e;
    }
    return yield* this.#exit(arg, outcome);
  }
}

/**
 * A scope as an awaitable of this module (see the module notes): lazy, and
 * run once, by `await` or by `yield*`. A `body` that is not a function is
 * a `TypeError` where the scope is awaited.
 */
export function scoped<A, T, R>(
  what: string,
  enter: () => A,
  body: ScopeBody<A, T>,
  exit: (arg: A, outcome: Outcome<T>) => Coroutine<R>,
): Awaitable<R> {
  if (typeof body !== "function") {
    return failed(
      new TypeError(
        `Cannot run ${what} as 'body' must be an async function or a generator function: current value is ${
          describe(body)
        }`,
      ),
    );
  }
  return new Scoped(enter, body, exit);
}
