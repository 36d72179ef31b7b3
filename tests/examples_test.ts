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
