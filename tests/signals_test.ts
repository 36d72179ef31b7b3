// deno-lint-ignore-file require-await -- tests build async coroutines that never suspend
// Signals with real signals: loop.addSignalHandler()/removeSignalHandler()
// (CPython's test_unix_events.py SelectorEventLoopSignalTests and the
// signal tests of test_events.py), and Ctrl-C in run() (test_runners.py),
// with real SIGINTs sent to child `deno run` processes.
//
// In this process only signals whose default action is harmless or that
// surely have a handler are sent: `deno test` ends the run on SIGINT, and
// Deno opens its inspector on SIGUSR1.
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  currentTask,
  type DenoEventLoop,
  type ExceptionContext,
  getRunningLoop,
  KeyboardInterrupt,
  newEventLoop,
  run,
  Runner,
  sleep,
} from "../mod.ts";
import { _getSignalHandler, _simulateSignal } from "../loop/signals.ts";
import { recordExceptions, runBriefly, withLoop } from "./_helpers.ts";
import { forEachLoop } from "./_loops.ts";

/**
 * Sends `sig` to this process and resolves once it was dispatched (signal
 * listeners do not keep Deno's event loop alive: a timer does meanwhile).
 */
function raise(sig: Deno.Signal): Promise<void> {
  return new Promise((resolve) => {
    const keepAlive = setTimeout(() => {}, 60_000);
    const marker = () => {
      Deno.removeSignalListener(sig, marker);
      clearTimeout(keepAlive);
      resolve();
    };
    Deno.addSignalListener(sig, marker);
    Deno.kill(Deno.pid, sig);
  });
}

forEachLoop(
  "addSignalHandler() and removeSignalHandler() check the signal: TypeError, RangeError",
  async () => {
    await withLoop((loop) => {
      const handler = () => {};
      assert.throws(() => loop.addSignalHandler(2 as never, handler), {
        name: "TypeError",
        message:
          `Cannot add signal handler as 'sig' must be a signal name such as "SIGINT": current value is 2`,
      });
      assert.throws(() => loop.removeSignalHandler(2 as never), TypeError);
      for (const bad of ["SIGFOO", "sigint", "", "SIGINFO", "SIGBREAK"]) {
        assert.throws(() => loop.addSignalHandler(bad, handler), {
          name: "RangeError",
          message: new RegExp(
            `^Cannot add signal handler as 'sig' must be a signal of this platform \\(SIGHUP, SIGINT, .*\\): current value is "${bad}"$`,
          ),
        });
        assert.throws(() => loop.removeSignalHandler(bad), RangeError);
      }
    });
  },
);

forEachLoop(
  "addSignalHandler() of SIGKILL or SIGSTOP is a RuntimeError; removing them returns false",
  async () => {
    await withLoop((loop) => {
      for (const sig of ["SIGKILL", "SIGSTOP", "SIGSEGV"]) {
        assert.throws(() => loop.addSignalHandler(sig, () => {}), {
          name: "RuntimeError",
          message: `sig ${sig} cannot be caught`,
        });
        assert.equal(loop.removeSignalHandler(sig), false);
      }
    });
  },
);

forEachLoop(
  "addSignalHandler() rejects coroutine functions and non-functions",
  async () => {
    await withLoop((loop) => {
      assert.throws(() => loop.addSignalHandler("SIGURG", async () => {}), {
        name: "TypeError",
        message: "coroutines cannot be used with addSignalHandler()",
      });
      assert.throws(
        () => loop.addSignalHandler("SIGURG", function* () {}),
        /coroutines cannot be used/,
      );
      assert.throws(
        () => loop.addSignalHandler("SIGURG", "nope" as never),
        TypeError,
      );
      assert.equal(_getSignalHandler("SIGURG"), null);
    });
  },
);

forEachLoop("addSignalHandler() on a closed loop is a RuntimeError", () => {
  const loop = newEventLoop();
  loop.close();
  assert.throws(() => loop.addSignalHandler("SIGURG", () => {}), {
    name: "RuntimeError",
    message: "Event loop is closed",
  });
});

forEachLoop(
  "addSignalHandler(): a real signal runs the handler as a loop callback, with its arguments",
  async () => {
    await withLoop(async (loop) => {
      const caught: unknown[][] = [];
      loop.addSignalHandler(
        "SIGHUP",
        (...args: unknown[]) => {
          caught.push(args);
          assert.equal(getRunningLoop(), loop);
          loop.stop();
        },
        42,
        "x",
      );
      loop.callLater(60, () => loop.stop());
      await raise("SIGHUP");
      await loop.runForever();
      assert.deepEqual(caught, [[42, "x"]]);
      assert.ok(loop.removeSignalHandler("SIGHUP"));
    });
  },
);

