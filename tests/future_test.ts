// deno-lint-ignore-file require-await require-yield -- tests build coroutines of both kinds, some of which never suspend
import assert from "node:assert/strict";
import {
  CancelledError,
  ensureFuture,
  Future,
  InvalidStateError,
  isFuture,
  newEventLoop,
  RuntimeError,
  setEventLoop,
  wrapFuture,
} from "../mod.ts";
import { runBriefly, withLoop, withTestLoop } from "./_helpers.ts";

Deno.test("Future states: pending, result, exception, cancelled", async () => {
  await withLoop((loop) => {
    const f = new Future<number>({ loop });
    assert.equal(f.done(), false);
    assert.equal(f.cancelled(), false);
    assert.equal(f.getLoop(), loop);
    assert.throws(() => f.result(), {
      name: "InvalidStateError",
      message: "Result is not set.",
    });
    assert.throws(() => f.exception(), {
      name: "InvalidStateError",
      message: "Exception is not set.",
    });
    f.setResult(1);
    assert.equal(f.done(), true);
    assert.equal(f.result(), 1);
    assert.equal(f.exception(), null);
    assert.throws(() => f.setResult(2), InvalidStateError);
    assert.throws(() => f.setException(new Error()), InvalidStateError);
    assert.equal(f.cancel(), false);

    const g = loop.createFuture();
    const err = new TypeError("x");
    g.setException(err);
    assert.equal(g.exception(), err);
    assert.throws(() => g.result(), (e) => e === err);

    const h = loop.createFuture();
    assert.equal(h.cancel("why"), true);
    assert.equal(h.cancelled(), true);
    assert.equal(h.done(), true);
    assert.throws(
      () => h.result(),
      (e) => e instanceof CancelledError && e.message === "why",
    );
    assert.throws(() => h.exception(), CancelledError);
    assert.equal(h.cancel(), false);
  });
});

Deno.test("Future toString() says the state", async () => {
  await withLoop((loop) => {
    const f = loop.createFuture<number>();
    assert.equal(String(f), "<Future pending>");
    f.setResult(5);
    assert.equal(String(f), "<Future finished result=5>");
    const g = loop.createFuture();
    g.setException(new RangeError("r"));
    assert.equal(String(g), '<Future finished exception=RangeError("r")>');
    g.exception();
    const h = loop.createFuture();
    h.cancel();
    assert.equal(String(h), "<Future cancelled>");
  });
});

Deno.test("Future done callbacks are scheduled with callSoon, never run inline, in order", async () => {
  await withLoop(async (loop) => {
    const f = loop.createFuture<string>();
    const seen: string[] = [];
    f.addDoneCallback((fut) => seen.push(`a:${fut.result()}`));
    f.addDoneCallback((fut) => seen.push(`b:${fut.result()}`));
    f.setResult("x");
    assert.equal(seen.length, 0, "not run inline");
    await runBriefly(loop);
    assert.deepEqual(seen, ["a:x", "b:x"]);
    f.addDoneCallback(() => seen.push("late"));
    assert.deepEqual(seen, ["a:x", "b:x"], "not inline even when already done");
    await runBriefly(loop);
    assert.deepEqual(seen, ["a:x", "b:x", "late"]);
  });
});

Deno.test("Future.removeDoneCallback() removes every registration and counts them", async () => {
  await withLoop(async (loop) => {
    const f = loop.createFuture();
    const seen: string[] = [];
    const a = () => seen.push("a");
    const b = () => seen.push("b");
    f.addDoneCallback(a);
    f.addDoneCallback(b);
    f.addDoneCallback(a);
    assert.equal(f.removeDoneCallback(a), 2);
    assert.equal(f.removeDoneCallback(a), 0);
    f.setResult(null);
    await runBriefly(loop);
    assert.deepEqual(seen, ["b"]);
    assert.throws(() => f.addDoneCallback(1 as never), TypeError);
  });
});

Deno.test("Future done callbacks run in their context", async () => {
  await withLoop(async (loop) => {
    const f = loop.createFuture();
    const seen: string[] = [];
    const context = {
      run<R>(fn: (...a: unknown[]) => R, ...args: unknown[]): R {
        seen.push("enter");
        try {
          return fn(...args);
        } finally {
          seen.push("exit");
        }
      },
    };
    f.addDoneCallback(() => seen.push("cb"), { context });
    f.setResult(1);
    await runBriefly(loop);
    assert.deepEqual(seen, ["enter", "cb", "exit"]);
  });
});

