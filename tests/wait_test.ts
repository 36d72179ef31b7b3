// wait(): the behaviours of the wait tests of CPython's test_tasks.py, on
// the virtual clock.
import assert from "node:assert/strict";
import {
  ALL_COMPLETED,
  type Coroutine,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  sleep,
  wait,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

Deno.test("wait() returns every future done, by default", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = loop.createTask(() => sleep(0.1));
      const b = loop.createTask(() => sleep(0.15));
      const [done, pending] = await wait([b, a]);
      assert.deepEqual(done, new Set([a, b]));
      assert.equal(pending.size, 0);
      assert.equal(loop.time(), 0.15);
      // Doing it again takes no time.
      const [done2, pending2] = await wait([b, a], {
        returnWhen: ALL_COMPLETED,
      });
      assert.deepEqual(done2, new Set([a, b]));
      assert.equal(pending2.size, 0);
      assert.equal(loop.time(), 0.15);
    });
  });
});

Deno.test("wait() of duplicates waits once for each", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const c = loop.createTask(() => sleep(0.7, "test"));
      const [done, pending] = await wait([c, c]);
      assert.equal(done.size, 1);
      assert.equal([...done][0].result(), "test");
      assert.equal(pending.size, 0);
    });
  });
});

Deno.test("wait(FIRST_COMPLETED) returns when the first finishes", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = loop.createTask(() => sleep(10));
      const b = loop.createTask(() => sleep(0.1));
      const [done, pending] = await wait([b, a], {
        returnWhen: FIRST_COMPLETED,
      });
      assert.deepEqual(done, new Set([b]));
      assert.deepEqual(pending, new Set([a]));
      assert.ok(!a.done());
      assert.ok(b.done());
      assert.equal(b.result(), undefined);
      assert.equal(loop.time(), 0.1);
      a.cancel();
    });
  });
});

Deno.test("wait(FIRST_COMPLETED) of futures already done returns at once", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = loop.createFuture<number>();
      const b = loop.createFuture<number>();
      a.setResult(1);
      b.setResult(2);
      const [done, pending] = await wait([a, b], {
        returnWhen: FIRST_COMPLETED,
      });
      assert.deepEqual(done, new Set([a, b]));
      assert.equal(pending.size, 0);
    });
  });
});

Deno.test("wait(FIRST_EXCEPTION) returns at the first error, or when all are done", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = loop.createTask(() => sleep(10));
      const b = loop.createTask(async () => {
        await sleep(0.1);
        throw new RangeError("exc");
      });
      const [done, pending] = await wait([b, a], {
        returnWhen: FIRST_EXCEPTION,
      });
      assert.deepEqual(done, new Set([b]));
      assert.deepEqual(pending, new Set([a]));
      assert.ok(b.exception() instanceof RangeError);
      assert.equal(loop.time(), 0.1);
      a.cancel();

      // No error: all done.
      const c = loop.createTask(() => sleep(0.1));
      const d = loop.createTask(() => sleep(0.2));
      const [done2, pending2] = await wait([c, d], {
        returnWhen: FIRST_EXCEPTION,
      });
      assert.deepEqual(done2, new Set([c, d]));
      assert.equal(pending2.size, 0);

      // A cancelled future is not an error.
      const e = loop.createTask(() => sleep(10));
      const f = loop.createTask(() => sleep(0.5));
      loop.callLater(0.1, () => e.cancel());
      const [done3, pending3] = await wait([e, f], {
        returnWhen: FIRST_EXCEPTION,
      });
      assert.deepEqual(done3, new Set([e, f]));
      assert.equal(pending3.size, 0);
    });
  });
});

Deno.test("wait() does not throw the errors of the futures", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = loop.createTask(() => sleep(0.1));
      const b = loop.createTask(async () => {
        await sleep(0.15);
        throw new TypeError("exc");
      });
      const [done, pending] = await wait([b, a]);
      assert.equal(done.size, 2);
      assert.equal(pending.size, 0);
      assert.ok(b.exception() instanceof TypeError);
    });
  });
});

Deno.test("wait() with a timeout returns what is done by then", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = loop.createTask(() => sleep(0.1));
      const b = loop.createTask(() => sleep(0.15));
      const [done, pending] = await wait([b, a], { timeout: 0.11 });
      assert.deepEqual(done, new Set([a]));
      assert.deepEqual(pending, new Set([b]));
      assert.equal(loop.time(), 0.11);
      // A timeout is not an error, and nothing is cancelled.
      assert.ok(!b.done());
      await b;
    });
  });
});

Deno.test("wait() in a generator coroutine", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* (): Coroutine<void> {
      const a = loop.createTask(() => sleep(1));
      const b = loop.createTask(() => sleep(2));
      const [done, pending] = yield* wait([a, b], {
        returnWhen: FIRST_COMPLETED,
      });
      assert.deepEqual(done, new Set([a]));
      assert.deepEqual(pending, new Set([b]));
      yield* wait(pending);
      assert.equal(loop.time(), 2);
    });
  });
});

Deno.test("wait() cancelled leaves the futures alone", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = loop.createTask(() => sleep(10));
      const w = loop.createTask(() => wait([a]));
      await sleep(1);
      w.cancel();
      await assert.rejects(async () => await w, { name: "CancelledError" });
      assert.ok(!a.done());
      a.cancel();
    });
  });
});

Deno.test("wait() refuses an empty set, a bad returnWhen, coroutines and non-futures", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      await assert.rejects(async () => await wait([]), {
        name: "RangeError",
        message:
          "Cannot wait as 'fs' must hold at least one future: current value is empty",
      });
      const f = loop.createFuture();
      await assert.rejects(
        async () => await wait([f], { returnWhen: "SOME" as never }),
        {
          name: "RangeError",
          message:
            `Cannot wait as 'returnWhen' must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED: current value is "SOME"`,
        },
      );
      function* coro(): Coroutine<void> {
        yield* sleep(0);
      }
      await assert.rejects(async () => await wait([coro() as never]), {
        name: "TypeError",
        message: "Passing coroutines is forbidden, use tasks explicitly.",
      });
      await assert.rejects(
        async () => await wait([Promise.resolve(1) as never]),
        TypeError,
      );
      await assert.rejects(async () => await wait(f as never), TypeError);
      await assert.rejects(
        async () => await wait([f], { timeout: "1" as never }),
        TypeError,
      );
      f.cancel();
    });
  });
});
