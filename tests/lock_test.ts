// Lock: the behaviours of CPython's test_locks.py LockTests, on both kinds
// of coroutine. Generator tasks step exactly as asyncio's tasks do, so the
// step-by-step tests use them; async functions are checked with settle().
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  Lock,
  newEventLoop,
  RuntimeError,
  sleep,
  type Task,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

/** Lets the loop run `n` iterations (asyncio's repeated `sleep(0)`). */
async function settle(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await sleep(0);
}

Deno.test("Lock.toString() shows the state and the waiters", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    assert.equal(String(lock), "<Lock [unlocked]>");
    await loop.runUntilComplete(function* () {
      yield* lock.acquire();
      assert.equal(String(lock), "<Lock [locked]>");
      const t = loop.createTask(function* () {
        yield* lock.acquire();
      });
      yield;
      assert.equal(String(lock), "<Lock [locked, waiters:1]>");
      lock.release();
      yield* t;
      assert.equal(String(lock), "<Lock [locked]>");
      lock.release();
    });
  });
});

Deno.test("Lock.acquire() gives the lock at once when free, and a releaser", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    await loop.runUntilComplete(async () => {
      const releaser = await lock.acquire();
      assert.ok(releaser);
      assert.ok(lock.locked());
      releaser[Symbol.dispose]();
      assert.ok(!lock.locked());
    });
  });
});

Deno.test("Lock.acquire() serves waiters in FIFO order (generator coroutines, step by step)", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    const result: number[] = [];
    await loop.runUntilComplete(function* () {
      yield* lock.acquire();
      function* c(n: number): Coroutine<boolean> {
        yield* lock.acquire();
        result.push(n);
        return true;
      }
      const t1 = loop.createTask(c(1));
      const t2 = loop.createTask(c(2));
      yield;
      assert.deepEqual(result, []);
      lock.release();
      yield;
      assert.deepEqual(result, [1]);
      yield;
      assert.deepEqual(result, [1]);
      const t3 = loop.createTask(c(3));
      lock.release();
      yield;
      assert.deepEqual(result, [1, 2]);
      lock.release();
      yield;
      assert.deepEqual(result, [1, 2, 3]);
      for (const t of [t1, t2, t3]) assert.equal(t.result(), true);
      lock.release();
    });
  });
});

Deno.test("Lock.acquire() serves waiters in FIFO order (async functions)", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    const result: number[] = [];
    await loop.runUntilComplete(async () => {
      await lock.acquire();
      const c = (n: number) => async () => {
        await lock.acquire();
        result.push(n);
      };
      const tasks = [1, 2, 3, 4].map((n) => loop.createTask(c(n)));
      await settle();
      assert.deepEqual(result, []);
      for (let i = 1; i <= 4; i++) {
        lock.release();
        await settle();
        assert.deepEqual(result, [1, 2, 3, 4].slice(0, i));
      }
      for (const t of tasks) await t;
      lock.release();
    });
  });
});

Deno.test("Lock: using releases at the end of the block, in both coroutine kinds", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    await loop.runUntilComplete(async () => {
      {
        using _ = await lock.acquire();
        assert.ok(lock.locked());
      }
      assert.ok(!lock.locked());
      await assert.rejects(async () => {
        using _ = await lock.acquire();
        throw new TypeError("inside");
      }, TypeError);
      assert.ok(!lock.locked());
    });
    await loop.runUntilComplete(function* () {
      {
        using _ = yield* lock.acquire();
        assert.ok(lock.locked());
        yield* sleep(1);
      }
      assert.ok(!lock.locked());
    });
  });
});

Deno.test("Lock.acquire() cancelled while waiting leaves no waiter behind", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    await loop.runUntilComplete(async () => {
      await lock.acquire();
      for (
        const body of [
          async () => await lock.acquire(),
          function* () {
            yield* lock.acquire();
          },
        ]
      ) {
        const task = loop.createTask(body as () => Promise<unknown>);
        loop.callSoon(() => task.cancel());
        await assert.rejects(async () => await task, CancelledError);
        assert.equal(String(lock), "<Lock [locked]>");
      }
      lock.release();
      assert.ok(!lock.locked());
    });
  });
});

