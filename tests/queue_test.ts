// deno-lint-ignore-file require-await -- TaskGroup bodies that only start tasks
// Queue, PriorityQueue, LifoQueue: the behaviours of CPython's
// test_queues.py (3.13, with shutdown). Generator tasks step exactly as
// asyncio's tasks do, so the step-by-step tests use them.
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  Event,
  gather,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  sleep,
  TaskGroup,
  TimeoutError,
  waitFor,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

const kinds = [
  ["Queue", Queue],
  ["LifoQueue", LifoQueue],
  ["PriorityQueue", PriorityQueue],
] as const;

/** A task that waits in q.get(), as asyncio's `create_task(q.get())`. */
function getTask<T>(q: Queue<T>): () => Coroutine<T> {
  return function* () {
    return yield* q.get();
  };
}

/** A task that waits in q.put(item). */
function putTask<T>(q: Queue<T>, item: T): () => Coroutine<void> {
  return function* () {
    yield* q.put(item);
  };
}

Deno.test("new Queue() needs an integer maxsize", () => {
  assert.equal(new Queue().maxsize, 0);
  assert.equal(new Queue(2).maxsize, 2);
  assert.equal(new Queue(-1).full(), false);
  assert.throws(() => new Queue(1.3), {
    name: "RangeError",
    message:
      "Cannot create Queue as 'maxsize' must be an integer: current value is 1.3",
  });
  assert.throws(() => new PriorityQueue("2" as never), {
    name: "TypeError",
    message:
      "Cannot create PriorityQueue as 'maxsize' must be an integer: current value is \"2\"",
  });
});

Deno.test("Queue.toString() shows items, getters, putters, tasks and shutdown", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const q = new Queue<number>();
      assert.equal(String(q), "<Queue maxsize=0>");
      const getter = loop.createTask(getTask(q));
      yield;
      assert.equal(String(q), "<Queue maxsize=0 getters[1]>");
      q.putNowait(0);
      assert.equal(yield* getter, 0);
      assert.equal(String(q), "<Queue maxsize=0 tasks=1>");

      const q2 = new Queue<number>(1);
      q2.putNowait(1);
      const putter = loop.createTask(putTask(q2, 2));
      yield;
      assert.equal(String(q2), "<Queue maxsize=1 qsize=1 putters[1] tasks=1>");
      q2.getNowait();
      yield* putter;
      q2.shutdown();
      assert.equal(String(q2), "<Queue maxsize=1 qsize=1 tasks=2 shutdown>");
      assert.equal(String(new LifoQueue()), "<LifoQueue maxsize=0>");
    });
  });
});

Deno.test("Queue.empty(), full() and qsize() follow puts and gets", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>();
      assert.ok(q.empty());
      await q.put(1);
      assert.ok(!q.empty());
      assert.equal(q.qsize(), 1);
      assert.equal(await q.get(), 1);
      assert.ok(q.empty());
      assert.ok(!q.full());
      const q1 = new Queue<number>(1);
      await q1.put(1);
      assert.ok(q1.full());
    });
  });
});

Deno.test("Queue gives items in FIFO order, LifoQueue in LIFO, PriorityQueue smallest first", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const expected = {
        Queue: [1, 3, 2],
        LifoQueue: [2, 3, 1],
        PriorityQueue: [1, 2, 3],
      };
      for (const [name, Q] of kinds) {
        const q = new Q<number>();
        for (const i of [1, 3, 2]) await q.put(i);
        const items = [await q.get(), await q.get(), await q.get()];
        assert.deepEqual(items, expected[name], name);
      }
    });
  });
});

Deno.test("PriorityQueue orders arrays element by element, or with a compare option", () => {
  const q = new PriorityQueue<[number, string]>();
  for (const item of [[2, "b"], [1, "z"], [2, "a"], [0, "x"]] as const) {
    q.putNowait([...item]);
  }
  const out = [];
  while (!q.empty()) out.push(q.getNowait());
  assert.deepEqual(out, [[0, "x"], [1, "z"], [2, "a"], [2, "b"]]);

  const byLength = new PriorityQueue<string>(0, {
    compare: (a, b) => a.length - b.length,
  });
  for (const s of ["ccc", "a", "bb"]) byLength.putNowait(s);
  assert.deepEqual(
    [byLength.getNowait(), byLength.getNowait(), byLength.getNowait()],
    ["a", "bb", "ccc"],
  );

  const mixed = new PriorityQueue<unknown>();
  mixed.putNowait(1);
  assert.throws(() => mixed.putNowait("x"), TypeError);
  assert.equal(mixed.qsize(), 1);
  const heap = new PriorityQueue<number>();
  const values = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
  for (const v of values) heap.putNowait(v);
  const sorted = [];
  while (!heap.empty()) sorted.push(heap.getNowait());
  assert.deepEqual(sorted, [...values].sort((a, b) => a - b));
});

