// deno-lint-ignore-file require-await -- tests build async coroutines that never suspend
import assert from "node:assert/strict";
import {
  type AbstractEventLoop,
  BaseEventLoop,
  DenoEventLoop,
  getRunningLoop,
  Handle,
  newEventLoop,
  NotImplementedError,
  RuntimeError,
  sleep,
  Task,
  type TaskFactory,
  TimerHandle,
} from "../mod.ts";
import {
  prng,
  recordExceptions,
  runBriefly,
  withLoop,
  withTestLoop,
} from "./_helpers.ts";
import { forEachLoop } from "./_loops.ts";

forEachLoop(
  "callSoon() runs callbacks in FIFO order with their arguments",
  async () => {
    await withLoop(async (loop) => {
      const seen: unknown[] = [];
      for (let i = 0; i < 50; i++) {
        loop.callSoon((a: number, b: string) => seen.push([a, b]), i, "x");
      }
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => [i, "x"]));
    });
  },
);

forEachLoop(
  "callSoon() callbacks added during an iteration wait for the next one",
  async () => {
    await withLoop(async (loop) => {
      const it = loop as unknown as { _iterations: number };
      const seen: [string, number][] = [];
      loop.callSoon(() => {
        seen.push(["a", it._iterations]);
        loop.callSoon(() => {
          seen.push(["c", it._iterations]);
          loop.stop();
        });
      });
      loop.callSoon(() => seen.push(["b", it._iterations]));
      await loop.runForever();
      assert.deepEqual(seen.map((s) => s[0]), ["a", "b", "c"]);
      assert.equal(seen[0][1], seen[1][1]);
      assert.ok(seen[2][1] > seen[1][1], "c ran in a later iteration");
    });
  },
);

forEachLoop("callSoon() returns a Handle that can be cancelled", async () => {
  await withLoop(async (loop) => {
    const seen: string[] = [];
    const h = loop.callSoon(() => seen.push("cancelled one"));
    assert.ok(h instanceof Handle);
    assert.equal(h.cancelled(), false);
    h.cancel();
    h.cancel();
    assert.equal(h.cancelled(), true);
    loop.callSoon(() => seen.push("kept"));
    await runBriefly(loop);
    assert.deepEqual(seen, ["kept"]);
  });
});

forEachLoop(
  "callSoon() rejects a non-function with TypeError, and a closed loop with RuntimeError",
  () => {
    const loop = newEventLoop();
    assert.throws(() => loop.callSoon(42 as never), {
      name: "TypeError",
      message:
        /Cannot call callSoon\(\) as 'callback' must be a function: current value is 42/,
    });
    loop.close();
    assert.throws(() => loop.callSoon(() => {}), {
      name: "RuntimeError",
      message: "Event loop is closed",
    });
    assert.throws(() => loop.callLater(1, () => {}), RuntimeError);
    assert.throws(() => loop.callAt(1, () => {}), RuntimeError);
  },
);

forEachLoop("callLater()/callAt() validate delay and when", () => {
  const loop = newEventLoop();
  try {
    assert.throws(() => loop.callLater("1" as never, () => {}), {
      name: "TypeError",
      message: /'delay' must be a number/,
    });
    assert.throws(() => loop.callLater(NaN, () => {}), {
      name: "RangeError",
      message: /current value is NaN/,
    });
    assert.throws(() => loop.callAt(NaN, () => {}), {
      name: "RangeError",
      message: /'when'/,
    });
    assert.throws(() => loop.callAt(null as never, () => {}), TypeError);
    assert.throws(() => loop.callLater(1, "x" as never), TypeError);
  } finally {
    loop.close();
  }
});

Deno.test("timers fire in when order, ties in scheduling order", async () => {
  await withTestLoop(async (loop) => {
    const seen: string[] = [];
    loop.callLater(0.3, () => seen.push("c"));
    loop.callLater(0.1, () => seen.push("a1"));
    loop.callAt(loop.time() + 0.2, () => seen.push("b"));
    loop.callLater(0.1, () => seen.push("a2"));
    loop.callLater(0.1, () => seen.push("a3"));
    loop.callLater(0.4, () => loop.stop());
    await loop.runForever();
    assert.deepEqual(seen, ["a1", "a2", "a3", "b", "c"]);
    assert.equal(loop.time(), 0.4);
  });
});

