// deno-lint-ignore-file require-await require-yield -- tests build coroutines that never suspend
// gather(): the behaviours of the gather tests of CPython's test_tasks.py
// (FutureGatherTests, CoroutineGatherTests, the cancellation tests).
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  type Future,
  gather,
  newEventLoop,
  sleep,
} from "../mod.ts";
import { runBriefly, withTestLoop } from "./_helpers.ts";

Deno.test("gather() with nothing gives a done future of []", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const fut = gather();
      assert.ok(fut.done());
      assert.deepEqual(fut.result(), []);
      assert.deepEqual(await gather(), []);
    });
  });
});

Deno.test("gather() of futures of different loops is a RangeError", () => {
  const a = newEventLoop();
  const b = newEventLoop();
  try {
    const fa = a.createFuture();
    const fb = b.createFuture();
    assert.throws(() => gather(fa, fb), RangeError);
    const g = gather(fa, a.createFuture());
    assert.equal(g.getLoop(), a);
    g.cancel();
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("gather() gives the results in argument order", async () => {
  await withTestLoop(async (loop) => {
    const a = loop.createFuture<number>();
    const b = loop.createFuture<string>();
    const fut = gather(a, b);
    const calls: unknown[] = [];
    fut.addDoneCallback((f) => calls.push(f));
    await runBriefly(loop);
    assert.ok(!fut.done());
    b.setResult("b");
    await runBriefly(loop);
    assert.ok(!fut.done());
    a.setResult(1);
    await runBriefly(loop);
    assert.ok(fut.done());
    assert.deepEqual(fut.result(), [1, "b"]);
    assert.deepEqual(calls, [fut]);
  });
});

Deno.test("gather(): the first error fails it; the others keep running", async () => {
  await withTestLoop(async (loop) => {
    const [a, b, c, d, e] = [0, 1, 2, 3, 4].map(() =>
      loop.createFuture<number>()
    );
    const fut = gather(a, b, c, d, e);
    const exc = new RangeError("zero division");
    a.setResult(1);
    b.setException(exc);
    await runBriefly(loop);
    assert.ok(fut.done());
    assert.equal(fut.exception(), exc);
    assert.ok(!c.done() && !d.done() && !e.done());
    // These do nothing to the gather.
    c.setResult(3);
    d.cancel();
    e.setException(new TypeError());
    await runBriefly(loop);
    assert.equal(fut.exception(), exc);
  });
});

Deno.test("gather(..., { returnExceptions: true }) puts errors among the results", async () => {
  await withTestLoop(async (loop) => {
    const [a, b, c, d] = [0, 1, 2, 3].map(() => loop.createFuture<number>());
    const fut = gather(a, b, c, d, { returnExceptions: true });
    const exc = new RangeError();
    const exc2 = new TypeError();
    b.setResult(1);
    c.setException(exc);
    a.setResult(3);
    await runBriefly(loop);
    assert.ok(!fut.done());
    d.setException(exc2);
    await runBriefly(loop);
    assert.deepEqual(fut.result(), [3, 1, exc, exc2]);
  });
});

Deno.test("gather(..., { returnExceptions: true }): a cancelled child gives a CancelledError", async () => {
  await withTestLoop(async (loop) => {
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    const fut = gather(a, b, { returnExceptions: true });
    a.cancel("gone");
    b.setResult(2);
    await runBriefly(loop);
    const [ra, rb] = fut.result();
    assert.ok(ra instanceof CancelledError);
    assert.equal((ra as Error).message, "gone");
    assert.equal(rb, 2);
  });
});

Deno.test("gather(): a child cancelled by other means fails the gather with CancelledError, not cancelled", async () => {
  await withTestLoop(async (loop) => {
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    const fut = gather(a, b);
    a.cancel();
    await runBriefly(loop);
    assert.ok(fut.done());
    assert.ok(!fut.cancelled());
    assert.ok(fut.exception() instanceof CancelledError);
    assert.ok(!b.done());
    b.cancel();
  });
});

Deno.test("gather() runs coroutines of both kinds, and a coroutine given twice runs once", async () => {
  await withTestLoop(async (loop) => {
    let runs = 0;
    function* coro(s: string): Coroutine<string> {
      runs++;
      yield* sleep(0.1);
      return s;
    }
    const c = coro("abc");
    const result = await loop.runUntilComplete(async () =>
      await gather(c, c, coro("def"), c, sleep(0.2, "sleep"))
    );
    assert.deepEqual(result, ["abc", "abc", "def", "abc", "sleep"]);
    assert.equal(runs, 2);
    const promises = await loop.runUntilComplete(function* () {
      return yield* gather(Promise.resolve(1), loop.createTask(async () => 2));
    });
    assert.deepEqual(promises, [1, 2]);
  });
});

Deno.test("gather() of a future given twice finishes once, with its result in both places", async () => {
  await withTestLoop(async (loop) => {
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    const done = loop.createFuture<string>();
    done.setResult("done");
    const fut = gather(a, b, a, done, done);
    const calls: unknown[] = [];
    fut.addDoneCallback((f) => calls.push(f));
    a.setResult(1);
    await runBriefly(loop);
    assert.ok(!fut.done());
    b.setResult(2);
    await runBriefly(loop);
    assert.deepEqual(fut.result(), [1, 2, 1, "done", "done"]);
    assert.deepEqual(calls, [fut]);
    // Cancelling a gather over a repeated pending future cancels it, and
    // the gather ends with its CancelledError, as in asyncio.
    const c = loop.createFuture<number>();
    const g = gather(c, c);
    assert.ok(g.cancel());
    assert.ok(c.cancelled());
    await runBriefly(loop);
    assert.ok(g.exception() instanceof CancelledError);
  });
});

Deno.test("gather() cancelled cancels its children; the waiter gets CancelledError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const waiter = loop.createFuture<void>();
      const inner = async () => {
        await waiter;
      };
      const child1 = loop.createTask(inner);
      const child2 = loop.createTask(inner);
      const holder: Future<unknown[]>[] = [];
      const outer = loop.createTask(async () => {
        holder.push(gather(child1, child2));
        await holder[0];
      });
      await sleep(0);
      await sleep(0);
      const gatherer = holder[0];
      assert.ok(outer.cancel());
      await assert.rejects(async () => await outer, CancelledError);
      assert.ok(child1.cancelled());
      assert.ok(child2.cancelled());
      assert.ok(gatherer.done());
      assert.ok(!gatherer.cancelled());
      assert.ok(gatherer.exception() instanceof CancelledError);
    });
  });
});

