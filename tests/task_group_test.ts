// deno-lint-ignore-file require-await -- tests build coroutines that never suspend
// TaskGroup: the behaviours of CPython's test_taskgroups.py (3.11 to 3.15,
// with tg.cancel()), in the run() form (exact asyncio semantics), with
// await using, and in generator coroutines. On the virtual clock.
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  currentTask,
  Event,
  ExceptionGroup,
  RuntimeError,
  sleep,
  type Task,
  TaskGroup,
} from "../mod.ts";
import { withTestLoop } from "./_helpers.ts";

class MyExc extends Error {
  override name = "MyExc";
}

/** The names of the errors of an ExceptionGroup, as a sorted list. */
function errorNames(eg: unknown): string[] {
  assert.ok(eg instanceof ExceptionGroup, `not an ExceptionGroup: ${eg}`);
  return [...new Set(eg.exceptions.map((e) => (e as Error).name))].sort();
}

async function rejectsGroup(
  fn: () => PromiseLike<unknown>,
): Promise<string[]> {
  try {
    await fn();
  } catch (e) {
    return errorNames(e);
  }
  assert.fail("ExceptionGroup was not raised");
}

const zeroDivision = () => {
  throw new RangeError("division by zero");
};

Deno.test("TaskGroup.run() waits for its tasks", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let t1: Task<number> | null = null;
      let t2: Task<number> | null = null;
      await TaskGroup.run(async (g) => {
        t1 = g.createTask(async () => {
          await sleep(0.1);
          return 42;
        });
        await sleep(0.15);
        t2 = g.createTask(async () => {
          await sleep(0.2);
          return 11;
        });
      });
      assert.equal(t1!.result(), 42);
      assert.equal(t2!.result(), 11);
      assert.equal(loop.time(), 0.35);
    });
  });
});

Deno.test("TaskGroup: a task cancelled by hand does not disturb the others", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let t1: Task<number> | null = null;
      let t2: Task<number> | null = null;
      await TaskGroup.run(async (g) => {
        t1 = g.createTask(async () => {
          await sleep(1);
          return 42;
        });
        await sleep(0.15);
        t1.cancel();
        t2 = g.createTask(async () => {
          await sleep(0.2);
          return 11;
        });
      });
      assert.ok(t1!.cancelled());
      assert.equal(t2!.result(), 11);
    });
  });
});

Deno.test("TaskGroup: a failing task cancels the others and the body; errors come as an ExceptionGroup", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let num = 0;
      let t2Cancel = false;
      let runnerCancel = false;
      const foo1 = async () => {
        await sleep(0.1);
        zeroDivision();
      };
      const runner = loop.createTask(async () => {
        await TaskGroup.run(async (g) => {
          g.createTask(foo1);
          g.createTask(foo1);
          g.createTask(foo1);
          g.createTask(async () => {
            try {
              await sleep(5);
            } catch (e) {
              t2Cancel = true;
              throw e;
            }
            num += 1;
          });
          try {
            await sleep(10);
          } catch (e) {
            runnerCancel = true;
            throw e;
          }
        });
        num += 10;
      });
      assert.deepEqual(await rejectsGroup(async () => await runner), [
        "RangeError",
      ]);
      assert.equal(num, 0);
      assert.ok(t2Cancel);
      assert.ok(runnerCancel);
      assert.equal(loop.time(), 0.1);
    });
  });
});

Deno.test("TaskGroup: cancelling the parent from outside cancels the tasks and propagates", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      for (const bodyWaits of [false, true]) {
        let num = 0;
        const foo = async () => {
          try {
            await sleep(5);
          } catch (e) {
            num += 1;
            throw e;
          }
        };
        const r = loop.createTask(() =>
          TaskGroup.run(async (g) => {
            for (let i = 0; i < 5; i++) g.createTask(foo);
            if (bodyWaits) {
              try {
                await sleep(10);
              } catch (e) {
                num += 10;
                throw e;
              }
            }
          })
        );
        await sleep(0.1);
        assert.ok(!r.done());
        r.cancel();
        await assert.rejects(async () => await r, CancelledError);
        assert.ok(r.cancelled());
        assert.equal(num, bodyWaits ? 15 : 5);
      }
    });
  });
});

