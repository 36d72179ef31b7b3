/**
 * Worker-pool benchmarks: `runInExecutor` round trips per second beside a
 * raw `postMessage` round trip to a Worker (the native reference), and the
 * loop's callback latency while the pool is busy.
 *
 *     deno run -A bench/executor.ts            # cases and latency
 *     deno task bench --only=runInExecutor     # the cases in the table
 *
 * Every case starts and terminates its workers inside the timed region, on
 * both sides, so the worker start-up (tens of ms) weighs the same on each.
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import { type BenchCase, runCase, table } from "./_harness.ts";

/** An echo Worker for the native reference: replies `x + 1` to `x`. */
function echoWorker(): Worker {
  const src = "self.onmessage = (e) => self.postMessage(e.data + 1);";
  return new Worker(`data:application/javascript,${encodeURIComponent(src)}`, {
    type: "module",
  });
}

/** Runs `body` on a fresh loop with a pool of `workers`, then closes both. */
async function onLoopWithPool(
  workers: number,
  body: (
    loop: asyncio.AbstractEventLoop,
    pool: asyncio.WorkerPoolExecutor,
  ) => Promise<void>,
): Promise<void> {
  const loop = asyncio.newEventLoop();
  const pool = new asyncio.WorkerPoolExecutor({ maxWorkers: workers });
  try {
    await loop.runUntilComplete(() => body(loop, pool));
  } finally {
    await pool.shutdown();
    loop.close();
  }
}

const inc = (x: number) => x + 1;

/** The executor cases. */
export const executorCases: BenchCase[] = [
  {
    name: "runInExecutor round trip, 1 worker, one at a time",
    reference: "postMessage round trip to a Worker",
    ops: 10_000,
    ours: (n) =>
      onLoopWithPool(1, async (loop, pool) => {
        let x = 0;
        for (let i = 0; i < n; i++) x = await loop.runInExecutor(pool, inc, x);
        if (x !== n) throw new Error(`expected ${n}, got ${x}`);
      }),
    native: async (n) => {
      const w = echoWorker();
      try {
        let resolve: (x: number) => void = () => {};
        w.onmessage = (e) => resolve(e.data);
        let x = 0;
        for (let i = 0; i < n; i++) {
          x = await new Promise<number>((r) => {
            resolve = r;
            w.postMessage(x);
          });
        }
        if (x !== n) throw new Error(`expected ${n}, got ${x}`);
      } finally {
        w.terminate();
      }
    },
  },
  {
    name: "runInExecutor, all in flight on 2 workers",
    reference: "postMessage to 2 Workers, all in flight",
    ops: 20_000,
    ours: (n) =>
      onLoopWithPool(2, async (loop, pool) => {
        const futs = new Array(n);
        for (let i = 0; i < n; i++) futs[i] = loop.runInExecutor(pool, inc, i);
        for (let i = 0; i < n; i++) await futs[i];
      }),
    native: async (n) => {
      const ws = [echoWorker(), echoWorker()];
      try {
        await new Promise<void>((resolve) => {
          let left = n;
          const onmessage = () => {
            if (--left === 0) resolve();
          };
          for (const w of ws) w.onmessage = onmessage;
          for (let i = 0; i < n; i++) ws[i & 1].postMessage(i);
        });
      } finally {
        for (const w of ws) w.terminate();
      }
    },
  },
];

/** Percentiles of a sample, in milliseconds. */
function summary(xs: number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN };
}

/**
 * Probes the loop for `seconds`: a chain of `callLater(0.001)` timers and
 * of `callSoon` callbacks; returns how late each ran, in ms.
 */
async function probe(
  loop: asyncio.AbstractEventLoop,
  seconds: number,
): Promise<{ timer: number[]; soon: number[] }> {
  const timer: number[] = [];
  const soon: number[] = [];
  const end = loop.time() + seconds;
  const done = loop.createFuture<void>();
  const onTimer = (when: number) => {
    timer.push((loop.time() - when) * 1000);
    const t0 = performance.now();
    loop.callSoon(() => {
      soon.push(performance.now() - t0);
      if (loop.time() >= end) done.setResult();
      else loop.callLater(0.001, onTimer, loop.time() + 0.001);
    });
  };
  loop.callLater(0.001, onTimer, loop.time() + 0.001);
  await done;
  return { timer, soon };
}

