import assert from "node:assert/strict";
import {
  createTask,
  gatherForTest,
  sleep,
  TestLoop,
} from "./_test_loop_helpers.ts";

Deno.test("TestLoop autojump: sleeping an hour takes no real time and ends at t=3600", async () => {
  const loop = new TestLoop();
  try {
    const t0 = performance.now();
    const order = await loop.runUntilComplete(async () => {
      const seen: string[] = [];
      const a = createTask(async () => {
        await sleep(3600);
        seen.push("hour");
      });
      const b = createTask(async () => {
        await sleep(60);
        seen.push("minute");
      });
      await gatherForTest(a, b);
      return seen;
    });
    assert.deepEqual(order, ["minute", "hour"]);
    assert.equal(loop.time(), 3600);
    assert.ok(performance.now() - t0 < 2000);
  } finally {
    loop.close();
  }
});

Deno.test("TestLoop scripted: the clock moves only with advance()", async () => {
  const loop = new TestLoop({ autojump: false, start: 100 });
  try {
    const fired: number[] = [];
    loop.callLater(5, () => fired.push(loop.time()));
    loop.callLater(10, () => fired.push(loop.time()));
    await loop.runUntilIdle();
    assert.deepEqual(fired, []);
    assert.equal(loop.time(), 100);
    loop.advance(5);
    await loop.runUntilIdle();
    assert.deepEqual(fired, [105]);
    loop.advance(4.5);
    await loop.runUntilIdle();
    assert.deepEqual(fired, [105]);
    loop.advance(0.5);
    await loop.runUntilIdle();
    assert.deepEqual(fired, [105, 110]);
  } finally {
    loop.close();
  }
});

Deno.test("TestLoop scripted: a running loop waits until advance() is called from outside", async () => {
  const loop = new TestLoop({ autojump: false });
  try {
    const h = setTimeout(() => loop.advance(30), 1);
    try {
      const at = await loop.runUntilComplete(async () => {
        await sleep(30);
        return loop.time();
      });
      assert.equal(at, 30);
    } finally {
      clearTimeout(h);
    }
  } finally {
    loop.close();
  }
});

Deno.test("TestLoop validates its inputs", () => {
  assert.throws(() => new TestLoop({ start: NaN }), RangeError);
  const loop = new TestLoop();
  try {
    assert.throws(() => loop.advance(-1), RangeError);
    assert.throws(() => loop.advance(Infinity), RangeError);
  } finally {
    loop.close();
  }
});

Deno.test("TestLoop can be switched from autojump to scripted", async () => {
  const loop = new TestLoop();
  try {
    await loop.runUntilComplete(sleep(10));
    assert.equal(loop.time(), 10);
    loop.autojump = false;
    let fired = false;
    loop.callLater(1, () => (fired = true));
    await loop.runUntilIdle();
    assert.equal(fired, false);
    loop.advance(1);
    await loop.runUntilIdle();
    assert.equal(fired, true);
  } finally {
    loop.close();
  }
});