Deno.test("TaskGroup: cancelled from outside while tasks fail: CancelledError still propagates", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const foo = async () => {
        await sleep(0.1);
        zeroDivision();
      };
      const r = loop.createTask(() =>
        TaskGroup.run(async (g) => {
          for (let i = 0; i < 5; i++) g.createTask(foo);
          await sleep(10);
        })
      );
      await sleep(0.05); // before the tasks crash
      assert.ok(!r.done());
      r.cancel();
      await assert.rejects(async () => await r, CancelledError);
    });
  });
});

Deno.test("TaskGroup: an error in the body cancels the tasks", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      for (const wait of [true, false]) {
        let t1: Task<number> | null = null;
        let t2: Task<number> | null = null;
        const names = await rejectsGroup(() =>
          TaskGroup.run(async (g) => {
            t1 = g.createTask(async () => {
              await sleep(1);
              return 42;
            });
            t2 = g.createTask(async () => {
              await sleep(2);
              return 11;
            });
            if (wait) await sleep(0.1);
            zeroDivision();
          })
        );
        assert.deepEqual(names, ["RangeError"]);
        assert.ok(t1!.cancelled());
        assert.ok(t2!.cancelled());
      }
    });
  });
});

Deno.test("TaskGroup: nested groups, cancelled from outside", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const foo = async () => {
        await sleep(0.1);
        zeroDivision();
      };
      for (const outerTask of [false, true]) {
        const r = loop.createTask(() =>
          TaskGroup.run(async (g1) => {
            if (outerTask) g1.createTask(() => sleep(10));
            await TaskGroup.run(async (g2) => {
              for (let i = 0; i < 5; i++) g2.createTask(foo);
              await sleep(10);
            });
          })
        );
        await sleep(0.05); // before the tasks crash
        assert.ok(!r.done());
        r.cancel();
        await assert.rejects(async () => await r, CancelledError);
      }
    });
  });
});

Deno.test("TaskGroup: nested groups, the errors nest", async () => {
  await withTestLoop(async (loop) => {
    const crashAfter = (t: number) => async () => {
      await sleep(t);
      throw new RangeError(String(t));
    };
    await loop.runUntilComplete(async () => {
      // The outer task fails first: the inner group is cancelled.
      const a = await rejectsGroup(() =>
        TaskGroup.run(async (g1) => {
          g1.createTask(crashAfter(0.1));
          await TaskGroup.run(async (g2) => {
            g2.createTask(crashAfter(10));
          });
        })
      );
      assert.deepEqual(a, ["RangeError"]);
      // The inner task fails first: its group comes out inside the outer's.
      try {
        await TaskGroup.run(async (g1) => {
          g1.createTask(crashAfter(10));
          await TaskGroup.run(async (g2) => {
            g2.createTask(crashAfter(0.1));
          });
        });
        assert.fail("no error");
      } catch (e) {
        assert.deepEqual(errorNames(e), ["ExceptionGroup"]);
        const inner = (e as ExceptionGroup).exceptions[0];
        assert.deepEqual(errorNames(inner), ["RangeError"]);
      }
    });
  });
});

Deno.test("TaskGroup: a task crashing while the cancelled body cleans up: the group wins", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const crashSoon = async () => {
        await sleep(0.3);
        zeroDivision();
      };
      const nestedRunner = () =>
        TaskGroup.run(async (g1) => {
          g1.createTask(crashSoon);
          try {
            await sleep(10);
          } catch (e) {
            await sleep(0.5);
            throw e;
          }
        });
      for (const viaTask of [false, true]) {
        const r = loop.createTask(async () => {
          if (viaTask) await loop.createTask(nestedRunner);
          else await nestedRunner();
        });
        await sleep(0.1);
        assert.ok(!r.done());
        r.cancel();
        assert.deepEqual(await rejectsGroup(async () => await r), [
          "RangeError",
        ]);
      }
    });
  });
});

