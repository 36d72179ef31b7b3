// deno-lint-ignore-file require-await require-yield -- tests build coroutines of both kinds, some of which never suspend
import assert from "node:assert/strict";
import {
  allTasks,
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  eagerTaskFactory,
  type Future,
  newEventLoop,
  RuntimeError,
  sleep,
  type Task,
} from "../mod.ts";
import {
  recordExceptions,
  runBriefly,
  withLoop,
  withTestLoop,
} from "./_helpers.ts";

const gc = (globalThis as { gc?: () => void }).gc as () => void;

async function collectGarbage(until: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !until(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 1));
  }
}

Deno.test("Task runs the three coroutine forms to their result", async () => {
  await withTestLoop(async (loop) => {
    function* gen(): Coroutine<string> {
      yield* sleep(1);
      return "generator object";
    }
    function* genFn(): Coroutine<string> {
      yield;
      return "generator function";
    }
    const a = loop.createTask(gen());
    const b = loop.createTask(genFn);
    const c = loop.createTask(async () => {
      await sleep(2);
      return "async function";
    });
    const d = loop.createTask(() =>
      Promise.resolve("function returning a promise")
    );
    const all = await loop.runUntilComplete(
      async () => [await a, await b, await c, await d],
    );
    assert.deepEqual(all, [
      "generator object",
      "generator function",
      "async function",
      "function returning a promise",
    ]);
    assert.equal(loop.time(), 2);
  });
});

Deno.test("Task fails with the coroutine's error, in both kinds", async () => {
  await withTestLoop(async (loop) => {
    const g = loop.createTask(function* () {
      yield* sleep(0.5);
      throw new RangeError("gen failed");
    });
    const a = loop.createTask(async () => {
      await sleep(0.5);
      throw new TypeError("async failed");
    });
    await assert.rejects(loop.runUntilComplete(g), {
      name: "RangeError",
      message: "gen failed",
    });
    await assert.rejects(loop.runUntilComplete(a), {
      name: "TypeError",
      message: "async failed",
    });
    assert.equal((g.exception() as Error).message, "gen failed");
    assert.equal((a.exception() as Error).message, "async failed");
  });
});

Deno.test("createTask() rejects what is not a coroutine with a TypeError naming it", async () => {
  await withLoop(async (loop) => {
    for (const bad of [42, "x", null, Promise.resolve(1), { next() {} }]) {
      assert.throws(
        () => loop.createTask(bad as never),
        (e) => e instanceof TypeError && /current value is/.test(e.message),
      );
    }
    const t = loop.createTask((() => 5) as never);
    await assert.rejects(loop.runUntilComplete(t), {
      name: "TypeError",
      message: /must return a Promise or a generator object: it returned 5/,
    });
    assert.throws(() => createTask(async () => {}), {
      name: "RuntimeError",
      message: "no running event loop",
    });
  });
});

Deno.test("Task.cancel() lands at each suspension point of a generator coroutine", async () => {
  await withTestLoop(async (loop) => {
    const points: Record<string, () => Coroutine<unknown>> = {
      "yield* future": function* () {
        yield* loop.createFuture();
      },
      "yield* sleep(10)": function* () {
        yield* sleep(10);
      },
      "yield* sleep(0)": function* () {
        yield* sleep(0);
        yield* sleep(0);
        yield* sleep(0);
      },
      "bare yield": function* () {
        for (;;) yield;
      },
      "yield* task": function* () {
        yield* loop.createTask(() => sleep(100));
      },
    };
    for (const [where, body] of Object.entries(points)) {
      const reached: string[] = [];
      const task = loop.createTask(function* () {
        try {
          yield* body();
          reached.push("not cancelled");
        } catch (e) {
          reached.push(
            e instanceof CancelledError
              ? `cancelled: ${e.message}`
              : `other ${e}`,
          );
          throw e;
        }
      });
      await runBriefly(loop, 2);
      assert.equal(task.cancel(where), true);
      await assert.rejects(loop.runUntilComplete(task), CancelledError);
      assert.ok(task.cancelled(), where);
      assert.deepEqual(reached, [`cancelled: ${where}`], where);
    }
    for (const t of allTasks(loop)) t.cancel();
    await runBriefly(loop);
  });
});