Deno.test("timers: a random mix of callLater/callAt/cancel fires in reference order", async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rand = prng(seed);
    await withTestLoop(async (loop) => {
      const fired: number[] = [];
      const expected: { when: number; seq: number; id: number }[] = [];
      const handles: TimerHandle[] = [];
      for (let id = 0; id < 300; id++) {
        const delay = Math.floor(rand() * 20) / 10;
        const h = rand() < 0.5
          ? loop.callLater(delay, () => fired.push(id))
          : loop.callAt(loop.time() + delay, () => fired.push(id));
        handles.push(h);
        expected.push({ when: h.when(), seq: id, id });
      }
      const cancelled = new Set<number>();
      for (let id = 0; id < 300; id++) {
        if (rand() < 0.6) {
          handles[id].cancel();
          cancelled.add(id);
        }
      }
      loop.callLater(10, () => loop.stop());
      await loop.runForever();
      const ref = expected.filter((e) => !cancelled.has(e.id))
        .sort((x, y) => x.when - y.when || x.seq - y.seq).map((e) => e.id);
      assert.deepEqual(fired, ref, `seed ${seed}`);
    });
  }
});

Deno.test("timer heap is compacted when most timers are cancelled", async () => {
  await withTestLoop(async (loop) => {
    const internals = loop as unknown as { _scheduled: { length: number } };
    const hs = [];
    for (let i = 0; i < 1000; i++) hs.push(loop.callLater(100 + i, () => {}));
    for (let i = 0; i < 900; i++) hs[i].cancel();
    assert.equal(internals._scheduled.length, 1000);
    await runBriefly(loop);
    assert.equal(internals._scheduled.length, 100);
    for (const h of hs) h.cancel();
  });
});

Deno.test("TimerHandle.when() and cancel() before it fires", async () => {
  await withTestLoop(async (loop) => {
    let fired = false;
    const h = loop.callLater(5, () => (fired = true));
    assert.ok(h instanceof TimerHandle);
    assert.equal(h.when(), 5);
    loop.callLater(1, () => h.cancel());
    loop.callLater(10, () => loop.stop());
    await loop.runForever();
    assert.equal(fired, false);
    assert.ok(h.cancelled());
  });
});

forEachLoop("time() is monotonic, in seconds", async () => {
  await withLoop(async (loop) => {
    const t0 = loop.time();
    await loop.runUntilComplete(sleep(0.02));
    const dt = loop.time() - t0;
    assert.ok(dt >= 0.02 && dt < 5, `slept ${dt}s`);
    assert.ok(Math.abs(loop.time() - performance.now() / 1000) < 1);
  });
});

forEachLoop("a real timer does not fire early", async () => {
  await withLoop(async (loop) => {
    const t0 = loop.time();
    let at = 0;
    loop.callLater(0.03, () => {
      at = loop.time();
      loop.stop();
    });
    await loop.runForever();
    assert.ok(at - t0 >= 0.03, `fired after ${at - t0}s`);
  });
});

forEachLoop("stop() before runForever() runs one iteration", async () => {
  await withLoop(async (loop) => {
    const seen: string[] = [];
    loop.callSoon(() => {
      seen.push("first");
      loop.callSoon(() => seen.push("second"));
    });
    loop.stop();
    await loop.runForever();
    assert.deepEqual(seen, ["first"]);
    await runBriefly(loop);
    assert.deepEqual(seen, ["first", "second"]);
  });
});

forEachLoop("stop() from a host callback wakes an idle loop", async () => {
  await withLoop(async (loop) => {
    const t = setTimeout(() => loop.stop(), 5);
    try {
      await loop.runForever();
    } finally {
      clearTimeout(t);
    }
    assert.equal(loop.isRunning(), false);
  });
});

forEachLoop(
  "isRunning(), getRunningLoop() during and after a run",
  async () => {
    await withLoop(async (loop) => {
      let during: [boolean, AbstractEventLoop | null] = [false, null];
      loop.callSoon(() => {
        during = [loop.isRunning(), getRunningLoop()];
        loop.stop();
      });
      assert.equal(loop.isRunning(), false);
      await loop.runForever();
      assert.deepEqual(during, [true, loop]);
      assert.equal(loop.isRunning(), false);
      assert.throws(() => getRunningLoop(), {
        name: "RuntimeError",
        message: "no running event loop",
      });
    });
  },
);

forEachLoop(
  "runForever() of a running loop, of a second loop, of a closed loop: RuntimeError",
  async () => {
    await withLoop(async (loop) => {
      const other = newEventLoop();
      const errors: string[] = [];
      loop.callSoon(async () => {
        await loop.runForever().catch((e) =>
          errors.push(`${e.name}: ${e.message}`)
        );
        await other.runForever().catch((e) =>
          errors.push(`${e.name}: ${e.message}`)
        );
        await other.runUntilComplete(sleep(0)).catch((e) =>
          errors.push(`${e.name}: ${e.message}`)
        );
        loop.stop();
      });
      await loop.runForever();
      other.close();
      await other.runForever().catch((e) =>
        errors.push(`${e.name}: ${e.message}`)
      );
      assert.deepEqual(errors, [
        "RuntimeError: This event loop is already running",
        "RuntimeError: Cannot run the event loop while another loop is running",
        "RuntimeError: Cannot run the event loop while another loop is running",
        "RuntimeError: Event loop is closed",
      ]);
    });
  },
);

