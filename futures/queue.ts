/**
 * `Queue`, `PriorityQueue` and `LifoQueue`: queues for producer and
 * consumer tasks, as `asyncio.Queue` and its subclasses (CPython 3.13,
 * with `shutdown()`).
 *
 * @module
 */
import { QueueEmpty, QueueFull, QueueShutDown } from "./exceptions.ts";
import { CoroutineAwaitable } from "./_coroutine.ts";
import { failed, ready } from "./_ready.ts";
import { boundLoop, WaiterQueue } from "./_waiters.ts";
import { Event } from "./event.ts";
import { ReadyQueue } from "../loop/_ready_queue.ts";
import { describe } from "../loop/_describe.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { Awaitable, Coroutine } from "./types.ts";

const DONE: Awaitable<void> = ready(undefined);

/**
 * A FIFO queue for tasks: asyncio's `Queue`. With `maxsize > 0`, `put()`
 * waits while the queue holds `maxsize` items; with `maxsize <= 0` (the
 * default) the queue is unbounded.
 *
 * `get()` and `put()` finish at once, without suspending, when they can;
 * otherwise they wait in FIFO order and are cancellation-safe (a task that
 * is woken and then cancelled wakes the next one in its place). When an
 * item is there, `get()` takes it at the call, as an asyncio coroutine
 * would on its first step: await what it returns.
 *
 * `taskDone()` and `join()` track the processing of items: every `put()`
 * adds an unfinished task, every `taskDone()` finishes one, and `join()`
 * waits until none is left. `shutdown()` (CPython 3.13) makes later puts,
 * and gets on an empty queue, throw `QueueShutDown`.
 *
 * Subclasses change the order by overriding the storage hooks `_init`,
 * `_put` and `_get`, as `PriorityQueue` and `LifoQueue` do.
 *
 * @typeParam T The type of the items.
 *
 * @example A producer and a consumer
 * ```ts
 * import { createTask, Queue, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const got = await run(async () => {
 *   const q = new Queue<number>(2);
 *   const consumer = createTask(async () => {
 *     const out: number[] = [];
 *     for (;;) {
 *       const item = await q.get();
 *       if (item < 0) return out;
 *       out.push(item);
 *     }
 *   });
 *   for (const item of [1, 2, 3, 4, -1]) await q.put(item);
 *   return await consumer;
 * });
 * assert.deepEqual(got, [1, 2, 3, 4]);
 * ```
 *
 * @example Workers, join() and shutdown()
 * ```ts
 * import { createTask, Queue, QueueShutDown, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const done: string[] = [];
 * await run(async () => {
 *   const q = new Queue<string>();
 *   const worker = createTask(async () => {
 *     try {
 *       for (;;) {
 *         done.push(await q.get());
 *         q.taskDone();
 *       }
 *     } catch (e) {
 *       assert.ok(e instanceof QueueShutDown);
 *     }
 *   });
 *   for (const job of ["a", "b", "c"]) q.putNowait(job);
 *   await q.join();
 *   q.shutdown();
 *   await worker;
 * });
 * assert.deepEqual(done, ["a", "b", "c"]);
 * ```
 */
export class Queue<T = unknown> {
  /** @internal The items; `_init` makes it, `_put`/`_get` use it. */
  _queue!: { readonly length: number };
  readonly #maxsize: number;
  readonly #getters: WaiterQueue<null> = new WaiterQueue<null>();
  readonly #putters: WaiterQueue<null> = new WaiterQueue<null>();
  #unfinished = 0;
  readonly #finished: Event = new Event();
  #shutdown = false;
  #loop: AbstractEventLoop | null = null;