forEachLoop(
  "addSignalHandler(): a signal arriving while the loop waits wakes it",
  async () => {
    await withLoop(async (loop) => {
      let caught = 0;
      loop.addSignalHandler("SIGUSR2", () => {
        caught++;
        loop.stop();
      });
      loop.callLater(60, () => loop.stop());
      setTimeout(() => Deno.kill(Deno.pid, "SIGUSR2"), 5);
      const t0 = performance.now();
      await loop.runForever();
      assert.equal(caught, 1);
      assert.ok(performance.now() - t0 < 30_000);
      loop.removeSignalHandler("SIGUSR2");
    });
  },
);

forEachLoop(
  "addSignalHandler(): a loop waiting for nothing but a signal stays alive for it",
  async () => {
    await withLoop(async (loop) => {
      loop.addSignalHandler("SIGURG", () => loop.stop());
      Deno.kill(Deno.pid, "SIGURG");
      await loop.runForever(); // no timer, no I/O: only the signal can end it
    });
  },
);

forEachLoop(
  "addSignalHandler(): a signal that arrives while the loop is stopped is handled when it runs",
  async () => {
    await withLoop(async (loop) => {
      let caught = 0;
      loop.addSignalHandler("SIGURG", () => caught++);
      await raise("SIGURG");
      assert.equal(caught, 0);
      await runBriefly(loop);
      assert.equal(caught, 1);
    });
  },
);

forEachLoop(
  "addSignalHandler(): an error of the handler goes to the exception handler",
  async () => {
    await withLoop(async (loop, seen) => {
      function failing() {
        throw new RangeError("handler failed");
      }
      loop.addSignalHandler("SIGURG", failing);
      await raise("SIGURG");
      await runBriefly(loop);
      assert.equal(seen.length, 1);
      assert.equal(seen[0].message, "Exception in callback failing()");
      assert.equal((seen[0].exception as Error).message, "handler failed");
      seen.length = 0;
    });
  },
);

forEachLoop(
  "addSignalHandler() again for the same signal replaces the handler",
  async () => {
    await withLoop(async (loop) => {
      const calls: string[] = [];
      loop.addSignalHandler("SIGURG", () => calls.push("first"));
      loop.addSignalHandler("SIGURG", () => calls.push("second"));
      await raise("SIGURG");
      await runBriefly(loop);
      assert.deepEqual(calls, ["second"]);
    });
  },
);

forEachLoop(
  "removeSignalHandler() returns true, then false, and restores the default action",
  async () => {
    await withLoop((loop) => {
      loop.addSignalHandler("SIGURG", () => {});
      assert.notEqual(_getSignalHandler("SIGURG"), null);
      assert.equal(loop.removeSignalHandler("SIGURG"), true);
      assert.equal(_getSignalHandler("SIGURG"), null);
      assert.equal(loop.removeSignalHandler("SIGURG"), false);
      assert.equal(loop.removeSignalHandler("SIGUSR1"), false);
    });
  },
);

forEachLoop("close() removes the loop's signal handlers", async () => {
  const loop = newEventLoop();
  loop.addSignalHandler("SIGURG", () => {});
  loop.addSignalHandler("SIGWINCH", () => {});
  assert.equal(
    (loop as DenoEventLoop)._signalHandlers.size,
    2,
  );
  loop.close();
  assert.equal((loop as DenoEventLoop)._signalHandlers.size, 0);
  assert.equal(_getSignalHandler("SIGURG"), null);
  assert.equal(_getSignalHandler("SIGWINCH"), null);
  // A signal now meets no handler of ours (SIGURG is ignored by default).
  await raise("SIGURG");
});

forEachLoop(
  "addSignalHandler(): the last loop to handle a signal gets it; removing another loop's leaves it",
  async () => {
    const a = newEventLoop();
    const seenA = recordExceptions(a);
    const calls: string[] = [];
    try {
      await withLoop(async (b) => {
        a.addSignalHandler("SIGURG", () => calls.push("a"));
        b.addSignalHandler("SIGURG", () => calls.push("b"));
        assert.equal(a.removeSignalHandler("SIGURG"), true);
        await raise("SIGURG");
        await runBriefly(b);
        await runBriefly(a);
        assert.deepEqual(calls, ["b"]);
      });
      assert.equal(_getSignalHandler("SIGURG"), null);
      assert.deepEqual(seenA, []);
    } finally {
      a.close();
    }
  },
);

