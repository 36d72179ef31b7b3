/**
 * CPU-bound work in a pool of Web Workers while the loop stays responsive:
 * a ticker task prints every 50 ms while the workers compute Fibonacci
 * numbers; then the same kind of work, done on the loop itself, freezes
 * the ticker.
 *
 *     deno run --allow-read examples/executor.ts
 *
 * (`--allow-read`: the workers load the pool's worker module from disk.)
 *
 * @module
 */
import * as asyncio from "../mod.ts";

const t0 = performance.now();
function say(what: string): void {
  const ms = (performance.now() - t0).toFixed(0).padStart(5);
  console.log(`[${ms} ms] ${what}`);
}

/**
 * Self-contained (it uses nothing from outside its body: its own name is
 * bound inside it), so it can be sent to a worker as its source.
 */
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Ticks every `period` seconds; returns the longest gap seen between ticks. */
async function ticker(period: number, log: boolean, stats: { ticks: number }) {
  let last = performance.now();
  let longest = 0;
  try {
    for (;;) {
      await asyncio.sleep(period);
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      stats.ticks++;
      if (log) say(`tick ${stats.ticks}`);
    }
  } catch (e) {
    if (!(e instanceof asyncio.CancelledError)) throw e;
    return longest;
  }
}

await asyncio.run(async () => {
  const loop = asyncio.getRunningLoop();
  await using pool = new asyncio.WorkerPoolExecutor({ maxWorkers: 2 });
  say(`${pool.maxWorkers} workers; a ticker every 50 ms`);

  const stats = { ticks: 0 };
  const tick = asyncio.createTask(() => ticker(0.05, true, stats));
  await asyncio.sleep(0); // the ticker starts
  const ns = [35, 36, 37, 38];
  const jobs = ns.map((n) => {
    const fut = loop.runInExecutor(pool, fib, n);
    fut.addDoneCallback(() => say(`fib(${n}) = ${fut.result()} (in a worker)`));
    return fut;
  });
  for (const job of jobs) await job;
  // toThread(): the same through the loop's default executor.
  say(`toThread: fib(25) = ${await asyncio.toThread(fib, 25)}`);
  tick.cancel();
  const gap = await tick;
  say(
    `pool done: the ticker ticked ${stats.ticks} times meanwhile; longest gap ${
      gap.toFixed(0)
    } ms`,
  );

  const still = { ticks: 0 };
  const frozen = asyncio.createTask(() => ticker(0.05, false, still));
  await asyncio.sleep(0.06);
  const value = fib(36); // on the loop's own thread: nothing else runs
  await asyncio.sleep(0.06);
  frozen.cancel();
  const frozenGap = await frozen;
  say(
    `fib(36) = ${value} on the loop itself: longest gap ${
      frozenGap.toFixed(0)
    } ms (the ticker was frozen)`,
  );
});