forEachLoop(
  "close() of a running loop throws; close() twice is fine; closed loop drops callbacks",
  async () => {
    const loop = newEventLoop();
    let err: unknown;
    loop.callSoon(() => {
      try {
        loop.close();
      } catch (e) {
        err = e;
      }
      loop.stop();
    });
    await loop.runForever();
    assert.ok(err instanceof RuntimeError);
    assert.equal((err as Error).message, "Cannot close a running event loop");
    let ran = false;
    loop.callSoon(() => (ran = true));
    loop.callLater(1, () => (ran = true));
    loop.close();
    loop.close();
    assert.ok(loop.isClosed());
    assert.equal(ran, false);
  },
);

forEachLoop(
  "runUntilComplete() settles with the result or the error of the future",
  async () => {
    await withLoop(async (loop) => {
      const f = loop.createFuture<number>();
      loop.callSoon(() => f.setResult(3));
      assert.equal(await loop.runUntilComplete(f), 3);
      const g = loop.createFuture<number>();
      loop.callSoon(() => g.setException(new TypeError("bad")));
      await assert.rejects(loop.runUntilComplete(g), {
        name: "TypeError",
        message: "bad",
      });
      assert.equal(await loop.runUntilComplete(async () => 7), 7);
      assert.equal(await loop.runUntilComplete(Promise.resolve(8)), 8);
      assert.equal(
        await loop.runUntilComplete((function* () {
          yield;
          return 9;
        })()),
        9,
      );
    });
  },
);

forEachLoop(
  "runUntilComplete() rejects when the loop stops before the future is done",
  async () => {
    await withLoop(async (loop) => {
      const f = loop.createFuture();
      loop.callSoon(() => loop.stop());
      await assert.rejects(loop.runUntilComplete(f), {
        name: "RuntimeError",
        message: "Event loop stopped before Future completed.",
      });
      f.cancel();
    });
  },
);

forEachLoop(
  "an exception in a callback reaches the exception handler with a context, and the loop goes on",
  async () => {
    const loop = newEventLoop();
    const seen = recordExceptions(loop);
    const order: string[] = [];
    const boom = new Error("boom");
    function failing() {
      throw boom;
    }
    try {
      loop.callSoon(failing);
      loop.callSoon(() => order.push("after"));
      await runBriefly(loop);
      assert.deepEqual(order, ["after"]);
      assert.equal(seen.length, 1);
      assert.equal(seen[0].message, "Exception in callback failing()");
      assert.equal(seen[0].exception, boom);
      assert.ok(seen[0].handle instanceof Handle);
    } finally {
      loop.close();
    }
  },
);

forEachLoop(
  "setExceptionHandler() validation, getExceptionHandler(), errors in the handler are contained",
  async () => {
    const loop = newEventLoop();
    const origError = console.error;
    const logged: unknown[][] = [];
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      assert.equal(loop.getExceptionHandler(), null);
      assert.throws(() => loop.setExceptionHandler(5 as never), TypeError);
      const handler = () => {
        throw new Error("handler broke");
      };
      loop.setExceptionHandler(handler);
      assert.equal(loop.getExceptionHandler(), handler);
      loop.callExceptionHandler({ message: "first" });
      assert.equal(logged.length, 1);
      assert.match(
        String(logged[0][0]),
        /Unhandled error in exception handler/,
      );
      assert.match(String(logged[0][0]), /handler broke/);
      loop.setExceptionHandler(null);
      loop.callExceptionHandler({
        message: "plain",
        exception: new RangeError("r"),
        extra: 1,
      });
      assert.match(String(logged[1][0]), /^plain\nextra: 1\nRangeError: r/);
    } finally {
      console.error = origError;
      loop.close();
    }
  },
);

Deno.test("debug mode logs slow callbacks and rejects coroutine functions in callSoon()", async () => {
  await withTestLoop(async (loop) => {
    const origWarn = console.warn;
    const warned: string[] = [];
    console.warn = (msg: string) => warned.push(msg);
    try {
      loop.setDebug(true);
      assert.equal(loop.getDebug(), true);
      loop.slowCallbackDuration = 0.5;
      const slow = function slow() {
        loop.advance(0.75);
      };
      loop.callSoon(slow);
      loop.callSoon(() => {});
      await runBriefly(loop);
      assert.equal(warned.length, 1);
      assert.match(
        warned[0],
        /^Executing <Handle slow\(\)> took 0\.750 seconds$/,
      );
      assert.throws(() => loop.callSoon(async () => {}), {
        name: "TypeError",
        message: "coroutines cannot be used with callSoon()",
      });
      const h = loop.callSoon(slow);
      assert.match(h["_sourceTraceback"] ?? "", /base_event_loop_test\.ts/);
      h.cancel();
      assert.equal(h.toString(), "<Handle cancelled slow()>");
    } finally {
      console.warn = origWarn;
    }
  });
});