Deno.test("Task.cancel() lands at each suspension point of an async function", async () => {
  await withTestLoop(async (loop) => {
    const points: Record<string, () => Promise<unknown>> = {
      "await future": async () => await loop.createFuture(),
      "await sleep(10)": async () => await sleep(10),
      "await sleep(0)": async () => {
        await sleep(0);
        await sleep(0);
        await sleep(0);
      },
      "await task": async () => await loop.createTask(() => sleep(100)),
      "await in a nested async helper": async () => {
        const helper = async () => {
          await sleep(1);
          await sleep(1);
        };
        await helper();
      },
      "await Promise.all([future])": async () =>
        await Promise.all([loop.createFuture()]),
    };
    for (const [where, body] of Object.entries(points)) {
      const reached: string[] = [];
      const task = loop.createTask(async () => {
        try {
          await body();
          reached.push("not cancelled");
        } catch (e) {
          reached.push(
            e instanceof CancelledError
              ? `cancelled: ${e.message}`
              : `other ${e}`,
          );
          throw e;
        }
      });
      await runBriefly(loop, 3);
      assert.equal(task.cancel(where), true);
      await assert.rejects(loop.runUntilComplete(task), CancelledError);
      assert.ok(task.cancelled(), where);
      assert.deepEqual(reached, [`cancelled: ${where}`], where);
    }
    for (const t of allTasks(loop)) t.cancel();
    await runBriefly(loop);
  });
});

Deno.test("Task.cancel() of an async function waiting on a foreign Promise lands at its next await of ours", async () => {
  await withLoop(async (loop) => {
    let release!: () => void;
    const foreign = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const task = loop.createTask(async () => {
      await foreign;
      seen.push("foreign settled");
      try {
        await sleep(0);
      } catch (e) {
        seen.push(`cancelled at sleep: ${(e as Error).name}`);
        throw e;
      }
      seen.push("not reached");
    });
    await runBriefly(loop);
    task.cancel();
    assert.equal(task.signal.aborted, true);
    release();
    await assert.rejects(loop.runUntilComplete(task), CancelledError);
    assert.deepEqual(seen, [
      "foreign settled",
      "cancelled at sleep: CancelledError",
    ]);
  });
});

Deno.test("Task cancelled before its first step never runs its coroutine", async () => {
  await withLoop(async (loop) => {
    let ran = false;
    const a = loop.createTask(async () => {
      ran = true;
    });
    const g = loop.createTask(function* () {
      ran = true;
    });
    a.cancel();
    g.cancel("early");
    await assert.rejects(loop.runUntilComplete(a), CancelledError);
    await assert.rejects(loop.runUntilComplete(g), {
      name: "CancelledError",
      message: "early",
    });
    assert.equal(ran, false);
  });
});

Deno.test("A coroutine that catches CancelledError goes on, and the task is not cancelled", async () => {
  await withTestLoop(async (loop) => {
    const a = loop.createTask(async () => {
      try {
        await sleep(10);
      } catch {
        currentTask()?.uncancel();
      }
      await sleep(1);
      return "survived";
    });
    const g = loop.createTask(function* () {
      try {
        yield* sleep(10);
      } catch {
        currentTask()?.uncancel();
      }
      yield* sleep(1);
      return "survived too";
    });
    await runBriefly(loop);
    a.cancel();
    g.cancel();
    assert.equal(await loop.runUntilComplete(a), "survived");
    assert.equal(await loop.runUntilComplete(g), "survived too");
    assert.equal(a.cancelled(), false);
    assert.equal(a.cancelling(), 0);
  });
});

