// Property test of the loop's timer heap (on TestLoop): any set of
// callLater/callAt calls, from the test and from timer callbacks, with
// cancellations before and while the timers run, fires in the order of a
// reference model of asyncio's _run_once: the due timers of one iteration
// run in (when, scheduling order); what they schedule waits for the next.
// Seeded: see tests/_property.ts to replay.
import assert from "node:assert/strict";
import { TestLoop, type TimerHandle } from "../mod.ts";
import { check, checkAsync, fc } from "./_property.ts";
import { recordExceptions } from "./_helpers.ts";

/** One timer: who schedules it, when, and who cancels it. */
interface Spec {
  /** -1: the test schedules it; else the index of the timer whose callback does. */
  parent: number;
  /** Seconds from the time it is scheduled (may be negative or Infinity). */
  delay: number;
  /** Scheduled with callAt(time() + delay) instead of callLater(delay). */
  at: boolean;
  /** -1: never cancelled; -2: by the test after scheduling; else by that timer's callback. */
  cancelBy: number;
}

const STOP_AT = 1e6;

/** The reference: timers as a plain list, one iteration at a time. */
function model(specs: Spec[]): string[] {
  interface T {
    id: number;
    when: number;
    seq: number;
    cancelled: boolean;
    fired: boolean;
  }
  let now = 0;
  let seq = 0;
  const timers: T[] = [];
  const byId = new Map<number, T>();
  const fired: string[] = [];
  const schedule = (id: number) => {
    const t = {
      id,
      when: id === -1 ? STOP_AT : now + specs[id].delay,
      seq: seq++,
      cancelled: false,
      fired: false,
    };
    timers.push(t);
    byId.set(id, t);
  };
  const cancel = (id: number) => {
    const t = byId.get(id);
    if (t !== undefined) t.cancelled = true;
  };
  schedule(-1); // the stop timer
  specs.forEach((s, i) => s.parent === -1 && schedule(i));
  specs.forEach((s, i) => s.cancelBy === -2 && cancel(i));
  for (;;) {
    const live = timers.filter((t) => !t.cancelled && !t.fired);
    let due = live.filter((t) => t.when <= now);
    if (due.length === 0) {
      now = Math.min(...live.map((t) => t.when));
      due = live.filter((t) => t.when <= now);
    }
    due.sort((a, b) => a.when - b.when || a.seq - b.seq);
    for (const t of due) t.fired = true;
    for (const t of due) {
      if (t.cancelled) continue; // cancelled by a timer of the same batch
      if (t.id === -1) return fired;
      fired.push(`${t.id}@${now}`);
      specs.forEach((s, j) => s.parent === t.id && schedule(j));
      specs.forEach((s, j) => s.cancelBy === t.id && cancel(j));
    }
  }
}

/** The same timers on a TestLoop. */
async function real(specs: Spec[]): Promise<string[]> {
  const loop = new TestLoop();
  const seen = recordExceptions(loop);
  const handles = new Map<number, TimerHandle>();
  const fired: string[] = [];
  const schedule = (id: number) => {
    const s = specs[id];
    const cb = () => {
      fired.push(`${id}@${loop.time()}`);
      specs.forEach((c, j) => c.parent === id && schedule(j));
      specs.forEach((c, j) => c.cancelBy === id && handles.get(j)?.cancel());
    };
    const when = loop.time() + s.delay;
    const h = s.at ? loop.callAt(when, cb) : loop.callLater(s.delay, cb);
    assert.equal(h.when(), when);
    handles.set(id, h);
  };
  try {
    loop.callAt(STOP_AT, () => loop.stop());
    specs.forEach((s, i) => s.parent === -1 && schedule(i));
    specs.forEach((s, i) => s.cancelBy === -2 && handles.get(i)?.cancel());
    await loop.runForever();
    assert.equal(loop.time(), STOP_AT);
    assert.deepEqual(seen, []);
    return fired;
  } finally {
    loop.close();
  }
}

/** Delays on a grid of quarter seconds (exact in binary), with a few Infinity. */
const delay = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: -8, max: 40 }).map((q) => q / 4) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
);

function specsOf(cancelWeight: number, minLength: number, maxLength: number) {
  return fc.array(
    fc.record({
      parent: fc.nat(),
      nested: fc.boolean(),
      delay,
      at: fc.boolean(),
      cancel: fc.oneof(
        { weight: 4, arbitrary: fc.constant(-1) },
        { weight: cancelWeight, arbitrary: fc.constant(-2) },
        { weight: 2, arbitrary: fc.nat() },
      ),
    }),
    { minLength, maxLength, size: "max" },
  ).map((raw) =>
    raw.map((r, i): Spec => ({
      parent: r.nested && i > 0 ? r.parent % i : -1,
      delay: r.delay,
      at: r.at,
      cancelBy: r.cancel >= 0 ? r.cancel % raw.length : r.cancel,
    }))
  );
}

Deno.test("TestLoop timers fire in asyncio's order for any callLater/callAt/cancel sequence", async () => {
  await checkAsync(0x71e401, 300, [specsOf(2, 0, 60)], async (specs) => {
    assert.deepEqual(await real(specs), model(specs));
  });
});

Deno.test("TestLoop timers keep their order when most of a big heap is cancelled (compaction)", async () => {
  await checkAsync(0x71e402, 40, [specsOf(12, 150, 400)], async (specs) => {
    assert.deepEqual(await real(specs), model(specs));
  });
});

Deno.test("TimerHandle order: the model fires every finite, uncancelled timer exactly once", () => {
  // A check of the reference itself, so that a wrong model cannot hide a
  // wrong heap.
  check(0x71e403, 200, [specsOf(2, 0, 40)], (specs) => {
    const fired = model(specs).map((e) => Number(e.split("@")[0]));
    assert.equal(new Set(fired).size, fired.length);
    for (const id of fired) assert.ok(Number.isFinite(specs[id].delay));
  });
});
