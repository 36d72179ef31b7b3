// Property tests of gather, wait and TaskGroup (on TestLoop): children that
// return or fail at random virtual times, some cancelled from outside, the
// waiting task itself cancelled at a random time; the outcome, the moment
// it is seen and the end of every child must match a model of asyncio's
// rules. Ties are ordered as the loop orders them: at one instant, the
// body's timer before the children's, children by index. Seeded: see
// tests/_property.ts to replay.
import assert from "node:assert/strict";
import {
  ALL_COMPLETED,
  CancelledError,
  type Coroutine,
  ExceptionGroup,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  gather,
  sleep,
  type Task,
  TaskGroup,
  TestLoop,
  wait,
} from "../mod.ts";
import { checkAsync, fc } from "./_property.ts";
import { recordExceptions } from "./_helpers.ts";

class ChildError extends Error {
  constructor(readonly index: number) {
    super(`child ${index}`);
    this.name = "ChildError";
  }
}

class BodyError extends Error {
  constructor() {
    super("body");
    this.name = "BodyError";
  }
}

/** A child: it ends at `t` (an integer, or never) unless cancelled at `cancelAt` (a half). */
interface Child {
  t: number;
  fails: boolean;
  cancelAt: number;
  /**
   * On cancellation, the child first cleans up for LINGER seconds (its
   * cleanup can be cancelled again), then ends cancelled.
   */
  linger?: boolean;
}

/** The cleanup time of a lingering child: off every grid the tests use. */
const LINGER = 0.3125;

/** How a child ended, and when. */
type End = string;

/** When the waiting task is cancelled if nothing happened before (a quarter). */
const WATCHDOG = 100.25;
/** When the test cancels the children still running. */
const CLEANUP = 200;

const childArb = fc.record({
  t: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 8 }) },
    { weight: 1, arbitrary: fc.constant(Infinity) },
  ),
  fails: fc.boolean(),
  cancelAt: fc.oneof(
    { weight: 4, arbitrary: fc.constant(Infinity) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: 8 }).map((k) => k + 0.5),
    },
  ),
});
const children = fc.array(childArb, { minLength: 1, maxLength: 6 });
const lingeringChildren = fc.array(
  fc.record({ child: childArb, linger: fc.boolean() }).map((
    { child, linger },
  ) => ({
    ...child,
    linger,
  })),
  { minLength: 1, maxLength: 6 },
);
/** The waiting task's cancellation time: a quarter, or the watchdog. */
const outerCancel = fc.oneof(
  { weight: 2, arbitrary: fc.constant(WATCHDOG) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }).map((k) => k + 0.25) },
);

/** A child's own end: its time and how, ignoring who waits for it. */
function ownEnd(c: Child): { at: number; how: "ok" | "err" | "cancelled" } {
  if (c.cancelAt < c.t) return { at: c.cancelAt, how: "cancelled" };
  return { at: c.t, how: c.fails ? "err" : "ok" };
}

function describeEnd(i: number, at: number, how: string): End {
  return `${i}:${how}@${at}`;
}

/** Makes a task of a coroutine: `loop.createTask` or `tg.createTask`. */
type Create = (coro: () => Promise<number>) => Task<number>;

/**
 * Runs `body` in a task on a TestLoop; `body` starts the children with
 * `start(create)` at time 0. The children are cancelled from outside at
 * their `cancelAt`, the body's task at `cancelOuter`, the rest at CLEANUP.
 * Returns what the body recorded and how each child ended.
 */