Deno.test("TaskGroup: an empty group cancelled from outside propagates the CancelledError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let num = 0;
      const r = loop.createTask(() =>
        TaskGroup.run(async () => {
          try {
            await sleep(10);
          } catch (e) {
            num += 10;
            throw e;
          }
        })
      );
      await sleep(0.1);
      r.cancel();
      await assert.rejects(async () => await r, CancelledError);
      assert.equal(num, 10);
    });
  });
});

Deno.test("TaskGroup: a body that turns the CancelledError into another error gets a group", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let num = 0;
      const r = loop.createTask(() =>
        TaskGroup.run(async () => {
          try {
            await sleep(10);
          } catch {
            num += 10;
            throw new MyExc();
          }
        })
      );
      await sleep(0.1);
      r.cancel();
      assert.deepEqual(await rejectsGroup(async () => await r), ["MyExc"]);
      assert.equal(num, 10);
    });
  });
});

Deno.test("TaskGroup: a body error raised while cancelled joins the tasks' errors", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const names = await rejectsGroup(() =>
        TaskGroup.run(async (g) => {
          g.createTask(async () => {
            await sleep(0.1);
            zeroDivision();
          });
          try {
            await sleep(10);
          } finally {
            // deno-lint-ignore no-unsafe-finally
            throw new MyExc();
          }
        })
      );
      assert.deepEqual(names, ["MyExc", "RangeError"]);
    });
  });
});

Deno.test("TaskGroup: tasks may start tasks in the group; a group keeps running while it has tasks", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const coro1 = (delay: number) => () => sleep(delay);
      await TaskGroup.run(async (g) => {
        g.createTask(async () => {
          await sleep(0.1);
          g.createTask(coro1(0.1));
          g.createTask(coro1(0.2));
        });
      });
      assert.ok(Math.abs(loop.time() - 0.3) < 1e-9);

      let nhydras = 0;
      const hydra = (g: TaskGroup) => async () => {
        nhydras++;
        await sleep(0.01);
        g.createTask(hydra(g));
        g.createTask(hydra(g));
      };
      const names = await rejectsGroup(() =>
        TaskGroup.run(async (g) => {
          g.createTask(hydra(g));
          g.createTask(async () => {
            while (nhydras < 10) await sleep(0.015);
            zeroDivision();
          });
        })
      );
      assert.deepEqual(names, ["RangeError"]);
      assert.ok(nhydras >= 10);
    });
  });
});

Deno.test("TaskGroup.createTask() in a task being cancelled by the group is a RuntimeError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let refused = false;
      const coro1 = async () => {
        await sleep(0.001);
        zeroDivision();
      };
      const names = await rejectsGroup(() =>
        TaskGroup.run(async (g) => {
          g.createTask(coro1);
          g.createTask(async () => {
            try {
              await sleep(1);
            } catch {
              assert.throws(() => g.createTask(coro1), RuntimeError);
              refused = true;
            }
          });
        })
      );
      assert.deepEqual(names, ["RangeError"]);
      assert.ok(refused);
    });
  });
});

Deno.test("TaskGroup: a task that fails at once cancels the sibling that created it (gh-128550)", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let ran = false;
      const names = await rejectsGroup(() =>
        TaskGroup.run(async (tg) => {
          tg.createTask(async () => {
            tg.createTask(async () => {
              throw new MyExc("third task failed");
            });
            await assert.rejects(async () => {
              await sleep(0);
              await sleep(0);
            }, CancelledError);
            ran = true;
          });
        })
      );
      assert.ok(ran);
      assert.deepEqual(names, ["MyExc"]);
    });
  });
});

Deno.test("TaskGroup.createTask() passes name and context on", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const ran: string[] = [];
      const ctx = {
        run<R>(fn: (...args: unknown[]) => R, ...args: unknown[]): R {
          ran.push("in context");
          return fn(...args);
        },
      };
      await TaskGroup.run(async (g) => {
        const t = g.createTask(() => sleep(0), { name: "yolo", context: ctx });
        assert.equal(t.getName(), "yolo");
      });
      assert.ok(ran.length > 0);
    });
  });
});

