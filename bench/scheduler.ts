// deno-lint-ignore-file require-await -- tests build async coroutines that never suspend
/**
 * Scheduler benchmarks: callbacks, sleep(0), tasks, futures, timers, each
 * beside a native reference.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import * as asyncio from "../mod.ts";
import type { BenchCase } from "./_harness.ts";

/** Runs `body` on a fresh loop and closes it. */
async function onLoop(
  body: (loop: asyncio.AbstractEventLoop) => Promise<void>,
): Promise<void> {
  const loop = asyncio.newEventLoop();
  try {
    await loop.runUntilComplete(() => body(loop));
  } finally {
    loop.close();
  }
}

/** The scheduler cases. */
export const schedulerCases: BenchCase[] = [
  {
    name: "callSoon, 1M queued at once",
    target: { vs: "cpython", ratio: 10 },
    reference: "queueMicrotask, 1M at once",
    cpython: "call_soon_batch",
    ops: 1_000_000,
    ours: (n) =>
      onLoop(async (loop) => {
        const done = loop.createFuture<void>();
        let left = n;
        const cb = () => {
          if (--left === 0) done.setResult();
        };
        for (let i = 0; i < n; i++) loop.callSoon(cb);
        await done;
      }),
    native: (n) =>
      new Promise<void>((resolve) => {
        let left = n;
        const cb = () => {
          if (--left === 0) resolve();
        };
        for (let i = 0; i < n; i++) queueMicrotask(cb);
      }),
  },
  {
    name: "callSoon, 1M-deep chain",
    target: { vs: "cpython", ratio: 10 },
    reference: "queueMicrotask chain",
    cpython: "call_soon_chain",
    ops: 1_000_000,
    ours: (n) =>
      onLoop(async (loop) => {
        const done = loop.createFuture<void>();
        let left = n;
        const cb = () => {
          if (--left === 0) done.setResult();
          else loop.callSoon(cb);
        };
        loop.callSoon(cb);
        await done;
      }),
    native: (n) =>
      new Promise<void>((resolve) => {
        let left = n;
        const cb = () => {
          if (--left === 0) resolve();
          else queueMicrotask(cb);
        };
        queueMicrotask(cb);
      }),
  },
  {
    name: "await sleep(0) in one task",
    target: { vs: "cpython", ratio: 10 },
    reference: "one setImmediate hop each",
    cpython: "sleep0",
    ops: 1_000_000,
    ours: (n) =>
      onLoop(async () => {
        for (let i = 0; i < n; i++) await asyncio.sleep(0);
      }),
    native: async (n) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    },
  },
  {
    name: "yield* sleep(0) in a generator task",
    target: { vs: "cpython", ratio: 10 },
    reference: "await of a resolved Promise",
    cpython: "sleep0",
    ops: 1_000_000,
    ours: (n) =>
      onLoop(async (loop) => {
        await loop.createTask(function* () {
          for (let i = 0; i < n; i++) yield* asyncio.sleep(0);
        });
      }),
    native: async (n) => {
      const p = Promise.resolve();
      for (let i = 0; i < n; i++) await p;
    },
  },
  {
    name: "100k tasks created and awaited",
    target: { vs: "cpython", ratio: 10 },
    reference: "100k async calls and Promise.all",
    cpython: "tasks_gather",
    ops: 100_000,
    ours: (n) =>
      onLoop(async (loop) => {
        const tasks: asyncio.Task<number>[] = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = loop.createTask(async () => i);
        for (let i = 0; i < n; i++) await tasks[i];
      }),
    native: async (n) => {
      const ps: Promise<number>[] = new Array(n);
      for (let i = 0; i < n; i++) ps[i] = (async () => i)();
      await Promise.all(ps);
    },
  },
  {
    name: "Future create + setResult + await",
    target: { vs: "native", ratio: 0.5 },
    reference: "Promise.withResolvers + resolve + await",
    cpython: "future_roundtrip",
    ops: 1_000_000,
    ours: (n) =>
      onLoop(async (loop) => {
        for (let i = 0; i < n; i++) {
          const f = loop.createFuture<number>();
          f.setResult(i);
          await f;
        }
      }),
    native: async (n) => {
      for (let i = 0; i < n; i++) {
        const { promise, resolve } = Promise.withResolvers<number>();
        resolve(i);
        await promise;
      }
    },
  },
  {
    name: "Future set via callSoon, awaited",
    target: { vs: "cpython", ratio: 10 },
    reference: "Promise resolved via setImmediate",
    cpython: "future_call_soon",
    ops: 200_000,
    ours: (n) =>
      onLoop(async (loop) => {
        for (let i = 0; i < n; i++) {
          const f = loop.createFuture<number>();
          loop.callSoon(() => f.setResult(i));
          await f;
        }
      }),
    native: async (n) => {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setImmediate(() => r(i)));
      }
    },
  },
  {
    name: "100k timers of 0-50 ms",
    target: { vs: "cpython", ratio: 3 },
    reference: "100k setTimeout of 0-50 ms",
    cpython: "timers",
    ops: 100_000,
    ours: (n) =>
      onLoop(async (loop) => {
        const done = loop.createFuture<void>();
        let left = n;
        const cb = () => {
          if (--left === 0) done.setResult();
        };
        for (let i = 0; i < n; i++) loop.callLater((i % 51) / 1000, cb);
        await done;
      }),
    native: (n) =>
      new Promise<void>((resolve) => {
        let left = n;
        const cb = () => {
          if (--left === 0) resolve();
        };
        for (let i = 0; i < n; i++) setTimeout(cb, i % 51);
      }),
  },
];
