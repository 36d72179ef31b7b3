// deno-lint-ignore-file require-await -- tests build coroutines that never suspend
// waitFor(): the behaviours of CPython's test_waitfor.py (3.12+, on
// timeout()), on the virtual clock, from both kinds of coroutine.
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  currentTask,
  Queue,
  sleep,
  TimeoutError,
  waitFor,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

Deno.test("waitFor() with timeout <= 0 gives the result of a done future", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      for (const timeout of [0, -1]) {
        const fut = loop.createFuture<string>();
        fut.setResult("done");
        assert.equal(await waitFor(fut, timeout), "done");
      }
    });
  });
});

Deno.test("waitFor() with timeout <= 0 never starts a coroutine", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      for (const timeout of [0, -1]) {
        let started = false;
        const foo = function* (): Coroutine<string> {
          started = true;
          yield* sleep(1);
          return "never";
        };
        await assert.rejects(async () => await waitFor(foo(), timeout), {
          name: "TimeoutError",
        });
        assert.ok(!started);
      }
    });
  });
});

Deno.test("waitFor() with timeout <= 0 cancels a pending future", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      for (const timeout of [0, -1]) {
        const fut = loop.createFuture<string>();
        try {
          await waitFor(fut, timeout);
          assert.fail("no timeout");
        } catch (e) {
          assert.ok(e instanceof TimeoutError);
          assert.ok(e.cause instanceof CancelledError);
        }
        assert.ok(fut.cancelled());
      }
    });
  });
});

Deno.test("waitFor() with timeout 0 gives an item already in a queue (not lost)", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const q = new Queue<number>();
      q.putNowait(7);
      assert.equal(await waitFor(q.get(), 0), 7);
      await assert.rejects(async () => await waitFor(q.get(), 0), TimeoutError);
      q.putNowait(8);
      assert.equal(await q.get(), 8);
    });
  });
});

Deno.test("waitFor() times out, cancels the task it waits for, and waits for it", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let fooRunning: boolean | null = null;
      const fut = loop.createTask(async () => {
        fooRunning = true;
        try {
          await sleep(0.2);
        } finally {
          fooRunning = false;
        }
        return "done";
      });
      await assert.rejects(async () => await waitFor(fut, 0.1), TimeoutError);
      assert.equal(loop.time(), 0.1);
      assert.ok(fut.done());
      assert.ok(fut.cancelled());
      assert.equal(fooRunning, false);
    });
  });
});

Deno.test("waitFor() runs a coroutine inline in the calling task", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const me = currentTask();
      function* coro(): Coroutine<string> {
        assert.equal(currentTask(), me);
        yield* sleep(0.5);
        return "done";
      }
      assert.equal(await waitFor(coro(), 1), "done");
      assert.equal(await waitFor(coro(), null), "done");
      assert.equal(await waitFor(Promise.resolve("promise"), 1), "promise");
    });
    await loop.runUntilComplete(function* () {
      const me = currentTask();
      function* coro(): Coroutine<string> {
        assert.equal(currentTask(), me);
        yield* sleep(0.5);
        return "gen";
      }
      assert.equal(yield* waitFor(coro(), 1), "gen");
    });
  });
});

Deno.test("waitFor() returns a result that arrives before the timeout", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const fut = loop.createFuture<string>();
      const task = waitFor(fut, 0.2);
      loop.callSoon(() => fut.setResult("ok"));
      assert.equal(await task, "ok");
      const fut2 = loop.createFuture<string>();
      loop.callLater(0.1, () => fut2.setResult("just in time"));
      assert.equal(await waitFor(fut2, 0.1 + 1e-6), "just in time");
    });
  });
});

Deno.test("waitFor(): a coroutine that swallows the cancellation gives its result", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      function* inner(): Coroutine<number> {
        try {
          yield* sleep(1);
        } catch (e) {
          assert.ok(e instanceof CancelledError);
        }
        return 1;
      }
      assert.equal(await waitFor(inner(), 0.01), 1);
      function* return42(): Coroutine<number> {
        try {
          yield* sleep(10);
        } catch {
          return 42;
        }
        return 0;
      }
      assert.equal(await waitFor(return42(), 0.1), 42);
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });
});

