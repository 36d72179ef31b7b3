/**
 * `deno task bench`: the scheduler and worker-pool benchmarks, each beside
 * a native reference in the same run, and CPython asyncio's counterparts
 * when `python3` is installed; then the loop's latency while a worker pool
 * is busy. Ratios are what to read: absolute rates vary with the machine.
 *
 *     deno task bench              # full run
 *     deno task bench --smoke      # a few iterations, to check it works
 *     deno task bench --only=sleep # cases whose name contains "sleep"
 *
 * @module
 */
import {
  type BenchCase,
  type BenchResult,
  runCase,
  table,
} from "./_harness.ts";
import { schedulerCases } from "./scheduler.ts";
import { toolkitCases } from "./toolkit.ts";
import {
  executorCases,
  latencyTable,
  measureExecutorLatency,
} from "./executor.ts";

/** All benchmark cases of `deno task bench`. */
export const allCases: BenchCase[] = [
  ...schedulerCases,
  ...toolkitCases,
  ...executorCases,
];

/** Runs CPython's counterparts; `null` when python3 is missing. */
export async function runCPython(
  scale: number,
  names: string[],
): Promise<Record<string, number> | null> {
  try {
    const script = new URL("./cpython_scheduler.py", import.meta.url).pathname;
    const out = await new Deno.Command("python3", {
      args: [script, String(scale), names.join(",")],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) return null;
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } catch {
    return null;
  }
}

/** Runs the cases and returns their results. */
export async function runAll(
  cases: BenchCase[],
  options: { smoke: boolean; cpython: boolean },
): Promise<BenchResult[]> {
  const scale = options.smoke ? 0.001 : 1;
  const rounds = options.smoke ? 1 : 5;
  const results: BenchResult[] = [];
  for (const c of cases) results.push(await runCase(c, { rounds, scale }));
  if (options.cpython) {
    const names = [
      ...new Set(cases.map((c) => c.cpython).filter((x): x is string => !!x)),
    ];
    const py = await runCPython(scale, names);
    if (py === null) {
      console.log(
        "python3 not found (or failed): the CPython column is empty.",
      );
    } else {
      cases.forEach((c, i) => {
        if (c.cpython && py[c.cpython]) {
          results[i].cpythonOpsPerSec = py[c.cpython];
        }
      });
    }
  }
  return results;
}

if (import.meta.main) {
  const smoke = Deno.args.includes("--smoke");
  const only = Deno.args.find((a) => a.startsWith("--only="))?.slice(7);
  const cases = only ? allCases.filter((c) => c.name.includes(only)) : allCases;
  console.log(
    `Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, ${navigator.hardwareConcurrency} cores${
      smoke ? " (smoke run)" : ""
    }`,
  );
  const results = await runAll(cases, {
    smoke,
    cpython: !Deno.args.includes("--no-python"),
  });
  console.log(table(results));
  if (!only || "runInExecutor".includes(only) || only === "latency") {
    console.log();
    console.log(
      latencyTable(await measureExecutorLatency({ seconds: smoke ? 0.1 : 2 })),
    );
  }
}
