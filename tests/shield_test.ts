// shield(): the behaviours of the shield tests of CPython's test_tasks.py.
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  gather,
  isFuture,
  shield,
  sleep,
} from "../mod.ts";
import { runBriefly, withTestLoop } from "./_helpers.ts";

Deno.test("shield() passes the result and the error through", async () => {
  await withTestLoop(async (loop) => {
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    await runBriefly(loop);
    assert.ok(!outer.done());
    inner.setResult(42);
    await runBriefly(loop);
    assert.equal(outer.result(), 42);

    const inner2 = loop.createFuture<number>();
    const outer2 = shield(inner2);
    const exc = new RangeError();
    inner2.setException(exc);
    await runBriefly(loop);
    assert.equal(outer2.exception(), exc);
  });
});

Deno.test("shield(): a cancelled inner cancels the outer", async () => {
  await withTestLoop(async (loop) => {
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    await runBriefly(loop);
    inner.cancel();
    await runBriefly(loop);
    assert.ok(outer.cancelled());
  });
});

Deno.test("shield(): a cancelled outer leaves the inner running", async () => {
  await withTestLoop(async (loop, seen) => {
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    await runBriefly(loop);
    outer.cancel();
    await runBriefly(loop);
    assert.ok(outer.cancelled());
    assert.ok(!inner.cancelled());
    // The inner's later error is marked retrieved: not reported.
    inner.setException(new RangeError());
    await runBriefly(loop);
    assert.deepEqual(seen, []);
  });
});

Deno.test("shield() of a done future returns it as it is", async () => {
  await withTestLoop(async (loop) => {
    const fut = loop.createFuture<number>();
    fut.setResult(42);
    assert.equal(shield(fut), fut);
    const res = await loop.runUntilComplete(async () => await shield(fut));
    assert.equal(res, 42);
  });
});

Deno.test("shield(): cancelling the task that waits does not cancel the shielded work", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let proof = 1;
      const inner = loop.createTask(async () => {
        await sleep(0.1);
        proof += 1;
      });
      const outer = loop.createTask(async () => {
        await shield(inner);
        proof += 100;
      });
      await sleep(0);
      outer.cancel();
      await assert.rejects(async () => await outer, CancelledError);
      await inner;
      assert.equal(proof, 2);

      // The same in a generator coroutine.
      let proof2 = 1;
      function* work(): Coroutine<void> {
        yield* sleep(0.1);
        proof2 += 1;
      }
      const w = loop.createTask(work());
      const g = loop.createTask(function* () {
        yield* shield(w);
        proof2 += 100;
      });
      await sleep(0);
      g.cancel();
      await assert.rejects(async () => await g, CancelledError);
      await w;
      assert.equal(proof2, 2);
    });
  });
});

Deno.test("shield() wraps a coroutine into a task; gather and shield combine", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const outer = shield((function* () {
        yield* sleep(0.1);
        return 7;
      })());
      assert.ok(isFuture(outer));
      assert.equal(await outer, 7);

      const child1 = loop.createFuture<string>();
      const child2 = loop.createFuture<string>();
      const parent = gather(child1, child2);
      const shielded = shield(parent);
      await sleep(0);
      shielded.cancel();
      await sleep(0);
      assert.ok(shielded.cancelled());
      assert.ok(!parent.cancelled() && !parent.done());
      child1.setResult("A");
      child2.setResult("B");
      assert.deepEqual(await parent, ["A", "B"]);

      const c3 = loop.createFuture<string>();
      const c4 = loop.createFuture<string>();
      const g = gather(shield(c3), shield(c4));
      await sleep(0);
      g.cancel();
      await sleep(0);
      assert.ok(!c3.cancelled() && !c4.cancelled());
      assert.ok(g.exception() instanceof CancelledError);
      c3.setResult("C");
      c4.setResult("D");
    });
  });
});