  /**
   * Creates a queue of at most `maxsize` items (unbounded if `maxsize <=
   * 0`, the default).
   *
   * @param maxsize The capacity, or 0 for none.
   * @throws {TypeError} If `maxsize` is not a number.
   * @throws {RangeError} If `maxsize` is not an integer.
   */
  constructor(maxsize = 0) {
    if (typeof maxsize !== "number") {
      throw new TypeError(
        `Cannot create ${new.target.name} as 'maxsize' must be an integer: current value is ${
          describe(maxsize)
        }`,
      );
    }
    if (!Number.isInteger(maxsize)) {
      throw new RangeError(
        `Cannot create ${new.target.name} as 'maxsize' must be an integer: current value is ${maxsize}`,
      );
    }
    this.#maxsize = maxsize;
    this.#finished.set();
    this._init(maxsize);
  }

  // ---- storage hooks (override these three to change the order) ----

  /**
   * Storage hook: creates `this._queue` (a ring-buffer FIFO here).
   *
   * @param _maxsize The queue's capacity.
   */
  protected _init(_maxsize: number): void {
    this._queue = new ReadyQueue<T>();
  }

  /**
   * Storage hook: stores `item`.
   *
   * @param item The item to store.
   */
  protected _put(item: T): void {
    (this._queue as ReadyQueue<T>).push(item);
  }

  /**
   * Storage hook: removes and returns the next item (the queue is not
   * empty).
   *
   * @returns The next item.
   */
  protected _get(): T {
    return (this._queue as ReadyQueue<T>).shift();
  }

  // ---- state ----

  /** The number of items allowed in the queue (0 or less: no limit). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this._queue.length;
  }

  /** Whether the queue is empty. */
  empty(): boolean {
    return this._queue.length === 0;
  }

  /** Whether the queue holds `maxsize` items (never, when unbounded). */
  full(): boolean {
    return this.#maxsize > 0 && this._queue.length >= this.#maxsize;
  }

  // ---- put ----

