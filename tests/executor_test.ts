// deno-lint-ignore-file require-await -- tests send async functions that never suspend to workers
// WorkerPoolExecutor and loop.runInExecutor(), with real workers: the
// executor parts of CPython's test_base_events.py / test_events.py
// (run_in_executor, set_default_executor, shutdown_default_executor), and
// concurrent.futures' executor behaviours (submit, shutdown, cancel_futures).
import assert from "node:assert/strict";
import {
  BrokenWorkerError,
  CancelledError,
  ConcurrentFuture,
  type Executor,
  Future,
  newEventLoop,
  RuntimeError,
  sleep,
  WorkerPoolExecutor,
} from "../mod.ts";
import { withLoop } from "./_helpers.ts";

const WORK = new URL("./fixtures/work_module.ts", import.meta.url);

/** A gate a worker blocks on until the test opens it (no timing). */
function gate() {
  const sab = new SharedArrayBuffer(4);
  const cell = new Int32Array(sab);
  return {
    sab,
    open() {
      Atomics.store(cell, 0, 1);
      Atomics.notify(cell, 0);
    },
  };
}

/** Blocks its worker until the gate opens; returns `value`. */
const blockOn = (sab: SharedArrayBuffer, value: string) => {
  Atomics.wait(new Int32Array(sab), 0, 0);
  return value;
};

const workerName = () => (globalThis as unknown as { name: string }).name;

Deno.test("WorkerPoolExecutor.submit() runs a function in a worker and returns a ConcurrentFuture of its result", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const cf = pool.submit((a: number, b: number) => a + b, 40, 2);
  assert.ok(cf instanceof ConcurrentFuture);
  assert.equal(await cf, 42);
  assert.ok(cf.done());
  const where = await pool.submit(() => [
    typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope,
    (globalThis as unknown as { name: string }).name,
  ]);
  assert.deepEqual(where, ["function", "asyncio-worker-1"]);
  assert.equal(await pool.submit(async (x: number) => x * 2, 21), 42);
});

Deno.test("WorkerPoolExecutor.submit() runs a module export by { module, name }", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  assert.equal(await pool.submit({ module: WORK, name: "fib" }, 20), 6765);
  assert.equal(
    await pool.submit({ module: WORK.href, name: "fib" }, 10),
    55,
  );
  await assert.rejects(
    async () => await pool.submit({ module: WORK, name: "notAFunction" }),
    {
      name: "TypeError",
      message:
        `Cannot run 'notAFunction' from ${WORK.href} as it is not an exported function: it is a number`,
    },
  );
  await assert.rejects(
    async () => await pool.submit({ module: WORK, name: "missing" }),
    /there is no such export/,
  );
  await assert.rejects(
    async () =>
      await pool.submit({
        module: new URL("./fixtures/no_such_module.ts", import.meta.url),
        name: "f",
      }),
    /no_such_module/,
  );
});

Deno.test("WorkerPoolExecutor.submit() of a closure fails with a ReferenceError naming the variable", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const factor = 3;
  const scale = (x: number) => x * factor;
  await assert.rejects(async () => await pool.submit(scale, 2), (e) => {
    assert.ok(e instanceof ReferenceError);
    assert.match(
      e.message,
      /^scale\(\) uses 'factor', which is not defined in the worker: a function sent to a worker is re-created from its source/,
    );
    assert.match(e.stack!, /^ReferenceError: scale\(\) uses 'factor'/);
    return true;
  });
  // A ReferenceError of a name the source does not mention is left alone.
  await assert.rejects(
    async () =>
      await pool.submit(() =>
        (globalThis as { eval: (s: string) => void }).eval("now" + "here")
      ),
    { name: "ReferenceError", message: "nowhere is not defined" },
  );
});

