/**
 * A crawler without a network: a bounded pool of workers takes pages from a
 * `Queue`, "fetches" each one (a `sleep`) under a per-page `timeout()`, and
 * queues the links it finds. The workers live in a `TaskGroup`; when the
 * queue is drained (`join()`), `tg.cancel()` stops them. A `timeout()` caps
 * the whole crawl, and Ctrl-C cancels the main task: the cancellation goes
 * down through the group to every worker, and the program ends cleanly.
 *
 *     deno run examples/crawler_like.ts [--workers=4] [--pages=40] [--slow]
 *
 * `--slow` makes every page take seconds: press Ctrl-C to see the
 * shutdown.
 *
 * @module
 */
import * as asyncio from "../mod.ts";

const flags = new Map(
  Deno.args.map((a) => a.replace(/^--/, "").split("=") as [string, string]),
);
const WORKERS = Number(flags.get("workers") ?? 4);
const PAGES = Number(flags.get("pages") ?? 40);
const SLOW = flags.has("slow");
const SCALE = SLOW ? 1000 : 1; // seconds become ~1000 times longer
const FETCH_TIMEOUT = 0.05 * SCALE;
const DEADLINE = 5 * SCALE;

/** The simulated site: page n links to 2n+1 and 2n+2. */
function linksOf(page: number): number[] {
  return [2 * page + 1, 2 * page + 2].filter((p) => p < PAGES);
}

/** A page's latency: a few ms, and every 7th page is too slow. */
function latencyOf(page: number): number {
  return (page % 7 === 6 ? 0.2 : 0.002 + (page * 37 % 11) / 1000) * SCALE;
}

async function fetchPage(page: number): Promise<number[]> {
  await asyncio.sleep(latencyOf(page));
  return linksOf(page);
}

interface Stats {
  fetched: number;
  timedOut: number;
}

async function worker(
  name: string,
  queue: asyncio.Queue<number>,
  stats: Stats,
): Promise<never> {
  for (;;) {
    const page = await queue.get();
    try {
      const links = await asyncio.timeout(FETCH_TIMEOUT).run(() =>
        fetchPage(page)
      );
      stats.fetched++;
      console.log(`${name}: /${page} -> ${links.length} links`);
      for (const link of links) queue.putNowait(link);
    } catch (e) {
      if (!(e instanceof asyncio.TimeoutError)) throw e;
      stats.timedOut++;
      console.log(`${name}: /${page} timed out`);
    } finally {
      queue.taskDone();
    }
  }
}

async function crawl(stats: Stats): Promise<void> {
  const queue = new asyncio.Queue<number>();
  await asyncio.TaskGroup.run(async (tg) => {
    for (let i = 1; i <= WORKERS; i++) {
      tg.createTask(() => worker(`worker-${i}`, queue, stats), {
        name: `worker-${i}`,
      });
    }
    queue.putNowait(0);
    await queue.join(); // every page queued has been processed
    tg.cancel(); // stop the idle workers; the group ends without an error
  });
}

async function main(): Promise<Stats> {
  const stats: Stats = { fetched: 0, timedOut: 0 };
  const mainTask = asyncio.currentTask() as asyncio.Task;
  // Ctrl-C cancels the main task (until run() does this by itself).
  const onSigint = () => {
    console.log("Ctrl-C: cancelling the crawl");
    mainTask.cancel();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    console.log(
      `crawling ${PAGES} pages with ${WORKERS} workers (fetch timeout ${FETCH_TIMEOUT} s)`,
    );
    await asyncio.timeout(DEADLINE).run(() => crawl(stats));
    return stats;
  } catch (e) {
    if (e instanceof asyncio.CancelledError) {
      console.log(
        `interrupted: ${stats.fetched} pages fetched, ${stats.timedOut} timed out`,
      );
    }
    throw e;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

try {
  const stats = await asyncio.run(main);
  console.log(
    `done: ${stats.fetched} pages fetched, ${stats.timedOut} timed out`,
  );
} catch (e) {
  if (!(e instanceof asyncio.CancelledError)) throw e;
  Deno.exitCode = 130; // the shell's code for "ended by SIGINT"
}
