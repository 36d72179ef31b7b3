// deno-lint-ignore-file require-await -- tests build async coroutines that never suspend
// toThread(), runCoroutineThreadsafe() and loop handles, with real
// workers: CPython's test_threads.py, the run_coroutine_threadsafe tests
// of test_tasks.py, and cross-realm calls between Workers' loops.
import assert from "node:assert/strict";
import {
  CancelledError,
  type ConcurrentFuture,
  createTask,
  currentTask,
  exposeLoop,
  getRunningLoop,
  LoopHandle,
  newEventLoop,
  run,
  runCoroutineThreadsafe,
  RuntimeError,
  sleep,
  TestLoop,
  toThread,
  WorkerPoolExecutor,
} from "../mod.ts";
import { recordExceptions, runBriefly, withLoop } from "./_helpers.ts";

const WORK = new URL("./fixtures/work_module.ts", import.meta.url);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// ---- toThread (test_threads.py) ----

Deno.test("toThread() runs the function in a worker of the default executor", async () => {
  const [result, inWorker] = await run(async () => [
    await toThread(sum, [40, 2]),
    await toThread(() =>
      typeof (globalThis as { WorkerGlobalScope?: unknown })
        .WorkerGlobalScope !== "undefined"
    ),
  ]);
  assert.equal(result, 42);
  assert.equal(inWorker, true);
});

Deno.test("toThread() rejects with the function's error", async () => {
  await assert.rejects(
    run(async () =>
      await toThread(() => {
        throw new RangeError("test");
      })
    ),
    { name: "RangeError", message: "test" },
  );
});

Deno.test("toThread() calls the function once, and only when awaited", async () => {
  const counter = new SharedArrayBuffer(4);
  const calls = new Int32Array(counter);
  const bump = (sab: SharedArrayBuffer) =>
    Atomics.add(new Int32Array(sab), 0, 1);
  await run(async () => {
    const lazy = toThread(bump, counter);
    await sleep(0.01);
    assert.equal(Atomics.load(calls, 0), 0, "not started before awaited");
    await lazy;
  });
  assert.equal(Atomics.load(calls, 0), 1);
});

Deno.test("toThread() runs many calls concurrently", async () => {
  const counter = new SharedArrayBuffer(4);
  const bump = (sab: SharedArrayBuffer) =>
    Atomics.add(new Int32Array(sab), 0, 1);
  await run(async () => {
    const tasks = Array.from(
      { length: 10 },
      () => createTask(() => toThread(bump, counter)),
    );
    for (const t of tasks) await t;
  });
  assert.equal(new Int32Array(counter)[0], 10);
});

Deno.test("toThread() passes its arguments by structured cloning", async () => {
  const out = await run(async () =>
    await toThread(
      (a: string, b: { n: number }, c: Uint8Array) => [a, b.n, c.length],
      "test",
      { n: 2 },
      new Uint8Array(3),
    )
  );
  assert.deepEqual(out, ["test", 2, 3]);
});

Deno.test("toThread() works with yield* and with module exports", async () => {
  const out = await run(function* () {
    const a = yield* toThread(sum, [1, 2]);
    const b = yield* toThread<number>({ module: WORK, name: "fib" }, 12);
    return [a, b];
  });
  assert.deepEqual(out, [3, 144]);
});

Deno.test("toThread() uses the executor set with setDefaultExecutor()", async () => {
  await run(async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 1, name: "mine" });
    getRunningLoop().setDefaultExecutor(pool);
    assert.equal(
      await toThread(() => (globalThis as unknown as { name: string }).name),
      "mine-worker-1",
    );
  }); // run() shuts the default executor down
});

Deno.test("toThread() awaited outside a running loop is a RuntimeError", async () => {
  await assert.rejects(
    async () => await toThread(() => 1),
    { name: "RuntimeError", message: "no running event loop" },
  );
});

