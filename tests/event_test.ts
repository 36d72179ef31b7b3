// Event: the behaviours of CPython's test_locks.py EventTests.
import assert from "node:assert/strict";
import { CancelledError, type Coroutine, Event, sleep } from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

async function settle(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await sleep(0);
}

Deno.test("Event.toString() shows the flag and the waiters", async () => {
  await withTestLoop(async (loop) => {
    const ev = new Event();
    assert.equal(String(ev), "<Event [unset]>");
    await loop.runUntilComplete(function* () {
      const t = loop.createTask(function* () {
        yield* ev.wait();
      });
      yield;
      assert.equal(String(ev), "<Event [unset, waiters:1]>");
      ev.set();
      yield* t;
      assert.equal(String(ev), "<Event [set]>");
    });
  });
});

Deno.test("Event.set() wakes every waiter, in the order they waited", async () => {
  await withTestLoop(async (loop) => {
    const ev = new Event();
    assert.equal(ev.isSet(), false);
    const result: number[] = [];
    await loop.runUntilComplete(function* () {
      function* c(n: number): Coroutine<void> {
        if (yield* ev.wait()) result.push(n);
      }
      const t1 = loop.createTask(c(1));
      const t2 = loop.createTask(c(2));
      yield;
      assert.deepEqual(result, []);
      const t3 = loop.createTask(c(3));
      ev.set();
      yield;
      // t3 never waited: it ran first, then the woken ones in order.
      assert.deepEqual(result, [3, 1, 2]);
      for (const t of [t1, t2, t3]) assert.equal(t.result(), undefined);
    });
  });
});

Deno.test("Event.wait() on a set event returns true at once, in both kinds", async () => {
  await withTestLoop(async (loop) => {
    const ev = new Event();
    ev.set();
    assert.equal(
      await loop.runUntilComplete(async () => await ev.wait()),
      true,
    );
    assert.equal(
      await loop.runUntilComplete(function* () {
        return yield* ev.wait();
      }),
      true,
    );
  });
});

Deno.test("Event.wait() cancelled leaves no waiter behind", async () => {
  await withTestLoop(async (loop) => {
    const ev = new Event();
    await loop.runUntilComplete(async () => {
      const wait = loop.createTask(async () => await ev.wait());
      loop.callSoon(() => wait.cancel());
      await assert.rejects(async () => await wait, CancelledError);
      assert.equal(String(ev), "<Event [unset]>");
    });
  });
});

Deno.test("Event.clear() resets the flag; set() then clear() still wakes the waiters", async () => {
  await withTestLoop(async (loop) => {
    const ev = new Event();
    ev.set();
    assert.ok(ev.isSet());
    ev.clear();
    assert.ok(!ev.isSet());
    const result: number[] = [];
    await loop.runUntilComplete(async () => {
      const t = loop.createTask(async () => {
        if (await ev.wait()) result.push(1);
        return true;
      });
      await settle();
      assert.deepEqual(result, []);
      ev.set();
      ev.clear();
      assert.ok(!ev.isSet());
      ev.set();
      ev.set();
      assert.match(String(ev), /waiters:1/);
      await settle();
      assert.deepEqual(result, [1]);
      assert.equal(String(ev), "<Event [set]>");
      assert.equal(await t, true);
    });
  });
});

Deno.test("Event.wait() in many tasks of both kinds, woken by one set()", async () => {
  await withTestLoop(async (loop) => {
    const ev = new Event();
    await loop.runUntilComplete(async () => {
      const woken: string[] = [];
      const tasks = [];
      for (let i = 0; i < 3; i++) {
        tasks.push(loop.createTask(async () => {
          await ev.wait();
          woken.push(`a${i}`);
        }));
        tasks.push(loop.createTask(function* () {
          yield* ev.wait();
          woken.push(`g${i}`);
        }));
      }
      await sleep(5);
      assert.deepEqual(woken, []);
      loop.callLater(1, () => ev.set());
      for (const t of tasks) await t;
      assert.equal(woken.length, 6);
      assert.equal(loop.time(), 6);
    });
  });
});