Deno.test("addSignalHandler() works on a loop in a Worker", async () => {
  const worker = new Worker(
    new URL("./fixtures/signal_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const messages: unknown[] = [];
    let wake = () => {};
    worker.onmessage = (e) => {
      messages.push(e.data);
      wake();
    };
    const next = () => new Promise<void>((r) => (wake = r));
    await next();
    assert.deepEqual(messages, ["ready"]);
    Deno.kill(Deno.pid, "SIGURG");
    await next();
    assert.deepEqual(messages, ["ready", "got SIGURG in the worker"]);
  } finally {
    worker.terminate();
  }
});

// ---- Ctrl-C in run(), simulated in this process (CPython's interrupt_main) ----

forEachLoop(
  "run(): Ctrl-C cancels the main task, which rejects with KeyboardInterrupt",
  async () => {
    let inner: unknown = null;
    await assert.rejects(
      run(async () => {
        getRunningLoop().callLater(0.001, () => _simulateSignal("SIGINT"));
        try {
          for (;;) await sleep(0);
        } catch (e) {
          inner = e;
          throw e;
        }
      }),
      (e) => e instanceof KeyboardInterrupt && e.name === "KeyboardInterrupt",
    );
    assert.ok(inner instanceof CancelledError);
  },
);

forEachLoop(
  "run(): Ctrl-C while main waits on a future cancels the future too",
  async () => {
    let fut;
    await assert.rejects(
      run(async () => {
        const loop = getRunningLoop();
        fut = loop.createFuture();
        loop.callLater(0.001, () => _simulateSignal("SIGINT"));
        await fut;
      }),
      KeyboardInterrupt,
    );
    assert.ok(fut!.cancelled());
  },
);

forEachLoop(
  "run(): Ctrl-C of a main task cancelled by someone else rejects with CancelledError",
  async () => {
    await assert.rejects(
      run(async () => {
        const self = currentTask()!;
        createTask(async () => {
          await sleep(0);
          self.cancel();
          _simulateSignal("SIGINT");
        });
        await sleep(10);
      }),
      (e) => e instanceof CancelledError,
    );
  },
);

forEachLoop(
  "run(): main that handles the Ctrl-C cancellation returns normally",
  async () => {
    const result = await run(async () => {
      getRunningLoop().callLater(0.001, () => _simulateSignal("SIGINT"));
      try {
        await sleep(10);
        return "slept";
      } catch {
        return "cleaned up";
      }
    });
    assert.equal(result, "cleaned up");
  },
);

forEachLoop(
  "run() installs its SIGINT handler only for the run, and not over a handler already there",
  async () => {
    assert.equal(_getSignalHandler("SIGINT"), null);
    let during: unknown = null;
    await run(async () => {
      during = _getSignalHandler("SIGINT");
    });
    assert.equal(typeof during, "function");
    assert.equal(_getSignalHandler("SIGINT"), null);
    assert.equal(_simulateSignal("SIGINT"), false);

    const other = newEventLoop();
    try {
      other.addSignalHandler("SIGINT", () => {});
      const mine = _getSignalHandler("SIGINT");
      await run(async () => {
        during = _getSignalHandler("SIGINT");
      });
      assert.equal(during, mine);
      assert.equal(_getSignalHandler("SIGINT"), mine);
    } finally {
      other.close();
    }
    assert.equal(_getSignalHandler("SIGINT"), null);
  },
);

forEachLoop(
  "Runner.run(): a loop's own SIGINT handler displaces the Ctrl-C handling during the run",
  async () => {
    await using runner = new Runner();
    const seen: ExceptionContext[] = [];
    const result = await runner.run(async () => {
      const loop = getRunningLoop();
      loop.setExceptionHandler((_l, c) => seen.push(c));
      const got = loop.createFuture<string>();
      loop.addSignalHandler("SIGINT", () => got.setResult("own handler"));
      _simulateSignal("SIGINT");
      const r = await got;
      assert.ok(loop.removeSignalHandler("SIGINT"));
      return r;
    });
    assert.equal(result, "own handler");
    assert.equal(_getSignalHandler("SIGINT"), null);
    assert.deepEqual(seen, []);
  },
);

Deno.test("run() in a Worker installs no SIGINT handler", async () => {
  const worker = new Worker(
    new URL("./fixtures/run_in_worker_sigint.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const report = await new Promise((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
    });
    assert.deepEqual(report, { during: null, result: "ran" });
  } finally {
    worker.terminate();
  }
});

// ---- Ctrl-C in run(), with real SIGINTs sent to a child process ----

interface Child {
  /** Resolves once the child printed `line`. */
  waitFor(line: string): Promise<void>;
  /** Sends a signal to the child. */
  kill(sig: Deno.Signal): void;
  /** Waits for the end: all lines, stderr and status. */
  finish(): Promise<
    { lines: string[]; stderr: string; status: Deno.CommandStatus }
  >;
}

function spawnCtrlC(mode: string, flags: string[] = []): Child {
  return spawnFixture("ctrl_c.ts", [mode], flags);
}

