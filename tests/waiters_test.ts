// The private building blocks of the toolkit: the waiter queue every lock
// and queue waits through, settled awaitables, and drive().
import assert from "node:assert/strict";
import { RuntimeError, sleep } from "../mod.ts";
import { WaiterQueue } from "../futures/_waiters.ts";
import { failed, iterate, ready, readyValue } from "../futures/_ready.ts";
import { drive } from "../futures/_scope.ts";
import { runBriefly, withTestLoop } from "./_helpers.ts";

Deno.test("WaiterQueue keeps FIFO order and removes any waiter in O(1)", async () => {
  await withTestLoop(async (loop) => {
    const q = new WaiterQueue<number>();
    const ws = [0, 1, 2, 3].map(() => q.park(loop));
    assert.equal(q.size, 4);
    assert.ok(q.remove(ws[1]));
    assert.ok(!q.remove(ws[1]), "not twice");
    assert.equal(q.size, 3);
    assert.equal(q.first(), ws[0]);
    ws[0].cancel();
    assert.ok(!q.allCancelled());
    assert.ok(q.wakeFirst(7), "skips the done first waiter");
    assert.equal(ws[2].result(), 7);
    assert.equal(q.size, 3, "wakeFirst leaves the waiter in the queue");
    assert.ok(q.shiftWake(8), "shifts the done ones out");
    assert.equal(ws[3].result(), 8);
    assert.equal(q.size, 0);
    assert.ok(!q.shiftWake(9));
    assert.ok(q.allCancelled());
    const more = [0, 1, 2].map(() => q.park(loop));
    assert.equal(q.wake(2, 1), 2);
    assert.ok(!more[2].done());
    q.shiftWakeAll(5);
    assert.equal(more[2].result(), 5);
    assert.equal(q.shift(), null);
    await runBriefly(loop);
  });
});

Deno.test("ready() is awaitable and iterable; failed() rejects only when awaited", async () => {
  await withTestLoop(async (loop) => {
    const r = ready(5);
    assert.equal(await r, 5);
    assert.equal(await r, 5);
    assert.deepEqual(readyValue(r), { value: 5 });
    assert.equal(readyValue(Promise.resolve(5)), null);
    const it = r[Symbol.iterator]();
    assert.deepEqual(it.next(), { done: true, value: 5 });
    failed(new TypeError("never awaited")); // no unhandled rejection
    await assert.rejects(
      async () => await failed(new TypeError("x")),
      TypeError,
    );
    assert.throws(
      () => failed(new RangeError("y"))[Symbol.iterator](),
      RangeError,
    );
    const got = await loop.runUntilComplete(function* () {
      return (yield* ready("a")) + (yield* iterate(Promise.resolve("b")));
    });
    assert.equal(got, "ab");
    assert.throws(() => iterate(42 as never), TypeError);
  });
});

Deno.test("drive() runs a generator coroutine inside the calling async function", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const r = await drive((function* () {
        yield; // a bare yield is sleep(0)
        yield* sleep(1);
        return "done";
      })());
      assert.equal(r, "done");
      assert.equal(loop.time(), 1);
      await assert.rejects(
        () =>
          drive((function* () {
            yield 42;
          })()),
        RuntimeError,
      );
      const fut = loop.createFuture();
      await assert.rejects(
        () =>
          drive((function* () {
            yield fut; // yield instead of yield*
          })()),
        { name: "RuntimeError", message: /yield was used instead of yield\*/ },
      );
      fut.cancel();
    });
  });
});