Deno.test("toThread(): cancelling the waiting task drops a job that has not started", async () => {
  const g = new SharedArrayBuffer(8);
  const cells = new Int32Array(g);
  await run(async () => {
    getRunningLoop().setDefaultExecutor(
      new WorkerPoolExecutor({ maxWorkers: 1 }),
    );
    const blocker = createTask(() =>
      toThread((sab: SharedArrayBuffer) => {
        Atomics.wait(new Int32Array(sab), 0, 0);
      }, g)
    );
    await sleep(0);
    const queued = createTask(() =>
      toThread((sab: SharedArrayBuffer) => {
        Atomics.store(new Int32Array(sab), 1, 1);
      }, g)
    );
    await sleep(0);
    queued.cancel();
    await assert.rejects(async () => await queued, CancelledError);
    Atomics.store(cells, 0, 1);
    Atomics.notify(cells, 0);
    await blocker;
  });
  assert.equal(cells[1], 0, "the cancelled job never ran");
});

// ---- runCoroutineThreadsafe, within a realm (test_tasks.py) ----

Deno.test("runCoroutineThreadsafe() runs a coroutine on the loop from a host callback", async () => {
  await withLoop(async (loop) => {
    let cf: ConcurrentFuture<number> | null = null;
    setTimeout(() => {
      cf = runCoroutineThreadsafe(async () => {
        await sleep(0.001);
        assert.equal(getRunningLoop(), loop);
        return 7;
      }, loop);
    }, 1);
    const result = await loop.runUntilComplete(async () => {
      while (cf === null) await sleep(0.001);
      return await cf;
    });
    assert.equal(result, 7);
    assert.ok(cf!.done());
  });
});

Deno.test("runCoroutineThreadsafe() accepts generator objects, generator functions and module awaitables", async () => {
  await withLoop(async (loop) => {
    function* gen() {
      yield* sleep(0);
      return "gen";
    }
    const a = runCoroutineThreadsafe(gen(), loop);
    const b = runCoroutineThreadsafe(gen, loop);
    const c = runCoroutineThreadsafe(sleep(0, "sleep"), loop);
    await runBriefly(loop, 5);
    assert.deepEqual([a.result(), b.result(), c.result()], [
      "gen",
      "gen",
      "sleep",
    ]);
  });
});

Deno.test("runCoroutineThreadsafe() passes the coroutine's error on", async () => {
  await withLoop(async (loop) => {
    const cf = runCoroutineThreadsafe(async () => {
      await sleep(0);
      throw new RangeError("inside");
    }, loop);
    await loop.runUntilComplete(async () => {
      await assert.rejects(async () => await cf, RangeError);
    });
    assert.ok(cf.exception() instanceof RangeError);
  });
});

Deno.test("runCoroutineThreadsafe(): cancelling the ConcurrentFuture cancels the task, and the other way", async () => {
  await withLoop(async (loop) => {
    let seen: unknown = null;
    const cf = runCoroutineThreadsafe(async () => {
      try {
        await sleep(3600);
      } catch (e) {
        seen = e;
        throw e;
      }
    }, loop);
    await runBriefly(loop);
    assert.ok(cf.cancel());
    await runBriefly(loop);
    assert.ok(seen instanceof CancelledError);

    const cf2 = runCoroutineThreadsafe(async () => {
      const me = currentTask()!;
      getRunningLoop().callSoon(() => me.cancel());
      await sleep(3600);
    }, loop);
    await runBriefly(loop, 8);
    assert.ok(cf2.cancelled());
  });
});

Deno.test("runCoroutineThreadsafe(): a task factory that fails fails the future and reports to the loop", async () => {
  await withLoop(async (loop, seen) => {
    loop.setTaskFactory(() => {
      throw new TypeError("no tasks today");
    });
    const cf = runCoroutineThreadsafe(async () => 1, loop);
    await runBriefly(loop);
    assert.ok(cf.exception() instanceof TypeError);
    assert.equal(seen.length, 1);
    assert.equal((seen[0].exception as Error).message, "no tasks today");
    seen.length = 0;
  });
});