  /**
   * Puts `item` into the queue, waiting for a free slot if it is full.
   *
   * @param item The item.
   * @returns An awaitable that settles once the item is in the queue.
   * @throws {QueueShutDown} If the queue is shut down (on await).
   * @throws {CancelledError} If the task is cancelled while it waits.
   */
  put(item: T): Awaitable<void> {
    if (!this.full()) {
      try {
        this.putNowait(item);
      } catch (e) {
        return failed(e);
      }
      return DONE;
    }
    return new CoroutineAwaitable(this.#putSlow(item));
  }

  *#putSlow(item: T): Coroutine<void> {
    while (this.full()) {
      if (this.#shutdown) throw new QueueShutDown();
      this.#loop = boundLoop(this.#loop, this);
      const putter = this.#putters.park(this.#loop);
      try {
        yield* putter;
      } catch (e) {
        putter.cancel();
        this.#putters.remove(putter);
        // Woken by a get, but not taking the slot: wake the next putter.
        if (!this.full() && !putter.cancelled()) {
          this.#putters.shiftWake(null);
        }
        throw e;
      }
    }
    this.putNowait(item);
  }

  /**
   * Puts `item` into the queue without waiting.
   *
   * @param item The item.
   * @throws {QueueShutDown} If the queue is shut down.
   * @throws {QueueFull} If the queue is full.
   */
  putNowait(item: T): void {
    if (this.#shutdown) throw new QueueShutDown();
    if (this.#maxsize > 0 && this._queue.length >= this.#maxsize) {
      throw new QueueFull();
    }
    this._put(item);
    this.#unfinished++;
    if (this.#unfinished === 1) this.#finished.clear();
    if (this.#getters.size > 0) this.#getters.shiftWake(null);
  }

  // ---- get ----

  /**
   * Removes and returns the next item, waiting for one if the queue is
   * empty.
   *
   * @returns An awaitable of the item.
   * @throws {QueueShutDown} If the queue is shut down and empty (on await).
   * @throws {CancelledError} If the task is cancelled while it waits.
   */
  get(): Awaitable<T> {
    if (this._queue.length > 0) return ready(this.#take());
    return new CoroutineAwaitable(this.#getSlow());
  }

  *#getSlow(): Coroutine<T> {
    while (this._queue.length === 0) {
      if (this.#shutdown) throw new QueueShutDown();
      this.#loop = boundLoop(this.#loop, this);
      const getter = this.#getters.park(this.#loop);
      try {
        yield* getter;
      } catch (e) {
        getter.cancel();
        this.#getters.remove(getter);
        // Woken by a put, but not taking the item: wake the next getter.
        if (this._queue.length > 0 && !getter.cancelled()) {
          this.#getters.shiftWake(null);
        }
        throw e;
      }
    }
    return this.#take();
  }

  /**
   * Removes and returns the next item without waiting.
   *
   * @returns The item.
   * @throws {QueueShutDown} If the queue is empty and shut down.
   * @throws {QueueEmpty} If the queue is empty.
   */
  getNowait(): T {
    if (this._queue.length === 0) {
      if (this.#shutdown) throw new QueueShutDown();
      throw new QueueEmpty();
    }
    return this.#take();
  }

  #take(): T {
    const item = this._get();
    if (this.#putters.size > 0) this.#putters.shiftWake(null);
    return item;
  }

  // ---- tasks ----

  /**
   * Marks one item taken with `get()` as processed; `join()` returns once
   * every item put has been marked.
   *
   * @throws {RangeError} If called more times than items were put.
   */
  taskDone(): void {
    if (this.#unfinished <= 0) {
      throw new RangeError("taskDone() called too many times");
    }
    this.#unfinished--;
    if (this.#unfinished === 0) this.#finished.set();
  }

  /**
   * Waits until every item put into the queue has been processed (a
   * `taskDone()` call for each).
   *
   * @throws {CancelledError} If the task is cancelled while it waits.
   */
  join(): Awaitable<void> {
    if (this.#unfinished === 0) return DONE;
    return new CoroutineAwaitable(this.#join());
  }

  *#join(): Coroutine<void> {
    if (this.#unfinished > 0) yield* this.#finished.wait();
  }

  /**
   * Shuts the queue down (CPython 3.13): `put()` and `putNowait()` throw
   * `QueueShutDown` from now on, and so do `get()` and `getNowait()` once
   * the queue is empty; tasks blocked in `put()` or `get()` are woken to
   * throw it. With `immediate`, the items left are dropped (each counts as
   * done for `join()`), so gets throw at once.
   *
   * @param immediate Drop the items left (default false).
   */
  shutdown(immediate = false): void {
    this.#shutdown = true;
    if (immediate) {
      while (this._queue.length > 0) {
        this._get();
        if (this.#unfinished > 0) this.#unfinished--;
      }
      if (this.#unfinished === 0) this.#finished.set();
    }
    this.#getters.shiftWakeAll(null);
    this.#putters.shiftWakeAll(null);
  }

  /** A description such as `<Queue maxsize=2 qsize=1 getters[1] tasks=1>`. */
  toString(): string {
    let s = `maxsize=${this.#maxsize}`;
    if (this._queue.length > 0) s += ` qsize=${this._queue.length}`;
    if (this.#getters.size > 0) s += ` getters[${this.#getters.size}]`;
    if (this.#putters.size > 0) s += ` putters[${this.#putters.size}]`;
    if (this.#unfinished > 0) s += ` tasks=${this.#unfinished}`;
    if (this.#shutdown) s += " shutdown";
    return `<${this.constructor.name} ${s}>`;
  }
}

/** Options of `new PriorityQueue()`. */
export interface PriorityQueueOptions<T> {
  /**
   * Orders two items: negative if `a` comes first, positive if `b` does.
   * The default compares numbers, strings and bigints with `<`, and arrays
   * (Python's tuples, such as `[priority, data]`) element by element.
   */
  compare?: ((a: T, b: T) => number) | null;
}

/**
 * Python's ordering, for the default `compare`: numbers, strings and
 * bigints by `<`, arrays lexicographically.
 */
function pythonCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (a[i] === b[i]) continue;
      const c = pythonCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const ta = typeof a;
  if (
    ta === typeof b &&
    (ta === "number" || ta === "string" || ta === "bigint")
  ) {
    return (a as number) < (b as number)
      ? -1
      : (a as number) > (b as number)
      ? 1
      : 0;
  }
  throw new TypeError(
    `Cannot order ${describe(a)} and ${
      describe(b)
    } in a PriorityQueue: give a 'compare' option`,
  );
}

/**
 * A queue that gives the smallest item first: asyncio's `PriorityQueue`.
 * Items are typically `[priority, data]` arrays (Python's tuples), compared
 * element by element; pass `compare` to order other items.
 *
 * @typeParam T The type of the items.
 *
 * @example Lowest priority number first
 * ```ts
 * import { PriorityQueue } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([3, "low"]);
 * q.putNowait([1, "high"]);
 * q.putNowait([2, "mid"]);
 * assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [
 *   [1, "high"],
 *   [2, "mid"],
 *   [3, "low"],
 * ]);
 * ```
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  readonly #compare: (a: T, b: T) => number;

  /**
   * Creates a priority queue of at most `maxsize` items (0: unbounded).
   *
   * @param maxsize The capacity, or 0 for none.
   * @param options `compare`, to order items other than numbers, strings
   * and arrays of them.
   * @throws {TypeError} If `maxsize` is not a number.
   * @throws {RangeError} If `maxsize` is not an integer.
   */
  constructor(maxsize = 0, options?: PriorityQueueOptions<T>) {
    super(maxsize);
    this.#compare = options?.compare ?? pythonCompare;
  }

  /**
   * Storage hook: an array kept as a binary min-heap.
   *
   * @param _maxsize The queue's capacity.
   */
  protected override _init(_maxsize: number): void {
    this._queue = [] as T[];
  }

  /**
   * Storage hook: pushes `item` onto the heap.
   *
   * @param item The item to store.
   * @throws {TypeError} If the default order cannot compare the items.
   */
  protected override _put(item: T): void {
    const heap = this._queue as T[];
    const cmp = this.#compare;
    const n = heap.length;
    // Find the item's place first, so a failing compare changes nothing.
    let i = n;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (cmp(item, heap[parent]) >= 0) break;
      i = parent;
    }
    heap.push(item);
    for (let j = n; j > i;) {
      const parent = (j - 1) >> 1;
      heap[j] = heap[parent];
      j = parent;
    }
    heap[i] = item;
  }

  /**
   * Storage hook: pops the smallest item off the heap.
   *
   * @returns The smallest item.
   */
  protected override _get(): T {
    const heap = this._queue as T[];
    const cmp = this.#compare;
    const top = heap[0];
    const last = heap.pop() as T;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && cmp(heap[r], heap[l]) < 0 ? r : l;
        if (cmp(heap[c], last) >= 0) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

/**
 * A queue that gives the most recently added item first (a stack):
 * asyncio's `LifoQueue`.
 *
 * @typeParam T The type of the items.
 *
 * @example Last in, first out
 * ```ts
 * import { LifoQueue } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const q = new LifoQueue<number>();
 * for (const i of [1, 2, 3]) q.putNowait(i);
 * assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [3, 2, 1]);
 * ```
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  /**
   * Storage hook: an array used as a stack.
   *
   * @param _maxsize The queue's capacity.
   */
  protected override _init(_maxsize: number): void {
    this._queue = [] as T[];
  }

  /**
   * Storage hook: pushes `item`.
   *
   * @param item The item to store.
   */
  protected override _put(item: T): void {
    (this._queue as T[]).push(item);
  }

  /**
   * Storage hook: pops the newest item.
   *
   * @returns The newest item.
   */
  protected override _get(): T {
    return (this._queue as T[]).pop() as T;
  }
}