/** The latency figures: idle pool, busy pool, and a worker's start. */
export interface ExecutorLatency {
  /** Workers in the pool. */
  workers: number;
  /** How long `new Worker()` blocks the calling thread, in ms (median). */
  workerStartMs: number;
  /** `callLater(1 ms)` lateness and `callSoon` delay with the pool idle. */
  idle: { timer: ReturnType<typeof summary>; soon: ReturnType<typeof summary> };
  /** The same while every worker runs CPU-bound jobs. */
  busy: { timer: ReturnType<typeof summary>; soon: ReturnType<typeof summary> };
}

/**
 * Measures the loop's callback latency with the pool idle, then with all
 * its workers busy with CPU-bound jobs (busy-waits of 20 ms, kept queued for
 * the whole probe).
 */
export async function measureExecutorLatency(
  options?: { seconds?: number; workers?: number },
): Promise<ExecutorLatency> {
  const seconds = options?.seconds ?? 1;
  const workers = options?.workers ?? navigator.hardwareConcurrency;
  const loop = asyncio.newEventLoop();
  const pool = new asyncio.WorkerPoolExecutor({ maxWorkers: workers });
  const starts: number[] = [];
  try {
    return await loop.runUntilComplete(async () => {
      // Start every worker now, timing what each start costs the loop.
      const warm: asyncio.Future<number>[] = [];
      for (let i = 0; i < workers; i++) {
        const t0 = performance.now();
        warm.push(
          loop.runInExecutor(pool, (ms: number) => {
            const end = performance.now() + ms;
            while (performance.now() < end) { /* hold the worker */ }
            return ms;
          }, 50),
        );
        starts.push(performance.now() - t0);
      }
      for (const f of warm) await f;
      const idle = await probe(loop, seconds / 2);
      const spin = (ms: number) => {
        const end = performance.now() + ms;
        while (performance.now() < end) { /* CPU-bound */ }
        return ms;
      };
      const jobs = Math.ceil((seconds * 1000 / 20) * workers) + workers;
      const busyJobs: asyncio.Future<number>[] = [];
      for (let i = 0; i < jobs; i++) {
        busyJobs.push(loop.runInExecutor(pool, spin, 20));
      }
      const busy = await probe(loop, seconds);
      for (const f of busyJobs) f.cancel();
      return {
        workers,
        workerStartMs: summary(starts).p50,
        idle: { timer: summary(idle.timer), soon: summary(idle.soon) },
        busy: { timer: summary(busy.timer), soon: summary(busy.soon) },
      };
    });
  } finally {
    await pool.shutdown(true, { cancelFutures: true });
    loop.close();
  }
}

/** Renders the latency figures as Markdown. */
export function latencyTable(r: ExecutorLatency): string {
  const f = (x: number) => x.toFixed(3);
  const row = (what: string, s: ReturnType<typeof summary>) =>
    `| ${what} | ${f(s.p50)} | ${f(s.p99)} | ${f(s.max)} |`;
  return [
    `Loop latency with a pool of ${r.workers} workers (ms; starting a worker blocks the loop ${
      r.workerStartMs.toFixed(1)
    } ms):`,
    "",
    "| probe | p50 | p99 | max |",
    "| --- | ---: | ---: | ---: |",
    row("callLater(1 ms) lateness, pool idle", r.idle.timer),
    row("callLater(1 ms) lateness, pool busy", r.busy.timer),
    row("callSoon delay, pool idle", r.idle.soon),
    row("callSoon delay, pool busy", r.busy.soon),
  ].join("\n");
}

if (import.meta.main) {
  const smoke = Deno.args.includes("--smoke");
  console.log(
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores${
      smoke ? " (smoke run)" : ""
    }`,
  );
  const results = [];
  for (const c of executorCases) {
    results.push(
      await runCase(c, { rounds: smoke ? 1 : 5, scale: smoke ? 0.001 : 1 }),
    );
  }
  console.log(table(results));
  console.log();
  console.log(
    latencyTable(await measureExecutorLatency({ seconds: smoke ? 0.1 : 2 })),
  );
}