Deno.test("runCoroutineThreadsafe() rejects what is not a coroutine, and closed loops", () => {
  const loop = new TestLoop();
  try {
    for (const bad of [42, Promise.resolve(1), null]) {
      assert.throws(() => runCoroutineThreadsafe(bad as never, loop), {
        name: "TypeError",
        message:
          /^Cannot run coroutine threadsafe as 'coro' must be a coroutine/,
      });
    }
    assert.throws(
      () => runCoroutineThreadsafe(async () => 1, {} as never),
      /'loop' must be an event loop or a LoopHandle/,
    );
  } finally {
    loop.close();
  }
  assert.throws(
    () => runCoroutineThreadsafe(async () => 1, loop),
    { name: "RuntimeError", message: "Event loop is closed" },
  );
});

// ---- loop handles, within one realm ----

Deno.test("LoopHandle.callSoonThreadsafe() runs a registered function on the loop; errors go to its exception handler", async () => {
  await withLoop(async (loop, seen) => {
    const calls: unknown[][] = [];
    const port = exposeLoop(loop, {
      add: (...args: unknown[]) => void calls.push(args),
      boom() {
        throw new Error("callback failed");
      },
    });
    using handle = new LoopHandle(port);
    handle.callSoonThreadsafe("add", 1, "two");
    handle.callSoonThreadsafe("boom");
    (handle as LoopHandle).callSoonThreadsafe("missing"); // typed out otherwise
    await loop.runUntilComplete(async () => {
      while (seen.length < 2) await sleep(0.001);
    });
    assert.deepEqual(calls, [[1, "two"]]);
    assert.equal(seen[0].message, "Exception in callback boom()");
    assert.equal(
      seen[1].message,
      `Cannot call "missing" through a loop handle as no function is registered under that name (registered: "add", "boom")`,
    );
    seen.length = 0;
    assert.throws(
      () => (handle as LoopHandle).callSoonThreadsafe(3 as never),
      TypeError,
    );
    assert.throws(
      () => handle.callSoonThreadsafe("add", () => {}),
      (e) => (e as Error).name === "DataCloneError",
    );
  });
});

Deno.test("LoopHandle.runCoroutineThreadsafe() returns the result, the error, or the cancellation", async () => {
  await withLoop(async (loop) => {
    let cancelled = false;
    const port = exposeLoop(loop, {
      async double(x: number) {
        await sleep(0);
        return 2 * x;
      },
      plain: (x: number) => x + 1,
      fail() {
        throw new RangeError("nope", { cause: new Error("root") });
      },
      async forever() {
        try {
          await sleep(3600);
        } catch (e) {
          cancelled = true;
          throw e;
        }
      },
      async selfCancel() {
        await sleep(0);
        throw new CancelledError("gave up");
      },
      unclonable: () => () => 1,
    });
    using handle = new LoopHandle(port);
    await loop.runUntilComplete(async () => {
      assert.equal(await handle.runCoroutineThreadsafe("double", 21), 42);
      assert.equal(await handle.runCoroutineThreadsafe("plain", 1), 2);
      await assert.rejects(
        async () => await handle.runCoroutineThreadsafe("fail"),
        (e) =>
          e instanceof RangeError && e.message === "nope" &&
          (e.cause as Error).message === "root",
      );
      await assert.rejects(
        async () =>
          await (handle as LoopHandle).runCoroutineThreadsafe("missing"),
        {
          name: "RangeError",
          message:
            /^Cannot run "missing" through a loop handle as no function is registered under that name/,
        },
      );
      await assert.rejects(
        async () => await handle.runCoroutineThreadsafe("unclonable"),
        /Cannot send the result back through the loop handle/,
      );
      const cf = handle.runCoroutineThreadsafe("selfCancel");
      await assert.rejects(async () => await cf, CancelledError);
      assert.ok(cf.cancelled());
      const long = handle.runCoroutineThreadsafe("forever");
      await sleep(0.01);
      assert.ok(long.cancel());
      while (!cancelled) await sleep(0.001);
    });
  });
});

