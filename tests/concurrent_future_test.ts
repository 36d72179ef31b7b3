// ConcurrentFuture: Python's concurrent.futures.Future (test_concurrent_futures
// test_future.py, the parts that apply without threads), and its bridges to loops.
import assert from "node:assert/strict";
import {
  CancelledError,
  ConcurrentFuture,
  createTask,
  InvalidStateError,
  run,
  RuntimeError,
  sleep,
  wrapFuture,
} from "../mod.ts";
import { withLoop } from "./_helpers.ts";

Deno.test("ConcurrentFuture states: pending, running, finished", () => {
  const f = new ConcurrentFuture<number>();
  assert.equal(String(f), "<ConcurrentFuture pending>");
  assert.ok(!f.done() && !f.running() && !f.cancelled());
  assert.throws(() => f.result(), InvalidStateError);
  assert.throws(() => f.exception(), InvalidStateError);
  assert.ok(f.setRunningOrNotifyCancel());
  assert.ok(f.running());
  assert.equal(String(f), "<ConcurrentFuture running>");
  assert.throws(() => f.setRunningOrNotifyCancel(), RuntimeError);
  f.setResult(5);
  assert.ok(f.done() && !f.running());
  assert.equal(f.result(), 5);
  assert.equal(f.exception(), null);
  assert.equal(String(f), "<ConcurrentFuture finished returned 5>");
  assert.throws(() => f.setResult(6), InvalidStateError);
  assert.throws(() => f.setException(new Error()), InvalidStateError);
});

Deno.test("ConcurrentFuture.setException() makes result() throw it", () => {
  const f = new ConcurrentFuture<number>();
  const err = new TypeError("bad");
  f.setException(err);
  assert.throws(() => f.result(), (e) => e === err);
  assert.equal(f.exception(), err);
  assert.equal(String(f), "<ConcurrentFuture finished raised TypeError>");
});

Deno.test("ConcurrentFuture.cancel() works while pending, not once running or finished", () => {
  const pending = new ConcurrentFuture();
  assert.ok(pending.cancel());
  assert.ok(pending.cancel());
  assert.ok(pending.cancelled() && pending.done());
  assert.throws(() => pending.result(), CancelledError);
  assert.throws(() => pending.exception(), CancelledError);
  assert.equal(pending.setRunningOrNotifyCancel(), false);
  assert.ok(pending.cancelled());
  assert.throws(() => pending.setResult(1), InvalidStateError);

  const running = new ConcurrentFuture();
  running.setRunningOrNotifyCancel();
  assert.equal(running.cancel(), false);
  const finished = new ConcurrentFuture();
  finished.setResult(1);
  assert.equal(finished.cancel(), false);
});

Deno.test("ConcurrentFuture.addDoneCallback() calls at completion, or at once if done; errors are logged", () => {
  const calls: string[] = [];
  const f = new ConcurrentFuture<number>();
  f.addDoneCallback(() => calls.push("a"));
  const b = () => calls.push("b");
  f.addDoneCallback(b);
  f.addDoneCallback(b);
  assert.equal(f.removeDoneCallback(b), 2);
  f.addDoneCallback(() => {
    throw new Error("callback failed");
  });
  f.addDoneCallback((g) => calls.push(`c:${g.result()}`));
  const logged: unknown[][] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void logged.push(a);
  try {
    f.setResult(1);
  } finally {
    console.error = orig;
  }
  assert.deepEqual(calls, ["a", "c:1"]);
  assert.equal(logged.length, 1);
  assert.match(String(logged[0][0]), /exception calling callback for/);
  f.addDoneCallback(() => calls.push("late"));
  assert.deepEqual(calls, ["a", "c:1", "late"]);
  assert.throws(() => f.addDoneCallback(5 as never), TypeError);
});

Deno.test("ConcurrentFuture works with await outside any loop", async () => {
  const f = new ConcurrentFuture<string>();
  setTimeout(() => f.setResult("x"), 1);
  assert.equal(await f, "x");
  const g = new ConcurrentFuture<string>();
  setTimeout(() => g.setException(new RangeError("no")), 1);
  await assert.rejects(async () => await g, RangeError);
  const h = new ConcurrentFuture<string>();
  setTimeout(() => h.cancel(), 1);
  await assert.rejects(async () => await h, CancelledError);
});

Deno.test("ConcurrentFuture works with await and yield* in tasks", async () => {
  const a = new ConcurrentFuture<number>();
  const b = new ConcurrentFuture<number>();
  const result = await run(async () => {
    setTimeout(() => {
      a.setResult(1);
      b.setResult(2);
    }, 1);
    const x = await a;
    const y = await createTask(function* () {
      return yield* b;
    });
    return x + y;
  });
  assert.equal(result, 3);
});

Deno.test("ConcurrentFuture: cancelling the task that awaits it cancels it", async () => {
  const viaAwait = new ConcurrentFuture<number>();
  const viaYield = new ConcurrentFuture<number>();
  await run(async () => {
    const t1 = createTask(async () => await viaAwait);
    const t2 = createTask(function* () {
      return yield* viaYield;
    });
    await sleep(0);
    t1.cancel();
    t2.cancel();
    await assert.rejects(async () => await t1, CancelledError);
    await assert.rejects(async () => await t2, CancelledError);
  });
  assert.ok(viaAwait.cancelled());
  assert.ok(viaYield.cancelled());
});

Deno.test("wrapFuture() of a ConcurrentFuture follows it and cancels it", async () => {
  await withLoop(async (loop) => {
    const cf = new ConcurrentFuture<number>();
    const fut = wrapFuture(cf, { loop });
    assert.equal(fut.getLoop(), loop);
    setTimeout(() => cf.setResult(7), 1);
    assert.equal(await loop.runUntilComplete(fut), 7);

    const cf2 = new ConcurrentFuture<number>();
    const fut2 = wrapFuture(cf2, { loop });
    fut2.cancel();
    await loop.runUntilComplete(sleep(0)); // done callbacks run in the loop
    assert.ok(cf2.cancelled());

    const cf3 = new ConcurrentFuture<number>();
    cf3.setRunningOrNotifyCancel();
    const fut3 = wrapFuture(cf3, { loop });
    fut3.cancel();
    await loop.runUntilComplete(sleep(0));
    assert.ok(!cf3.cancelled(), "a running job cannot be cancelled");
    cf3.setException(new TypeError("late"));
    await loop.runUntilComplete(sleep(0));
    assert.ok(fut3.cancelled());
  });
});

Deno.test("wrapFuture() of a ConcurrentFuture completed after its loop closed does nothing", async () => {
  const cf = new ConcurrentFuture<number>();
  let fut;
  await withLoop((loop) => {
    fut = wrapFuture(cf, { loop });
  });
  cf.setResult(1);
  assert.ok(!fut!.done());
});