Deno.test("Queue.put() blocks at maxsize until a get() makes room", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const q = new Queue<number>(2);
      assert.equal(q.maxsize, 2);
      const haveBeenPut: number[] = [];
      const t = loop.createTask(function* () {
        for (let i = 0; i < 3; i++) {
          yield* q.put(i);
          haveBeenPut.push(i);
        }
        return true;
      });
      yield;
      yield;
      assert.deepEqual(haveBeenPut, [0, 1]);
      assert.equal(yield* q.get(), 0);
      yield;
      assert.deepEqual(haveBeenPut, [0, 1, 2]);
      assert.equal(yield* q.get(), 1);
      assert.equal(yield* q.get(), 2);
      assert.equal(t.result(), true);
    });
  });
});

Deno.test("Queue.get() waits for an item; getNowait() throws QueueEmpty", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      assert.equal(await q.get(), 1);
      const started = new Event();
      let finished = false;
      const t = loop.createTask(async () => {
        started.set();
        const res = await q.get();
        finished = true;
        return res;
      });
      await started.wait();
      assert.ok(!finished);
      loop.callLater(0.01, () => q.putNowait(1));
      assert.equal(await t, 1);
      assert.ok(finished);
      assert.equal(loop.time(), 0.01);
      assert.throws(() => q.getNowait(), QueueEmpty);
    });
  });
});

Deno.test("Queue.get() wakes a waiting putter", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const q = new Queue<string>(1);
      const a = loop.createTask(putTask(q, "a"));
      const b = loop.createTask(putTask(q, "b"));
      assert.equal(yield* q.get(), "a");
      assert.equal(yield* q.get(), "b");
      yield* gather(a, b);
    });
  });
});

Deno.test("Queue.get() cancelled while another waits: the other gets the item", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const q = new Queue<string>();
      const t1 = loop.createTask(getTask(q));
      const t2 = loop.createTask(getTask(q));
      yield;
      t1.cancel();
      yield;
      assert.ok(t1.done());
      yield* q.put("a");
      yield;
      assert.equal(yield* t2, "a");
    });
  });
});

Deno.test("Queue: producer and consumer through Queue(1) in a TaskGroup", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>(1);
      const got: number[] = [];
      await TaskGroup.run(async (tg) => {
        tg.createTask(async () => {
          for (let i = 0; i < 5; i++) await q.put(i);
        });
        tg.createTask(async () => {
          for (let i = 0; i < 5; i++) got.push(await q.get());
        });
      });
      assert.deepEqual(got, [0, 1, 2, 3, 4]);
    });
  });
});

Deno.test("Queue.get() under waitFor() timing out leaves no getter behind", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>(5);
      await assert.rejects(
        async () => await waitFor(q.get(), 0.1),
        TimeoutError,
      );
      assert.equal(String(q), "<Queue maxsize=5>");
      assert.equal(loop.time(), 0.1);
    });
  });
});

Deno.test("Queue.put() without maxsize never blocks; putNowait() throws QueueFull when full", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>();
      await q.put(1);
      assert.equal(await q.get(), 1);
      const q1 = new Queue<number>(1);
      q1.putNowait(1);
      assert.throws(() => q1.putNowait(2), QueueFull);
    });
  });
});

Deno.test("Queue.put() waits for room", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>(1);
      const started = new Event();
      let finished = false;
      loop.callLater(0.01, () => q.getNowait());
      const t = loop.createTask(async () => {
        started.set();
        await q.put(1);
        await q.put(2);
        finished = true;
      });
      await started.wait();
      assert.ok(!finished);
      await t;
      assert.ok(finished);
    });
  });
});

Deno.test("Queue.get() cancelled after items arrived does not drop one", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const q = new Queue<number>();
      let reader = loop.createTask(getTask(q));
      yield;
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        yield* reader;
      } catch (e) {
        assert.ok(e instanceof CancelledError);
        reader = loop.createTask(getTask(q));
        yield* reader;
      }
      assert.equal(reader.result(), 1);
    });
  });
});

Deno.test("Queue.get(): one reader of many cancelled, the others get the items", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>();
      let r2 = null;
      let r3 = null;
      await TaskGroup.run(async (tg) => {
        const r1 = tg.createTask(getTask(q));
        r2 = tg.createTask(getTask(q));
        r3 = tg.createTask(getTask(q));
        await sleep(0);
        q.putNowait(1);
        q.putNowait(2);
        r1.cancel();
        await assert.rejects(async () => await r1, CancelledError);
        await r3;
      });
      const results = new Set([r2!.result(), r3!.result()]);
      assert.deepEqual(results, new Set([1, 2]));
    });
  });
});