Deno.test("WorkerPoolExecutor.submit() throws TypeError for what cannot reach a worker", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  assert.throws(() => pool.submit(Math.max, 1, 2), {
    name: "TypeError",
    message:
      "Cannot send max() to a worker as it is a native or bound function: send a self-contained function, or a { module, name } reference to an exported one",
  });
  const bound = ((x: number) => x).bind(null);
  assert.throws(() => pool.submit(bound, 1), /native or bound function/);
  const withMeta = () => import.meta.url;
  assert.throws(
    () => pool.submit(withMeta),
    /as its source does not compile on its own/,
  );
  assert.throws(() => pool.submit(42 as never), {
    name: "TypeError",
    message:
      "Cannot submit to a worker as 'fn' must be a function or a { module, name } reference: current value is 42",
  });
  assert.throws(
    () => pool.submit({ module: "./relative.ts", name: "f" }),
    /'module' must be a URL or an absolute URL string: current value is "\.\/relative\.ts"/,
  );
  assert.throws(
    () => pool.submit({ module: WORK, name: "" }),
    /'name' must be the name of an export/,
  );
});

Deno.test("WorkerPoolExecutor.submit() accepts methods written in shorthand", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const obj = {
    triple(x: number) {
      return 3 * x;
    },
    async *gen() {},
  };
  assert.equal(await pool.submit(obj.triple, 5), 15);
});

Deno.test("WorkerPoolExecutor: errors come back with their class name, message, stack and cause", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  await assert.rejects(
    async () =>
      await pool.submit(() => {
        throw new RangeError("out of range", { cause: new TypeError("inner") });
      }),
    (e) => {
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, "out of range");
      assert.match(e.stack!, /^RangeError: out of range\n\s+at /);
      assert.ok(e.cause instanceof TypeError);
      assert.equal((e.cause as Error).message, "inner");
      return true;
    },
  );
  await assert.rejects(
    async () => await pool.submit({ module: WORK, name: "fail" }, "mine"),
    (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.name, "MyError");
      assert.equal(e.message, "mine");
      assert.equal((e as unknown as { code: string }).code, "E_MINE");
      assert.match(e.stack!, /work_module\.ts/);
      return true;
    },
  );
  await assert.rejects(
    async () =>
      await pool.submit(async () => {
        const { RuntimeError } = await import(
          new URL("../futures/exceptions.ts", location.href).href
        );
        throw new RuntimeError("ours");
      }),
    (e) => e instanceof RuntimeError && e.message === "ours",
  );
  await assert.rejects(
    async () =>
      await pool.submit(() => {
        throw 42;
      }),
    (e) => e === 42,
  );
});

Deno.test("WorkerPoolExecutor: arguments and results are structured-cloned", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const input = {
    map: new Map([["a", 1]]),
    date: new Date(0),
    bytes: new Uint8Array([1, 2, 3]),
  };
  const output = await pool.submit((x: typeof input) => {
    x.bytes[0] = 9;
    return x;
  }, input);
  assert.deepEqual(output, { ...input, bytes: new Uint8Array([9, 2, 3]) });
  assert.equal(input.bytes[0], 1, "the worker changed a copy");
  await assert.rejects(
    async () => await pool.submit((f: unknown) => f, () => {}),
    {
      name: "TypeError",
      message:
        /^Cannot send the arguments of <anonymous function> to a worker as they cannot be structured-cloned/,
    },
  );
  await assert.rejects(
    async () => await pool.submit(() => () => 1),
    /^TypeError: Cannot send the result of <anonymous function> back from the worker as it cannot be structured-cloned/,
  );
  // The pool still works after those failures.
  assert.equal(await pool.submit(() => "ok"), "ok");
});

Deno.test("WorkerPoolExecutor: a worker that crashes fails its job with BrokenWorkerError and is replaced", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const first = await pool.submit(workerName);
  await assert.rejects(
    async () => await pool.submit({ module: WORK, name: "crashLater" }),
    (e) => {
      assert.ok(e instanceof BrokenWorkerError);
      assert.match(
        e.message,
        /^A worker of the pool crashed while running crashLater\(\) of .*: TypeError: crashed on purpose$/,
      );
      assert.ok(e.cause instanceof TypeError);
      return true;
    },
  );
  const second = await pool.submit(workerName);
  assert.notEqual(first, second);
  await assert.rejects(
    async () => await pool.submit({ module: WORK, name: "rejectLater" }),
    (e) =>
      e instanceof BrokenWorkerError && e.cause instanceof RangeError &&
      /rejected on purpose/.test(e.message),
  );
  assert.equal(await pool.submit((x: number) => x + 1, 1), 2);
});

