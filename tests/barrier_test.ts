// Barrier: the behaviours of CPython's test_locks.py BarrierTests.
import assert from "node:assert/strict";
import {
  Barrier,
  BrokenBarrierError,
  CancelledError,
  type Coroutine,
  gather,
  sleep,
  type TestLoop,
  wait,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

const N = 5;

// Generator coroutines step exactly as asyncio's tasks do, and these
// tests depend on the order in which tasks leave the barrier.

function* settle(n = 10): Coroutine<void> {
  for (let i = 0; i < n; i++) yield;
}

/** Runs `n` tasks of `coro` and gathers their results. */
function* gatherTasks<T>(
  loop: TestLoop,
  n: number,
  coro: () => Coroutine<T>,
): Coroutine<T[]> {
  const tasks = Array.from({ length: n }, () => loop.createTask(coro));
  return yield* gather(...tasks);
}

Deno.test("new Barrier() needs an integer of parties >= 1", () => {
  assert.throws(() => new Barrier(0), {
    name: "RangeError",
    message:
      "Cannot create Barrier as 'parties' must be an integer >= 1: current value is 0",
  });
  assert.throws(() => new Barrier(-4), RangeError);
  assert.throws(() => new Barrier("3" as never), TypeError);
  const b = new Barrier(N);
  assert.equal(b.parties, N);
  assert.equal(b.nWaiting, 0);
  assert.equal(b.broken, false);
});

Deno.test("Barrier.toString() shows filling, draining, resetting and broken", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(N);
    assert.equal(String(barrier), `<Barrier [filling, waiters:0/${N}]>`);
    await loop.runUntilComplete(function* () {
      const waiters = [];
      const w = () =>
        loop.createTask(function* () {
          return yield* barrier.wait();
        });
      for (let i = 0; i < 2; i++) waiters.push(w());
      yield* settle();
      assert.equal(String(barrier), `<Barrier [filling, waiters:2/${N}]>`);
      for (let i = 0; i < N - 2; i++) waiters.push(w());
      yield;
      assert.match(String(barrier), /^<Barrier \[draining, waiters:0\/5\]>$/);
      for (let i = 0; i < 2; i++) waiters.push(w());
      yield* settle();
      yield* barrier.reset();
      assert.match(String(barrier), /resetting/);
      for (let i = 0; i < 2; i++) waiters.push(w());
      yield* settle();
      yield* barrier.abort();
      assert.equal(String(barrier), "<Barrier [broken]>");
      assert.ok(barrier.broken);
      yield* gather(...waiters, { returnExceptions: true });
    });
  });
});

Deno.test("Barrier.wait() releases the parties together, each with a distinct index", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(3);
    await loop.runUntilComplete(function* () {
      const results = yield* gatherTasks(loop, 3, function* () {
        return yield* barrier.wait();
      });
      assert.deepEqual(results.sort(), [0, 1, 2]);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });
});

Deno.test("Barrier(1).wait() returns at once, every time", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(1);
    await loop.runUntilComplete(function* () {
      assert.equal(yield* barrier.wait(), 0);
      const t1 = loop.createTask(function* () {
        return yield* barrier.wait();
      });
      yield* settle();
      assert.equal(barrier.nWaiting, 0);
      const t2 = loop.createTask(function* () {
        return yield* barrier.wait();
      });
      yield* settle();
      assert.equal(t1.result(), t2.result());
      assert.ok(!barrier.broken);
    });
  });
});

Deno.test("Barrier fills task by task", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(3);
    await loop.runUntilComplete(function* () {
      const t1 = loop.createTask(function* () {
        return yield* barrier.wait();
      });
      yield* settle();
      assert.equal(barrier.nWaiting, 1);
      const t2 = loop.createTask(function* () {
        return yield* barrier.wait();
      });
      yield* settle();
      assert.equal(barrier.nWaiting, 2);
      const t3 = loop.createTask(function* () {
        return yield* barrier.wait();
      });
      yield* wait([t1, t2, t3]);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });
});

Deno.test("Barrier can be passed twice in a row, with indices both times", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    await loop.runUntilComplete(function* () {
      const res = yield* gatherTasks(loop, N, function* () {
        yield* barrier.wait();
        results1.push(true);
        const i = yield* barrier.wait();
        results2.push(true);
        return i;
      });
      assert.equal(results1.length, N);
      assert.equal(results2.length, N);
      assert.deepEqual(res.sort(), [0, 1, 2, 3, 4]);
      assert.equal(barrier.nWaiting, 0);
    });
  });
});