Deno.test("LoopHandle: a task awaiting a remote coroutine cancels it when cancelled", async () => {
  await withLoop(async (loop) => {
    let cancelled = false;
    const port = exposeLoop(loop, {
      async forever() {
        try {
          await sleep(3600);
        } catch (e) {
          cancelled = true;
          throw e;
        }
      },
    });
    using handle = new LoopHandle(port);
    await loop.runUntilComplete(async () => {
      const waiter = createTask(async () =>
        await handle.runCoroutineThreadsafe("forever")
      );
      await sleep(0.01);
      waiter.cancel();
      await assert.rejects(async () => await waiter, CancelledError);
      while (!cancelled) await sleep(0.001);
    });
  });
});

Deno.test("LoopHandle: closing the handle fails what waits; closing the loop closes the handle", async () => {
  const loop = newEventLoop();
  const seen = recordExceptions(loop);
  const port = exposeLoop(loop, { forever: () => sleep(3600) });
  const handle = new LoopHandle(port);
  const pending = handle.runCoroutineThreadsafe("forever");
  await runBriefly(loop);
  handle.close();
  handle.close();
  assert.ok(handle.isClosed());
  assert.throws(() => pending.result(), {
    name: "RuntimeError",
    message: "LoopHandle is closed",
  });
  assert.throws(() => handle.callSoonThreadsafe("forever"), {
    name: "RuntimeError",
    message: "LoopHandle is closed",
  });

  const port2 = exposeLoop(loop, { forever: () => sleep(3600) });
  const handle2 = new LoopHandle(port2);
  const pending2 = handle2.runCoroutineThreadsafe("forever");
  await runBriefly(loop);
  loop.close();
  await pending2.then(() => {}, () => {});
  assert.ok(handle2.isClosed());
  assert.throws(() => pending2.result(), {
    name: "RuntimeError",
    message: "Event loop is closed",
  });
  assert.throws(
    () => handle2.runCoroutineThreadsafe("forever"),
    RuntimeError,
  );
  assert.deepEqual(seen, []);
});

Deno.test("LoopHandle.close() closes the other side's port and cancels the tasks it started", async () => {
  await withLoop(async (loop) => {
    let cancelled = false;
    const port = exposeLoop(loop, {
      async forever() {
        try {
          await sleep(3600);
        } catch (e) {
          cancelled = true;
          throw e;
        }
      },
    });
    const handle = new LoopHandle(port);
    handle.runCoroutineThreadsafe("forever");
    await loop.runUntilComplete(async () => {
      await sleep(0.01);
      handle.close();
      while (!cancelled) await sleep(0.001);
    });
    const closeCallbacks = (loop as unknown as {
      _closeCallbacks: Set<unknown> | null;
    })._closeCallbacks;
    assert.equal(closeCallbacks?.size ?? 0, 0, "nothing left to close");
  });
});

Deno.test("exposeLoop() and LoopHandle reject bad arguments", () => {
  const loop = newEventLoop();
  try {
    assert.throws(() => exposeLoop({} as never, {}), TypeError);
    assert.throws(() => exposeLoop(loop, null as never), TypeError);
    assert.throws(
      () => exposeLoop(loop, { x: 3 } as never),
      /'functions\.x' must be a function/,
    );
    assert.throws(() => new LoopHandle({} as never), TypeError);
  } finally {
    loop.close();
  }
  assert.throws(() => exposeLoop(loop, {}), {
    name: "RuntimeError",
    message: "Event loop is closed",
  });
});

// ---- loop handles across Workers ----

function nextMessage(worker: Worker): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
  });
}

