// deno-lint-ignore-file require-await -- tests build async coroutines that never suspend
import assert from "node:assert/strict";
import {
  type AbstractEventLoop,
  AbstractEventLoopPolicy,
  BaseDefaultEventLoopPolicy,
  BaseEventLoop,
  DefaultEventLoopPolicy,
  DenoEventLoop,
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  newEventLoop,
  run,
  RuntimeError,
  setEventLoop,
  setEventLoopPolicy,
} from "../mod.ts";

Deno.test("getRunningLoop() outside a loop is a RuntimeError", () => {
  assert.throws(() => getRunningLoop(), {
    name: "RuntimeError",
    message: "no running event loop",
  });
});

Deno.test("getEventLoop() returns the running loop inside a run", async () => {
  const loop = newEventLoop();
  try {
    const seen = await loop.runUntilComplete(async () => getEventLoop());
    assert.equal(seen, loop);
  } finally {
    loop.close();
  }
});

Deno.test("DefaultEventLoopPolicy: auto-creates one loop on the main thread; none after setEventLoop(null)", () => {
  const policy = new DefaultEventLoopPolicy();
  const a = policy.getEventLoop();
  assert.ok(a instanceof DenoEventLoop);
  assert.equal(policy.getEventLoop(), a, "one loop per realm");
  policy.setEventLoop(null);
  assert.throws(() => policy.getEventLoop(), {
    name: "RuntimeError",
    message: "There is no current event loop in thread 'MainThread'.",
  });
  const b = policy.newEventLoop();
  assert.notEqual(b, a);
  policy.setEventLoop(b);
  assert.equal(policy.getEventLoop(), b);
  assert.throws(() => policy.setEventLoop({} as never), TypeError);
  a.close();
  b.close();
});

Deno.test("setEventLoopPolicy() swaps the loop implementation; null restores the default", () => {
  const original = getEventLoopPolicy();
  assert.ok(original instanceof DefaultEventLoopPolicy);
  class MyLoop extends BaseEventLoop {}
  const mine = new BaseDefaultEventLoopPolicy(() => new MyLoop());
  setEventLoopPolicy(mine);
  try {
    assert.equal(getEventLoopPolicy(), mine);
    const loop = newEventLoop();
    assert.ok(loop instanceof MyLoop);
    setEventLoop(loop);
    assert.equal(getEventLoop(), loop);
    loop.close();
  } finally {
    setEventLoopPolicy(null);
  }
  assert.ok(getEventLoopPolicy() instanceof DefaultEventLoopPolicy);
  assert.throws(() => setEventLoopPolicy({} as never), TypeError);
});

Deno.test("run() works with a policy whose loops are another implementation", async () => {
  class CountingLoop extends BaseEventLoop {
    static made = 0;
    constructor() {
      super();
      CountingLoop.made++;
    }
  }
  setEventLoopPolicy(new BaseDefaultEventLoopPolicy(() => new CountingLoop()));
  try {
    const kind = await run(async () => getRunningLoop().constructor.name);
    assert.equal(kind, "CountingLoop");
    assert.equal(CountingLoop.made, 1);
  } finally {
    setEventLoopPolicy(null);
  }
});

Deno.test("AbstractEventLoopPolicy can be implemented from scratch", () => {
  class Single extends AbstractEventLoopPolicy {
    loop: AbstractEventLoop | null = null;
    getEventLoop() {
      return (this.loop ??= this.newEventLoop());
    }
    setEventLoop(loop: AbstractEventLoop | null) {
      this.loop = loop;
    }
    newEventLoop() {
      return new DenoEventLoop();
    }
  }
  const p = new Single();
  setEventLoopPolicy(p);
  try {
    const loop = getEventLoop();
    assert.equal(getEventLoop(), loop);
    loop.close();
  } finally {
    setEventLoopPolicy(null);
  }
});

Deno.test("In a Worker: no auto-created loop (RuntimeError), but run() and setEventLoop() work", async () => {
  const worker = new Worker(
    new URL("./fixtures/policy_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const report = await new Promise<Record<string, unknown>>(
      (resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(e.message));
        };
      },
    );
    assert.deepEqual(report, {
      getEventLoop:
        "RuntimeError: There is no current event loop in thread 'Worker'.",
      run: "ran in worker",
      afterSet: true,
    });
  } finally {
    worker.terminate();
  }
});

Deno.test("RuntimeError is exported and is an Error", () => {
  assert.ok(new RuntimeError("x") instanceof Error);
});