Deno.test("WorkerPoolExecutor: a job that closes or exits its worker fails with BrokenWorkerError instead of hanging", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  await assert.rejects(
    async () =>
      await pool.submit(() => {
        (globalThis as unknown as { close(): void }).close();
        return "never delivered";
      }),
    (e) =>
      e instanceof BrokenWorkerError &&
      /closed by the job \(close\(\)\)/.test(e.message),
  );
  await assert.rejects(
    async () => await pool.submit(() => Deno.exit(5)),
    (e) =>
      e instanceof BrokenWorkerError &&
      /ended by the job \(Deno\.exit\(5\)\)/.test(e.message),
  );
  // Mid-job, from a timer of the job: the pool goes on with a new worker.
  await assert.rejects(
    async () =>
      await pool.submit(() => {
        setTimeout(() => (globalThis as unknown as { close(): void }).close());
        return new Promise(() => {});
      }),
    BrokenWorkerError,
  );
  assert.equal(await pool.submit((x: number) => x * 2, 21), 42);
});

Deno.test("WorkerPoolExecutor: a job queued behind a crash runs on the replacement", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const crash = pool.submit({ module: WORK, name: "crashLater" });
  const next = pool.submit(() => "after the crash");
  await assert.rejects(async () => await crash, BrokenWorkerError);
  assert.equal(await next, "after the crash");
});

Deno.test("WorkerPoolExecutor starts a worker per job up to maxWorkers, then queues (FIFO)", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
  assert.equal(pool.maxWorkers, 2);
  const g = gate();
  const a = pool.submit(blockOn, g.sab, "a");
  const b = pool.submit(blockOn, g.sab, "b");
  const c = pool.submit(() => "c");
  const d = pool.submit(() => "d");
  assert.match(String(pool), /workers=2\/2 idle=0 queued=2/);
  assert.ok(a.running() && b.running());
  assert.ok(!c.running() && !c.done());
  g.open();
  assert.deepEqual(await Promise.all([a, b, c, d]), ["a", "b", "c", "d"]);
  const names = new Set(
    await Promise.all([1, 2, 3, 4].map(() => pool.submit(workerName))),
  );
  assert.ok(names.size <= 2);
});

Deno.test("WorkerPoolExecutor runs the jobs that wait for a worker in FIFO order", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const g = gate();
  const order: string[] = [];
  const first = pool.submit(blockOn, g.sab, "first");
  const rest = ["a", "b", "c", "d"].map((tag) => {
    const cf = pool.submit((t: string) => t, tag);
    cf.addDoneCallback((f) => order.push(f.result()));
    return cf;
  });
  g.open();
  await first;
  await Promise.all(rest);
  assert.deepEqual(order, ["a", "b", "c", "d"]);
});

Deno.test("WorkerPoolExecutor rejects a bad maxWorkers", () => {
  for (const bad of [0, -1, 1.5, NaN, "2"]) {
    assert.throws(
      () => new WorkerPoolExecutor({ maxWorkers: bad as number }),
      {
        name: typeof bad === "number" ? "RangeError" : "TypeError",
        message:
          /^Cannot create WorkerPoolExecutor as 'maxWorkers' must be a positive integer: current value is/,
      },
    );
  }
  assert.equal(
    new WorkerPoolExecutor().maxWorkers,
    navigator.hardwareConcurrency,
  );
});

Deno.test("WorkerPoolExecutor.shutdown() lets jobs finish, terminates the workers, then refuses new jobs", async () => {
  const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const g = gate();
  const running = pool.submit(blockOn, g.sab, "done");
  const queued = pool.submit(() => "queued ran");
  let resolved = false;
  const shut = pool.shutdown().then(() => resolved = true);
  assert.throws(() => pool.submit(() => 1), {
    name: "RuntimeError",
    message: "cannot schedule new futures after shutdown",
  });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(resolved, false);
  g.open();
  await shut;
  assert.equal(running.result(), "done");
  assert.equal(queued.result(), "queued ran");
  assert.match(String(pool), /workers=0\/1 .*shutdown/);
  await pool.shutdown(); // again: harmless
});

