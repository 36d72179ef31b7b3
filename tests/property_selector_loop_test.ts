// Property test of SelectorEventLoop's timers and readiness callbacks
// together (seeded: see tests/_property.ts to replay): random timers on a
// real clock, some cancelled before they are due, that send bytes on
// socket pairs, add and remove readers, and schedule more timers. Timers
// fire in (deadline, scheduling) order and never before their deadline;
// cancelled ones never fire; a reader is called only while it is
// registered and only when its socket has data (level-triggered readiness,
// no spurious call); every byte sent is read; the loop does not spin while
// it waits.
import assert from "node:assert/strict";
import {
  SelectorEventLoop,
  type Socket,
  socketpair,
  type TimerHandle,
} from "../mod.ts";
import { recordExceptions } from "./_helpers.ts";
import { SELECTOR } from "./_loops.ts";
import { checkAsync, fc } from "./_property.ts";

const PAIRS = 3;

/** What a timer does when it fires. */
type Action =
  | { kind: "send"; pair: number; n: number }
  | { kind: "add"; pair: number }
  | { kind: "remove"; pair: number }
  | { kind: "later"; delay: number }
  | { kind: "cancel"; target: number }
  | { kind: "mark" };

interface Spec {
  /** Milliseconds from the start. */
  at: number;
  action: Action;
}

const pair = fc.integer({ min: 0, max: PAIRS - 1 });

const specArb: fc.Arbitrary<Spec> = fc.record({
  at: fc.integer({ min: 0, max: 15 }).map((ms) => ms + [0, 0.25, 0.5][ms % 3]),
  action: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("send" as const),
        pair,
        n: fc.integer({ min: 1, max: 20_000 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant("add" as const), pair }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("remove" as const), pair }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("later" as const),
        delay: fc.integer({ min: 0, max: 8 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("cancel" as const),
        target: fc.nat(),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ kind: "mark" as const }) },
  ),
});

async function runPlan(specs: Spec[]): Promise<void> {
  const loop = new SelectorEventLoop();
  const seen = recordExceptions(loop);
  const pairs: [Socket, Socket][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [a, b] = socketpair();
    a.setBlocking(false);
    b.setBlocking(false);
    pairs.push([a, b]);
  }
  const registered = new Array(PAIRS).fill(false);
  const sent = new Array(PAIRS).fill(0);
  const received = new Array(PAIRS).fill(0);
  const problems: string[] = [];
  /** Timers: deadline, scheduling order, fired?, cancelled? */
  const timers: {
    when: number;
    seq: number;
    handle: TimerHandle;
    fired: number;
    cancelled: boolean;
  }[] = [];
  const fired: number[] = [];
  let seq = 0;

  const reader = (i: number) => () => {
    if (!registered[i]) problems.push(`reader ${i} called while removed`);
    const data = pairs[i][0].recv(1 << 20);
    if (data.length === 0) problems.push(`reader ${i} called without data`);
    received[i] += data.length;
  };
  const add = (i: number) => {
    loop.addReader(pairs[i][0], reader(i));
    registered[i] = true;
  };
  const remove = (i: number) => {
    loop.removeReader(pairs[i][0]);
    registered[i] = false;
  };
  const schedule = (delaySeconds: number, action: Action) => {
    const id = timers.length;
    const handle = loop.callLater(delaySeconds, () => {
      const t = timers[id];
      if (t.cancelled) problems.push(`cancelled timer ${id} fired`);
      t.fired = loop.time();
      if (t.fired < t.when - 1e-6) {
        problems.push(`timer ${id} fired ${(t.when - t.fired) * 1e3} ms early`);
      }
      fired.push(id);
      perform(action);
    });
    timers.push({
      when: handle.when(),
      seq: seq++,
      handle,
      fired: -1,
      cancelled: false,
    });
  };
  const perform = (action: Action) => {
    switch (action.kind) {
      case "send": {
        // What the socket takes now (a full buffer is not an error here).
        try {
          sent[action.pair] += pairs[action.pair][1].send(
            new Uint8Array(action.n),
          );
        } catch { /* full */ }
        break;
      }
      case "add":
        add(action.pair);
        break;
      case "remove":
        remove(action.pair);
        break;
      case "later":
        schedule(action.delay / 1000, { kind: "mark" });
        break;
      case "cancel": {
        const t = timers[action.target % timers.length];
        if (t.fired < 0 && !t.cancelled) {
          t.cancelled = true;
          t.handle.cancel();
        }
        break;
      }
      case "mark":
        break;
    }
  };

  try {
    const iterations0 = (loop as unknown as { _iterations: number })
      ._iterations;
    await loop.runUntilComplete(async () => {
      for (const s of specs) schedule(s.at / 1000, s.action);
      // The end: after every timer, read what is left.
      const end = Math.max(0, ...specs.map((s) => s.at)) + 10;
      await new Promise<void>((resolve) => {
        loop.callLater(end / 1000, () => {
          for (let i = 0; i < PAIRS; i++) if (!registered[i]) add(i);
          // Until every byte is read and every timer fired or was
          // cancelled (a timer that never fires shows in the checks below).
          const giveUp = loop.time() + 2;
          const check = () => {
            if (
              (received.every((n, i) => n === sent[i]) &&
                timers.every((t) => t.fired >= 0 || t.cancelled)) ||
              loop.time() > giveUp
            ) resolve();
            else loop.callLater(0.001, check);
          };
          check();
        });
      });
    });
    const iterations = (loop as unknown as { _iterations: number })
      ._iterations - iterations0;
    assert.deepEqual(problems, []);
    assert.deepEqual(received, sent, "every byte read");
    // Every timer that was not cancelled fired, in (deadline, scheduling)
    // order.
    assert.deepEqual(
      [...fired].sort((x, y) => x - y),
      timers.map((_, id) => id).filter((id) => !timers[id].cancelled),
      "the timers that fired",
    );
    const byDeadline = (x: number, y: number) =>
      timers[x].when - timers[y].when || timers[x].seq - timers[y].seq;
    assert.deepEqual(fired, [...fired].sort(byDeadline), "their order");
    // No spinning: the loop wakes for timers and data, not in between.
    const bound = 20 + 6 * (timers.length + specs.length);
    assert.ok(iterations <= bound, `${iterations} iterations (> ${bound})`);
    assert.deepEqual(seen.map((c) => c.message), []);
  } finally {
    for (let i = 0; i < PAIRS; i++) {
      if (registered[i]) remove(i);
      pairs[i][0].close();
      pairs[i][1].close();
    }
    loop.close();
  }
}

Deno.test({
  name:
    "SelectorEventLoop: random timers, cancellations, sends and readers interleave in order, on time, without spurious calls",
  ignore: !SELECTOR.available,
  async fn() {
    await checkAsync(
      0x5e1ec7,
      20,
      [fc.array(specArb, { minLength: 1, maxLength: 25 })],
      async (specs) => {
        await runPlan(specs);
      },
    );
  },
});
