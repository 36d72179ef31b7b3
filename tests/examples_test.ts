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

// ---- network examples: each server is started on port 0 and driven by a
// real client on loopback ----

/** Starts a server example; resolves to its port once it listens. */
async function startExample(name: string, flags: string[] = ["--allow-net"]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...flags,
      new URL(`../examples/${name}`, import.meta.url).pathname,
      "--port",
      "0",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    text += value;
  }
  const m = /listening on (.+):(\d+)/.exec(text);
  assert.ok(m, `no 'listening on' line from ${name}: ${text}`);
  return {
    port: Number(m[2]),
    async stop() {
      lines.cancel();
      child.kill();
      await child.status;
      await child.stderr.cancel();
    },
  };
}

async function echoOnce(port: number, message: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(message));
  const buf = new Uint8Array(message.length);
  let got = 0;
  while (got < buf.length) got += (await conn.read(buf.subarray(got))) ?? 0;
  conn.close();
  return new TextDecoder().decode(buf);
}

for (const name of ["echo_sock.ts", "echo_protocol.ts", "echo_streams.ts"]) {
  Deno.test(`examples/${name} echoes what a client sends`, async () => {
    const server = await startExample(name);
    try {
      assert.equal(await echoOnce(server.port, "ping"), "ping");
      assert.equal(
        await echoOnce(server.port, "x".repeat(100000)),
        "x".repeat(100000),
      );
    } finally {
      await server.stop();
    }
  });
}

