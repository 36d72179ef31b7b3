// deno-lint-ignore-file require-await -- tests build coroutines that never suspend
// asCompleted(): the behaviours of the as_completed tests of CPython's
// test_tasks.py (3.13: for...of and for await), on the virtual clock.
import assert from "node:assert/strict";
import {
  asCompleted,
  type CompletedFuture,
  type Coroutine,
  sleep,
  TimeoutError,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

Deno.test("asCompleted() with for...of gives results in completion order", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = sleep(0.1, "a");
      const b = sleep(0.15, "b");
      const c = sleep(0.05, "c");
      const res: string[] = [];
      for (const f of asCompleted([b, c, a])) res.push(await f);
      assert.deepEqual(res, ["c", "a", "b"]);
      assert.equal(loop.time(), 0.15);
    });
  });
});

Deno.test("asCompleted() with for await gives the original tasks as they finish", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = loop.createTask(() => sleep(0.1, "a"));
      const b = loop.createTask(() => sleep(0.15, "b"));
      const c = loop.createTask(() => sleep(0.05, "c"));
      const seen: CompletedFuture<string>[] = [];
      for await (const t of asCompleted([b, c, a])) seen.push(t);
      assert.deepEqual(seen, [c, a, b]);
      assert.deepEqual(seen.map((t) => t.result()), ["c", "a", "b"]);
    });
  });
});

Deno.test("asCompleted() in a generator coroutine", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* (): Coroutine<void> {
      const res: number[] = [];
      for (const f of asCompleted([sleep(3, 3), sleep(1, 1), sleep(2, 2)])) {
        res.push(yield* f);
      }
      assert.deepEqual(res, [1, 2, 3]);
    });
  });
});

Deno.test("asCompleted() with a timeout: what is late throws TimeoutError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = sleep(0.1, "a");
      const b = sleep(0.15, "b");
      const values: unknown[] = [];
      for (const f of asCompleted([a, b], { timeout: 0.12 })) {
        try {
          values.push([1, await f]);
        } catch (e) {
          assert.ok(e instanceof TimeoutError);
          values.push([2, e]);
        }
      }
      assert.equal(values.length, 2);
      assert.deepEqual(values[0], [1, "a"]);
      assert.equal((values[1] as unknown[])[0], 2);
      assert.equal(loop.time(), 0.12);

      // The same for await.
      const c = loop.createTask(() => sleep(0.1, "c"));
      const d = loop.createTask(() => sleep(1, "d"));
      const got: string[] = [];
      await assert.rejects(async () => {
        for await (const t of asCompleted([c, d], { timeout: 0.5 })) {
          got.push(t.result());
        }
      }, TimeoutError);
      assert.deepEqual(got, ["c"]);
      await d;
    });
  });
});

Deno.test("asCompleted() with an unused timeout gives every result", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const res: string[] = [];
      for (const f of asCompleted([sleep(0.01, "a")], { timeout: 1 })) {
        res.push(await f);
      }
      assert.deepEqual(res, ["a"]);
      assert.equal(loop.time(), 0.01);
    });
  });
});

Deno.test("asCompleted(): the awaitables may be awaited in reverse and still give completion order", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = sleep(0.05, "a");
      const b = sleep(0.1, "b");
      const x = [...asCompleted([a, b])];
      assert.equal(x.length, 2);
      assert.deepEqual([await x[1], await x[0]], ["a", "b"]);
    });
  });
});

Deno.test("asCompleted() of futures done together gives each once", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const a = sleep(0.05, "a");
      const b = sleep(0.05, "b");
      const fs = [...asCompleted([a, b])];
      assert.equal(fs.length, 2);
      const results = new Set([await fs[0], await fs[1]]);
      assert.deepEqual(results, new Set(["a", "b"]));
    });
  });
});

Deno.test("asCompleted() drops duplicates", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const c = loop.createTask(() => sleep(0.1, "ok"));
      const res: string[] = [];
      for (const f of asCompleted([c, c])) res.push(await f);
      assert.deepEqual(res, ["ok"]);
    });
  });
});

Deno.test("asCompleted() throws its errors where they are awaited", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const bad = loop.createTask(async () => {
        await sleep(0.1);
        throw new RangeError("bad");
      });
      const good = loop.createTask(() => sleep(0.2, "good"));
      const out: string[] = [];
      for (const f of asCompleted([good, bad])) {
        try {
          out.push(await f);
        } catch (e) {
          out.push((e as Error).message);
        }
      }
      assert.deepEqual(out, ["bad", "good"]);
    });
  });
});

Deno.test("asCompleted() refuses a single future or coroutine", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const f = loop.createFuture();
      assert.throws(() => asCompleted(f as never), TypeError);
      assert.throws(
        () =>
          asCompleted((function* () {
            yield;
          })() as never),
        TypeError,
      );
      assert.throws(
        () => asCompleted([], { timeout: "1" as never }),
        TypeError,
      );
      assert.equal([...asCompleted([])].length, 0);
      f.cancel();
    });
  });
});