Deno.test("TaskGroup outside a task, or used after it finished, is a RuntimeError", async () => {
  assert.throws(() => new TaskGroup(), {
    name: "RuntimeError",
    message: "TaskGroup cannot determine the parent task",
  });
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let tg: TaskGroup | null = null;
      await TaskGroup.run(async (g) => {
        tg = g;
      });
      let closed = false;
      const gen = (function* () {
        try {
          yield;
        } finally {
          closed = true;
        }
      })();
      gen.next();
      assert.throws(() => tg!.createTask(gen), {
        name: "RuntimeError",
        message: /^TaskGroup <TaskGroup> is finished$/,
      });
      assert.ok(closed, "the coroutine is closed");
      tg!.cancel(); // after exit: nothing
    });
  });
});

Deno.test("TaskGroup: the parent's cancelling() count is back to zero after a group error", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const raiseAfter = (t: number, E: new () => Error) => async () => {
        await sleep(t);
        throw new E();
      };
      await rejectsGroup(() =>
        TaskGroup.run(async (tg) => {
          tg.createTask(raiseAfter(0, RangeError));
        })
      );
      assert.equal(currentTask()!.cancelling(), 0);

      // Nested groups, both failing.
      try {
        await TaskGroup.run(async (outer) => {
          try {
            await TaskGroup.run(async (inner) => {
              inner.createTask(raiseAfter(0, RangeError));
              outer.createTask(raiseAfter(0, TypeError));
            });
            assert.fail("RangeError not raised");
          } catch (e) {
            assert.deepEqual(errorNames(e), ["RangeError"]);
          }
          assert.equal(currentTask()!.cancelling(), 1);
        });
        assert.fail("TypeError not raised");
      } catch (e) {
        assert.deepEqual(errorNames(e), ["TypeError"]);
      }
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });
});

Deno.test("TaskGroup: an error and a cancellation from outside: the group, then the CancelledError", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const event = new Event();
      const inner = loop.createTask(async () => {
        try {
          await TaskGroup.run(async (tg) => {
            tg.createTask(async () => {
              event.set();
              await sleep(0);
              throw new RangeError();
            });
            await sleep(1);
            assert.fail("sleep in the group should have been cancelled");
          });
        } catch (e) {
          assert.deepEqual(errorNames(e), ["RangeError"]);
          assert.equal(currentTask()!.cancelling(), 1);
        }
        assert.equal(currentTask()!.cancelling(), 1);
        await sleep(1);
        assert.fail("sleep after the group should have been cancelled");
      });
      await event.wait();
      assert.equal(inner.cancelling(), 0);
      inner.cancel();
      assert.equal(inner.cancelling(), 1);
      await assert.rejects(async () => await inner, CancelledError);
      assert.ok(inner.cancelled());
    });
  });
});

Deno.test("TaskGroup.cancel() ends the group without an error", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const children: Task<unknown>[] = [];
      const r = await TaskGroup.run(async (tg) => {
        children.push(tg.createTask(() => sleep(1)));
        children.push(tg.createTask(() => sleep(2)));
        tg.cancel();
        return "not reached";
      });
      assert.equal(r, "not reached"); // the body did not await after cancel()
      assert.ok(children.every((t) => t.cancelled()));
      assert.equal(loop.time(), 0);

      let count = 0;
      const r2 = await TaskGroup.run(async (tg) => {
        tg.cancel();
        tg.cancel(); // idempotent
        count++;
        await sleep(0); // the cancellation lands here
        count++;
        return "not reached";
      });
      assert.equal(count, 1);
      assert.equal(r2, undefined);
      assert.equal(currentTask()!.cancelling(), 0);

      await TaskGroup.run(async (tg) => {
        tg.cancel();
        assert.throws(() => tg.createTask(() => sleep(1)), {
          name: "RuntimeError",
          message: /is shutting down/,
        });
      });
    });
  });
});

