/**
 * The demo: a few tasks, timers and a cancellation, printed as they happen.
 *
 *     deno run examples/hello.ts
 *
 * @module
 */
import * as asyncio from "../mod.ts";

const t0 = performance.now();
function say(what: string): void {
  const ms = (performance.now() - t0).toFixed(0).padStart(4);
  console.log(`[${ms} ms] ${what}`);
}

async function worker(name: string, delay: number, times: number) {
  for (let i = 1; i <= times; i++) {
    await asyncio.sleep(delay);
    say(`${name}: tick ${i}/${times}`);
  }
  return `${name} finished`;
}

async function sleeper() {
  try {
    say("sleeper: going to sleep for an hour");
    await asyncio.sleep(3600);
  } catch (e) {
    if (e instanceof asyncio.CancelledError) {
      say(`sleeper: woken up by cancel(${JSON.stringify(e.message)})`);
    }
    throw e;
  }
}

const result = await asyncio.run(async () => {
  const loop = asyncio.getRunningLoop();
  say(`main: running on ${loop}`);
  loop.callLater(0.15, () => say("a callLater(0.15) callback"));
  loop.callSoon(() => say("a callSoon() callback"));

  const fast = asyncio.createTask(() => worker("fast", 0.05, 4), {
    name: "fast",
  });
  const slow = asyncio.createTask(() => worker("slow", 0.12, 2), {
    name: "slow",
  });
  const lazy = asyncio.createTask(sleeper, { name: "sleeper" });

  await asyncio.sleep(0.1);
  say(
    `main: tasks running: ${
      [...asyncio.allTasks()].map((t) => t.getName()).join(", ")
    }`,
  );
  lazy.cancel("time to wake up");

  const results = [await fast, await slow];
  try {
    await lazy;
  } catch (e) {
    say(
      `main: sleeper ended with ${
        (e as Error).name
      }, cancelled() = ${lazy.cancelled()}`,
    );
  }
  return results;
});
say(`run() returned ${JSON.stringify(result)}`);