Deno.test("Barrier drains: all but the last task out see it draining", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(N);
    const results: boolean[] = [];
    await loop.runUntilComplete(function* () {
      yield* gatherTasks(loop, N, function* () {
        yield* barrier.wait();
        results.push(String(barrier).includes("draining"));
      });
      assert.equal(results.length, N);
      assert.equal(results.at(-1), false);
      assert.ok(results.slice(0, N - 1).every((x) => x));
    });
  });
});

Deno.test("Barrier blocks new waiters while it drains", async () => {
  await withTestLoop(async (loop) => {
    const rewait = 2;
    const barrier = new Barrier(N);
    const barrierNowaiting = new Barrier(N - rewait);
    let rewaitN = rewait;
    await loop.runUntilComplete(function* () {
      yield* gatherTasks(loop, N, function* () {
        yield* barrier.wait();
        if (rewaitN > 0) {
          rewaitN--;
          yield* barrier.wait();
        } else {
          yield* barrierNowaiting.wait();
          yield* barrier.wait();
        }
      });
      assert.equal(barrier.nWaiting, 0);
    });
  });
});

Deno.test("Barrier: a waiting task cancelled leaves the barrier usable", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(3);
    const results: boolean[] = [];
    await loop.runUntilComplete(function* () {
      const coro = function* () {
        yield* barrier.wait();
        results.push(true);
      };
      const t1 = loop.createTask(coro);
      yield* settle();
      assert.equal(barrier.nWaiting, 1);
      const t2 = loop.createTask(coro);
      yield* settle();
      assert.equal(barrier.nWaiting, 2);
      t1.cancel();
      yield* settle();
      assert.equal(barrier.nWaiting, 1);
      try {
        yield* t1;
        assert.fail("not cancelled");
      } catch (e) {
        assert.ok(e instanceof CancelledError);
      }
      const t3 = loop.createTask(coro);
      yield* settle();
      assert.equal(barrier.nWaiting, 2);
      const t4 = loop.createTask(coro);
      yield* gather(t2, t3, t4);
      assert.equal(results.length, 3);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });
});

Deno.test("Barrier.reset() with nobody waiting leaves it filling", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(1);
    await loop.runUntilComplete(function* () {
      loop.createTask(function* () {
        yield* barrier.reset();
      });
      yield* settle();
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });
});

Deno.test("Barrier.reset() breaks the tasks that wait, then it fills again", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(N);
    const results: boolean[] = [];
    await loop.runUntilComplete(function* () {
      const tasks = Array.from(
        { length: N - 1 },
        () =>
          loop.createTask(function* () {
            try {
              yield* barrier.wait();
            } catch (e) {
              if (e instanceof BrokenBarrierError) results.push(true);
            }
          }),
      );
      yield* settle();
      loop.createTask(function* () {
        yield* barrier.reset();
      });
      yield* gather(...tasks);
      assert.equal(results.length, N - 1);
      assert.equal(barrier.nWaiting, 0);
      assert.doesNotMatch(String(barrier), /resetting/);
      assert.ok(!barrier.broken);
    });
  });
});

Deno.test("Barrier.reset() half-way: broken waiters wait again and pass", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const blocking = Math.floor(N / 2);
    let count = 0;
    await loop.runUntilComplete(function* () {
      yield* gatherTasks(loop, N, function* () {
        try {
          yield* barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          results1.push(true);
          yield* barrier.wait();
          return;
        }
        count++;
        if (count > blocking) {
          yield* barrier.reset();
          yield* barrier.wait();
        } else {
          try {
            yield* barrier.wait();
          } catch (e) {
            if (e instanceof BrokenBarrierError) results2.push(true);
          }
        }
      });
      assert.deepEqual(results1, Array(blocking).fill(true));
      assert.deepEqual(results2, []);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });
});

Deno.test("Barrier.reset() while tasks wait, then they wait again", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    await loop.runUntilComplete(function* () {
      const tasks = Array.from(
        { length: N - 1 },
        () =>
          loop.createTask(function* () {
            try {
              yield* barrier.wait();
            } catch (e) {
              if (e instanceof BrokenBarrierError) results1.push(true);
            }
            yield* barrier.wait();
            results2.push(true);
          }),
      );
      loop.createTask(function* () {
        yield* barrier.reset();
      });
      yield* settle();
      loop.createTask(function* () {
        yield* barrier.wait();
        results2.push(true);
      });
      yield* gather(...tasks);
      assert.ok(!barrier.broken);
      assert.equal(results1.length, N - 1);
      assert.equal(results2.length, N);
      assert.equal(barrier.nWaiting, 0);
    });
  });
});

