// The examples, run as a user runs them, with their output checked.
import assert from "node:assert/strict";

async function runExample(
  name: string,
  args: string[] = [],
  flags: string[] = [],
) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...flags,
      new URL(`../examples/${name}`, import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("examples/hello.ts (the demo) prints ticks, a cancellation and the result", async () => {
  const r = await runExample("hello.ts");
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split("\n").map((l) =>
    l.replace(/^\[\s*\d+ ms\] /, "")
  );
  assert.ok(lines.includes('sleeper: woken up by cancel("time to wake up")'));
  assert.ok(lines.includes("fast: tick 4/4"));
  assert.ok(
    lines.includes(
      "main: sleeper ended with CancelledError, cancelled() = true",
    ),
  );
  assert.equal(
    lines.at(-1),
    'run() returned ["fast finished","slow finished"]',
  );
  assert.ok(lines.indexOf("fast: tick 1/4") < lines.indexOf("slow: tick 1/2"));
});

Deno.test("examples/generators.ts prints the same story with yield*", async () => {
  const r = await runExample("generators.ts");
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split("\n").map((l) =>
    l.replace(/^\[\s*\d+ ms\] /, "")
  );
  assert.ok(lines.includes("sleeper: woken up by CancelledError"));
  assert.equal(
    lines.at(-1),
    'run() returned ["fast finished","slow finished"]',
  );
});

Deno.test("examples/crawler_like.ts crawls the simulated site with a worker pool", async () => {
  const r = await runExample("crawler_like.ts");
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split("\n");
  assert.equal(
    lines[0],
    "crawling 40 pages with 4 workers (fetch timeout 0.05 s)",
  );
  // Pages 6, 20 and 34 are too slow; the children of 6 are never found.
  assert.equal(lines.at(-1), "done: 31 pages fetched, 3 timed out");
  assert.ok(lines.some((l) => /^worker-\d: \/20 timed out$/.test(l)));
  const workers = new Set(lines.map((l) => l.match(/^(worker-\d):/)?.[1]));
  workers.delete(undefined);
  assert.ok(workers.size > 1, "the work is shared");
});

Deno.test("examples/crawler_like.ts shuts down cleanly on SIGINT", async () => {
  if (Deno.build.os === "windows") return; // no SIGINT to send
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      new URL("../examples/crawler_like.ts", import.meta.url).pathname,
      "--slow",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let out = "";
  const reader = child.stdout.getReader();
  // Wait until the listener is installed (the first line is printed after).
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value, { stream: true });
  }
  child.kill("SIGINT");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value, { stream: true });
  }
  const status = await child.status;
  const stderr = decoder.decode(
    (await new Response(child.stderr).arrayBuffer()) as ArrayBuffer,
  );
  assert.equal(stderr, "");
  assert.equal(status.code, 130);
  const lines = out.trim().split("\n");
  assert.deepEqual(lines.slice(1), [
    "Ctrl-C: cancelling the crawl",
    "interrupted: 0 pages fetched, 0 timed out",
  ]);
});
