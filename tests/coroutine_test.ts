// The module's own coroutines (written as generators, awaitable both ways):
// they run inside the calling task, and cancellation reaches their awaits.
import assert from "node:assert/strict";
import {
  allTasks,
  CancelledError,
  type Coroutine,
  currentTask,
  sleep,
  type Task,
} from "../mod.ts";
import { coroutine } from "../futures/_coroutine.ts";
import { runBriefly, withTestLoop } from "./_helpers.ts";

const twoSleeps = coroutine(function* (log: string[]): Coroutine<string> {
  log.push(`start in ${currentTask()?.getName()}`);
  yield* sleep(1);
  log.push(`middle in ${currentTask()?.getName()}`);
  yield* sleep(1);
  return "done";
});

Deno.test("coroutine(): awaited, it runs inline in the awaiting task", async () => {
  await withTestLoop(async (loop) => {
    const log: string[] = [];
    const t = loop.createTask(async () => {
      const tasksDuring = allTasks().size;
      const r = await twoSleeps(log);
      return [r, tasksDuring, allTasks().size];
    }, { name: "caller" });
    assert.deepEqual(await loop.runUntilComplete(t), ["done", 1, 1]);
    assert.deepEqual(log, ["start in caller", "middle in caller"]);
    assert.equal(loop.time(), 2);
  });
});

Deno.test("coroutine(): with yield*, it delegates inside the calling generator task", async () => {
  await withTestLoop(async (loop) => {
    const log: string[] = [];
    const t = loop.createTask(function* () {
      return yield* twoSleeps(log);
    }, { name: "gen-caller" });
    assert.equal(await loop.runUntilComplete(t), "done");
    assert.deepEqual(log, ["start in gen-caller", "middle in gen-caller"]);
  });
});

Deno.test("coroutine(): cancelling the awaiting task cancels what the coroutine waits on", async () => {
  await withTestLoop(async (loop) => {
    const log: string[] = [];
    const inner = coroutine(function* (): Coroutine<void> {
      try {
        yield* sleep(100);
      } catch (e) {
        log.push(`inner got ${(e as Error).name}`);
        throw e;
      }
    });
    const t: Task<void> = loop.createTask(async () => {
      await inner();
    });
    await runBriefly(loop);
    t.cancel();
    await assert.rejects(loop.runUntilComplete(t), CancelledError);
    assert.deepEqual(log, ["inner got CancelledError"]);
  });
});

Deno.test("coroutine(): awaiting twice gives the same outcome; iterating after await is refused", async () => {
  await withTestLoop(async (loop) => {
    const c = twoSleeps([]);
    const r = await loop.runUntilComplete(async () => [await c, await c]);
    assert.deepEqual(r, ["done", "done"]);
    const d = twoSleeps([]);
    const g = loop.createTask(function* () {
      yield* d;
      yield* d;
    });
    await assert.rejects(loop.runUntilComplete(g), {
      name: "RuntimeError",
      message: "cannot reuse already awaited coroutine",
    });
  });
});

Deno.test("coroutine(): awaited outside of a task, it runs as a task of the running loop", async () => {
  await withTestLoop(async (loop) => {
    const log: string[] = [];
    let result: unknown;
    loop.callSoon(async () => {
      result = await twoSleeps(log);
      loop.stop();
    });
    await loop.runForever();
    assert.equal(result, "done");
    assert.match(log[0], /^start in Task-\d+$/);
  });
});
