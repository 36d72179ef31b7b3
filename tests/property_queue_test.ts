// Property test of Queue, PriorityQueue and LifoQueue against a model:
// random interleavings of put/get tasks, putNowait/getNowait, cancellation
// of waiting tasks (also right after they were woken, before they run),
// taskDone/join and shutdown. After every step the queue must hold what the
// model holds, and the same tasks must have ended the same way: no item is
// lost or duplicated, and a cancelled waiter hands its wake-up on.
// Seeded: see tests/_property.ts to replay.
import assert from "node:assert/strict";
import {
  type Awaitable,
  type Coroutine,
  createTask,
  LifoQueue,
  PriorityQueue,
  Queue,
  sleep,
  type Task,
  TestLoop,
} from "../mod.ts";
import { checkAsync, fc } from "./_property.ts";
import { recordExceptions } from "./_helpers.ts";

type Kind = "fifo" | "lifo" | "priority";

type Action =
  | { a: "put"; item: number }
  | { a: "get" }
  | { a: "putNowait"; item: number }
  | { a: "getNowait" }
  | { a: "cancel"; k: number }
  | { a: "putNowaitThenCancel"; item: number; k: number }
  | { a: "getNowaitThenCancel"; k: number }
  | { a: "taskDone" }
  | { a: "join" }
  | { a: "shutdown"; immediate: boolean };

/** What the queue looked like at the start of a step, and what ended since. */
interface Snapshot {
  step: number;
  events: string[];
  qsize: number;
  full: boolean;
  empty: boolean;
}

// ---- the model ----

interface MTask {
  id: number;
  kind: "get" | "put" | "join";
  item?: number;
  done: boolean;
}

function model(kind: Kind, maxsize: number, actions: Action[]): Snapshot[] {
  const items: number[] = [];
  let getters: MTask[] = [];
  let putters: MTask[] = [];
  let joiners: MTask[] = [];
  const tasks: MTask[] = [];
  let unfinished = 0;
  let shutdown = false;
  let events: string[] = [];
  const out: Snapshot[] = [];
  const full = () => maxsize > 0 && items.length >= maxsize;
  const take = (): number => {
    let i = 0;
    if (kind === "lifo") i = items.length - 1;
    if (kind === "priority") i = items.indexOf(Math.min(...items));
    return items.splice(i, 1)[0];
  };
  const add = (item: number) => {
    items.push(item);
    unfinished++;
  };
  const end = (t: MTask, what: string) => {
    t.done = true;
    events.push(`${t.kind}#${t.id}${what}`);
  };
  const settle = () => {
    for (let progress = true; progress;) {
      progress = false;
      while (items.length > 0 && getters.length > 0) {
        const g = getters.shift() as MTask;
        end(g, `=${take()}`);
        progress = true;
      }
      if (!full() && putters.length > 0) {
        const p = putters.shift() as MTask;
        if (shutdown) end(p, "!QueueShutDown");
        else {
          add(p.item as number);
          end(p, "");
        }
        progress = true;
      }
    }
    if (shutdown) {
      for (const g of getters) end(g, "!QueueShutDown");
      for (const p of putters) end(p, "!QueueShutDown");
      getters = [];
      putters = [];
    }
    if (unfinished === 0) {
      for (const j of joiners) end(j, "");
      joiners = [];
    }
  };
  const cancel = (k: number) => {
    const pending = tasks.filter((t) => !t.done && t.kind !== "join");
    if (pending.length === 0) return;
    const t = pending[k % pending.length];
    getters = getters.filter((g) => g !== t);
    putters = putters.filter((p) => p !== t);
    end(t, "!CancelledError");
  };
  const putNowait = (item: number) => {
    if (shutdown) events.push("putNowait!QueueShutDown");
    else if (full()) events.push("putNowait!QueueFull");
    else {
      add(item);
      events.push(`putNowait(${item})`);
    }
  };
  const getNowait = () => {
    if (items.length === 0) {
      events.push(`getNowait!${shutdown ? "QueueShutDown" : "QueueEmpty"}`);
    } else events.push(`getNowait=${take()}`);
  };
  actions.forEach((act, step) => {
    out.push({
      step,
      events: events.sort(),
      qsize: items.length,
      full: full(),
      empty: items.length === 0,
    });
    events = [];
    const id = step;
    switch (act.a) {
      case "put": {
        const t: MTask = { id, kind: "put", item: act.item, done: false };
        tasks.push(t);
        if (shutdown) end(t, "!QueueShutDown");
        else if (!full()) {
          add(act.item);
          end(t, "");
        } else putters.push(t);
        break;
      }
      case "get": {
        const t: MTask = { id, kind: "get", done: false };
        tasks.push(t);
        if (items.length > 0) end(t, `=${take()}`);
        else if (shutdown) end(t, "!QueueShutDown");
        else getters.push(t);
        break;
      }
      case "join": {
        const t: MTask = { id, kind: "join", done: false };
        tasks.push(t);
        if (unfinished === 0) end(t, "");
        else joiners.push(t);
        break;
      }
      case "putNowait":
        putNowait(act.item);
        break;
      case "getNowait":
        getNowait();
        break;
      case "cancel":
        cancel(act.k);
        break;
      case "putNowaitThenCancel":
        putNowait(act.item);
        cancel(act.k);
        break;
      case "getNowaitThenCancel":
        getNowait();
        cancel(act.k);
        break;
      case "taskDone":
        if (unfinished <= 0) events.push("taskDone!RangeError");
        else unfinished--;
        break;
      case "shutdown":
        shutdown = true;
        if (act.immediate) {
          // Each dropped item counts as done (never below zero).
          for (; items.length > 0; items.pop()) {
            if (unfinished > 0) unfinished--;
          }
        }
        break;
    }
    settle();
  });
  out.push({
    step: actions.length,
    events: events.sort(),
    qsize: items.length,
    full: full(),
    empty: items.length === 0,
  });
  return out;
}