Deno.test("Task.cancel() cancels the future the task waits on", async () => {
  await withLoop(async (loop) => {
    const fa = loop.createFuture();
    const fg = loop.createFuture();
    const a = loop.createTask(async () => await fa);
    const g = loop.createTask(function* () {
      yield* fg;
    });
    await runBriefly(loop);
    a.cancel("stop a");
    g.cancel("stop g");
    assert.ok(fa.cancelled());
    assert.ok(fg.cancelled());
    await assert.rejects(loop.runUntilComplete(a), { message: "stop a" });
    await assert.rejects(loop.runUntilComplete(g), { message: "stop g" });
  });
});

Deno.test("cancelling(), uncancel() count cancellation requests; cancel() of a done task is false", async () => {
  await withLoop(async (loop) => {
    const t = loop.createTask(async () => {
      try {
        await loop.createFuture();
      } catch {
        // swallow: the task then returns normally
      }
      return 1;
    });
    await runBriefly(loop);
    assert.equal(t.cancelling(), 0);
    t.cancel();
    t.cancel();
    assert.equal(t.cancelling(), 2);
    assert.equal(t.uncancel(), 1);
    assert.equal(await loop.runUntilComplete(t), 1);
    assert.equal(t.cancel(), false);
    assert.equal(t.uncancel(), 0);
    assert.equal(t.uncancel(), 0);
  });
});

Deno.test("A cancel requested while the coroutine returns still cancels the task (asyncio semantics)", async () => {
  await withLoop(async (loop) => {
    let release!: () => void;
    const foreign = new Promise<void>((r) => (release = r));
    const t = loop.createTask(async () => {
      await foreign;
      return "value";
    });
    await runBriefly(loop);
    t.cancel("late");
    release();
    await assert.rejects(loop.runUntilComplete(t), {
      name: "CancelledError",
      message: "late",
    });
  });
});

Deno.test("Task.signal aborts with a CancelledError on cancel(), at the end, and is fresh after uncancel()", async () => {
  await withLoop(async (loop) => {
    const reasons: unknown[] = [];
    const t = loop.createTask(async () => {
      const task = currentTask() as Task;
      const first = task.signal;
      first.addEventListener("abort", () => reasons.push(first.reason));
      try {
        await sleep(10);
      } catch {
        task.uncancel();
      }
      assert.equal(first.aborted, true);
      assert.equal(
        task.signal.aborted,
        false,
        "a fresh signal after uncancel()",
      );
      return task.signal;
    });
    await runBriefly(loop);
    t.cancel("because");
    const last = await loop.runUntilComplete(t);
    assert.equal(reasons.length, 1);
    assert.ok(reasons[0] instanceof CancelledError);
    assert.equal((reasons[0] as Error).message, "because");
    assert.equal(last.aborted, true, "the signal aborts when the task ends");
    assert.equal(t.signal.aborted, true);
  });
});

Deno.test("Task.signal stops a Web API waiting on it (fetch-like)", async () => {
  await withLoop(async (loop) => {
    const abortable = (signal: AbortSignal) =>
      new Promise((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), {
          once: true,
        });
      });
    const t = loop.createTask(async () =>
      await abortable((currentTask() as Task).signal)
    );
    await runBriefly(loop);
    t.cancel("user left");
    await assert.rejects(loop.runUntilComplete(t), {
      name: "CancelledError",
      message: "user left",
    });
    assert.ok(t.cancelled());
  });
});

Deno.test("currentTask() in generator and async tasks, in nested helpers, after foreign awaits, and null in callbacks", async () => {
  await withLoop(async (loop) => {
    const seen: unknown[] = [];
    const a = loop.createTask(async () => {
      seen.push(["a start", currentTask()?.getName()]);
      await Promise.resolve();
      seen.push(["a after foreign", currentTask()?.getName()]);
      const helper = async () => {
        await sleep(0);
        return currentTask()?.getName();
      };
      seen.push(["a helper", await helper()]);
    }, { name: "A" });
    const g = loop.createTask(function* () {
      seen.push(["g", currentTask()?.getName()]);
      yield;
      seen.push(["g again", currentTask()?.getName()]);
    }, { name: "G" });
    loop.callSoon(() => seen.push(["callback", currentTask()]));
    await loop.runUntilComplete(async () => {
      await a;
      await g;
    });
    assert.deepEqual(seen, [
      ["a start", "A"],
      ["a after foreign", "A"],
      ["g", "G"],
      ["callback", null],
      ["g again", "G"],
      ["a helper", "A"],
    ]);
  });
});