Deno.test("examples/chat.ts broadcasts a line to the other clients", async () => {
  const server = await startExample("chat.ts");
  try {
    const a = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    const b = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await new Promise((r) => setTimeout(r, 100));
    await a.write(new TextEncoder().encode("hi all\n"));
    const buf = new Uint8Array(200);
    let text = "";
    while (!text.endsWith("\n")) {
      const n = await b.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    assert.match(text, /^\[127\.0\.0\.1:\d+\] hi all\n$/);
    a.close();
    b.close();
  } finally {
    await server.stop();
  }
});

Deno.test("examples/echo_client.ts prints the echo of echo_protocol.ts, and over TLS of tls_echo.ts", async () => {
  const plain = await startExample("echo_protocol.ts");
  const tls = await startExample("tls_echo.ts", [
    "--allow-net",
    "--allow-read",
  ]);
  try {
    const r = await runExample("echo_client.ts", [
      "--port",
      String(plain.port),
      "--message",
      "hello",
    ], ["--allow-net"]);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "echo: hello\n");
    const t = await runExample(
      "echo_client.ts",
      ["--port", String(tls.port), "--message", "secret", "--tls"],
      ["--allow-net", "--allow-read"],
    );
    assert.equal(t.stderr, "");
    assert.equal(t.stdout, "echo: secret\n");
  } finally {
    await plain.stop();
    await tls.stop();
  }
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

// ---- subprocess, UDP and multicore examples ----

Deno.test("examples/subprocess_pipeline.ts streams seq through a filter into sort", async () => {
  const r = await runExample("subprocess_pipeline.ts", ["--count", "1000"], [
    "--allow-run",
  ]);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    [
      "seq 1 1000: 1000 lines",
      "multiples of 7 sent to sort -rn: 142",
      "sort -rn returned 142 lines, largest: 994 987 980",
      "exit codes: seq 0, sort 0",
      "",
    ].join("\n"),
  );
});

/**
 * Starts a server example with `args`; resolves once it printed its
 * "listening on" line, with the port and the lines it prints after.
 */
async function startServerExample(
  name: string,
  flags: string[],
  args: string[],
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...flags,
      new URL(`../examples/${name}`, import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on .*\n/.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const m = /listening on (.+):(\d+)/.exec(text);
  assert.ok(m, `no 'listening on' line from ${name}: ${text}`);
  return {
    port: Number(m[2]),
    /** Reads output until `pattern` matches everything read so far. */
    async waitFor(pattern: RegExp): Promise<string> {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      return text;
    },
    async stop() {
      await reader.cancel();
      child.kill();
      await child.status;
      await child.stderr.cancel();
    },
  };
}

Deno.test("examples/udp_echo.ts echoes datagrams, to a raw socket and to its own client", async () => {
  const flags = ["--unstable-net", "--allow-net"];
  const server = await startServerExample("udp_echo.ts", flags, [
    "--port",
    "0",
  ]);
  try {
    const listen = (Deno as unknown as {
      listenDatagram(o: object): {
        send(p: Uint8Array, a: Deno.NetAddr): Promise<number>;
        receive(): Promise<[Uint8Array, Deno.Addr]>;
        close(): void;
      };
    }).listenDatagram;
    const sock = listen({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      await sock.send(new TextEncoder().encode("ping"), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: server.port,
      });
      const [data] = await sock.receive();
      assert.equal(new TextDecoder().decode(data), "ping");
    } finally {
      sock.close();
    }
    const r = await runExample("udp_echo.ts", [
      "--client",
      "--port",
      String(server.port),
      "--message",
      "over udp",
    ], flags);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "echo: over udp\n");
  } finally {
    await server.stop();
  }
});

Deno.test("examples/multicore_echo.ts serves one port from several workers", async () => {
  const server = await startServerExample(
    "multicore_echo.ts",
    ["--unstable-net", "--allow-net", "--allow-read"],
    ["--port", "0", "--workers", "2"],
  );
  try {
    // 32 connections: SO_REUSEPORT hashes each to one of the two
    // listeners, so both workers get some (all to one: p = 2^-31).
    for (let i = 0; i < 32; i++) {
      assert.equal(await echoOnce(server.port, `msg ${i}`), `msg ${i}`);
    }
    const text = await server.waitFor(
      /worker \d accepted[^]*worker \d accepted/,
    );
    assert.match(text, /\(2 workers\)/);
    assert.match(text, /worker 1 accepted its first connection/);
    assert.match(text, /worker 2 accepted its first connection/);
  } finally {
    await server.stop();
  }
});

// ---- examples/echo_selectors.ts: the seed's progression on SelectorEventLoop ----

/** Starts `echo_selectors.ts` at `stage` on port 0; its port and stdout. */
async function startSelectorsExample(stage: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-ffi",
      new URL("../examples/echo_selectors.ts", import.meta.url).pathname,
      "--stage",
      stage,
      "--port",
      "0",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const m = /listening on (.+):(\d+)/.exec(text);
  assert.ok(m, `no 'listening on' line from echo_selectors.ts: ${text}`);
  return {
    port: Number(m[2]),
    /** Reads stdout until `re` matches what was printed. */
    async waitFor(re: RegExp): Promise<void> {
      while (!re.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`no output matched ${re}: ${text}`);
        text += value;
      }
    },
    /** Reads the rest of stdout and waits for the exit (after `kill()`). */
    async finish(kill: boolean) {
      if (kill) child.kill();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      const stderr = await new Response(child.stderr).text();
      return { stdout: text, stderr, status: await child.status };
    },
  };
}

for (const stage of ["reader", "sock"]) {
  Deno.test(`examples/echo_selectors.ts --stage ${stage} echoes what clients send, several at once`, async () => {
    const server = await startSelectorsExample(stage);
    let out;
    try {
      const [a, b] = await Promise.all([
        echoOnce(server.port, "ping"),
        echoOnce(server.port, "x".repeat(100000)),
      ]);
      assert.equal(a, "ping");
      assert.equal(b, "x".repeat(100000));
      await server.waitFor(/(Client has disconnected\n[^]*){2}/);
    } finally {
      out = await server.finish(true);
    }
    assert.match(out.stdout, /Client connected: 127\.0\.0\.1:\d+/);
  });
}

Deno.test("examples/echo_selectors.ts --stage blocking serves one client, then ends", async () => {
  const server = await startSelectorsExample("blocking");
  assert.equal(await echoOnce(server.port, "only one"), "only one");
  const { stdout, stderr, status } = await server.finish(false);
  assert.equal(stderr, "");
  assert.equal(status.code, 0);
  assert.match(
    stdout,
    /listening on 127\.0\.0\.1:\d+\nClient connected: 127\.0\.0\.1:\d+\nClient has disconnected\n$/,
  );
});
