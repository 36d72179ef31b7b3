// deno-lint-ignore-file require-await -- tests build coroutines that never suspend
// timeout(), timeoutAt(), Timeout: the behaviours of CPython's
// test_timeouts.py, for the run() form (exact asyncio semantics) and for
// await using / using. Everything runs on the virtual clock.
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  currentTask,
  ExceptionGroup,
  RuntimeError,
  sleep,
  TaskGroup,
  Timeout,
  timeout,
  timeoutAt,
  TimeoutError,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

Deno.test("timeout().run() throws TimeoutError when the body overruns, in both kinds", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const cm = timeout(0.01);
      await assert.rejects(
        async () => await cm.run(async () => await sleep(10)),
        TimeoutError,
      );
      assert.ok(cm.expired());
      assert.equal(loop.time(), 0.01);
    });
    await loop.runUntilComplete(function* () {
      const cm = timeout(0.01);
      try {
        yield* cm.run(function* () {
          yield* sleep(10);
        });
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof TimeoutError);
      }
      assert.ok(cm.expired());
    });
  });
});

Deno.test("timeoutAt() takes a loop time; when() gives it back", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const deadline = loop.time() + 0.01;
      const cm = timeoutAt(deadline);
      await assert.rejects(
        async () => await cm.run(() => sleep(10)),
        TimeoutError,
      );
      assert.ok(cm.expired());
      assert.equal(cm.when(), deadline);
    });
  });
});

Deno.test("timeout: nested with the same deadline, only the outermost throws TimeoutError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const deadline = loop.time() + 0.01;
      let cancelled = false;
      let cm2: Timeout | null = null;
      const cm1 = timeoutAt(deadline);
      await assert.rejects(
        async () =>
          await cm1.run(async () => {
            try {
              cm2 = timeoutAt(deadline);
              await cm2.run(() => sleep(10));
            } catch (e) {
              cancelled = e instanceof CancelledError;
              throw e;
            }
          }),
        TimeoutError,
      );
      assert.ok(cancelled);
      assert.ok(cm1.expired());
      assert.ok(cm2!.expired());
    });
  });
});

Deno.test("timeout: the body sees a CancelledError, the caller a TimeoutError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let cancelled = false;
      await assert.rejects(
        async () =>
          await timeout(0.01).run(async () => {
            try {
              await sleep(10);
            } catch (e) {
              cancelled = e instanceof CancelledError;
              throw e;
            }
          }),
        TimeoutError,
      );
      assert.ok(cancelled);
    });
  });
});

Deno.test("timeout not reached: no error, not expired, result returned", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const cm = timeout(10);
      const r = await cm.run(async () => {
        await sleep(0.01);
        return "done";
      });
      assert.equal(r, "done");
      assert.ok(!cm.expired());
      assert.ok((cm.when() as number) > loop.time());
      assert.equal(String(cm), "<Timeout [finished]>");
    });
  });
});

Deno.test("timeout(null) and timeoutAt(null) never expire; when() is null", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      for (const cm of [timeout(null), timeoutAt(null)]) {
        assert.equal(String(cm), "<Timeout [active] when=null>");
        await cm.run(() => sleep(3600));
        assert.ok(!cm.expired());
        assert.equal(cm.when(), null);
      }
    });
  });
});

Deno.test("timeout(0) and a deadline in the past expire at the next await, even sleep(0)", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      for (const delay of [0, -11]) {
        for (const nap of [10, 0]) {
          const t0 = loop.time();
          const cm = timeout(delay);
          await assert.rejects(
            async () => await cm.run(() => sleep(nap)),
            TimeoutError,
          );
          assert.ok(cm.expired());
          assert.equal(loop.time(), t0);
        }
      }
    });
  });
});

Deno.test("timeout: an error of the body passes through unchanged", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const cm = timeout(0.01);
      await assert.rejects(
        async () =>
          await cm.run(async () => {
            throw new RangeError("key");
          }),
        RangeError,
      );
      assert.ok(!cm.expired());
      // An error raised while the body is being cancelled wins too.
      await assert.rejects(
        async () =>
          await timeout(0.01).run(async () => {
            try {
              await sleep(1);
            } finally {
              // deno-lint-ignore no-unsafe-finally
              throw new TypeError("crash in cleanup");
            }
          }),
        TypeError,
      );
    });
  });
});

Deno.test("timeout: a cancellation from elsewhere passes through, and is not an expiry", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const cm = timeout(10);
      await assert.rejects(
        async () =>
          await cm.run(async () => {
            currentTask()!.cancel();
            await sleep(10);
          }),
        CancelledError,
      );
      assert.ok(!cm.expired());
      currentTask()!.uncancel();
    });
  });
});