Deno.test("allTasks() lists pending tasks; the loop keeps unreferenced tasks alive to their end", async () => {
  await withLoop(async (loop) => {
    const results: number[] = [];
    for (let i = 0; i < 10; i++) {
      loop.createTask(async () => {
        await sleep(0.001);
        results.push(i);
      });
    }
    assert.equal(allTasks(loop).size, 10);
    gc();
    await loop.runUntilComplete(sleep(0.02));
    assert.equal(results.length, 10);
    assert.equal(allTasks(loop).size, 0);
  });
});

Deno.test("Task names, setName(), getCoro(), toString()", async () => {
  await withLoop(async (loop) => {
    async function work() {
      await sleep(0);
    }
    const t = loop.createTask(work, { name: "job" });
    assert.equal(t.getName(), "job");
    assert.equal(t.getCoro(), work);
    assert.equal(String(t), "<Task pending name='job' coro=work()>");
    t.setName(7);
    assert.equal(t.getName(), "7");
    const anon = loop.createTask(work);
    assert.match(anon.getName(), /^Task-\d+$/);
    await loop.runUntilComplete(t);
    await loop.runUntilComplete(anon);
    assert.equal(String(t), "<Task finished name='7' result=undefined>");
    assert.equal(t.getCoro(), null);
  });
});

Deno.test("Task.setResult()/setException() are RuntimeErrors", async () => {
  await withLoop(async (loop) => {
    const t = loop.createTask(async () => 1);
    assert.throws(() => t.setResult(2), RuntimeError);
    assert.throws(() => t.setException(new Error()), RuntimeError);
    await loop.runUntilComplete(t);
  });
});

Deno.test("Generator coroutines: bad yields and awaiting itself are RuntimeErrors thrown into the coroutine", async () => {
  await withLoop(async (loop) => {
    const caught: string[] = [];
    const t1 = loop.createTask(function* () {
      try {
        yield 42;
      } catch (e) {
        caught.push((e as Error).message);
      }
      const f = loop.createFuture();
      loop.callSoon(() => f.setResult(1));
      try {
        yield f;
      } catch (e) {
        caught.push((e as Error).message);
      }
      try {
        yield (function* () {})();
      } catch (e) {
        caught.push((e as Error).message);
      }
    });
    await loop.runUntilComplete(t1);
    assert.match(caught[0], /^Task got bad yield: 42/);
    assert.match(caught[1], /^yield was used instead of yield\* in task/);
    assert.match(
      caught[2],
      /^yield was used instead of yield\* for generator in task/,
    );
    const self: Task<unknown> = loop.createTask(function* () {
      yield* self;
    });
    await assert.rejects(loop.runUntilComplete(self), {
      name: "RuntimeError",
      message: /Task cannot await on itself/,
    });
    const selfAsync: Task<unknown> = loop.createTask(async () =>
      await selfAsync
    );
    await assert.rejects(loop.runUntilComplete(selfAsync), {
      name: "RuntimeError",
      message: /Task cannot await on itself/,
    });
  });
});

Deno.test("A task awaiting a future of another loop gets a RuntimeError", async () => {
  await withLoop(async (loop) => {
    const other = newEventLoop();
    try {
      const foreign = other.createFuture();
      const g = loop.createTask(function* () {
        yield* foreign;
      });
      await assert.rejects(loop.runUntilComplete(g), {
        name: "RuntimeError",
        message: /attached to a different loop/,
      });
      const a = loop.createTask(async () => await foreign);
      await assert.rejects(loop.runUntilComplete(a), {
        name: "RuntimeError",
        message: /attached to a different loop/,
      });
    } finally {
      other.close();
    }
  });
});