function spawnFixture(
  name: string,
  args: string[] = [],
  flags: string[] = [],
): Child {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...flags,
      new URL(`./fixtures/${name}`, import.meta.url).pathname,
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  const stderr = new Response(child.stderr).text();
  const lines: string[] = [];
  let rest = "";
  let eof = false;
  const readMore = async () => {
    const { value, done } = await reader.read();
    if (done) {
      eof = true;
      if (rest !== "") lines.push(rest);
      rest = "";
      return;
    }
    const parts = (rest + value).split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
  };
  return {
    async waitFor(line) {
      while (!lines.includes(line)) {
        if (eof) {
          throw new Error(
            `the child ended before printing ${line}: ${
              lines.join(" | ")
            }; ${await stderr}`,
          );
        }
        await readMore();
      }
    },
    kill(sig) {
      child.kill(sig);
    },
    async finish() {
      while (!eof) await readMore();
      return { lines, stderr: await stderr, status: await child.status };
    },
  };
}

Deno.test("run() (real Ctrl-C): the first SIGINT cancels main, and run() rejects with KeyboardInterrupt", async () => {
  const child = spawnCtrlC("wait");
  await child.waitFor("ready");
  child.kill("SIGINT");
  const { lines, stderr, status } = await child.finish();
  assert.equal(stderr, "");
  assert.deepEqual(lines, [
    "ready",
    "main cancelled",
    "run rejected: KeyboardInterrupt",
  ]);
  assert.equal(status.code, 0);
});

Deno.test("run() (real Ctrl-C): an uncaught KeyboardInterrupt ends the program with an error", async () => {
  const child = spawnCtrlC("uncaught");
  await child.waitFor("ready");
  child.kill("SIGINT");
  const { lines, stderr, status } = await child.finish();
  assert.deepEqual(lines, ["ready", "main cancelled"]);
  assert.match(stderr, /KeyboardInterrupt/);
  assert.equal(status.code, 1);
});

Deno.test("run() (real Ctrl-C): main may handle the cancellation and return", async () => {
  const child = spawnCtrlC("swallow");
  await child.waitFor("ready");
  child.kill("SIGINT");
  const { lines, status } = await child.finish();
  assert.deepEqual(lines, [
    "ready",
    "main cancelled",
    "run returned: cleaned up",
  ]);
  assert.equal(status.code, 0);
});

Deno.test("run() (real Ctrl-C): a second SIGINT while main is pending interrupts the process", async () => {
  for (const flags of [["--allow-run"], []]) {
    const child = spawnCtrlC("ignore", flags);
    await child.waitFor("ready");
    child.kill("SIGINT");
    await child.waitFor("ignoring the cancellation");
    child.kill("SIGINT");
    const { lines, status } = await child.finish();
    assert.deepEqual(lines, [
      "ready",
      "main cancelled",
      "ignoring the cancellation",
    ]);
    assert.equal(status.success, false);
    assert.equal(status.code, 130);
    // With --allow-run the process ends by SIGINT itself, as Python does.
    assert.equal(status.signal, flags.length > 0 ? "SIGINT" : null);
  }
});

Deno.test("run() (real Ctrl-C): main's own SIGINT handler replaces run()'s; removing it restores the default", async () => {
  const child = spawnCtrlC("handler");
  await child.waitFor("ready");
  child.kill("SIGINT");
  await child.waitFor("ready again");
  child.kill("SIGINT");
  const { lines, status } = await child.finish();
  assert.deepEqual(lines, ["ready", "own handler: handled", "ready again"]);
  assert.equal(status.signal, "SIGINT");
});

Deno.test("run() (real Ctrl-C): once run() is over, SIGINT has its default action again", async () => {
  const child = spawnCtrlC("after");
  await child.waitFor("ready");
  child.kill("SIGINT");
  const { lines, status } = await child.finish();
  assert.deepEqual(lines, ["run returned: quick", "ready"]);
  assert.equal(status.signal, "SIGINT");
});

Deno.test("addSignalHandler(): a loop that waits for nothing but a signal keeps the program alive until it comes", async () => {
  const child = spawnFixture("wait_for_signal.ts");
  await child.waitFor("ready");
  await new Promise((r) => setTimeout(r, 100)); // no early exit meanwhile
  child.kill("SIGTERM");
  const { lines, stderr, status } = await child.finish();
  assert.equal(stderr, "");
  assert.deepEqual(lines, ["ready", "got SIGTERM"]);
  assert.equal(status.code, 0);
});

Deno.test("addSignalHandler() of a loop that was removed lets SIGTERM end the process (real signal)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-run",
      new URL("./fixtures/signal_default.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(out.stdout), "handled SIGTERM\n");
  assert.equal(out.signal, "SIGTERM");
});
