/**
 * A tiny benchmark harness: each case runs `ours` and a native reference
 * `native` on the same machine in the same run, a few rounds each,
 * alternating, and reports the median operations per second and the ratio.
 *
 * @module
 */

/** One benchmark case. */
export interface BenchCase {
  /** What is measured. */
  name: string;
  /** What the native reference is. */
  reference: string;
  /** Operations per round (scaled down by `--smoke`). */
  ops: number;
  /** Runs `ops` operations with this module; resolves when done. */
  ours(ops: number): Promise<void>;
  /** Runs `ops` operations of the native reference. */
  native(ops: number): Promise<void>;
  /** The name of the matching CPython benchmark, if any. */
  cpython?: string;
  /**
   * The issue-8 target: at least `ratio` times CPython's rate, or times the
   * native reference's.
   */
  target?: { vs: "cpython" | "native"; ratio: number };
}

/** The result of one case. */
export interface BenchResult {
  name: string;
  reference: string;
  oursOpsPerSec: number;
  nativeOpsPerSec: number;
  cpythonOpsPerSec: number | null;
  target?: { vs: "cpython" | "native"; ratio: number };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(
  fn: (n: number) => Promise<void>,
  n: number,
): Promise<number> {
  const t0 = performance.now();
  await fn(n);
  return (performance.now() - t0) / 1000;
}

/** Runs a case: a warm-up, then `rounds` alternating rounds. */
export async function runCase(
  c: BenchCase,
  options: { rounds: number; scale: number },
): Promise<BenchResult> {
  const n = Math.max(1, Math.floor(c.ops * options.scale));
  await c.ours(Math.max(1, Math.floor(n / 10)));
  await c.native(Math.max(1, Math.floor(n / 10)));
  const ours: number[] = [];
  const native: number[] = [];
  for (let r = 0; r < options.rounds; r++) {
    ours.push(n / await time(c.ours, n));
    native.push(n / await time(c.native, n));
  }
  return {
    name: c.name,
    reference: c.reference,
    oursOpsPerSec: median(ours),
    nativeOpsPerSec: median(native),
    cpythonOpsPerSec: null,
    target: c.target,
  };
}

/** Formats an operations-per-second figure: 1.23M, 456k. */
export function fmtRate(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "-";
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(0)}k`;
  return x.toFixed(0);
}

/** Renders results as a Markdown table. */
export function table(results: BenchResult[]): string {
  const lines = [
    "| benchmark | ours (ops/s) | native reference | native (ops/s) | ours / native | CPython asyncio (ops/s) | ours / CPython |",
    "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    const vsNative = r.oursOpsPerSec / r.nativeOpsPerSec;
    const vsPy = r.cpythonOpsPerSec
      ? r.oursOpsPerSec / r.cpythonOpsPerSec
      : null;
    lines.push(
      `| ${r.name} | ${fmtRate(r.oursOpsPerSec)} | ${r.reference} | ${
        fmtRate(r.nativeOpsPerSec)
      } | ${vsNative.toFixed(2)} | ${fmtRate(r.cpythonOpsPerSec)} | ${
        vsPy === null ? "-" : vsPy.toFixed(1) + "x"
      } |`,
    );
  }
  return lines.join("\n");
}