async function harness(
  kids: Child[],
  cancelOuter: number,
  body: (
    start: (create: Create) => Task<number>[],
    loop: TestLoop,
  ) => Promise<string> | Coroutine<string>,
): Promise<{ outcome: string; ends: End[] }> {
  const loop = new TestLoop();
  const seen = recordExceptions(loop);
  const ends: End[] = [];
  let tasks: Task<number>[] = [];
  const start = (create: Create) =>
    tasks = kids.map((c, i) =>
      create(async () => {
        try {
          await sleep(c.t);
        } catch (e) {
          try {
            if (c.linger) await sleep(LINGER);
          } finally {
            ends[i] = describeEnd(i, loop.time(), "cancelled");
          }
          throw e;
        }
        ends[i] = describeEnd(i, loop.time(), c.fails ? "err" : "ok");
        if (c.fails) throw new ChildError(i);
        return i * 10;
      })
    );
  // A child cancelled before its first step never runs its code.
  const started = (create: Create) => {
    const made = start(create);
    made.forEach((t, i) =>
      t.addDoneCallback(() => {
        ends[i] ??= describeEnd(i, loop.time(), "cancelled");
      })
    );
    return made;
  };
  try {
    kids.forEach((c, i) => {
      if (c.cancelAt !== Infinity) {
        loop.callAt(c.cancelAt, () => tasks[i].cancel());
      }
    });
    let outcome = "";
    // A generator body runs in a generator task (yield*, exact steps).
    const outer = body.constructor.name === "GeneratorFunction"
      ? loop.createTask(function* (): Coroutine<void> {
        outcome = yield* body(started, loop) as Coroutine<string>;
      })
      : loop.createTask(async () => {
        outcome = await body(started, loop) as string;
      });
    loop.callAt(cancelOuter, () => outer.cancel());
    await loop.runUntilComplete(async () => {
      try {
        await outer;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      await sleep(CLEANUP - loop.time());
      for (const t of tasks) t.cancel();
      for (const t of tasks) {
        try {
          await t;
        } catch { /* its end is recorded */ }
      }
    });
    assert.deepEqual(seen.map((c) => c.message), []);
    return { outcome, ends };
  } finally {
    loop.close();
  }
}

function name(e: unknown): string {
  if (e instanceof ExceptionGroup) {
    return `EG[${e.exceptions.map((x) => (x as Error).message).join(",")}]`;
  }
  if (e instanceof ChildError) return `ChildError${e.index}`;
  return (e as Error).name;
}

/** The children's ends when the ones still running at `at` are cancelled then. */
function endsWith(kids: Child[], cancelled: Set<number>, at: number): End[] {
  return kids.map((c, i) => {
    const own = ownEnd(c);
    if (cancelled.has(i) && own.at > at) return describeEnd(i, at, "cancelled");
    if (own.at === Infinity) return describeEnd(i, CLEANUP, "cancelled");
    return describeEnd(i, own.at, own.how);
  });
}

/** The order in which the children end on their own: by time, then index. */
function order(kids: Child[]): number[] {
  return kids.map((_, i) => i).sort((a, b) =>
    ownEnd(kids[a]).at - ownEnd(kids[b]).at || a - b
  );
}

// ---- gather ----

function gatherModel(
  kids: Child[],
  returnExceptions: boolean,
  p: number,
): { outcome: string; ends: End[] } {
  let doneAt = 0;
  let outcome = "";
  for (const i of order(kids)) {
    const e = ownEnd(kids[i]);
    doneAt = Math.max(doneAt, e.at);
    if (!returnExceptions && e.how !== "ok") {
      outcome = e.how === "err" ? `ChildError${i}` : "CancelledError";
      break;
    }
  }
  if (p < doneAt) {
    // Cancelling the waiting task cancels the gather, and so every child.
    const all = new Set(kids.map((_, i) => i));
    return { outcome: `CancelledError@${p}`, ends: endsWith(kids, all, p) };
  }
  if (outcome === "") {
    outcome = `[${
      kids.map((c, i) => {
        const e = ownEnd(c);
        return e.how === "ok"
          ? String(i * 10)
          : e.how === "err"
          ? `ChildError${i}`
          : "CancelledError";
      }).join(",")
    }]`;
  }
  return {
    outcome: `${outcome}@${doneAt}`,
    ends: endsWith(kids, new Set(), 0),
  };
}

Deno.test("gather() ends as the model says under random completion and cancellation orders", async () => {
  await checkAsync(
    0xca7e01,
    300,
    [children, fc.boolean(), outerCancel],
    async (kids, returnExceptions, p) => {
      const got = await harness(kids, p, async (start, loop) => {
        const tasks = start((coro) => loop.createTask(coro));
        try {
          const r = await gather(...tasks, { returnExceptions });
          return `[${
            (r as unknown[]).map((x) =>
              typeof x === "number" ? String(x) : name(x)
            ).join(",")
          }]@${loop.time()}`;
        } catch (e) {
          return `${name(e)}@${loop.time()}`;
        }
      });
      assert.deepEqual(got, gatherModel(kids, returnExceptions, p));
    },
  );
});

// ---- wait ----

type When =
  | typeof FIRST_COMPLETED
  | typeof FIRST_EXCEPTION
  | typeof ALL_COMPLETED;

function waitModel(
  kids: Child[],
  returnWhen: When,
  timeout: number | null,
  p: number,
): { outcome: string; ends: End[] } {
  const endsAt = kids.map(ownEnd);
  let wake = Infinity;
  if (returnWhen === FIRST_COMPLETED) {
    wake = Math.min(...endsAt.map((e) => e.at));
  } else {
    const all = Math.max(...endsAt.map((e) => e.at));
    const firstErr = Math.min(
      ...endsAt.filter((e) => e.how === "err").map((e) => e.at),
    );
    wake = returnWhen === FIRST_EXCEPTION ? Math.min(all, firstErr) : all;
  }
  if (timeout !== null) wake = Math.min(wake, timeout);
  const ends = endsWith(kids, new Set(), 0);
  // wait() never cancels the children, not even when it is cancelled.
  if (p < wake) return { outcome: `CancelledError@${p}`, ends };
  const done = endsAt.flatMap((e, i) => e.at <= wake ? [i] : []);
  const pending = endsAt.flatMap((e, i) => e.at > wake ? [i] : []);
  return { outcome: `done=${done} pending=${pending}@${wake}`, ends };
}

Deno.test("wait() returns the model's done and pending sets at the model's time", async () => {
  await checkAsync(
    0xca7e02,
    300,
    [
      children,
      fc.constantFrom<When>(FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED),
      fc.option(fc.integer({ min: 0, max: 8 }).map((k) => k + 0.75)),
      outerCancel,
    ],
    async (kids, returnWhen, timeout, p) => {
      const got = await harness(kids, p, async (start, loop) => {
        const tasks = start((coro) => loop.createTask(coro));
        try {
          const [done, pending] = await wait(tasks, { returnWhen, timeout });
          const idx = (s: Set<unknown>) =>
            tasks.flatMap((t, i) => s.has(t) ? [i] : []);
          return `done=${idx(done)} pending=${idx(pending)}@${loop.time()}`;
        } catch (e) {
          return `${name(e)}@${loop.time()}`;
        }
      });
      assert.deepEqual(got, waitModel(kids, returnWhen, timeout, p));
    },
  );
});

// ---- TaskGroup ----

/** The body: returns, raises or calls tg.cancel() at `b` (an integer, 0, or never). */
interface Body {
  b: number;
  does: "return" | "raise" | "tgcancel";
  /** A generator body (else an async one, which ends 1/8 s after `b`). */
  gen: boolean;
}

/**
 * When the body ends. An async body's end reaches the group some
 * microtasks after the task step that resumed it, so at the instant of a
 * child's end the order is not asyncio's: async bodies end off the
 * integers (a generator body's step is exact, and ties are tested there).
 */
function bodyEnd(body: Body): number {
  return body.gen || body.b === 0 || body.b === Infinity
    ? body.b
    : body.b + 0.125;
}

/**
 * asyncio's TaskGroup (taskgroups.py, with CPython 3.15's cancel()) as a
 * discrete-event simulation. At one instant: the outer cancel, the body,
 * the children's own ends, the ends of their cleanups, the cancels from
 * outside; then the group's done callbacks of the children that ended.
 */
function groupModel(
  kids: Child[],
  body: Body,
  p: number,
): { outcome: string; ends: End[] } {
  type S = {
    state: "running" | "lingering" | "ok" | "err" | "cancelled";
    at: number;
  };
  const cs: S[] = kids.map(() => ({ state: "running", at: Infinity }));
  let bodyRunning = true;
  let bodyHow: "ok" | "error" | "cancelled" = "ok";
  let aborting = false;
  let parentCancelRequested = false;
  let extDelivered = 0;
  let propagate = false;
  let pending = false;
  const errors: string[] = [];
  let groupEnd = -1;
  let ended: number[] = []; // children that ended at this instant

  const active = (c: S) => c.state === "running" || c.state === "lingering";
  const end = (i: number, state: S["state"], t: number) => {
    Object.assign(cs[i], { state, at: t });
    ended.push(i);
  };
  const cancelChild = (i: number, t: number) => {
    const c = cs[i];
    // At time 0 the children have not run yet: cancelled, they never do.
    if (c.state === "running" && kids[i].linger && t > 0) {
      Object.assign(c, { state: "lingering", at: t + LINGER });
    } else if (active(c)) end(i, "cancelled", t);
  };
  const abort = (t: number) => {
    aborting = true;
    cs.forEach((_, i) => cancelChild(i, t));
  };
  const cancelParent = (t: number) => {
    if (bodyRunning) {
      bodyRunning = false;
      bodyHow = "cancelled";
      propagate = true;
      if (!aborting) abort(t);
    } else {
      pending = true;
      if (!aborting) {
        propagate = true;
        abort(t);
      }
    }
  };
  let pDone = false;
  const cancelsDone = new Set<number>();
  for (;;) {
    const times = [
      pDone ? Infinity : p,
      bodyRunning ? bodyEnd(body) : Infinity,
      ...cs.map((c, i) => {
        const outside = active(c) && !cancelsDone.has(i)
          ? kids[i].cancelAt
          : Infinity;
        if (c.state === "running") return Math.min(kids[i].t, outside);
        if (c.state === "lingering") return Math.min(c.at, outside);
        return Infinity;
      }),
    ];
    const t = Math.min(...times);
    if (t === Infinity) break;
    ended = [];
    if (t === p && !pDone) {
      pDone = true;
      extDelivered++;
      cancelParent(t);
    }
    if (bodyRunning && bodyEnd(body) === t) {
      bodyRunning = false;
      if (body.does === "raise") {
        bodyHow = "error";
        if (!aborting) abort(t);
      } else if (body.does === "tgcancel" && !aborting) {
        abort(t);
        parentCancelRequested = true;
        // Delivered at the group's wait, if it has anything to wait for.
        pending = cs.some(active);
      }
    }
    cs.forEach((c, i) => {
      if (c.state === "running" && kids[i].t === t) {
        end(i, kids[i].fails ? "err" : "ok", t);
      }
    });
    cs.forEach((c, i) => {
      if (c.state === "lingering" && c.at === t) end(i, "cancelled", t);
    });
    kids.forEach((k, i) => {
      if (k.cancelAt === t && !cancelsDone.has(i)) {
        cancelsDone.add(i);
        cancelChild(i, t);
      }
    });
    for (let j = 0; j < ended.length; j++) {
      const i = ended[j];
      if (cs[i].state !== "err") continue;
      errors.push(`child ${i}`);
      if (!aborting && !parentCancelRequested) {
        abort(t);
        parentCancelRequested = true;
        cancelParent(t);
      }
    }
    if (!bodyRunning && !cs.some(active)) {
      groupEnd = t;
      break;
    }
  }
  let cancelled = propagate;
  if (parentCancelRequested) {
    // uncancel(): the outer requests are what is left.
    if (extDelivered === 0) cancelled = false;
    else if (!cancelled) cancelled = pending;
  }
  let outcome: string;
  if (cancelled && errors.length === 0) outcome = "CancelledError";
  else {
    if (bodyHow === "error") errors.push("body");
    outcome = errors.length > 0 ? `EG[${errors.join(",")}]` : "ok:done";
  }
  const ends = cs.map((c, i) =>
    active(c)
      ? describeEnd(i, CLEANUP, "cancelled")
      : describeEnd(i, c.at, c.state)
  );
  return { outcome: `${outcome}@${groupEnd}`, ends };
}

Deno.test("TaskGroup ends as asyncio's does under random child failures, cancellations and tg.cancel()", async () => {
  const bodyArb = fc.record({
    b: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 8 }) },
      { weight: 1, arbitrary: fc.constant(Infinity) },
    ),
    does: fc.constantFrom("return", "raise", "tgcancel") as fc.Arbitrary<
      Body["does"]
    >,
    gen: fc.boolean(),
  });
  await checkAsync(
    0xca7e03,
    400,
    [lingeringChildren, bodyArb, outerCancel],
    async (kids, body, p) => {
      const got = await harness(
        kids,
        p,
        body.gen
          ? function* (start, loop): Coroutine<string> {
            try {
              yield* TaskGroup.run(function* (tg): Coroutine<string> {
                start((coro) => tg.createTask(coro));
                if (body.b > 0) yield* sleep(body.b);
                if (body.does === "raise") throw new BodyError();
                if (body.does === "tgcancel") tg.cancel();
                return "done";
              });
              return `ok:done@${loop.time()}`;
            } catch (e) {
              return `${name(e)}@${loop.time()}`;
            }
          }
          : async (start, loop) => {
            try {
              await TaskGroup.run(async (tg) => {
                start((coro) => tg.createTask(coro));
                if (body.b > 0) await sleep(bodyEnd(body));
                if (body.does === "raise") throw new BodyError();
                if (body.does === "tgcancel") tg.cancel();
                return "done";
              });
              return `ok:done@${loop.time()}`;
            } catch (e) {
              return `${name(e)}@${loop.time()}`;
            }
          },
      );
      assert.deepEqual(got, groupModel(kids, body, p));
    },
  );
});