Deno.test("Barrier.reset() while it drains lets the others through", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const results3: boolean[] = [];
    let count = 0;
    await loop.runUntilComplete(function* () {
      yield* gatherTasks(loop, N, function* () {
        yield* barrier.wait();
        count++;
        if (count === N) {
          yield* barrier.reset();
          yield* barrier.wait();
        } else {
          try {
            yield* barrier.wait();
            results1.push(true);
          } catch {
            results2.push(true);
          }
        }
        yield* barrier.wait();
        results3.push(true);
      });
      assert.ok(!barrier.broken);
      assert.equal(results1.length, N - 1);
      assert.equal(results2.length, 0);
      assert.equal(results3.length, N);
      assert.equal(barrier.nWaiting, 0);
    });
  });
});

Deno.test("Barrier.abort() breaks it for everyone, now and later", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(1);
    await loop.runUntilComplete(function* () {
      loop.createTask(function* () {
        yield* barrier.abort();
      });
      yield* settle();
      assert.equal(barrier.nWaiting, 0);
      assert.ok(barrier.broken);
      try {
        yield* barrier.wait();
        assert.fail("not broken");
      } catch (e) {
        assert.ok(e instanceof BrokenBarrierError);
        assert.equal(e.message, "Barrier aborted");
      }
    });
  });
});

Deno.test("Barrier.abort() half-way: drained and blocked tasks all get BrokenBarrierError", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const blocking = Math.floor(N / 2);
    let count = 0;
    await loop.runUntilComplete(function* () {
      yield* gatherTasks(loop, N, function* () {
        try {
          yield* barrier.wait();
        } catch (e) {
          if (e instanceof BrokenBarrierError) results1.push(true);
          return;
        }
        count++;
        if (count > blocking) {
          yield* barrier.abort();
        } else {
          try {
            yield* barrier.wait();
          } catch (e) {
            if (e instanceof BrokenBarrierError) results2.push(true);
          }
        }
      });
      assert.ok(barrier.broken);
      // Those still leaving the first wait, and those blocked in the second.
      assert.deepEqual(results1, Array(blocking).fill(true));
      assert.deepEqual(results2, Array(N - blocking - 1).fill(true));
      assert.equal(barrier.nWaiting, 0);
    });
  });
});

Deno.test("Barrier.abort() on an error, then reset(), lets everyone pass again", async () => {
  await withTestLoop(async (loop) => {
    const barrier1 = new Barrier(N);
    const barrier2 = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const results3: boolean[] = [];
    await loop.runUntilComplete(function* () {
      function* coro(): Coroutine<void> {
        try {
          const i = yield* barrier1.wait();
          if (i === Math.floor(N / 2)) throw new RangeError("boom");
          yield* barrier1.wait();
          results1.push(true);
        } catch (e) {
          if (e instanceof BrokenBarrierError) results2.push(true);
          else yield* barrier1.abort();
        }
        const i = yield* barrier2.wait();
        if (i === Math.floor(N / 2)) yield* barrier1.reset();
        yield* barrier2.wait();
        yield* barrier1.wait();
        results3.push(true);
      }
      const tasks = Array.from({ length: N }, () => loop.createTask(coro()));
      yield* gather(...tasks);
    });
    assert.ok(!barrier1.broken);
    assert.equal(results1.length, 0);
    assert.equal(results2.length, N - 1);
    assert.equal(results3.length, N);
    assert.equal(barrier1.nWaiting, 0);
  });
});

Deno.test("Barrier from async functions: wait, reset and abort", async () => {
  await withTestLoop(async (loop) => {
    const barrier = new Barrier(3);
    await loop.runUntilComplete(async () => {
      const tasks = [0, 1, 2].map(() =>
        loop.createTask(async () => await barrier.wait())
      );
      const indices = await gather(...tasks);
      assert.deepEqual([...indices].sort(), [0, 1, 2]);
      const broken = loop.createTask(async () => await barrier.wait());
      await sleep(1);
      assert.equal(barrier.nWaiting, 1);
      await barrier.reset();
      await assert.rejects(async () => await broken, BrokenBarrierError);
      assert.equal(barrier.nWaiting, 0);
      await barrier.abort();
      await assert.rejects(async () => await barrier.wait(), {
        name: "BrokenBarrierError",
      });
    });
  });
});