Deno.test("TaskGroup.cancel() together with errors still gives the ExceptionGroup", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const cases: ((tg: TaskGroup) => Promise<void>)[] = [
        async (tg) => {
          tg.createTask(async () => {
            tg.cancel();
            throw new RangeError();
          });
          await sleep(1);
        },
        async (tg) => {
          tg.createTask(async () => {
            try {
              throw new RangeError();
            } finally {
              tg.cancel();
            }
          });
          await sleep(1);
        },
        async (tg) => {
          tg.cancel();
          throw new RangeError();
        },
        async (tg) => {
          try {
            throw new RangeError();
          } finally {
            tg.cancel();
          }
        },
      ];
      for (const body of cases) {
        const names = await rejectsGroup(
          () => TaskGroup.run(body),
        );
        assert.deepEqual(names, ["RangeError"]);
        assert.equal(currentTask()!.cancelling(), 0);
      }
    });
  });
});

Deno.test("TaskGroup.cancel() from the first of two racers: the winner's result", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const event = new Event();
      const record: string[] = [];
      function* race(
        ...fns: (() => Coroutine<number>)[]
      ): Coroutine<number | null> {
        let outcome: number | null = null;
        yield* TaskGroup.run(function* (tg) {
          for (const fn of fns) {
            tg.createTask(function* () {
              outcome = yield* fn();
              tg.cancel();
            });
          }
        });
        return outcome;
      }
      const fn = (n: number) =>
        function* (): Coroutine<number> {
          record.push(`${n} started`);
          yield* event.wait();
          record.push(`${n} finished`);
          return n;
        };
      let winner: Task<number | null> | null = null;
      yield* TaskGroup.run(function* (tg) {
        winner = tg.createTask(race(fn(1), fn(2)));
        tg.createTask(function* () {
          yield* sleep(1);
          record.push("trigger event");
          event.set();
        });
      });
      // Both racers are woken together; the first to finish cancels the
      // group, and the other is cancelled before it goes on.
      assert.deepEqual(record, [
        "1 started",
        "2 started",
        "trigger event",
        "1 finished",
      ]);
      assert.equal(winner!.result(), 1);
    });
  });
});

Deno.test("TaskGroup in generator coroutines: tasks, errors and cancellation", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(function* () {
      const results: number[] = [];
      const r = yield* TaskGroup.run(function* (tg) {
        for (const n of [3, 1, 2]) {
          tg.createTask(function* () {
            yield* sleep(n);
            results.push(n);
          });
        }
        return "body";
      });
      assert.equal(r, "body");
      assert.deepEqual(results, [1, 2, 3]);
      try {
        yield* TaskGroup.run(function* (tg) {
          tg.createTask(function* () {
            yield* sleep(1);
            throw new RangeError("child");
          });
          yield* sleep(100);
        });
        assert.fail("no error");
      } catch (e) {
        assert.deepEqual(errorNames(e), ["RangeError"]);
      }
      assert.equal(currentTask()!.cancelling(), 0);
      assert.equal(loop.time(), 4);
    });
    const t = loop.createTask(function* () {
      yield* TaskGroup.run(function* (tg) {
        tg.createTask(() => sleep(100));
        yield* sleep(100);
      });
    });
    loop.callLater(1, () => t.cancel());
    await assert.rejects(loop.runUntilComplete(t), CancelledError);
  });
});

Deno.test("TaskGroup.run(): every mix of caller and body kinds", async () => {
  await withTestLoop(async (loop) => {
    const asyncBody = async (tg: TaskGroup) => {
      tg.createTask(() => sleep(1));
      await sleep(0.5);
      return "async";
    };
    function* genBody(tg: TaskGroup): Coroutine<string> {
      tg.createTask(() => sleep(1));
      yield* sleep(0.5);
      return "gen";
    }
    await loop.runUntilComplete(async () => {
      assert.equal(await TaskGroup.run(asyncBody), "async");
      assert.equal(await TaskGroup.run(genBody), "gen");
    });
    await loop.runUntilComplete(function* () {
      assert.equal(yield* TaskGroup.run(asyncBody), "async");
      assert.equal(yield* TaskGroup.run(genBody), "gen");
    });
    assert.equal(loop.time(), 4);
    await loop.runUntilComplete(async () => {
      await assert.rejects(
        async () => await TaskGroup.run(42 as never),
        TypeError,
      );
    });
  });
});