Deno.test("waitFor() waits until the cancelled task has finished", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      for (const timeout of [0.1, 0]) {
        let taskDone = false;
        const innerTask = loop.createTask(async () => {
          try {
            await sleep(10);
          } catch (e) {
            await sleep(0.2);
            throw e;
          } finally {
            taskDone = true;
          }
        });
        await sleep(0);
        const t0 = loop.time();
        try {
          await waitFor(innerTask, timeout);
          assert.fail("no timeout");
        } catch (e) {
          assert.ok(e instanceof TimeoutError);
          assert.ok(e.cause instanceof CancelledError);
        }
        assert.ok(taskDone);
        assert.ok(Math.abs(loop.time() - t0 - (timeout + 0.2)) < 1e-9);
      }
    });
  });
});

Deno.test("waitFor() throws an error the task raises while being cancelled", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      class FooError extends Error {}
      for (const timeout of [0.1, 0]) {
        const innerTask = loop.createTask(async () => {
          try {
            await sleep(0.2);
          } catch {
            throw new FooError();
          }
        });
        await sleep(0);
        await assert.rejects(
          async () => await waitFor(innerTask, timeout),
          FooError,
        );
      }
    });
  });
});

Deno.test("waitFor() on a task that holds up its cancellation: its result comes through, the outer request stays counted", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const innerTask = loop.createTask(async () => {
        try {
          await sleep(0.3);
        } catch {
          try {
            await sleep(0.3);
          } catch {
            await sleep(0.3);
          }
        }
        return 42;
      });
      // As CPython 3.12+ (wait_for on timeout(), GH-86296): the timeout's
      // own request is taken back, the one from outside is not delivered
      // because the awaited task swallowed it.
      const task = loop.createTask(async () => {
        const r = await waitFor(innerTask, 0.1);
        return [r, currentTask()!.cancelling()];
      });
      await sleep(0.2);
      task.cancel();
      assert.deepEqual(await task, [42, 1]);
      assert.equal(await innerTask, 42);
      assert.ok(Math.abs(loop.time() - 0.5) < 1e-9);
    });
  });
});

Deno.test("waitFor() cancelled from outside cancels what it waits for", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      for (const timeout of [null, 1e6]) {
        const fut = loop.createFuture<void>();
        const task = loop.createTask(() => waitFor(fut, timeout));
        await sleep(0.01);
        task.cancel();
        await assert.rejects(async () => await task, CancelledError);
        assert.ok(fut.cancelled());
      }
      // A generator coroutine waiting in waitFor().
      const fut = loop.createFuture<void>();
      const task = loop.createTask(function* () {
        yield* waitFor(fut, 100);
      });
      await sleep(1);
      task.cancel("stop");
      await assert.rejects(async () => await task, {
        name: "CancelledError",
        message: "stop",
      });
      assert.ok(fut.cancelled());
    });
  });
});

Deno.test("waitFor() on a task that finishes in the same step: the cancellation still lands (gh-86296)", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const innerTask = loop.createTask(async () => "done");
      let reachedEnd = false;
      const task = loop.createTask(async () => {
        await waitFor(innerTask, 100);
        await sleep(1);
        reachedEnd = true;
      });
      assert.ok(!task.done());
      await sleep(0);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      assert.ok(innerTask.done());
      assert.equal(await innerTask, "done");
      assert.ok(!reachedEnd);
    });
  });
});

Deno.test("waitFor() checks its timeout", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      await assert.rejects(
        async () => await waitFor(sleep(0), "1" as never),
        TypeError,
      );
      await assert.rejects(
        async () => await waitFor(sleep(0), NaN),
        RangeError,
      );
      await assert.rejects(
        async () => await waitFor(42 as never, 1),
        TypeError,
      );
    });
  });
});

Deno.test("waitFor() in a generator coroutine times out on the virtual clock", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      try {
        yield* waitFor(sleep(3600), 5);
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof TimeoutError);
      }
      assert.equal(loop.time(), 5);
      assert.equal(currentTask()!.cancelling(), 0);
      assert.equal(yield* waitFor(sleep(1, "quick"), 5), "quick");
    });
  });
});