Deno.test("WorkerPoolExecutor.shutdown(true, { cancelFutures }) cancels the jobs not started", async () => {
  const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const g = gate();
  const running = pool.submit(blockOn, g.sab, "ran");
  const queued = [pool.submit(() => 1), pool.submit(() => 2)];
  const shut = pool.shutdown(true, { cancelFutures: true });
  assert.ok(queued.every((f) => f.cancelled()));
  assert.ok(!running.cancelled());
  g.open();
  await shut;
  assert.equal(running.result(), "ran");
});

Deno.test("WorkerPoolExecutor.shutdown(false) resolves at once; the workers end after their jobs", async () => {
  const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const g = gate();
  const running = pool.submit(blockOn, g.sab, "late");
  await pool.shutdown(false);
  assert.ok(!running.done());
  g.open();
  assert.equal(await running, "late");
  await pool.shutdown(); // resolves once the worker is gone
});

Deno.test("ConcurrentFuture.cancel() of a queued job keeps it from running", async () => {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const g = gate();
  const counter = new SharedArrayBuffer(4);
  const running = pool.submit(blockOn, g.sab, "first");
  const bump = (sab: SharedArrayBuffer) =>
    Atomics.add(new Int32Array(sab), 0, 1);
  const queued = pool.submit(bump, counter);
  const after = pool.submit(bump, counter);
  assert.ok(queued.cancel());
  g.open();
  assert.equal(await running, "first");
  assert.equal(await after, 0);
  assert.equal(new Int32Array(counter)[0], 1, "the cancelled job never ran");
  await assert.rejects(async () => await queued, CancelledError);
});

Deno.test("WorkerPoolExecutor with await using terminates its workers at the end of the block", async () => {
  let pool: WorkerPoolExecutor;
  {
    await using p = new WorkerPoolExecutor({ maxWorkers: 2 });
    pool = p;
    await Promise.all([p.submit(() => 1), p.submit(() => 2)]);
  }
  assert.match(String(pool), /workers=0\/2 .*shutdown/);
});

Deno.test("loop.runInExecutor() returns a Future of the loop for the result", async () => {
  await withLoop(async (loop) => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const fut = loop.runInExecutor(pool, (s: string) => s.toUpperCase(), "yo");
    assert.ok(fut instanceof Future);
    assert.equal(fut.getLoop(), loop);
    assert.equal(await loop.runUntilComplete(fut), "YO");
    const viaModule = loop.runInExecutor<number>(
      pool,
      { module: WORK, name: "fib" },
      15,
    );
    assert.equal(await loop.runUntilComplete(viaModule), 610);
  });
});

Deno.test("loop.runInExecutor(null) uses a default executor, created once and shut down by shutdownDefaultExecutor()", async () => {
  await withLoop(async (loop) => {
    const [w1, w2] = await loop.runUntilComplete(async () => [
      await loop.runInExecutor(null, workerName),
      await loop.runInExecutor(undefined, workerName),
    ]);
    assert.equal(w1, "asyncio-worker-1");
    assert.equal(w2, "asyncio-worker-1");
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    assert.throws(() => loop.runInExecutor(null, () => 1), {
      name: "RuntimeError",
      message: "Executor shutdown has been called",
    });
  });
});

Deno.test("loop.runInExecutor() keeps the loop responsive while the job runs", async () => {
  await withLoop(async (loop) => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const g = gate();
    const ticks: number[] = [];
    const result = await loop.runUntilComplete(async () => {
      const job = loop.runInExecutor(pool, blockOn, g.sab, "done");
      for (let i = 0; i < 5; i++) {
        await sleep(0.001);
        ticks.push(i);
      }
      assert.ok(!job.done(), "the job is still blocked");
      g.open();
      return await job;
    });
    assert.equal(result, "done");
    assert.deepEqual(ticks, [0, 1, 2, 3, 4]);
  });
});

Deno.test("loop.runInExecutor(): cancelling the Future drops a queued job; a late result after close does nothing", async () => {
  const g = gate();
  const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  const loop = newEventLoop();
  try {
    const running = loop.runInExecutor(pool, blockOn, g.sab, "x");
    const queued = loop.runInExecutor(pool, () => "never");
    queued.cancel();
    running.cancel();
    await loop.runUntilComplete(sleep(0));
    assert.ok(running.cancelled() && queued.cancelled());
  } finally {
    loop.close();
  }
  g.open();
  await pool.shutdown(); // the running job ends after the loop closed: no error
});