Deno.test("Lock.release() while the first waiter is being cancelled moves on to the next (cancel race)", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    await loop.runUntilComplete(function* () {
      function* lockit(blocker: Task<unknown> | null): Coroutine<void> {
        yield* lock.acquire();
        try {
          if (blocker !== null) yield* blocker;
        } finally {
          lock.release();
        }
      }
      const fa = loop.createFuture<void>();
      const ta = loop.createTask(lockit(fa as never));
      yield;
      assert.ok(lock.locked());
      const tb = loop.createTask(lockit(null));
      yield;
      assert.match(String(lock), /waiters:1/);
      const tc = loop.createTask(lockit(null));
      yield;
      assert.match(String(lock), /waiters:2/);
      // The race: A releases while B is cancelled.
      fa.setResult(undefined);
      tb.cancel();
      yield;
      assert.ok(!lock.locked());
      assert.ok(ta.done());
      assert.ok(tb.cancelled());
      yield* tc;
      assert.ok(!lock.locked());
    });
  });
});

Deno.test("Lock: a cancel and a release at once let exactly one waiter in (bpo-32734)", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    let lockCount = 0;
    let callCount = 0;
    await loop.runUntilComplete(async () => {
      const lockit = async () => {
        callCount++;
        await lock.acquire();
        lockCount++;
      };
      await lock.acquire();
      const t1 = loop.createTask(lockit);
      const t2 = loop.createTask(lockit);
      const t3 = loop.createTask(lockit);
      await settle(3);
      loop.callSoon(() => {
        t1.cancel();
        lock.release();
      });
      await assert.rejects(async () => await t1, CancelledError);
      await settle();
      assert.equal(lockCount, 1);
      assert.equal(callCount, 3);
      assert.ok(t1.cancelled() && t2.done());
      t3.cancel();
      await settle();
      assert.ok(t3.cancelled());
    });
  });
});

Deno.test("Lock: a waiter woken and then cancelled passes the wake-up on", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    for (const kind of ["generator", "async"]) {
      await loop.runUntilComplete(function* () {
        yield* lock.acquire();
        const acquire = kind === "generator"
          ? function* () {
            yield* lock.acquire();
          }
          : async () => {
            await lock.acquire();
          };
        const tb = loop.createTask(acquire as () => Promise<void>);
        yield* sleep(0);
        yield* sleep(0);
        assert.match(String(lock), /waiters:1/, kind);
        // A second waiter; wake the first, and cancel it.
        const tc = loop.createTask(acquire as () => Promise<void>);
        tb.cancel();
        lock.release();
        for (let i = 0; i < 6; i++) yield;
        assert.ok(lock.locked(), kind);
        assert.ok(tb.cancelled(), kind);
        yield* tc;
        lock.release();
        assert.ok(!lock.locked(), kind);
      });
    }
  });
});

Deno.test("Lock.acquire() called while locked but awaited after the release takes the lock", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    await loop.runUntilComplete(async () => {
      await lock.acquire();
      const later = lock.acquire();
      lock.release();
      await later;
      assert.equal(String(lock), "<Lock [locked]>");
    });
  });
});

Deno.test("Lock.release() of an unlocked lock throws RuntimeError", () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), {
    name: "RuntimeError",
    message: "Lock is not acquired.",
  });
  assert.ok(lock.locked() === false);
});

Deno.test("Lock: a task cancelled while it waits never holds the lock afterwards", async () => {
  await withTestLoop(async (loop) => {
    const lock = new Lock();
    await loop.runUntilComplete(async () => {
      await lock.acquire();
      const waiters = [0, 1, 2, 3, 4].map(() =>
        loop.createTask(async () => {
          using _ = await lock.acquire();
          await sleep(1);
        })
      );
      await settle(3);
      waiters[1].cancel();
      waiters[3].cancel();
      lock.release();
      waiters[0].cancel();
      for (const t of waiters) {
        try {
          await t;
        } catch (e) {
          assert.ok(e instanceof CancelledError);
        }
      }
      assert.ok(!lock.locked());
      assert.deepEqual(waiters.map((t) => t.cancelled()), [
        true,
        true,
        false,
        true,
        false,
      ]);
    });
  });
});

Deno.test("Lock used from another loop than the one it is bound to throws RuntimeError", async () => {
  const lock = new Lock();
  const a = newEventLoop();
  const b = newEventLoop();
  try {
    await a.runUntilComplete(async () => {
      await lock.acquire();
      const t = a.createTask(async () => await lock.acquire());
      await sleep(0);
      lock.release();
      await t;
    });
    await b.runUntilComplete(async () => {
      await assert.rejects(async () => await lock.acquire(), {
        name: "RuntimeError",
        message: /is bound to a different event loop/,
      });
    });
    assert.ok(RuntimeError);
  } finally {
    a.close();
    b.close();
  }
});