Deno.test("await on a Future gives its result, error, or CancelledError", async () => {
  await withLoop(async (loop) => {
    const results = await loop.runUntilComplete(async () => {
      const out: unknown[] = [];
      const a = loop.createFuture<number>();
      loop.callSoon(() => a.setResult(1));
      out.push(await a);
      const b = loop.createFuture();
      loop.callSoon(() => b.setException(new RangeError("r")));
      await b.then(() => out.push("no"), (e) => out.push(e.name));
      const c = loop.createFuture();
      loop.callSoon(() => c.cancel("m"));
      try {
        await c;
      } catch (e) {
        out.push(`${(e as Error).name}:${(e as Error).message}`);
      }
      const done = loop.createFuture<string>();
      done.setResult("already");
      out.push(await done);
      return out;
    });
    assert.deepEqual(results, [1, "RangeError", "CancelledError:m", "already"]);
  });
});

Deno.test("Future.then() chains like a Promise outside of tasks", async () => {
  await withLoop(async (loop) => {
    const f = loop.createFuture<number>();
    const chained = f.then((v) => v * 2).then((v) => v + 1);
    loop.callSoon(() => f.setResult(20));
    assert.equal(await loop.runUntilComplete(chained), 41);
    const g = loop.createFuture<number>();
    const caught = g.then((v) => v, (e: Error) => `caught ${e.message}`);
    g.setException(new Error("e"));
    assert.equal(await loop.runUntilComplete(caught), "caught e");
    const h = loop.createFuture<number>();
    h.setResult(1);
    assert.equal(await h.then((v) => v + 1), 2);
  });
});

Deno.test("yield* on a Future in a generator coroutine gives its result or throws", async () => {
  await withLoop(async (loop) => {
    const out = await loop.runUntilComplete(function* () {
      const seen: unknown[] = [];
      const a = loop.createFuture<string>();
      loop.callLater(0.001, () => a.setResult("gen"));
      seen.push(yield* a);
      const b = loop.createFuture();
      loop.callSoon(() => b.setException(new TypeError("t")));
      try {
        yield* b;
      } catch (e) {
        seen.push((e as Error).name);
      }
      return seen;
    });
    assert.deepEqual(out, ["gen", "TypeError"]);
  });
});

Deno.test("new Future() without a loop uses the current loop, and needs one in reach", async () => {
  const loop = newEventLoop();
  try {
    const { fut } = await loop.runUntilComplete(async () => ({
      fut: new Future(),
    }));
    assert.equal(fut.getLoop(), loop);
    setEventLoop(loop);
    try {
      assert.equal(
        new Future().getLoop(),
        loop,
        "outside a run: the policy's loop",
      );
    } finally {
      setEventLoop(null);
    }
    assert.throws(() => new Future(), {
      name: "RuntimeError",
      message: /no current event loop/,
    });
  } finally {
    loop.close();
  }
});

Deno.test("isFuture() recognises futures and tasks only", async () => {
  await withLoop(async (loop) => {
    assert.ok(isFuture(loop.createFuture()));
    const t = loop.createTask(async () => 1);
    assert.ok(isFuture(t));
    await loop.runUntilComplete(t);
    for (
      const v of [null, undefined, 1, {}, Promise.resolve(), { then() {} }]
    ) assert.equal(isFuture(v), false);
  });
});

Deno.test("wrapFuture() wraps Promises and futures of other loops", async () => {
  await withLoop(async (loop) => {
    const same = loop.createFuture();
    assert.equal(wrapFuture(same, { loop }), same);
    const w = wrapFuture(Promise.resolve(3), { loop });
    assert.equal(await loop.runUntilComplete(w), 3);
    const r = wrapFuture(Promise.reject(new Error("no")), { loop });
    await assert.rejects(loop.runUntilComplete(r), { message: "no" });
    assert.throws(() => wrapFuture(5 as never, { loop }), TypeError);
    same.cancel();
    const other = newEventLoop();
    try {
      const src = other.createFuture<string>();
      const dest = wrapFuture(src, { loop });
      src.setResult("across");
      await other.runUntilComplete(src);
      assert.equal(await loop.runUntilComplete(dest), "across");
    } finally {
      other.close();
    }
  });
});