Deno.test("timeout: the task that timed out is not left cancelled", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const task = loop.createTask(async () => {
        await assert.rejects(
          async () => await timeout(0.001).run(() => sleep(10)),
          TimeoutError,
        );
        return currentTask()!.cancelling();
      });
      assert.equal(await task, 0);
      assert.ok(!task.cancelled());
    });
  });
});

Deno.test("timeout: nested, the outer expiring first throws TimeoutError from the outer only", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      await assert.rejects(
        async () =>
          await timeout(0.002).run(async () => {
            await assert.rejects(
              async () =>
                await timeout(0.1).run(async () => {
                  loop.advance(0.01); // the loop is busy for a while
                  await sleep(1);
                }),
              CancelledError,
            );
            throw new CancelledError();
          }),
        TimeoutError,
      );
    });
  });
});

Deno.test("timeout: both expired at once (busy loop), the outer one converts", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const t0 = loop.time();
      let reached = false;
      await assert.rejects(
        async () =>
          await timeout(0.1).run(async () => {
            try {
              await timeout(0.01).run(async () => {
                loop.advance(0.1);
                await sleep(1);
              });
            } catch (e) {
              assert.ok(e instanceof CancelledError);
              throw e;
            }
            reached = true;
          }),
        TimeoutError,
      );
      assert.ok(!reached);
      assert.ok(loop.time() - t0 <= 1);
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });
});

Deno.test("Timeout.reschedule() moves the deadline, or removes it", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const fut = loop.createFuture<Timeout>();
      const deadline1 = loop.time() + 10;
      const deadline2 = deadline1 + 20;
      const task = loop.createTask(async () => {
        const cm = timeoutAt(deadline1);
        await cm.run(async () => {
          fut.setResult(cm);
          await sleep(50);
        });
      });
      const cm = await fut;
      assert.equal(cm.when(), deadline1);
      cm.reschedule(deadline2);
      assert.equal(cm.when(), deadline2);
      cm.reschedule(null);
      assert.equal(cm.when(), null);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      assert.ok(!cm.expired());
    });
  });
});

Deno.test("Timeout.reschedule() earlier and later changes when it fires", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const cm = timeout(100);
      await assert.rejects(
        async () =>
          await cm.run(async () => {
            cm.reschedule(loop.time() + 5);
            await sleep(1);
            cm.reschedule(loop.time() + 10);
            await sleep(3600);
          }),
        TimeoutError,
      );
      assert.equal(loop.time(), 11);
      assert.throws(() => cm.reschedule(null), {
        name: "RuntimeError",
        message: "Cannot change state of expired Timeout",
      });
    });
  });
});

Deno.test("Timeout.toString() shows created, active, expired and finished", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const created = new Timeout(5);
      assert.equal(String(created), "<Timeout [created]>");
      const active = timeout(10);
      assert.match(String(active), /^<Timeout \[active\] when=\d+(\.\d*)?>$/);
      await active.run(() => sleep(0));
      assert.equal(String(active), "<Timeout [finished]>");
      const expired = timeout(0.01);
      await assert.rejects(async () => await expired.run(() => sleep(10)));
      assert.equal(String(expired), "<Timeout [expired]>");
    });
  });
});

Deno.test("timeout: a nested timeout in a finally block works", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      await assert.rejects(
        async () =>
          await timeout(0.01).run(async () => {
            try {
              await sleep(1);
            } finally {
              await assert.rejects(
                async () => await timeout(0.01).run(() => sleep(10)),
                TimeoutError,
              );
            }
          }),
        TimeoutError,
      );
    });
  });
});

Deno.test("timeout after a handled cancellation still times out", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      try {
        currentTask()!.cancel();
        await sleep(1);
      } catch (e) {
        assert.ok(e instanceof CancelledError);
      } finally {
        await assert.rejects(
          async () => await timeout(0).run(() => sleep(1)),
          TimeoutError,
        );
      }
      try {
        currentTask()!.cancel();
        await sleep(1);
      } catch {
        // handled
      } finally {
        await assert.rejects(
          async () =>
            await timeout(1).run(async () => {
              currentTask()!.cancel();
              await sleep(2);
            }),
          CancelledError,
        );
      }
      assert.equal(currentTask()!.cancelling(), 3);
      while (currentTask()!.uncancel() > 0);
    });
  });
});

Deno.test("TimeoutError's cause is the CancelledError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      try {
        await timeout(0).run(() => sleep(1));
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof TimeoutError);
        assert.ok(e.cause instanceof CancelledError);
      }
    });
  });
});

Deno.test("timeout() outside a task, or a Timeout not entered, is a RuntimeError", async () => {
  await withTestLoop(async (loop) => {
    assert.throws(() => timeout(1), RuntimeError);
    const created = new Timeout(null);
    assert.throws(() => created.reschedule(2), {
      name: "RuntimeError",
      message: "Timeout has not been entered",
    });
    let result: unknown;
    loop.callSoon(() => {
      try {
        timeout(0.01);
      } catch (e) {
        result = e;
      }
      loop.stop();
    });
    await loop.runForever();
    assert.ok(result instanceof RuntimeError);
    assert.equal(
      (result as Error).message,
      "Timeout should be used inside a task",
    );
  });
});

