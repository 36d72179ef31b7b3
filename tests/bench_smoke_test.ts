// The benchmarks as a smoke test: each case runs a few operations, so the
// suite keeps working. No timing is asserted here.
import assert from "node:assert/strict";
import { allCases, runAll } from "../bench/run.ts";

Deno.test("bench: every case runs (smoke)", async () => {
  const results = await runAll(allCases, { smoke: true, cpython: false });
  assert.equal(results.length, allCases.length);
  for (const r of results) {
    assert.ok(r.oursOpsPerSec > 0 && r.nativeOpsPerSec > 0, r.name);
  }
});
