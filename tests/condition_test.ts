// Condition: the behaviours of CPython's test_locks.py ConditionTests.
import assert from "node:assert/strict";
import {
  CancelledError,
  Condition,
  type Coroutine,
  Lock,
  newEventLoop,
  sleep,
  timeout,
  TimeoutError,
  waitFor,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

async function settle(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await sleep(0);
}

Deno.test("Condition.wait() releases the lock, and takes it back when notified (step by step)", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    const result: number[] = [];
    await loop.runUntilComplete(function* () {
      function* c(n: number): Coroutine<boolean> {
        yield* cond.acquire();
        if (yield* cond.wait()) result.push(n);
        return true;
      }
      const t1 = loop.createTask(c(1));
      const t2 = loop.createTask(c(2));
      const t3 = loop.createTask(c(3));
      yield;
      assert.deepEqual(result, []);
      assert.ok(!cond.locked());

      assert.ok(yield* cond.acquire());
      cond.notify();
      yield;
      assert.deepEqual(result, []);
      assert.ok(cond.locked());

      cond.release();
      yield;
      assert.deepEqual(result, [1]);
      assert.ok(cond.locked());

      cond.notify(2);
      yield;
      assert.deepEqual(result, [1]);
      assert.ok(cond.locked());

      cond.release();
      yield;
      assert.deepEqual(result, [1, 2]);
      assert.ok(cond.locked());

      cond.release();
      yield;
      assert.deepEqual(result, [1, 2, 3]);
      assert.ok(cond.locked());
      for (const t of [t1, t2, t3]) assert.equal(t.result(), true);
      cond.release();
    });
  });
});

Deno.test("Condition.wait() cancelled takes the lock back before it throws", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    await loop.runUntilComplete(async () => {
      await cond.acquire();
      const wait = loop.createTask(async () => await cond.wait());
      loop.callSoon(() => wait.cancel());
      await assert.rejects(async () => await wait, CancelledError);
      assert.equal(String(cond), "<Condition [locked]>");
      assert.ok(cond.locked());
    });
  });
});

Deno.test("Condition.wait() notified, with the lock contested, is cancelled only once it holds the lock", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    await loop.runUntilComplete(async () => {
      await cond.acquire();
      const waitTask = loop.createTask(async () => await cond.wait());
      await settle(3);
      assert.ok(!cond.locked());
      await cond.acquire();
      cond.notify();
      loop.callSoon(() => waitTask.cancel());
      loop.callSoon(() => cond.release());
      try {
        await waitTask;
      } catch (e) {
        assert.ok(e instanceof CancelledError);
      }
      assert.ok(cond.locked());
    });
  });
});

Deno.test("Condition.wait() cancelled after notify ends cancelled (bpo-32841)", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    let waited = false;
    await loop.runUntilComplete(function* () {
      const waiter = loop.createTask(function* () {
        using _ = yield* cond.acquire();
        waited = true;
        yield* cond.wait();
      });
      yield;
      yield* cond.acquire();
      cond.notify();
      yield; // the waiter gets to acquire()
      waiter.cancel();
      yield;
      cond.release();
      yield;
      yield;
      assert.ok(waiter.cancelled());
      assert.ok(waited);
    });
  });
});

Deno.test("Condition.wait() without the lock throws RuntimeError", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    await loop.runUntilComplete(async () => {
      await assert.rejects(async () => await cond.wait(), {
        name: "RuntimeError",
        message: "cannot wait on un-acquired lock",
      });
    });
  });
});

Deno.test("Condition.waitFor() waits until the predicate holds", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    let presult = false;
    const result: number[] = [];
    await loop.runUntilComplete(async () => {
      const t = loop.createTask(async () => {
        await cond.acquire();
        if (await cond.waitFor(() => presult)) {
          result.push(1);
          cond.release();
        }
        return true;
      });
      await settle();
      assert.deepEqual(result, []);
      await cond.acquire();
      cond.notify();
      cond.release();
      await settle();
      assert.deepEqual(result, []);
      presult = true;
      await cond.acquire();
      cond.notify();
      cond.release();
      await settle();
      assert.deepEqual(result, [1]);
      assert.equal(await t, true);
    });
  });
});

Deno.test("Condition.waitFor() returns a true predicate's value at once, even unlocked", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    await loop.runUntilComplete(async () => {
      assert.deepEqual(await cond.waitFor(() => [1, 2, 3]), [1, 2, 3]);
      await assert.rejects(
        async () => await cond.waitFor(() => false),
        { name: "RuntimeError" },
      );
    });
  });
});

Deno.test("Condition.notify(n) wakes n waiters; notifyAll() wakes all", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    const result: number[] = [];
    await loop.runUntilComplete(async () => {
      const c = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) {
          result.push(n);
          cond.release();
        }
        return true;
      };
      const tasks = [1, 2, 3].map((n) => loop.createTask(c(n)));
      await settle();
      assert.deepEqual(result, []);
      await cond.acquire();
      cond.notify(1);
      cond.release();
      await settle();
      assert.deepEqual(result, [1]);
      await cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      await settle();
      assert.deepEqual(result, [1, 2, 3]);
      for (const t of tasks) assert.equal(await t, true);

      const more = [4, 5].map((n) => loop.createTask(c(n)));
      await settle();
      await cond.acquire();
      cond.notifyAll();
      cond.release();
      for (const t of more) await t;
      assert.deepEqual(result, [1, 2, 3, 4, 5]);
    });
  });
});