Deno.test("Queue.put() cancelled after room appeared: a retry puts the item once", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      let writer = loop.createTask(putTask(q, 2));
      yield;
      assert.equal(q.getNowait(), 1);
      writer.cancel();
      try {
        yield* writer;
      } catch (e) {
        assert.ok(e instanceof CancelledError);
        writer = loop.createTask(putTask(q, 2));
        yield* writer;
      }
      assert.equal(q.getNowait(), 2);
      assert.equal(q.qsize(), 0);
    });
  });
});

Deno.test("Queue.put() cancelled among waiting putters keeps the others in order", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const q = new Queue<string>(1);
      const putA = loop.createTask(putTask(q, "a"));
      const putB = loop.createTask(putTask(q, "b"));
      const putC = loop.createTask(putTask(q, "X"));
      yield;
      assert.ok(putA.done());
      assert.ok(!putB.done());
      putC.cancel();
      yield;
      assert.ok(putC.done());
      assert.equal(q.getNowait(), "a");
      yield;
      assert.equal(q.getNowait(), "b");
      yield* putB;
    });
  });
});

Deno.test("Queue.put() wakes a waiting getter", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<string>();
      const t = loop.createTask(getTask(q));
      await sleep(0);
      await q.put("a");
      assert.equal(await t, "a");
    });
  });
});

Deno.test("Queue: putters wait while a getter drains in bulk", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>(2);
      await TaskGroup.run(async (tg) => {
        tg.createTask(async () => {
          await sleep(0);
          const n = q.qsize();
          for (let i = 0; i < n; i++) q.getNowait();
        });
        for (const i of [0, 1, 2, 3]) tg.createTask(() => q.put(i));
      });
      assert.equal(q.qsize(), 2);
    });
  });
});

Deno.test("Queue.put() cancelled leaves no putter behind, even if a get already woke it", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putTask1 = loop.createTask(putTask(q, 1));
      yield;
      assert.match(String(q), /putters\[1\]/);
      putTask1.cancel();
      try {
        yield* putTask1;
        assert.fail("not cancelled");
      } catch (e) {
        assert.ok(e instanceof CancelledError);
      }
      assert.doesNotMatch(String(q), /putters/);

      const putTask2 = loop.createTask(putTask(q, 1));
      yield;
      q.getNowait(); // takes the putter out of the queue and wakes it
      putTask2.cancel();
      try {
        yield* putTask2;
        assert.fail("not cancelled");
      } catch (e) {
        assert.ok(e instanceof CancelledError);
      }
      assert.equal(String(q), "<Queue maxsize=1 tasks=1>");
    });
  });
});

Deno.test("Queue.taskDone() called too many times is a RangeError", () => {
  for (const [name, Q] of kinds) {
    const q = new Q();
    assert.throws(() => q.taskDone(), {
      name: "RangeError",
      message: "taskDone() called too many times",
    }, name);
  }
});

Deno.test("Queue.join() returns once every item is marked done", async () => {
  await withTestLoop(async (loop) => {
    for (const [name, Q] of kinds) {
      await loop.runUntilComplete(async () => {
        const q = new Q<number>();
        for (let i = 0; i < 100; i++) q.putNowait(i);
        let accumulator = 0;
        let running = true;
        await TaskGroup.run(async (tg) => {
          const worker = async () => {
            while (running) {
              const item = await q.get();
              accumulator += item;
              q.taskDone();
            }
          };
          const workers = [tg.createTask(worker), tg.createTask(worker)];
          await q.join();
          assert.equal(accumulator, 4950, name);
          running = false;
          for (let i = 0; i < workers.length; i++) q.putNowait(0);
        });
      });
    }
  });
});

Deno.test("Queue.join() on an empty queue returns at once, in both kinds", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue();
      await q.join();
      await q.join();
    });
    await loop.runUntilComplete(function* () {
      const q = new PriorityQueue();
      yield* q.join();
      yield* q.join();
    });
  });
});

/** Asserts that an awaitable or a call throws QueueShutDown. */
function* assertShutDown(
  what: () => Iterable<unknown> | unknown,
): Coroutine<void> {
  try {
    const r = what();
    if (r !== null && typeof r === "object" && Symbol.iterator in r) {
      yield* r as Iterable<unknown>;
    }
  } catch (e) {
    assert.ok(e instanceof QueueShutDown, `got ${e}`);
    return;
  }
  assert.fail("Didn't appear to shut-down queue");
}