Deno.test("ensureFuture() accepts futures, generators, module awaitables, Promises; rejects the rest", async () => {
  await withLoop(async (loop) => {
    const f = loop.createFuture();
    assert.equal(ensureFuture(f, { loop }), f);
    f.cancel();
    const other = newEventLoop();
    try {
      assert.throws(
        () => ensureFuture(other.createFuture(), { loop }),
        RangeError,
      );
    } finally {
      other.close();
    }
    const fromGen = ensureFuture(
      (function* () {
        return 1;
      })(),
      { loop },
    );
    assert.equal(await loop.runUntilComplete(fromGen), 1);
    assert.equal(
      await loop.runUntilComplete(ensureFuture(Promise.resolve(2), { loop })),
      2,
    );
    assert.throws(() => ensureFuture(42 as never), {
      name: "TypeError",
      message: /current value is 42/,
    });
  });
});

Deno.test("a Future of a closed loop: setting the result throws RuntimeError for its callbacks", async () => {
  const loop = newEventLoop();
  const f = loop.createFuture();
  f.addDoneCallback(() => {});
  loop.close();
  assert.throws(() => f.setResult(1), RuntimeError);
});

Deno.test("a Future whose exception is never retrieved is reported to the exception handler when collected", async () => {
  await withTestLoop(async (loop, seen) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    assert.ok(gc, "run with --v8-flags=--expose-gc");
    (() => {
      const f = loop.createFuture();
      f.setException(new TypeError("lost"));
    })();
    (() => {
      const g = loop.createFuture();
      g.setException(new TypeError("retrieved"));
      g.exception();
    })();
    for (let i = 0; i < 50 && seen.length === 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(seen.length, 1);
    assert.equal(seen[0].message, "Future exception was never retrieved");
    assert.equal((seen[0].exception as Error).message, "lost");
    assert.match(String(seen[0].futureRepr), /TypeError\("lost"\)/);
    seen.length = 0;
  });
});

Deno.test("Future.then() on a done future: both callbacks run at once (await's call), one callback runs later", async () => {
  await withLoop(async (loop) => {
    const f = loop.createFuture<number>();
    f.setResult(5);
    const seen: string[] = [];
    const chained = f.then((v) => {
      seen.push(`both:${v}`);
      return v * 2;
    }, () => seen.push("never"));
    seen.push("after then(a, b)");
    const single = f.then((v) => seen.push(`single:${v}`));
    seen.push("after then(a)");
    assert.equal(await chained, 10);
    await single;
    assert.deepEqual(seen, [
      "both:5",
      "after then(a, b)",
      "after then(a)",
      "single:5",
    ]);
    const g = loop.createFuture();
    g.setException(new TypeError("t"));
    assert.equal(
      await g.then(() => "no", (e) => `caught ${e.name}`),
      "caught TypeError",
    );
    const h = loop.createFuture();
    h.cancel("c");
    assert.equal(
      await h.then(() => "no", (e) => `caught ${e.name}:${e.message}`),
      "caught CancelledError:c",
    );
    await assert.rejects(
      async () =>
        await f.then(() => {
          throw new RangeError("from callback");
        }, () => {}),
      RangeError,
    );
    // Callbacks that return nothing, or a thenable, chain as a Promise's.
    const none = f.then(() => {}, () => {});
    assert.ok(typeof none.then === "function");
    assert.equal(await none, undefined);
    assert.equal(await g.then(() => {}, () => {}), undefined);
    assert.equal(
      await f.then((v) => Promise.resolve(v + 1), () => 0),
      6,
    );
    assert.equal(
      await g.then(() => 0, () => Promise.resolve("later")),
      "later",
    );
    assert.equal(await none.then(() => "next"), "next");
  });
});

Deno.test("Future.then() chains with then/catch/finally while pending", async () => {
  await withLoop(async (loop) => {
    const f = loop.createFuture<number>();
    const chain = f.then((v) => v + 1);
    const caught = f.then(() => {
      throw new Error("in callback");
    }, () => "unused").then(() => "no", (e: Error) => `caught ${e.message}`);
    const fin: string[] = [];
    const withFinally = (f.then((v) => v) as unknown as Promise<number>)
      .finally(() => fin.push("finally"));
    loop.callSoon(() => f.setResult(1));
    assert.equal(await loop.runUntilComplete(async () => await chain), 2);
    assert.equal(await caught, "caught in callback");
    assert.equal(await withFinally, 1);
    assert.deepEqual(fin, ["finally"]);
    const g = loop.createFuture();
    const observed = (g.then(() => "no") as unknown as Promise<string>)
      .catch((e: Error) => `caught ${e.message}`);
    loop.callSoon(() => g.setException(new Error("g failed")));
    assert.equal(
      await loop.runUntilComplete(async () => await observed),
      "caught g failed",
    );
  });
});
