/**
 * `Lock`: a mutual-exclusion lock for tasks, as `asyncio.Lock`.
 *
 * @module
 */
import { RuntimeError } from "./exceptions.ts";
import { CoroutineAwaitable } from "./_coroutine.ts";
import { ready } from "./_ready.ts";
import { boundLoop, WaiterQueue } from "./_waiters.ts";
import { isCancelledError } from "./task.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { Awaitable, Coroutine } from "./types.ts";

/**
 * A lock that tasks take turns holding: asyncio's `Lock`. It is not owned
 * by a task: any code may release it.
 *
 * `acquire()` gives the lock at once when it is free and nobody waits
 * (without suspending), else waits its turn: waiters are served in FIFO
 * order. A free lock is taken at the call, as an asyncio coroutine takes it
 * in its first step: always await what `acquire()` returns. It is cancellation-safe: a task cancelled while it waits leaves the
 * queue, and one cancelled after it was woken passes the wake-up on, so the
 * lock never stays held by nobody.
 *
 * Where asyncio has `async with lock:`, write
 * `using _ = await lock.acquire();` (or `using _ = yield* lock.acquire();`
 * in a generator coroutine): `acquire()` resolves to a `Disposable` whose
 * disposal releases the lock at the end of the block, however it is left.
 *
 * A lock binds to the running loop the first time a task waits on it.
 *
 * @example Holding the lock for a block
 * ```ts
 * import { createTask, Lock, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const log: string[] = [];
 * async function worker(name: string) {
 *   using _ = await lock.acquire();
 *   log.push(`${name} in`);
 *   await sleep(0.001);
 *   log.push(`${name} out`);
 * }
 * await run(async () => {
 *   const a = createTask(() => worker("a"));
 *   const b = createTask(() => worker("b"));
 *   await a;
 *   await b;
 * });
 * assert.deepEqual(log, ["a in", "a out", "b in", "b out"]);
 * assert.equal(lock.locked(), false);
 * ```
 *
 * @example In a generator coroutine
 * ```ts
 * import { Lock, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * await run(function* () {
 *   using _ = yield* lock.acquire();
 *   assert.ok(lock.locked());
 * });
 * assert.ok(!lock.locked());
 * ```
 */
export class Lock {
  #waiters: WaiterQueue<boolean> = new WaiterQueue<boolean>();
  #locked = false;
  #loop: AbstractEventLoop | null = null;
  readonly #releaser: Disposable;
  readonly #acquired: Awaitable<Disposable>;

  /** Creates an unlocked lock. */
  constructor() {
    this.#releaser = { [Symbol.dispose]: () => this.release() };
    this.#acquired = ready(this.#releaser);
  }

  /** Whether the lock is held. */
  locked(): boolean {
    return this.#locked;
  }

  /**
   * Acquires the lock: at once if it is free and no task waits for it,
   * else after the tasks ahead in the queue. Resolves to a `Disposable`
   * that releases the lock (for `using`).
   *
   * @returns An awaitable of the releaser (`await` or `yield*` it).
   * @throws {CancelledError} If the task is cancelled while it waits.
   */
  acquire(): Awaitable<Disposable> {
    if (this.#tryAcquire()) return this.#acquired;
    return new CoroutineAwaitable(this.#acquireSlow());
  }

  /** Takes the lock if it is free and nobody waits (fair: no queue jump). */
  #tryAcquire(): boolean {
    if (
      !this.#locked &&
      (this.#waiters.size === 0 || this.#waiters.allCancelled())
    ) {
      this.#locked = true;
      return true;
    }
    return false;
  }

  *#acquireSlow(): Coroutine<Disposable> {
    // The coroutine starts when it is awaited: the lock may be free by now.
    if (this.#tryAcquire()) return this.#releaser;
    this.#loop = boundLoop(this.#loop, this);
    const fut = this.#waiters.park(this.#loop);
    try {
      try {
        yield* fut;
      } finally {
        this.#waiters.remove(fut);
      }
    } catch (e) {
      // If the lock is free, make sure the next waiter runs: we may have
      // been woken (and then cancelled) in its place.
      if (isCancelledError(e) && !this.#locked) this.#wakeUpFirst();
      throw e;
    }
    this.#locked = true;
    return this.#releaser;
  }

  /**
   * Releases the lock and lets the first waiting task (if any) take it.
   *
   * @throws {RuntimeError} If the lock is not held.
   */
  release(): void {
    if (!this.#locked) throw new RuntimeError("Lock is not acquired.");
    this.#locked = false;
    this.#wakeUpFirst();
  }

  /** Wakes the first waiter, unless it is already woken (or cancelled). */
  #wakeUpFirst(): void {
    const fut = this.#waiters.first();
    if (fut !== null && !fut.done()) fut.setResult(true);
  }

  /** A description such as `<Lock [locked, waiters:2]>`. */
  toString(): string {
    let extra = this.#locked ? "locked" : "unlocked";
    if (this.#waiters.size > 0) {
      extra += `, waiters:${this.#waiters.size}`;
    }
    return `<Lock [${extra}]>`;
  }
}