Deno.test("Queue.shutdown() of an empty queue wakes getters with QueueShutDown", async () => {
  await withTestLoop(async (loop) => {
    for (const [name, Q] of kinds) {
      await loop.runUntilComplete(function* () {
        const q = new Q<string>();
        const getTask1 = loop.createTask(getTask(q));
        yield;
        q.shutdown(false);
        assert.equal(q.qsize(), 0, name);
        yield* q.join();
        yield;
        assert.ok(getTask1.done(), name);
        yield* assertShutDown(() => getTask1);
        yield* assertShutDown(() => q.put("data"));
        yield* assertShutDown(() => q.putNowait("data"));
        yield* assertShutDown(() => q.get());
        yield* assertShutDown(() => q.getNowait());
      });
    }
  });
});

Deno.test("Queue.shutdown() of a non-empty queue: items can still be got, putters fail", async () => {
  await withTestLoop(async (loop) => {
    for (const [name, Q] of kinds) {
      await loop.runUntilComplete(function* () {
        const q = new Q<string>(1);
        q.putNowait("data");
        const joinTask = loop.createTask(function* () {
          yield* q.join();
        });
        const putTask1 = loop.createTask(putTask(q, "data2"));
        yield;
        assert.ok(!putTask1.done(), name);
        q.shutdown(false);
        assert.equal(q.qsize(), 1);
        yield;
        assert.ok(putTask1.done(), name);
        yield* assertShutDown(() => putTask1);
        assert.equal(yield* q.get(), "data");
        yield;
        assert.ok(!joinTask.done(), name);
        yield* assertShutDown(() => q.put("data"));
        yield* assertShutDown(() => q.putNowait("data"));
        yield* assertShutDown(() => q.get());
        yield* assertShutDown(() => q.getNowait());
        q.taskDone();
        yield;
        assert.ok(joinTask.done(), name);
        yield* joinTask;
        assert.throws(() => q.taskDone(), RangeError);
      });
    }
  });
});

Deno.test("Queue.shutdown(true) drops the items and counts them done", async () => {
  await withTestLoop(async (loop) => {
    for (const [name, Q] of kinds) {
      await loop.runUntilComplete(function* () {
        const q = new Q<string>();
        q.putNowait("data");
        const joinTask = loop.createTask(function* () {
          yield* q.join();
        });
        q.shutdown(true);
        assert.equal(q.qsize(), 0, name);
        yield;
        assert.ok(joinTask.done(), name);
        yield* joinTask;
        yield* assertShutDown(() => q.put("data"));
        yield* assertShutDown(() => q.get());
        yield* assertShutDown(() => q.getNowait());
        assert.throws(() => q.taskDone(), RangeError);
      });
    }
  });
});

Deno.test("Queue.shutdown(true) with an item still being processed: join() waits for it", async () => {
  await withTestLoop(async (loop) => {
    for (const [name, Q] of kinds) {
      await loop.runUntilComplete(function* () {
        const q = new Q<string>();
        q.putNowait("data");
        q.putNowait("data");
        const joinTask = loop.createTask(function* () {
          yield* q.join();
        });
        assert.equal(yield* q.get(), "data");
        q.shutdown(true);
        assert.equal(q.qsize(), 0, name);
        yield;
        assert.ok(!joinTask.done(), name);
        yield* assertShutDown(() => q.put("data"));
        yield* assertShutDown(() => q.get());
        q.taskDone();
        assert.throws(() => q.taskDone(), RangeError);
        yield;
        assert.ok(joinTask.done(), name);
        yield* joinTask;
      });
    }
  });
});

Deno.test("Queue.put() on a shut-down queue rejects only when awaited", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>();
      q.shutdown();
      const p = q.put(1); // never awaited: no unhandled rejection
      assert.ok(p);
      await assert.rejects(async () => await q.put(2), QueueShutDown);
    });
  });
});

Deno.test("Queue: a worker pool drains a queue with many items, fast path and slow path", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>(3);
      let total = 0;
      const workers = [0, 1, 2].map(() =>
        loop.createTask(async () => {
          try {
            for (;;) {
              const item = await q.get(); // not `total += await`: it reads total first
              total += item;
              q.taskDone();
            }
          } catch (e) {
            assert.ok(e instanceof QueueShutDown);
          }
        })
      );
      for (let i = 1; i <= 1000; i++) {
        await q.put(i);
        if (i % 97 === 0) await sleep(0.001);
      }
      await q.join();
      q.shutdown();
      await gather(...workers);
      assert.equal(total, 500500);
    });
  });
});
