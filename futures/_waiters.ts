/**
 * The waiter primitive every lock and queue of the module waits through
 * (our ParkingLot, as trio's sync objects share `_parking_lot.py`).
 *
 * A `WaiterQueue` is a FIFO of `Waiter` futures, kept as an intrusive
 * doubly-linked list so that a waiter leaves it in O(1) wherever it is
 * (asyncio's `deque.remove(fut)` is O(n)). The primitives keep asyncio's
 * protocol exactly:
 *
 * - a task that must wait `park()`s a future and awaits it; when the await
 *   ends, by a wake-up or by cancellation, the task itself `remove()`s its
 *   future (`finally: self._waiters.remove(fut)`), or the waker `shift()`ed
 *   it already (queues);
 * - a waker wakes the first waiter that is not done (`wakeFirst`), the first
 *   one only if it is still pending (`Lock._wake_up_first`), or all of them;
 * - a task cancelled after it was woken sees the `CancelledError` at its
 *   await and passes the wake-up on, so no wake-up is lost and no lock stays
 *   held.
 *
 * `boundLoop()` is asyncio's `_LoopBoundMixin`: a primitive binds to the
 * running loop the first time it has to wait.
 *
 * @module
 */
import { RuntimeError } from "./exceptions.ts";
import { Future } from "./future.ts";
import { _getRunningLoop, getRunningLoop } from "../loop/_current.ts";
import { taskStorage } from "./_task_storage.ts";
import type { AbstractEventLoop } from "../loop/events.ts";

/** A future waiting in a `WaiterQueue`. */
export class Waiter<T = unknown> extends Future<T> {
  /** @internal */ _prev: Waiter<T> | null = null;
  /** @internal */ _next: Waiter<T> | null = null;
  /** @internal */ _queue: WaiterQueue<T> | null = null;
}

/** A FIFO of waiters with O(1) removal of any of them. */
export class WaiterQueue<T = unknown> {
  #head: Waiter<T> | null = null;
  #tail: Waiter<T> | null = null;
  #size = 0;

  /** The number of waiters in the queue (done or not). */
  get size(): number {
    return this.#size;
  }

  /** Appends a new pending waiter on `loop` and returns it. */
  park(loop: AbstractEventLoop): Waiter<T> {
    const w = new Waiter<T>({ loop });
    w._queue = this;
    const tail = this.#tail;
    if (tail === null) {
      this.#head = this.#tail = w;
    } else {
      tail._next = w;
      w._prev = tail;
      this.#tail = w;
    }
    this.#size++;
    return w;
  }

  /** Takes `w` out of the queue; false if it was not in it. */
  remove(w: Waiter<T>): boolean {
    if (w._queue !== this) return false;
    const prev = w._prev;
    const next = w._next;
    if (prev === null) this.#head = next;
    else prev._next = next;
    if (next === null) this.#tail = prev;
    else next._prev = prev;
    w._prev = w._next = null;
    w._queue = null;
    this.#size--;
    return true;
  }

  /** The first waiter, or `null`. */
  first(): Waiter<T> | null {
    return this.#head;
  }

  /** Takes out the first waiter and returns it, or `null`. */
  shift(): Waiter<T> | null {
    const w = this.#head;
    if (w !== null) this.remove(w);
    return w;
  }

  /** Whether every waiter in the queue was cancelled (true when empty). */
  allCancelled(): boolean {
    for (let w = this.#head; w !== null; w = w._next) {
      if (!w.cancelled()) return false;
    }
    return true;
  }

  /**
   * Sets `value` on the first waiter that is not done, leaving it in the
   * queue for its task to remove; returns whether one was woken.
   */
  wakeFirst(value: T): boolean {
    for (let w = this.#head; w !== null; w = w._next) {
      if (!w.done()) {
        w.setResult(value);
        return true;
      }
    }
    return false;
  }

  /**
   * Takes waiters out from the front until one is not done, and sets
   * `value` on it (asyncio's `Queue._wakeup_next`); returns whether one was
   * woken.
   */
  shiftWake(value: T): boolean {
    let w: Waiter<T> | null;
    while ((w = this.#head) !== null) {
      this.remove(w);
      if (!w.done()) {
        w.setResult(value);
        return true;
      }
    }
    return false;
  }

  /**
   * Sets `value` on up to `n` waiters that are not done, in order, leaving
   * them in the queue; returns how many were woken.
   */
  wake(n: number, value: T): number {
    let woken = 0;
    for (let w = this.#head; w !== null && woken < n; w = w._next) {
      if (!w.done()) {
        w.setResult(value);
        woken++;
      }
    }
    return woken;
  }

  /** Takes every waiter out and sets `value` on those not done. */
  shiftWakeAll(value: T): void {
    let w: Waiter<T> | null;
    while ((w = this.#head) !== null) {
      this.remove(w);
      if (!w.done()) w.setResult(value);
    }
  }
}

/**
 * asyncio's `_LoopBoundMixin._get_loop()`: the running loop, which a
 * primitive binds to the first time it needs one (the caller stores the
 * result); using it from another loop is an error.
 *
 * @throws {RuntimeError} If no loop runs, or `owner` is bound to another
 * loop.
 */
export function boundLoop(
  bound: AbstractEventLoop | null,
  owner: unknown,
): AbstractEventLoop {
  const loop = currentLoop();
  if (bound !== null && bound !== loop) {
    throw new RuntimeError(`${owner} is bound to a different event loop`);
  }
  return loop;
}

/**
 * The running loop, or else the loop of the task whose async function is
 * running (its code may resume in a microtask after the loop stopped, as
 * `sleep()` allows for).
 *
 * @throws {RuntimeError} If neither exists.
 */
export function currentLoop(): AbstractEventLoop {
  const running = _getRunningLoop();
  if (running !== null) return running;
  const task = taskStorage.getStore();
  if (task !== undefined && task._state === 0 && !task._loop.isClosed()) {
    return task._loop;
  }
  return getRunningLoop();
}
