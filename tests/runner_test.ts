// deno-lint-ignore-file require-await require-yield -- tests build coroutines of both kinds, some of which never suspend
import assert from "node:assert/strict";
import {
  allTasks,
  CancelledError,
  createTask,
  type ExceptionContext,
  getEventLoop,
  getRunningLoop,
  run,
  Runner,
  RuntimeError,
  sleep,
  TestLoop,
} from "../mod.ts";
import { forEachLoop } from "./_loops.ts";

forEachLoop("run() settles with main's result, or its error", async () => {
  assert.equal(await run(async () => 42), 42);
  await assert.rejects(
    run(async () => {
      await sleep(0);
      throw new RangeError("from main");
    }),
    { name: "RangeError", message: "from main" },
  );
  assert.equal(
    await run(function* () {
      yield* sleep(0);
      return "gen";
    }),
    "gen",
  );
  assert.equal(
    await run((function* () {
      return "generator object";
    })()),
    "generator object",
  );
});

forEachLoop(
  "run() cancels the tasks left when main is done, and waits for them",
  async () => {
    const log: string[] = [];
    await run(async () => {
      createTask(async () => {
        try {
          await sleep(3600);
        } catch (e) {
          log.push(`left-over: ${(e as Error).name}`);
          await sleep(0);
          log.push("cleanup finished");
          throw e;
        }
      });
      await sleep(0);
      log.push("main done");
    });
    assert.deepEqual(log, [
      "main done",
      "left-over: CancelledError",
      "cleanup finished",
    ]);
  },
);

forEachLoop(
  "run() reports a left-over task that fails while being cancelled",
  async () => {
    const seen: ExceptionContext[] = [];
    await run(async () => {
      getRunningLoop().setExceptionHandler((_l, c) => seen.push(c));
      createTask(async () => {
        try {
          await sleep(3600);
        } catch {
          throw new Error("failed during shutdown");
        }
      });
      await sleep(0);
    });
    assert.equal(seen.length, 1);
    assert.equal(
      seen[0].message,
      "unhandled exception during asyncio.run() shutdown",
    );
    assert.equal(
      (seen[0].exception as Error).message,
      "failed during shutdown",
    );
  },
);

forEachLoop(
  "run() inside a running loop is a RuntimeError; the inner main is not started",
  async () => {
    let inner = false;
    const err = await run(async () => {
      try {
        await run(async () => {
          inner = true;
        });
      } catch (e) {
        return e;
      }
      return null;
    });
    assert.ok(err instanceof RuntimeError);
    assert.equal(
      (err as Error).message,
      "asyncio.run() cannot be called from a running event loop",
    );
    assert.equal(inner, false);
  },
);

forEachLoop(
  "run() sets the loop as current during the run and clears it after",
  async () => {
    const loop = await run(async () => getEventLoop());
    assert.ok(loop.isClosed());
    assert.throws(() => getEventLoop(), RuntimeError);
  },
);

Deno.test("run() honours debug and loopFactory", async () => {
  const [debug, kind] = await run(
    async () => [
      getRunningLoop().getDebug(),
      getRunningLoop().constructor.name,
    ],
    { debug: true, loopFactory: () => new TestLoop() },
  );
  assert.deepEqual([debug, kind], [true, "TestLoop"]);
});

forEachLoop(
  "run() of main cancelled from inside rejects with CancelledError",
  async () => {
    await assert.rejects(
      run(async () => {
        const me = createTask(async () => {});
        await me;
        throw new CancelledError("self");
      }),
      { name: "CancelledError", message: "self" },
    );
  },
);

forEachLoop(
  "Runner runs several coroutines on one loop, then closes",
  async () => {
    const runner = new Runner();
    const l1 = await runner.run(async () => getRunningLoop());
    const l2 = await runner.run(function* () {
      yield* sleep(0);
      return getRunningLoop();
    });
    assert.equal(l1, l2);
    assert.equal(runner.getLoop(), l1);
    await runner.close();
    await runner.close();
    assert.ok(l1.isClosed());
    await assert.rejects(runner.run(async () => 1), {
      name: "RuntimeError",
      message: "Runner is closed",
    });
    assert.throws(() => runner.getLoop(), RuntimeError);
  },
);

forEachLoop(
  "Runner with await using closes at the end of the block",
  async () => {
    let loop;
    {
      await using runner = new Runner({ loopFactory: () => new TestLoop() });
      loop = runner.getLoop();
      assert.equal(
        await runner.run(async () => {
          await sleep(60);
          return allTasks().size;
        }),
        1,
      );
    }
    assert.ok(loop.isClosed());
  },
);

Deno.test("A program using run() exits by itself when main is done", async () => {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      new URL("./fixtures/exits_by_itself.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const t0 = performance.now();
  const out = await cmd.output();
  const elapsed = performance.now() - t0;
  assert.equal(new TextDecoder().decode(out.stderr), "");
  assert.equal(out.code, 0);
  assert.equal(new TextDecoder().decode(out.stdout), "main done\n");
  assert.ok(elapsed < 60_000);
});
