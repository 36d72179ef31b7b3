// deno-lint-ignore-file require-await -- benchmark coroutines that never suspend
/**
 * Toolkit benchmarks: queues, locks and gather, each beside a native
 * reference built on Promises.
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import type { BenchCase } from "./_harness.ts";

/** Runs `body` on a fresh loop and closes it. */
async function onLoop(
  body: (loop: asyncio.AbstractEventLoop) => Promise<void>,
): Promise<void> {
  const loop = asyncio.newEventLoop();
  try {
    await loop.runUntilComplete(() => body(loop));
  } finally {
    loop.close();
  }
}

/**
 * The native reference for queues: an array-backed async channel on
 * Promises (a ring of items, a FIFO of waiting getters and putters).
 */
class Channel<T> {
  #items: T[] = [];
  #head = 0;
  #getters: ((item: T) => void)[] = [];
  #putters: (() => void)[] = [];
  readonly #capacity: number;

  constructor(capacity = Infinity) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  put(item: T): Promise<void> {
    if (this.#getters.length > 0) {
      (this.#getters.shift() as (item: T) => void)(item);
      return Promise.resolve();
    }
    if (this.size < this.#capacity) {
      this.#items.push(item);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.#putters.push(resolve)).then(
      () => this.put(item),
    );
  }

  get(): Promise<T> {
    if (this.size > 0) {
      const item = this.#items[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (this.#putters.length > 0) (this.#putters.shift() as () => void)();
      return Promise.resolve(item);
    }
    return new Promise<T>((resolve) => this.#getters.push(resolve));
  }
}

/** The native reference for locks: a Promise-based mutex. */
class Mutex {
  #locked = false;
  #waiters: (() => void)[] = [];
  readonly #release = () => {
    const next = this.#waiters.shift();
    if (next !== undefined) next();
    else this.#locked = false;
  };

  lock(): Promise<() => void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(this.#release);
    }
    return new Promise((resolve) =>
      this.#waiters.push(() => resolve(this.#release))
    );
  }
}

/** The toolkit cases. */
export const toolkitCases: BenchCase[] = [
  {
    name: "Queue put/get, 1M items between two tasks",
    target: { vs: "cpython", ratio: 5 },
    reference: "array-backed async channel on Promises",
    cpython: "queue_put_get",
    ops: 1_000_000,
    ours: (n) =>
      onLoop(async (loop) => {
        const q = new asyncio.Queue<number>();
        const producer = loop.createTask(async () => {
          for (let i = 0; i < n; i++) {
            q.putNowait(i);
            if (i % 64 === 0) await asyncio.sleep(0);
          }
        });
        const consumer = loop.createTask(async () => {
          for (let i = 0; i < n; i++) await q.get();
        });
        await asyncio.gather(producer, consumer);
      }),
    native: async (n) => {
      const ch = new Channel<number>();
      const producer = (async () => {
        for (let i = 0; i < n; i++) {
          ch.put(i);
          if (i % 64 === 0) await null;
        }
      })();
      const consumer = (async () => {
        for (let i = 0; i < n; i++) await ch.get();
      })();
      await Promise.all([producer, consumer]);
    },
  },
  {
    name: "Queue(1) hand-off between two tasks",
    target: { vs: "cpython", ratio: 10 },
    reference: "async channel of capacity 1 on Promises",
    cpython: "queue_handoff",
    ops: 200_000,
    ours: (n) =>
      onLoop(async (loop) => {
        const q = new asyncio.Queue<number>(1);
        const producer = loop.createTask(async () => {
          for (let i = 0; i < n; i++) await q.put(i);
        });
        const consumer = loop.createTask(async () => {
          for (let i = 0; i < n; i++) await q.get();
        });
        await asyncio.gather(producer, consumer);
      }),
    native: async (n) => {
      const ch = new Channel<number>(1);
      const producer = (async () => {
        for (let i = 0; i < n; i++) await ch.put(i);
      })();
      const consumer = (async () => {
        for (let i = 0; i < n; i++) await ch.get();
      })();
      await Promise.all([producer, consumer]);
    },
  },
  {
    name: "Lock acquire/release, uncontended, 1M times",
    target: { vs: "cpython", ratio: 5 },
    reference: "Promise-based mutex",
    cpython: "lock_uncontended",
    ops: 1_000_000,
    ours: (n) =>
      onLoop(async () => {
        const lock = new asyncio.Lock();
        for (let i = 0; i < n; i++) {
          await lock.acquire();
          try {
            // the critical section
          } finally {
            lock.release();
          }
        }
      }),
    native: async (n) => {
      const mutex = new Mutex();
      for (let i = 0; i < n; i++) {
        const release = await mutex.lock();
        try {
          // the critical section
        } finally {
          release();
        }
      }
    },
  },
  {
    // `using` itself costs about 0.1 µs in V8 today, sync or async.
    name: "Lock via `using _ = await lock.acquire()`, 1M times",
    reference: "Promise-based mutex",
    cpython: "lock_uncontended",
    ops: 1_000_000,
    ours: (n) =>
      onLoop(async () => {
        const lock = new asyncio.Lock();
        for (let i = 0; i < n; i++) {
          using _ = await lock.acquire();
        }
      }),
    native: async (n) => {
      const mutex = new Mutex();
      for (let i = 0; i < n; i++) {
        const release = await mutex.lock();
        try {
          // the critical section
        } finally {
          release();
        }
      }
    },
  },
  {
    name: "gather() of 100k tasks",
    target: { vs: "cpython", ratio: 10 },
    reference: "Promise.all of 100k async calls",
    cpython: "tasks_gather",
    ops: 100_000,
    ours: (n) =>
      onLoop(async (loop) => {
        const tasks: asyncio.Task<number>[] = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = loop.createTask(async () => i);
        await asyncio.gather(...tasks);
      }),
    native: async (n) => {
      const ps: Promise<number>[] = new Array(n);
      for (let i = 0; i < n; i++) ps[i] = (async () => i)();
      await Promise.all(ps);
    },
  },
];