forEachLoop(
  "callSoon() from a host callback wakes an idle loop at once",
  async () => {
    await withLoop(async (loop) => {
      const fut = loop.createFuture<string>();
      let t0 = 0;
      const timer = setTimeout(() => {
        t0 = performance.now();
        loop.callSoon(() => fut.setResult("woken"));
      }, 20);
      try {
        assert.equal(await loop.runUntilComplete(fut), "woken");
      } finally {
        clearTimeout(timer);
      }
      assert.ok(performance.now() - t0 < 50);
    });
  },
);

forEachLoop(
  "a flood of callbacks does not starve Deno's I/O: a socket read completes while the flood runs",
  async () => {
    await withLoop(async (loop) => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const client = await Deno.connect({
        hostname: "127.0.0.1",
        port: listener.addr.port,
      });
      const server = await listener.accept();
      try {
        let callbacks = 0;
        let readAt = -1;
        const buf = new Uint8Array(16);
        server.read(buf).then(() => {
          readAt = callbacks;
        });
        const flood = () => {
          callbacks++;
          if (readAt >= 0 || callbacks >= 2_000_000) loop.stop();
          else loop.callSoon(flood);
        };
        loop.callSoon(flood);
        loop.callSoon(() => client.write(new Uint8Array([1, 2, 3])));
        await loop.runForever();
        assert.ok(readAt > 0, "the read completed during the flood");
        assert.ok(readAt < 100_000, `read seen after ${readAt} callbacks`);
      } finally {
        client.close();
        server.close();
        listener.close();
      }
    });
  },
);

forEachLoop(
  "the loop never waits on setTimeout(0): 200 zero-delay timers in a chain take well under 4 ms each",
  async () => {
    await withLoop(async (loop) => {
      let n = 0;
      const t0 = performance.now();
      const fut = loop.createFuture();
      const next = () => {
        if (++n === 200) fut.setResult(null);
        else loop.callLater(0, next);
      };
      loop.callLater(0, next);
      await loop.runUntilComplete(fut);
      const per = (performance.now() - t0) / 200;
      assert.ok(per < 1, `${per} ms per zero-delay timer`);
    });
  },
);

Deno.test("DenoEventLoop.addReader() and friends throw NotImplementedError naming SelectorEventLoop", () => {
  const loop = new DenoEventLoop();
  try {
    for (
      const call of [
        () => loop.addReader(0, () => {}),
        () => loop.addWriter(1, () => {}),
        () => loop.removeReader(0),
        () => loop.removeWriter(1),
      ]
    ) {
      assert.throws(
        call,
        (e) =>
          e instanceof NotImplementedError &&
          /SelectorEventLoop/.test(e.message),
      );
    }
  } finally {
    loop.close();
  }
});

Deno.test("BaseEventLoop is usable on its own, and toString() says its state", async () => {
  const loop = new BaseEventLoop();
  assert.equal(
    String(loop),
    "<BaseEventLoop running=false closed=false debug=false>",
  );
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  loop.close();
  assert.equal(
    String(loop),
    "<BaseEventLoop running=false closed=true debug=false>",
  );
});

forEachLoop(
  "setTaskFactory() is used by createTask(), and validated",
  async () => {
    await withLoop(async (loop) => {
      const made: string[] = [];
      assert.throws(() => loop.setTaskFactory(1 as never), TypeError);
      assert.equal(loop.getTaskFactory(), null);
      const factory: TaskFactory = (l, coro, opts) => {
        made.push(String(opts.name));
        return new Task(coro, { ...opts, loop: l });
      };
      loop.setTaskFactory(factory);
      assert.equal(loop.getTaskFactory(), factory);
      const t = loop.createTask(async () => 2, { name: "via-factory" });
      loop.setTaskFactory(null);
      assert.equal(await loop.runUntilComplete(t), 2);
      assert.deepEqual(made, ["via-factory"]);
      assert.equal(t.getName(), "via-factory");
    });
  },
);

forEachLoop(
  "shutdownAsyncgens() and shutdownDefaultExecutor() resolve when there is nothing to shut down",
  async () => {
    await withLoop(async (loop) => {
      await loop.runUntilComplete(loop.shutdownAsyncgens());
      await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    });
  },
);
