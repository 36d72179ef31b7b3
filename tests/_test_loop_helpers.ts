// Re-exports for the TestLoop tests, plus a tiny gather (the real one is
// part of the toolkit).
export { createTask, sleep, TestLoop } from "../mod.ts";
import type { Future } from "../mod.ts";

/** Awaits every future, in order. */
export async function gatherForTest(
  ...futures: Future<unknown>[]
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const f of futures) out.push(await f);
  return out;
}
