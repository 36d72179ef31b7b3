// deno-lint-ignore-file require-await -- tests build coroutines that never suspend
// Semaphore and BoundedSemaphore: the behaviours of CPython's
// test_locks.py SemaphoreTests.
import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  CancelledError,
  type Coroutine,
  gather,
  Semaphore,
  sleep,
  type Task,
  TaskGroup,
  waitFor,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

async function settle(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await sleep(0);
}

Deno.test("Semaphore(0) is locked; new Semaphore(-1) is a RangeError", () => {
  assert.ok(new Semaphore(0).locked());
  assert.ok(!new Semaphore().locked());
  assert.throws(() => new Semaphore(-1), {
    name: "RangeError",
    message:
      "Cannot create Semaphore as 'value' must be an integer >= 0: current value is -1",
  });
  assert.throws(() => new BoundedSemaphore(1.5), RangeError);
  assert.throws(() => new Semaphore("2" as never), TypeError);
});

Deno.test("Semaphore.toString() shows the value and the waiters", async () => {
  await withTestLoop(async (loop) => {
    const sem = new Semaphore();
    assert.equal(String(sem), "<Semaphore [unlocked, value:1]>");
    await loop.runUntilComplete(async () => {
      await sem.acquire();
      assert.equal(String(sem), "<Semaphore [locked]>");
      const t = loop.createTask(async () => await sem.acquire());
      await settle(3);
      assert.equal(String(sem), "<Semaphore [locked, waiters:1]>");
      sem.release();
      await t;
      assert.equal(
        String(new BoundedSemaphore(2)),
        "<BoundedSemaphore [unlocked, value:2]>",
      );
    });
  });
});

Deno.test("Semaphore.acquire() takes permits, then queues the tasks in FIFO order", async () => {
  await withTestLoop(async (loop) => {
    const sem = new Semaphore(3);
    const result: number[] = [];
    await loop.runUntilComplete(function* () {
      assert.ok(yield* sem.acquire());
      assert.ok(yield* sem.acquire());
      assert.ok(!sem.locked());
      function* c(n: number): Coroutine<boolean> {
        yield* sem.acquire();
        result.push(n);
        return true;
      }
      const t1 = loop.createTask(c(1));
      const t2 = loop.createTask(c(2));
      const t3 = loop.createTask(c(3));
      yield;
      assert.deepEqual(result, [1]);
      assert.ok(sem.locked());
      assert.match(String(sem), /waiters:2/);
      const t4 = loop.createTask(c(4));
      sem.release();
      sem.release();
      yield;
      assert.equal(result.length, 3);
      assert.ok(sem.locked());
      assert.match(String(sem), /waiters:1/);
      assert.ok(t1.done());
      assert.equal([t2, t3, t4].filter((t) => t.done()).length, 2);
      sem.release();
      yield* gather(t2, t3, t4);
    });
  });
});

Deno.test("Semaphore.acquire() cancelled leaves no pending waiter", async () => {
  await withTestLoop(async (loop) => {
    const sem = new Semaphore();
    await loop.runUntilComplete(async () => {
      await sem.acquire();
      const acquire = loop.createTask(async () => await sem.acquire());
      loop.callSoon(() => acquire.cancel());
      await assert.rejects(async () => await acquire, CancelledError);
      assert.equal(String(sem), "<Semaphore [locked]>");
    });
  });
});

Deno.test("Semaphore: waiters cancelled before they are woken do not take the permit", async () => {
  await withTestLoop(async (loop) => {
    const sem = new Semaphore(0);
    await loop.runUntilComplete(function* () {
      const ts = [0, 1, 2, 3].map(() =>
        loop.createTask(function* () {
          yield* sem.acquire();
        })
      );
      yield;
      ts[0].cancel();
      ts[1].cancel();
      sem.release();
      yield;
      yield;
      assert.ok(ts[2].done());
      assert.ok(!ts[3].done());
      ts[2].cancel();
      ts[3].cancel();
      yield;
    });
  });
});

