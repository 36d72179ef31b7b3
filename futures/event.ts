/**
 * `Event`: a flag tasks can wait for, as `asyncio.Event`.
 *
 * @module
 */
import { CoroutineAwaitable } from "./_coroutine.ts";
import { ready } from "./_ready.ts";
import { boundLoop, WaiterQueue } from "./_waiters.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { Awaitable, Coroutine } from "./types.ts";

const TRUE: Awaitable<true> = ready(true);

/**
 * A flag that starts false: `set()` makes it true and wakes every task in
 * `wait()`, `clear()` makes it false again. asyncio's `Event`.
 *
 * A task cancelled while it waits leaves the queue; `set()` then `clear()`
 * in the same step still wakes the tasks that were waiting (their wait
 * returns true although the flag is false again, as in asyncio).
 *
 * @example One task waits, another sets
 * ```ts
 * import { createTask, Event, run, sleep } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const ev = new Event();
 * const result = await run(async () => {
 *   const waiter = createTask(async () => await ev.wait());
 *   await sleep(0.001);
 *   assert.ok(!waiter.done());
 *   ev.set();
 *   return await waiter;
 * });
 * assert.equal(result, true);
 * assert.ok(ev.isSet());
 * ```
 */
export class Event {
  #waiters: WaiterQueue<true> = new WaiterQueue<true>();
  #value = false;
  #loop: AbstractEventLoop | null = null;

  /** Whether the flag is set. */
  isSet(): boolean {
    return this.#value;
  }

  /** Sets the flag and wakes every waiting task. */
  set(): void {
    if (this.#value) return;
    this.#value = true;
    this.#waiters.wake(Infinity, true);
  }

  /** Clears the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this.#value = false;
  }

  /**
   * Waits until the flag is set (at once, without suspending, if it is);
   * resolves to `true`.
   *
   * @throws {CancelledError} If the task is cancelled while it waits.
   */
  wait(): Awaitable<true> {
    if (this.#value) return TRUE;
    return new CoroutineAwaitable(this.#waitSlow());
  }

  *#waitSlow(): Coroutine<true> {
    if (this.#value) return true;
    this.#loop = boundLoop(this.#loop, this);
    const fut = this.#waiters.park(this.#loop);
    try {
      yield* fut;
      return true;
    } finally {
      this.#waiters.remove(fut);
    }
  }

  /** A description such as `<Event [unset, waiters:1]>`. */
  toString(): string {
    let extra = this.#value ? "set" : "unset";
    if (this.#waiters.size > 0) extra += `, waiters:${this.#waiters.size}`;
    return `<Event [${extra}]>`;
  }
}
