// The performance report renders from a run's figures (no benchmark runs
// here: the figures are made up).
import assert from "node:assert/strict";
import {
  chart,
  judge,
  judgeEcho,
  markdown,
  type Report,
} from "../bench/report.ts";

const report: Report = {
  date: "2026-01-01",
  deno: "2.9.6",
  v8: "x",
  cores: 2,
  cpu: "test cpu",
  python: "Python 3.11.7",
  scheduler: [
    {
      name: "callSoon, 1M-deep chain",
      reference: "queueMicrotask chain",
      oursOpsPerSec: 10e6,
      nativeOpsPerSec: 40e6,
      cpythonOpsPerSec: 250e3,
      target: { vs: "cpython", ratio: 10 },
    },
    {
      name: "Future create + setResult + await",
      reference: "Promise",
      oursOpsPerSec: 8e6,
      nativeOpsPerSec: 20e6,
      cpythonOpsPerSec: 4e6,
      target: { vs: "native", ratio: 0.5 },
    },
  ],
  echo: {
    generator: "C epoll client",
    note: "",
    sizes: [1024, 10240, 102400],
    rows: [
      { style: "raw", rps: [80e3, 70e3, 30e3], ratio: [1, 1, 1] },
      { style: "protocol", rps: [80e3, 70e3, 20e3], ratio: [1, 1, 0.66] },
      {
        style: "uvloop-protocol",
        rps: [84e3, 70e3, 28e3],
        ratio: [1.05, 1, 0.93],
      },
    ],
  },
  memory: [{
    name: "idle task",
    count: 10,
    heapBytesPerObject: 1000,
    rssMiB: 100,
  }],
};

Deno.test("bench report: targets are judged on the run's ratios", () => {
  assert.deepEqual(judge(report.scheduler[0]), { value: 40, met: true });
  assert.deepEqual(judge(report.scheduler[1]), { value: 0.4, met: false });
  const echo = judgeEcho(report.echo.rows, report.echo.sizes);
  assert.deepEqual(echo.map((j) => j.met), [true, true, false]);
});

Deno.test("bench report: the Markdown lists the missed targets, the SVG draws every row", () => {
  const md = markdown(report, "Notes here.");
  assert.match(
    md,
    /Future create \+ setResult \+ await: 0\.40x native, target 0\.5x/,
  );
  assert.match(
    md,
    /ours: `Protocol` \(`dataReceived`\) at 100 KiB: 0\.66 of raw/,
  );
  assert.match(md, /Notes here\./);
  const svg = chart(report);
  assert.match(svg, /^<svg /);
  assert.match(svg, /uvloop Protocol/);
  assert.match(svg, /callSoon, 1M-deep chain/);
  assert.ok(!svg.includes("undefined") && !svg.includes("NaN"));
});