Deno.test("Semaphore: a waiter cancelled after it was woken gives the permit on (no hang)", async () => {
  await withTestLoop(async (loop) => {
    const sem = new Semaphore(0);
    await loop.runUntilComplete(async () => {
      const t1 = loop.createTask(async () => await sem.acquire());
      const t2 = loop.createTask(async () => await sem.acquire());
      await settle(3);
      t1.cancel();
      sem.release();
      await settle();
      assert.ok(sem.locked());
      assert.ok(t2.done());
      assert.ok(t1.cancelled());
    });
    const sem2 = new Semaphore(1);
    await loop.runUntilComplete(async () => {
      const tasks: Task<void>[] = [];
      const t1 = loop.createTask(async () => {
        {
          using _ = await sem2.acquire();
          await sleep(0);
        }
        tasks[0].cancel();
      });
      const t2 = loop.createTask(async () => {
        using _ = await sem2.acquire();
        assert.fail("never here");
      });
      tasks.push(t2);
      const [r1, r2] = await gather(t1, t2, { returnExceptions: true });
      assert.equal(r1, undefined);
      assert.ok(r2 instanceof CancelledError);
      await waitFor(sem2.acquire(), 1);
    });
  });
});

Deno.test("BoundedSemaphore.release() past the initial value is a RangeError", async () => {
  const sem = new BoundedSemaphore();
  assert.throws(() => sem.release(), {
    name: "RangeError",
    message: "BoundedSemaphore released too many times",
  });
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      {
        using _ = await sem.acquire();
        assert.ok(sem.locked());
      }
      assert.ok(!sem.locked());
      assert.throws(() => sem.release(), RangeError);
    });
  });
});

Deno.test("Semaphore.release() with no waiters unlocks", async () => {
  await withTestLoop(async (loop) => {
    const sem = new Semaphore();
    await loop.runUntilComplete(async () => {
      await sem.acquire();
      assert.ok(sem.locked());
      sem.release();
      assert.ok(!sem.locked());
    });
  });
});

Deno.test("Semaphore.acquire() keeps FIFO order across releases and re-acquires", async () => {
  await withTestLoop(async (loop) => {
    const sem = new Semaphore(1);
    const result: string[] = [];
    await loop.runUntilComplete(async () => {
      const coro = (tag: string) => async () => {
        await sem.acquire();
        result.push(`${tag}_1`);
        await sleep(0.01);
        sem.release();
        await sem.acquire();
        result.push(`${tag}_2`);
        await sleep(0.01);
        sem.release();
      };
      await TaskGroup.run(async (tg) => {
        for (const tag of ["c1", "c2", "c3"]) tg.createTask(coro(tag));
      });
      assert.deepEqual(result, [
        "c1_1",
        "c2_1",
        "c3_1",
        "c1_2",
        "c2_2",
        "c3_2",
      ]);
    });
  });
});

Deno.test("Semaphore: FIFO order survives a waiter that releases and re-acquires (generator coroutines)", async () => {
  await withTestLoop(async (loop) => {
    const sem = new Semaphore(1);
    const result: number[] = [];
    await loop.runUntilComplete(function* () {
      const t1 = loop.createTask(function* () {
        yield* sem.acquire();
        result.push(1);
      });
      const t2 = loop.createTask(function* () {
        yield* sem.acquire();
        result.push(2);
        sem.release();
        yield* sem.acquire();
        result.push(4);
      });
      const t3 = loop.createTask(function* () {
        yield* sem.acquire();
        result.push(3);
      });
      yield;
      sem.release();
      sem.release();
      yield* gather(t1, t2, t3);
      assert.deepEqual(result, [1, 2, 3, 4]);
    });
  });
});

Deno.test("Semaphore: a waiter cancelled early is skipped, in order", async () => {
  await withTestLoop(async (loop) => {
    const sem = new Semaphore(0);
    const result: number[] = [];
    await loop.runUntilComplete(async () => {
      const c = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
      };
      const tasks = [1, 2, 3].map((n) => loop.createTask(c(n)));
      await settle(3);
      tasks[0].cancel();
      await settle(3);
      sem.release();
      sem.release();
      await gather(...tasks, { returnExceptions: true });
      assert.deepEqual(result, [2, 3]);
    });
  });
});

Deno.test("Semaphore limits concurrency, in generator coroutines too", async () => {
  await withTestLoop(async (loop) => {
    const sem = new BoundedSemaphore(2);
    let inside = 0;
    let most = 0;
    await loop.runUntilComplete(function* () {
      const tasks = [1, 2, 3, 4, 5].map((n) =>
        loop.createTask(function* () {
          using _ = yield* sem.acquire();
          most = Math.max(most, ++inside);
          yield* sleep(n);
          inside--;
        })
      );
      for (const t of tasks) yield* t;
    });
    assert.equal(most, 2);
    assert.equal(inside, 0);
    assert.ok(!sem.locked());
  });
});