// ---- the real queue, one action per virtual second ----

function make(kind: Kind, maxsize: number): Queue<number> {
  if (kind === "lifo") return new LifoQueue<number>(maxsize);
  if (kind === "priority") return new PriorityQueue<number>(maxsize);
  return new Queue<number>(maxsize);
}

async function real(
  kind: Kind,
  maxsize: number,
  actions: Action[],
): Promise<Snapshot[]> {
  const loop = new TestLoop();
  const seen = recordExceptions(loop);
  try {
    return await loop.runUntilComplete(async () => {
      const q = make(kind, maxsize);
      let events: string[] = [];
      const out: Snapshot[] = [];
      const tasks: { kind: string; task: Task<void> }[] = [];
      // Odd tasks are generator coroutines (`yield*`), even ones async
      // functions (`await`).
      const spawn = (
        k: string,
        id: number,
        wait: () => Awaitable<number | void>,
      ) => {
        const done = (value: number | void) =>
          events.push(`${k}#${id}${value === undefined ? "" : `=${value}`}`);
        const failed = (e: unknown) =>
          events.push(`${k}#${id}!${(e as Error).name}`);
        const task = id % 2 === 1
          ? createTask(function* (): Coroutine<void> {
            try {
              done(yield* wait());
            } catch (e) {
              failed(e);
            }
          })
          : createTask(async () => {
            try {
              done(await wait());
            } catch (e) {
              failed(e);
            }
          });
        tasks.push({ kind: k, task });
      };
      const cancel = (k: number) => {
        const pending = tasks.filter((t) =>
          !t.task.done() && t.kind !== "join"
        );
        if (pending.length > 0) pending[k % pending.length].task.cancel();
      };
      const attempt = (what: string, f: () => string) => {
        try {
          events.push(`${what}${f()}`);
        } catch (e) {
          events.push(`${what}!${(e as Error).name}`);
        }
      };
      const snapshot = (step: number) => {
        out.push({
          step,
          events: events.sort(),
          qsize: q.qsize(),
          full: q.full(),
          empty: q.empty(),
        });
        events = [];
      };
      for (const [step, act] of actions.entries()) {
        await sleep(1);
        snapshot(step);
        switch (act.a) {
          case "put":
            spawn("put", step, () => q.put(act.item));
            break;
          case "get":
            spawn("get", step, () => q.get());
            break;
          case "join":
            spawn("join", step, () => q.join());
            break;
          case "putNowait":
          case "putNowaitThenCancel":
            attempt("putNowait", () => {
              q.putNowait(act.item);
              return `(${act.item})`;
            });
            if (act.a === "putNowaitThenCancel") cancel(act.k);
            break;
          case "getNowait":
          case "getNowaitThenCancel":
            attempt("getNowait", () => `=${q.getNowait()}`);
            if (act.a === "getNowaitThenCancel") cancel(act.k);
            break;
          case "cancel":
            cancel(act.k);
            break;
          case "taskDone":
            try {
              q.taskDone();
            } catch (e) {
              events.push(`taskDone!${(e as Error).name}`);
            }
            break;
          case "shutdown":
            q.shutdown(act.immediate);
            break;
        }
      }
      await sleep(1);
      snapshot(actions.length);
      for (const t of tasks) t.task.cancel();
      for (const t of tasks) await t.task;
      assert.deepEqual(seen, []);
      return out;
    });
  } finally {
    loop.close();
  }
}

// ---- arbitraries ----

function actionsOf(n: number) {
  // Items are distinct (a priority order exists): a random part and the
  // action's index.
  const item = fc.integer({ min: 0, max: 99 });
  const k = fc.nat({ max: 7 });
  const action: fc.Arbitrary<Action> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ a: fc.constant("put"), item }) },
    { weight: 6, arbitrary: fc.record({ a: fc.constant("get") }) },
    { weight: 3, arbitrary: fc.record({ a: fc.constant("putNowait"), item }) },
    { weight: 3, arbitrary: fc.record({ a: fc.constant("getNowait") }) },
    { weight: 3, arbitrary: fc.record({ a: fc.constant("cancel"), k }) },
    {
      weight: 3,
      arbitrary: fc.record({ a: fc.constant("putNowaitThenCancel"), item, k }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ a: fc.constant("getNowaitThenCancel"), k }),
    },
    { weight: 2, arbitrary: fc.record({ a: fc.constant("taskDone") }) },
    { weight: 1, arbitrary: fc.record({ a: fc.constant("join") }) },
    {
      weight: 1,
      arbitrary: fc.record({
        a: fc.constant("shutdown"),
        immediate: fc.boolean(),
      }),
    },
  ) as fc.Arbitrary<Action>;
  return fc.array(action, { maxLength: n, size: "max" }).map((list) =>
    list.map((act, i) =>
      "item" in act ? { ...act, item: act.item * 1000 + i } : act
    )
  );
}

for (const kind of ["fifo", "lifo", "priority"] as const) {
  const name = { fifo: "Queue", lifo: "LifoQueue", priority: "PriorityQueue" }[
    kind
  ];
  Deno.test(`${name} matches the model under random put/get/cancel/shutdown interleavings`, async () => {
    await checkAsync(
      { fifo: 0x9e0e01, lifo: 0x9e0e02, priority: 0x9e0e03 }[kind],
      250,
      [fc.integer({ min: 0, max: 3 }), actionsOf(40)],
      async (maxsize, actions) => {
        assert.deepEqual(
          await real(kind, maxsize, actions),
          model(kind, maxsize, actions),
        );
      },
    );
  });
}
