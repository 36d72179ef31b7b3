/**
 * `Barrier`: a meeting point for a fixed number of tasks, as
 * `asyncio.Barrier`.
 *
 * @module
 */
import { BrokenBarrierError } from "./exceptions.ts";
import { CoroutineAwaitable } from "./_coroutine.ts";
import { Condition } from "./condition.ts";
import { describe } from "../loop/_describe.ts";
import type { Awaitable, Coroutine } from "./types.ts";

const FILLING = "filling";
const DRAINING = "draining";
const RESETTING = "resetting";
const BROKEN = "broken";
type State =
  | typeof FILLING
  | typeof DRAINING
  | typeof RESETTING
  | typeof BROKEN;

/**
 * A barrier for `parties` tasks: each calls `wait()`, and all are released
 * together once the last one arrives; then the barrier can be used again.
 * asyncio's `Barrier` (itself `threading.Barrier` for tasks).
 *
 * `wait()` resolves to a distinct index from 0 to `parties - 1`. `reset()`
 * returns the barrier to its empty state (tasks waiting get a
 * `BrokenBarrierError`); `abort()` breaks it for good (tasks waiting, and
 * any later `wait()`, get a `BrokenBarrierError`). A task cancelled while it
 * waits leaves the barrier, which stays usable.
 *
 * @example Three tasks meet
 * ```ts
 * import { Barrier, createTask, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(3);
 * const indices = await run(async () => {
 *   const tasks = [0, 1, 2].map(() => createTask(() => barrier.wait()));
 *   const out: number[] = [];
 *   for (const t of tasks) out.push(await t);
 *   return out;
 * });
 * assert.deepEqual(indices.sort(), [0, 1, 2]);
 * assert.equal(barrier.nWaiting, 0);
 * ```
 */
export class Barrier {
  readonly #cond = new Condition();
  readonly #parties: number;
  #state: State = FILLING;
  #count = 0;

  /**
   * Creates a barrier for `parties` tasks.
   *
   * @param parties How many tasks must call `wait()` to trip it.
   * @throws {TypeError} If `parties` is not a number.
   * @throws {RangeError} If `parties` is not an integer >= 1.
   */
  constructor(parties: number) {
    if (typeof parties !== "number") {
      throw new TypeError(
        `Cannot create Barrier as 'parties' must be an integer >= 1: current value is ${
          describe(parties)
        }`,
      );
    }
    if (!Number.isInteger(parties) || parties < 1) {
      throw new RangeError(
        `Cannot create Barrier as 'parties' must be an integer >= 1: current value is ${parties}`,
      );
    }
    this.#parties = parties;
  }

  /** The number of tasks required to trip the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /** The number of tasks waiting at the barrier while it fills. */
  get nWaiting(): number {
    return this.#state === FILLING ? this.#count : 0;
  }

  /** Whether the barrier is broken (`abort()` was called). */
  get broken(): boolean {
    return this.#state === BROKEN;
  }

  /**
   * Waits until `parties` tasks wait, then resolves to this task's index
   * (0 for the first to arrive, `parties - 1` for the one that trips it).
   *
   * @throws {BrokenBarrierError} If the barrier is broken, or is reset or
   * aborted while the task waits.
   * @throws {CancelledError} If the task is cancelled while it waits.
   */
  wait(): Awaitable<number> {
    return new CoroutineAwaitable(this.#wait());
  }

  *#wait(): Coroutine<number> {
    using _ = yield* this.#cond.acquire();
    yield* this.#block();
    try {
      const index = this.#count++;
      if (index + 1 === this.#parties) {
        this.#state = DRAINING;
        this.#cond.notifyAll();
      } else {
        yield* this.#cond.waitFor(() => this.#state !== FILLING);
        if (this.#state === BROKEN || this.#state === RESETTING) {
          throw new BrokenBarrierError("Abort or reset of barrier");
        }
      }
      return index;
    } finally {
      this.#count--;
      this.#exit();
    }
  }

  /** Waits while the barrier drains or resets; throws if it is broken. */
  *#block(): Coroutine<void> {
    yield* this.#cond.waitFor(() =>
      this.#state !== DRAINING && this.#state !== RESETTING
    );
    if (this.#state === BROKEN) {
      throw new BrokenBarrierError("Barrier aborted");
    }
  }

  /** The last task out of a draining or resetting barrier refills it. */
  #exit(): void {
    if (this.#count === 0) {
      if (this.#state === RESETTING || this.#state === DRAINING) {
        this.#state = FILLING;
      }
      this.#cond.notifyAll();
    }
  }

  /**
   * Returns the barrier to its empty state; tasks waiting on it get a
   * `BrokenBarrierError`.
   */
  reset(): Awaitable<void> {
    return new CoroutineAwaitable(this.#reset());
  }

  *#reset(): Coroutine<void> {
    using _ = yield* this.#cond.acquire();
    if (this.#count > 0) {
      if (this.#state !== RESETTING) this.#state = RESETTING;
    } else {
      this.#state = FILLING;
    }
    this.#cond.notifyAll();
  }

  /**
   * Breaks the barrier: tasks waiting on it, and every later `wait()`, get
   * a `BrokenBarrierError`.
   */
  abort(): Awaitable<void> {
    return new CoroutineAwaitable(this.#abort());
  }

  *#abort(): Coroutine<void> {
    using _ = yield* this.#cond.acquire();
    this.#state = BROKEN;
    this.#cond.notifyAll();
  }

  /** A description such as `<Barrier [filling, waiters:1/3]>`. */
  toString(): string {
    let extra: string = this.#state;
    if (!this.broken) extra += `, waiters:${this.nWaiting}/${this.#parties}`;
    return `<Barrier [${extra}]>`;
  }
}
