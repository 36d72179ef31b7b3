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

Deno.test("examples/executor.ts keeps its ticker ticking while the pool computes", async () => {
  const r = await runExample("executor.ts", [], ["--allow-read"]);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split("\n").map((l) =>
    l.replace(/^\[\s*\d+ ms\] /, "")
  );
  for (
    const [n, v] of [[35, 9227465], [36, 14930352], [37, 24157817], [
      38,
      39088169,
    ]]
  ) {
    assert.ok(lines.includes(`fib(${n}) = ${v} (in a worker)`), r.stdout);
  }
  assert.ok(lines.includes("toThread: fib(25) = 75025"));
  const done = lines.find((l) => l.startsWith("pool done:"));
  const ticks = Number(/ticked (\d+) times/.exec(done ?? "")?.[1]);
  assert.ok(ticks >= 2, `the ticker ticked while the pool computed: ${done}`);
  // Ticks are printed between the results, not all after them.
  const firstTick = lines.indexOf("tick 1");
  const lastResult = lines.indexOf("fib(38) = 39088169 (in a worker)");
  assert.ok(firstTick >= 0 && firstTick < lastResult, r.stdout);
  assert.match(lines.at(-1)!, /^fib\(36\) = 14930352 on the loop itself/);
});

/** Runs an example as a child process whose stdout is read line by line. */
function spawnExample(name: string, flags: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...flags,
      new URL(`../examples/${name}`, import.meta.url).pathname,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  const stderr = new Response(child.stderr).text();
  const lines: string[] = [];
  let rest = "";
  let eof = false;
  const more = async () => {
    const { value, done } = await reader.read();
    if (done) {
      eof = true;
      if (rest) lines.push(rest);
      return;
    }
    const parts = (rest + value).split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
  };
  return {
    child,
    lines,
    async waitForLine(re: RegExp): Promise<RegExpExecArray> {
      for (;;) {
        for (const l of lines) {
          const m = re.exec(l);
          if (m) return m;
        }
        if (eof) throw new Error(`no line matched ${re}: ${lines}`);
        await more();
      }
    },
    async finish() {
      while (!eof) await more();
      return { stderr: await stderr, status: await child.status };
    },
  };
}

async function readAll(conn: Deno.Conn): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(1024);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  return new TextDecoder().decode(
    new Uint8Array(chunks.flatMap((c) => [...c])),
  );
}

for (const sig of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`examples/signals.ts shuts its echo server down gracefully on ${sig}`, async () => {
    const ex = spawnExample("signals.ts", ["--allow-net"]);
    const m = await ex.waitForLine(/^echo server on 127\.0\.0\.1:(\d+) /);
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: Number(m[1]),
    });
    try {
      await conn.write(new TextEncoder().encode("hello\n"));
      const buf = new Uint8Array(64);
      const n = await conn.read(buf);
      assert.equal(new TextDecoder().decode(buf.subarray(0, n!)), "hello\n");
      ex.child.kill(sig);
      assert.equal(await readAll(conn), "server shutting down, bye\n");
    } finally {
      conn.close();
    }
    const { stderr, status } = await ex.finish();
    assert.equal(stderr, "");
    assert.equal(status.code, 0);
    assert.deepEqual(ex.lines.slice(1), [
      `${sig} received: shutting down`,
      "said goodbye to 1 client(s); bye",
    ]);
  });
}