Deno.test("Condition.notify() and notifyAll() without the lock throw RuntimeError", () => {
  const cond = new Condition();
  assert.throws(() => cond.notify(), {
    name: "RuntimeError",
    message: "cannot notify on un-acquired lock",
  });
  assert.throws(() => cond.notifyAll(), { name: "RuntimeError" });
});

Deno.test("Condition.toString() shows the lock and the waiters", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    assert.equal(String(cond), "<Condition [unlocked]>");
    await loop.runUntilComplete(async () => {
      const ts = [0, 1].map(() =>
        loop.createTask(async () => {
          using _ = await cond.acquire();
          await cond.wait();
        })
      );
      await settle();
      await cond.acquire();
      assert.equal(String(cond), "<Condition [locked, waiters:2]>");
      cond.notifyAll();
      cond.release();
      for (const t of ts) await t;
    });
  });
});

Deno.test("Condition: using, and an explicit lock shared with the condition", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const check = async (lock: Lock, cond: Condition) => {
        assert.ok(!lock.locked() && !cond.locked());
        {
          using _ = await cond.acquire();
          assert.ok(lock.locked() && cond.locked());
        }
        assert.ok(!lock.locked() && !cond.locked());
        {
          using _ = await lock.acquire();
          assert.ok(lock.locked() && cond.locked());
        }
        assert.ok(!lock.locked() && !cond.locked());
      };
      const lock = new Lock();
      await check(lock, new Condition(lock));
      assert.throws(() => new Condition({} as Lock), TypeError);
    });
  });
});

Deno.test("Condition.wait() bound to another loop throws RuntimeError", async () => {
  const cond = new Condition();
  const a = newEventLoop();
  const b = newEventLoop();
  try {
    await a.runUntilComplete(async () => {
      using _ = await cond.acquire();
      const t = a.createTask(async () => await waitFor(cond.wait(), 0.001));
      await assert.rejects(async () => await t, TimeoutError);
    });
    await b.runUntilComplete(async () => {
      using _ = await cond.acquire();
      await assert.rejects(async () => await cond.wait(), {
        name: "RuntimeError",
        message: /is bound to a different event loop/,
      });
    });
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("Condition.wait() under waitFor() times out and holds the lock again", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    await loop.runUntilComplete(async () => {
      using _ = await cond.acquire();
      await assert.rejects(
        async () => await waitFor(cond.wait(), 0.5),
        TimeoutError,
      );
      assert.ok(cond.locked());
      assert.equal(loop.time(), 0.5);
    });
  });
});

Deno.test("Condition: a CancelledError met while waiting is rethrown unchanged", async () => {
  await withTestLoop(async (loop) => {
    for (const where of ["wakeup", "re-acquire"]) {
      const cond = new Condition();
      let wake = false;
      let raised: unknown = null;
      await loop.runUntilComplete(async () => {
        const task = loop.createTask(async () => {
          using _ = await cond.acquire();
          try {
            await cond.waitFor(() => wake);
          } catch (e) {
            raised = e;
          }
          throw raised;
        });
        await settle(3);
        if (where === "wakeup") {
          task.cancel("foo");
        } else {
          await cond.acquire();
          wake = true;
          cond.notify();
          await settle(3);
          task.cancel("foo");
          cond.release();
        }
        try {
          await task;
          assert.fail("not cancelled");
        } catch (e) {
          assert.ok(e instanceof CancelledError, where);
          assert.equal(e.message, "foo", where);
          assert.equal(e, raised, where);
        }
      });
    }
  });
});

Deno.test("Condition: a waiter cancelled as it is notified does not lose the wake-up", async () => {
  await withTestLoop(async (loop) => {
    for (const relock of [false, true]) {
      const condition = new Condition();
      let state = 0;
      await loop.runUntilComplete(async () => {
        const consumer = async () => {
          using _ = await condition.acquire();
          for (;;) {
            await condition.waitFor(() => state !== 0);
            if (state < 0) return;
            state -= 1;
          }
        };
        const c = [loop.createTask(consumer), loop.createTask(consumer)];
        await settle(3);
        {
          using _ = await condition.acquire();
          state += 1;
          condition.notify(1);
          if (relock) await sleep(0); // the consumer now waits for the lock
          c[0].cancel();
          try {
            await timeout(0.01).run(() => condition.waitFor(() => state === 0));
          } catch (e) {
            assert.ok(e instanceof TimeoutError);
          }
          assert.equal(state, 0, `relock=${relock}`);
          state = -1;
          condition.notifyAll();
        }
        await c[1];
        await assert.rejects(async () => await c[0], CancelledError);
      });
    }
  });
});

Deno.test("Condition works with generator coroutines: a producer and consumers", async () => {
  await withTestLoop(async (loop) => {
    const cond = new Condition();
    const items: number[] = [];
    const got: string[] = [];
    await loop.runUntilComplete(function* () {
      function* consumer(name: string): Coroutine<void> {
        using _ = yield* cond.acquire();
        for (let i = 0; i < 2; i++) {
          yield* cond.waitFor(() => items.length > 0);
          got.push(`${name}:${items.shift()}`);
        }
      }
      const cs = [
        loop.createTask(consumer("a")),
        loop.createTask(consumer("b")),
      ];
      for (let i = 1; i <= 4; i++) {
        yield* sleep(1);
        using _ = yield* cond.acquire();
        items.push(i);
        cond.notify();
      }
      for (const t of cs) yield* t;
    });
    assert.equal(got.length, 4);
    assert.deepEqual(got.map((s) => Number(s.split(":")[1])), [1, 2, 3, 4]);
  });
});
