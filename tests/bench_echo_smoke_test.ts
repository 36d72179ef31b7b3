// The echo benchmark as a smoke test: a tiny run of every server style
// against the load generator, so the benchmark keeps working. No timing is
// asserted.
import assert from "node:assert/strict";
import { runEcho, STYLES } from "../bench/echo.ts";

Deno.test("bench/echo.ts: every server style echoes under the load generator (smoke)", async () => {
  const { rows } = await runEcho({ smoke: true, seconds: 0.2, rounds: 1 });
  assert.deepEqual(rows.map((r) => r.style), STYLES);
  for (const r of rows) {
    for (const v of r.rps) assert.ok(v > 0, `${r.style} served no request`);
  }
});