Deno.test("LoopHandle: the main thread reaches the loop of a Worker, which stops when asked", async () => {
  const worker = new Worker(
    new URL("./fixtures/loop_owner_worker.ts", import.meta.url),
    { type: "module", name: "owner" },
  );
  try {
    const { port } = await nextMessage(worker) as { port: MessagePort };
    const stopped = await run(async () => {
      const handle = new LoopHandle(port);
      handle.callSoonThreadsafe("record", "from main");
      assert.equal(await handle.runCoroutineThreadsafe("double", 4), 8);
      assert.equal(
        await runCoroutineThreadsafe(["tripleGen", 4], handle),
        12,
      );
      assert.deepEqual(await handle.runCoroutineThreadsafe("log"), [
        "from main",
      ]);
      assert.equal(await handle.runCoroutineThreadsafe("whoami"), "owner");
      await assert.rejects(
        async () => await handle.runCoroutineThreadsafe("fail"),
        (e) =>
          e instanceof RangeError && e.message === "remote failure" &&
          /loop_owner_worker\.ts/.test(e.stack!),
      );
      const forever = handle.runCoroutineThreadsafe("forever");
      await sleep(0.01);
      forever.cancel();
      while (!(await handle.runCoroutineThreadsafe("wasCancelled"))) {
        await sleep(0.001);
      }
      const done = nextMessage(worker);
      handle.callSoonThreadsafe("stop", "asked by main");
      const last = await done;
      // The Worker's loop closed: the handle closed with it.
      assert.ok(handle.isClosed());
      return last;
    });
    assert.deepEqual(stopped, { stopped: "asked by main" });
  } finally {
    worker.terminate();
  }
});

Deno.test("LoopHandle: one Worker reaches another Worker's loop", async () => {
  const owner = new Worker(
    new URL("./fixtures/loop_owner_worker.ts", import.meta.url),
    { type: "module", name: "owner" },
  );
  const client = new Worker(
    new URL("./fixtures/loop_client_worker.ts", import.meta.url),
    { type: "module", name: "client" },
  );
  try {
    const { port } = await nextMessage(owner) as { port: MessagePort };
    const reply = nextMessage(client);
    client.postMessage({ port }, [port]);
    assert.deepEqual(await reply, {
      doubled: 42,
      tripled: 15,
      error: "RangeError: remote failure",
      where: "owner",
    });
    // What the client scheduled with callSoonThreadsafe ran on the owner.
    const again = nextMessage(owner);
    owner.postMessage("port");
    const { port: port2 } = await again as { port: MessagePort };
    await run(async () => {
      using handle = new LoopHandle(port2);
      assert.deepEqual(await handle.runCoroutineThreadsafe("log"), [
        "hello from client",
      ]);
      const stopped = nextMessage(owner);
      handle.callSoonThreadsafe("stop", "done");
      assert.deepEqual(await stopped, { stopped: "done" });
    });
  } finally {
    owner.terminate();
    client.terminate();
  }
});

Deno.test("LoopHandle: a Worker reaches the main thread's loop", async () => {
  const client = new Worker(
    new URL("./fixtures/loop_client_worker.ts", import.meta.url),
    { type: "module", name: "client" },
  );
  try {
    const log: string[] = [];
    const report = await run(async () => {
      const port = exposeLoop(getRunningLoop(), {
        record: (entry: string) => void log.push(entry),
        async double(x: number) {
          await sleep(0.001);
          return 2 * x;
        },
        *tripleGen(x: number) {
          yield* sleep(0.001);
          return 3 * x;
        },
        fail() {
          throw new RangeError("main failure");
        },
        whoami: () => "main",
      });
      const reply = nextMessage(client);
      client.postMessage({ port }, [port]);
      return await reply;
    });
    assert.deepEqual(report, {
      doubled: 42,
      tripled: 15,
      error: "RangeError: main failure",
      where: "main",
    });
    assert.deepEqual(log, ["hello from client"]);
  } finally {
    client.terminate();
  }
});