Deno.test("gather() refuses to be cancelled once every child is done (bpo-26923)", async () => {
  await withTestLoop(async (loop) => {
    const fut = loop.createFuture<number>();
    const gatherTask = await loop.runUntilComplete(async () => {
      // A generator child finishes in the step that the future wakes.
      const childCoro = function* () {
        return yield* fut;
      };
      const g = gather(loop.createTask(childCoro));
      return [g];
    });
    let cancelResult: boolean | null = null;
    fut.addDoneCallback(() => {
      cancelResult = gatherTask[0].cancel();
    });
    fut.setResult(42);
    assert.deepEqual(await loop.runUntilComplete(gatherTask[0]), [42]);
    assert.equal(cancelResult, false);
    assert.ok(!gatherTask[0].cancelled());
  });
});

Deno.test("gather(..., { returnExceptions: true }) cancelled still ends with CancelledError and its message", async () => {
  await withTestLoop(async (loop) => {
    for (const msg of [undefined, null, "my message"]) {
      const test = loop.createTask(async () => {
        let time = 0;
        for (;;) {
          time += 0.05;
          await gather(sleep(0.05), { returnExceptions: true });
          if (time > 1) return;
        }
      });
      await assert.rejects(
        loop.runUntilComplete(async () => {
          await sleep(0.2);
          test.cancel(msg);
          await test;
        }),
        (e) => {
          assert.ok(e instanceof CancelledError);
          assert.equal(e.message, msg ?? "");
          return true;
        },
      );
    }
  });
});

Deno.test("gather() marks the errors of its children as retrieved", async () => {
  await withTestLoop(async (loop, seen) => {
    await loop.runUntilComplete(async () => {
      const a = loop.createTask(async () => {
        await sleep(0.1);
        throw new RangeError("a");
      });
      const b = loop.createTask(async () => {
        await sleep(0.2);
        throw new TypeError("b");
      });
      await assert.rejects(async () => await gather(a, b), RangeError);
      await sleep(1);
    });
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 5 && gc; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.deepEqual(seen, []);
  });
});

Deno.test("gather() children already done (eager tasks) count at once", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const done = loop.createFuture<number>();
      done.setResult(1);
      const eager = loop.createTask(function* () {
        return 2;
      }, { eagerStart: true });
      assert.ok(eager.done());
      const g = gather(done, eager);
      assert.ok(g.done());
      assert.deepEqual(g.result(), [1, 2]);
    });
  });
});

Deno.test("gather() of 1000 tasks keeps the order", async () => {
  await withTestLoop(async (loop) => {
    const out = await loop.runUntilComplete(async () => {
      const tasks = Array.from(
        { length: 1000 },
        (_, i) =>
          loop.createTask(async () => {
            await sleep((i * 7919) % 13);
            return i;
          }),
      );
      return await gather(...tasks);
    });
    assert.deepEqual(out, Array.from({ length: 1000 }, (_, i) => i));
  });
});

Deno.test("gather() rejects what is not awaitable with a TypeError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      assert.throws(() => gather(42 as never), TypeError);
      assert.throws(() => gather((async () => 1) as never), TypeError);
    });
  });
});