Deno.test("Task wakeups run in FIFO order, and an async continuation runs right after its wakeup", async () => {
  await withLoop(async (loop) => {
    const order: string[] = [];
    const fut = loop.createFuture();
    for (const name of ["a", "b", "c"]) {
      loop.createTask(async () => {
        await fut;
        order.push(name);
      });
    }
    await runBriefly(loop);
    fut.setResult(null);
    loop.callSoon(() => order.push("callback after the wakeups"));
    await runBriefly(loop, 3);
    assert.deepEqual(order, ["a", "b", "c", "callback after the wakeups"]);
  });
});

Deno.test("eagerTaskFactory runs the first step inside createTask()", async () => {
  await withLoop(async (loop) => {
    loop.setTaskFactory(eagerTaskFactory);
    const seen: unknown[] = [];
    await loop.runUntilComplete(function* () {
      const outer = currentTask();
      const quick = loop.createTask(function* () {
        seen.push(["inside", currentTask()?.getName()]);
        return "quick";
      }, { name: "eager" });
      seen.push(["after", currentTask() === outer, quick.done()]);
      assert.equal(quick.result(), "quick");
      const slow = loop.createTask(async () => {
        seen.push(["slow start", currentTask()?.getName()]);
        await sleep(0);
        return "slow";
      }, { name: "eager-async" });
      seen.push(["slow pending", slow.done()]);
      seen.push(["slow result", yield* slow]);
    });
    loop.setTaskFactory(null);
    assert.deepEqual(seen, [
      ["inside", "eager"],
      ["after", true, true],
      ["slow start", "eager-async"],
      ["slow pending", false],
      ["slow result", "slow"],
    ]);
  });
});

Deno.test("Task context option: every step runs in the context", async () => {
  await withLoop(async (loop) => {
    let depth = 0;
    const seen: number[] = [];
    const context = {
      run<R>(fn: (...a: unknown[]) => R, ...args: unknown[]): R {
        depth++;
        try {
          return fn(...args);
        } finally {
          depth--;
        }
      },
    };
    const t = loop.createTask(function* () {
      seen.push(depth);
      yield;
      seen.push(depth);
    }, { context });
    assert.equal(t.getContext(), context);
    await loop.runUntilComplete(t);
    assert.deepEqual(seen, [1, 1]);
  });
});

Deno.test("A task's exception that is never retrieved is reported when the task is collected", async () => {
  const loop = newEventLoop();
  const seen = recordExceptions(loop);
  try {
    await loop.runUntilComplete(async () => {
      loop.createTask(async () => {
        throw new Error("nobody looks");
      });
      await sleep(0);
      await sleep(0);
    });
    await collectGarbage(() => seen.length > 0);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].message, "Task exception was never retrieved");
    assert.equal((seen[0].exception as Error).message, "nobody looks");
  } finally {
    loop.close();
  }
});

Deno.test("A task still pending when its loop is closed is reported when collected", async () => {
  const loop = newEventLoop();
  const seen = recordExceptions(loop);
  loop.createTask(async () => {
    await sleep(3600);
  }, { name: "abandoned" });
  await runBriefly(loop);
  loop.close();
  await collectGarbage(() => seen.length > 0);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].message, "Task was destroyed but it is pending!");
  assert.match(String(seen[0].taskRepr), /name='abandoned'/);
});

Deno.test("Task done callbacks receive the task", async () => {
  await withLoop(async (loop) => {
    const seen: unknown[] = [];
    const t = loop.createTask(async () => 3);
    t.addDoneCallback((task) => seen.push((task as Future<number>).result()));
    await loop.runUntilComplete(t);
    await runBriefly(loop);
    assert.deepEqual(seen, [3]);
  });
});
