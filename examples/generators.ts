/**
 * The same demo with generator coroutines: `function*` and `yield*`, the
 * PEP 380 model asyncio grew from. A bare `yield` gives the loop one
 * iteration.
 *
 *     deno run examples/generators.ts
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import type { Coroutine } from "../mod.ts";

const t0 = performance.now();
function say(what: string): void {
  const ms = (performance.now() - t0).toFixed(0).padStart(4);
  console.log(`[${ms} ms] ${what}`);
}

function* worker(
  name: string,
  delay: number,
  times: number,
): Coroutine<string> {
  for (let i = 1; i <= times; i++) {
    yield* asyncio.sleep(delay);
    say(`${name}: tick ${i}/${times}`);
  }
  return `${name} finished`;
}

function* sleeper(): Coroutine<void> {
  try {
    say("sleeper: going to sleep for an hour");
    yield* asyncio.sleep(3600);
  } catch (e) {
    say(`sleeper: woken up by ${(e as Error).name}`);
    throw e;
  }
}

function* main(): Coroutine<string[]> {
  const loop = asyncio.getRunningLoop();
  loop.callLater(0.15, () => say("a callLater(0.15) callback"));
  const fast = loop.createTask(worker("fast", 0.05, 4));
  const slow = loop.createTask(worker("slow", 0.12, 2));
  const lazy = loop.createTask(sleeper());

  yield; // one loop iteration: the tasks start
  yield* asyncio.sleep(0.1);
  lazy.cancel();

  const results = [yield* fast, yield* slow];
  try {
    yield* lazy;
  } catch (e) {
    say(`main: sleeper ended with ${(e as Error).name}`);
  }
  return results;
}

const result = await asyncio.run(main());
say(`run() returned ${JSON.stringify(result)}`);