Deno.test("new Timeout(when).run() starts it; running twice is a RuntimeError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const cm = new Timeout(loop.time() + 5);
      await assert.rejects(
        async () => await cm.run(() => sleep(10)),
        TimeoutError,
      );
      assert.equal(loop.time(), 5);
      await assert.rejects(async () => await cm.run(() => sleep(1)), {
        name: "RuntimeError",
        message: "Timeout has already been entered",
      });
      const t = timeout(1);
      await t.run(() => sleep(0));
      await assert.rejects(async () => await t.run(() => sleep(0)), {
        name: "RuntimeError",
      });
    });
  });
});

Deno.test("timeout() checks its arguments", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      assert.throws(() => timeout("1" as never), TypeError);
      assert.throws(() => timeout(NaN), RangeError);
      assert.throws(() => new Timeout({} as never), TypeError);
      await assert.rejects(
        async () => await timeout(1).run("body" as never),
        TypeError,
      );
    });
  });
});

Deno.test("timeout with await using: TimeoutError, or SuppressedError with it", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      try {
        await using _ = timeout(0.01);
        await sleep(10);
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof SuppressedError);
        assert.ok(e.error instanceof TimeoutError);
        assert.ok(e.suppressed instanceof CancelledError);
      }
      assert.equal(loop.time(), 0.01);
      assert.equal(currentTask()!.cancelling(), 0);

      // The block caught the CancelledError: TimeoutError alone.
      try {
        await using _ = timeout(0.01);
        try {
          await sleep(10);
        } catch {
          // swallowed
        }
      } catch (e) {
        assert.ok(e instanceof TimeoutError);
      }

      // Not expired: nothing.
      {
        await using t = timeout(10);
        await sleep(1);
        assert.ok(!t.expired());
      }
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });
});

Deno.test("timeout with await using: a cancellation from elsewhere passes through", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const task = loop.createTask(async () => {
        await using _ = timeout(10);
        await sleep(3600);
      });
      await sleep(1);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      assert.ok(task.cancelled());
    });
  });
});

Deno.test("timeout with using in a generator coroutine", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      try {
        using _ = timeout(0.01);
        yield* sleep(10);
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof SuppressedError);
        assert.ok(e.error instanceof TimeoutError);
      }
      {
        using t = timeout(5);
        yield* sleep(1);
        t.reschedule(null);
        yield* sleep(10);
      }
      assert.equal(loop.time(), 11.01);
    });
  });
});

Deno.test("timeout().run(): every mix of caller and body kinds", async () => {
  await withTestLoop(async (loop) => {
    const slowAsync = async (t: Timeout) => {
      assert.ok(t instanceof Timeout);
      await sleep(10);
      return "late";
    };
    function* slowGen(): Coroutine<string> {
      yield* sleep(10);
      return "late";
    }
    const fastAsync = async () => {
      await sleep(1);
      return "fast";
    };
    function* fastGen(): Coroutine<string> {
      yield* sleep(1);
      return "fast";
    }
    await loop.runUntilComplete(async () => {
      for (const body of [slowAsync, slowGen]) {
        await assert.rejects(
          async () => await timeout(5).run(body),
          TimeoutError,
        );
      }
      for (const body of [fastAsync, fastGen]) {
        assert.equal(await timeout(5).run(body), "fast");
      }
    });
    await loop.runUntilComplete(function* () {
      for (const body of [slowAsync, slowGen]) {
        try {
          yield* timeout(5).run(body);
          assert.fail("no timeout");
        } catch (e) {
          assert.ok(e instanceof TimeoutError, `${e}`);
        }
      }
      for (const body of [fastAsync, fastGen]) {
        assert.equal(yield* timeout(5).run(body), "fast");
      }
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });
});

Deno.test("timeout around a TaskGroup whose task fails in cleanup: the ExceptionGroup wins", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      try {
        await timeout(0.01).run(async () => {
          await TaskGroup.run(async (tg) => {
            tg.createTask(async () => {
              try {
                await sleep(2);
              } finally {
                // deno-lint-ignore no-unsafe-finally
                throw new TypeError("crash in cleanup");
              }
            });
            try {
              throw new RangeError("body");
            } finally {
              await sleep(1);
            }
          });
        });
        assert.fail("no error");
      } catch (e) {
        assert.ok(e instanceof ExceptionGroup, `${e}`);
        // The body's RangeError was replaced by the CancelledError of the
        // timeout, met in its finally block: only the task's error is left.
        const names = e.exceptions.map((x) => (x as Error).name);
        assert.deepEqual(names, ["TypeError"]);
      }
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });
});