Deno.test("TaskGroup with await using: waits for the tasks at the end of the block", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      const log: string[] = [];
      {
        await using tg = new TaskGroup();
        tg.createTask(async () => {
          await sleep(1);
          log.push("child");
        });
        log.push("body");
      }
      log.push("after");
      assert.deepEqual(log, ["body", "child", "after"]);
      assert.equal(loop.time(), 1);
    });
  });
});

Deno.test("TaskGroup with await using: a failing task surfaces as SuppressedError of the group", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let bodyCancelled = false;
      try {
        await using tg = new TaskGroup();
        tg.createTask(async () => {
          await sleep(1);
          throw new RangeError("child");
        });
        try {
          await sleep(100);
        } catch (e) {
          bodyCancelled = e instanceof CancelledError;
          throw e;
        }
      } catch (e) {
        assert.ok(e instanceof SuppressedError, `${e}`);
        assert.deepEqual(errorNames(e.error), ["RangeError"]);
        assert.ok(e.suppressed instanceof CancelledError);
      }
      assert.ok(bodyCancelled);
      assert.equal(loop.time(), 1);
      assert.equal(currentTask()!.cancelling(), 0);
    });
  });
});

Deno.test("TaskGroup with await using: cancellation from outside cancels the tasks and propagates", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let childCancelled = false;
      const r = loop.createTask(async () => {
        await using tg = new TaskGroup();
        tg.createTask(async () => {
          try {
            await sleep(100);
          } catch (e) {
            childCancelled = true;
            throw e;
          }
        });
        await sleep(100);
      });
      await sleep(1);
      r.cancel();
      await assert.rejects(async () => await r, CancelledError);
      assert.ok(r.cancelled());
      assert.ok(childCancelled);
      assert.equal(loop.time(), 1);
    });
  });
});

Deno.test("TaskGroup with await using: cancellation from outside while the block ends waiting", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let childCancelled = false;
      const r = loop.createTask(async () => {
        await using tg = new TaskGroup();
        tg.createTask(async () => {
          try {
            await sleep(100);
          } catch (e) {
            childCancelled = true;
            throw e;
          }
        });
      });
      await sleep(1);
      r.cancel();
      await assert.rejects(async () => await r, CancelledError);
      assert.ok(childCancelled);
    });
  });
});

Deno.test("TaskGroup with await using: tg.cancel() lets the block's CancelledError out", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      let child: Task<void> | null = null;
      try {
        await using tg = new TaskGroup();
        child = tg.createTask(() => sleep(100));
        tg.cancel();
        await sleep(100);
      } catch (e) {
        assert.ok(e instanceof CancelledError);
      }
      assert.ok(child!.cancelled());
      assert.equal(currentTask()!.cancelling(), 0);
      assert.equal(loop.time(), 0);
    });
  });
});

Deno.test("TaskGroup.toString() shows its tasks and state", async () => {
  await withTestLoop(async (loop) => {
    await loop.runUntilComplete(async () => {
      await TaskGroup.run(async (tg) => {
        assert.equal(String(tg), "<TaskGroup entered>");
        tg.createTask(() => sleep(1));
        assert.equal(String(tg), "<TaskGroup tasks=1 entered>");
        tg.cancel();
        assert.equal(String(tg), "<TaskGroup tasks=1 cancelling>");
      });
    });
  });
});

Deno.test("TaskGroup: a task failing after its parent finished goes to the exception handler", async () => {
  await withTestLoop(async (loop, seen) => {
    let tg: TaskGroup | null = null;
    const parent = loop.createTask(async () => {
      tg = new TaskGroup();
      // Left without waiting: the group's tasks outlive the parent.
    });
    await loop.runUntilComplete(parent);
    const child = tg!.createTask(async () => {
      await sleep(1);
      throw new RangeError("late");
    });
    await assert.rejects(loop.runUntilComplete(child), RangeError);
    await loop.runUntilComplete(() => sleep(0));
    assert.equal(seen.length, 1);
    assert.match(seen[0].message, /has errored out but its parent task/);
    seen.length = 0;
    assert.ok(RuntimeError);
  });
});