Deno.test("loop.runInExecutor() works with any executor that has submit()", async () => {
  const calls: unknown[][] = [];
  const inline: Executor = {
    submit(fn: (...a: unknown[]) => unknown, ...args: unknown[]) {
      calls.push(args);
      return Promise.resolve(fn(...args));
    },
    shutdown() {},
  };
  await withLoop(async (loop) => {
    const fut = loop.runInExecutor(inline, (a: number) => a * 2, 4);
    assert.equal(await loop.runUntilComplete(fut), 8);
    assert.deepEqual(calls, [[4]]);
    assert.throws(() => loop.runInExecutor({} as Executor, () => 1), {
      name: "TypeError",
      message:
        /^Cannot run in executor as 'executor' must have a submit\(\) method or be null: current value is/,
    });
  });
});

Deno.test("loop.runInExecutor() on a closed loop is a RuntimeError", () => {
  const loop = newEventLoop();
  loop.close();
  assert.throws(
    () => loop.runInExecutor(null, () => 1),
    { name: "RuntimeError", message: "Event loop is closed" },
  );
});

Deno.test("loop.setDefaultExecutor() sets the executor runInExecutor(null) uses; rejects non-executors", async () => {
  await withLoop(async (loop) => {
    const seen: string[] = [];
    const executor: Executor = {
      submit: (fn: () => unknown) => {
        seen.push("submit");
        return Promise.resolve(fn());
      },
      shutdown: () => void seen.push("shutdown"),
    };
    loop.setDefaultExecutor(executor);
    assert.equal(
      await loop.runUntilComplete(loop.runInExecutor(null, () => 5)),
      5,
    );
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    assert.deepEqual(seen, ["submit", "shutdown"]);
    for (const bad of [null, {}, { submit() {} }, 3]) {
      assert.throws(() => loop.setDefaultExecutor(bad as never), {
        name: "TypeError",
        message:
          /^Cannot set default executor as 'executor' must have submit\(\) and shutdown\(\) methods/,
      });
    }
  });
});

Deno.test("loop.shutdownDefaultExecutor(timeout) warns and lets go when the executor does not finish in time", async () => {
  const calls: (boolean | undefined)[] = [];
  const stuck: Executor = {
    submit: () => Promise.resolve(),
    shutdown: (wait?: boolean) => {
      calls.push(wait);
      return wait ? new Promise<void>(() => {}) : undefined;
    },
  };
  const warned: unknown[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void warned.push(a.join(" "));
  try {
    await withLoop(async (loop) => {
      loop.setDefaultExecutor(stuck);
      await loop.runUntilComplete(loop.shutdownDefaultExecutor(0.01));
    });
  } finally {
    console.warn = orig;
  }
  assert.deepEqual(calls, [true, false]);
  assert.deepEqual(warned, [
    "The executor did not finish joining its workers within 0.01 seconds.",
  ]);
  await withLoop(async (loop) => {
    await assert.rejects(loop.shutdownDefaultExecutor(-1), RangeError);
    await assert.rejects(
      loop.shutdownDefaultExecutor("1" as never),
      TypeError,
    );
  });
});

Deno.test("loop.close() shuts the default executor down without waiting", () => {
  const calls: (boolean | undefined)[] = [];
  const loop = newEventLoop();
  loop.setDefaultExecutor({
    submit: () => Promise.resolve(),
    shutdown: (wait?: boolean) => void calls.push(wait),
  });
  loop.close();
  assert.deepEqual(calls, [false]);
  assert.throws(() => loop.runInExecutor(null, () => 1), RuntimeError);
});

Deno.test("WorkerPoolExecutor without --allow-read fails its job with a BrokenWorkerError naming the permission", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      new URL("./fixtures/pool_without_read.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.match(
    stdout,
    /^BrokenWorkerError: A worker of the pool crashed while running <anonymous function>: .*Requires read access/,
  );
});
