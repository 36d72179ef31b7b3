// Subprocesses with streams (CPython's test_subprocess.py, SubprocessMixin):
// exec and shell, stdin/stdout/stderr combinations, STDOUT merge, DEVNULL,
// communicate() with big data, wait()/returncode, kill/terminate/sendSignal
// with real signals, cancellation without zombies or leaks, missing programs.
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  type DenoEventLoop,
  DEVNULL,
  PIPE,
  type Process,
  sleep,
  STDOUT,
  StreamReader,
  StreamWriter,
  SubprocessProtocol,
  TimeoutError,
} from "../mod.ts";
import { withLoop } from "./_helpers.ts";
import { checksum, dec, enc } from "./_net_helpers.ts";

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)));
}

/** Whether process `pid` exists (a zombie counts: it was not reaped). */
function processExists(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Waits (on a real clock, briefly) until `pid` is gone from /proc. */
async function assertReaped(pid: number): Promise<void> {
  for (let i = 0; i < 200 && processExists(pid); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(!processExists(pid), `process ${pid} is still there (a zombie?)`);
}

/** Cancels `task` if it does not finish within `seconds`. */
async function within<T>(
  loop: DenoEventLoop,
  seconds: number,
  body: () => Promise<T>,
): Promise<T> {
  const task = createTask(body);
  const timer = loop.callLater(seconds, () => task.cancel());
  try {
    return await task;
  } catch (e) {
    if (e instanceof CancelledError) throw new TimeoutError("timed out");
    throw e;
  } finally {
    timer.cancel();
  }
}

const BLOCKED = ["sleep", ["3600"]] as const;

Deno.test("createSubprocessExec() stdin and stdout: write, drain, close, read, wait", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("cat", [], {
      stdin: PIPE,
      stdout: PIPE,
    });
    assert.ok(proc.stdin instanceof StreamWriter);
    assert.ok(proc.stdout instanceof StreamReader);
    assert.equal(proc.stderr, null);
    proc.stdin.write(enc("some data"));
    await proc.stdin.drain();
    proc.stdin.close();
    assert.equal(dec(await proc.stdout.read()), "some data");
    assert.equal(await proc.wait(), 0);
    assert.equal(proc.returncode, 0);
  });
});

Deno.test("Process.communicate() sends input and resolves to [stdout, stderr]", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("cat", [], {
      stdin: PIPE,
      stdout: PIPE,
    });
    const [out, err] = await proc.communicate(enc("some data"));
    assert.equal(dec(out!), "some data");
    assert.equal(err, null);
    assert.equal(proc.returncode, 0);
  });
});

Deno.test("Process.communicate() moves 32 MiB both ways through cat without deadlock", async () => {
  await run(async (loop) => {
    const data = new Uint8Array(32 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 997) data[i] = i & 0xff;
    const proc = await createSubprocessExec("cat", [], {
      stdin: PIPE,
      stdout: PIPE,
      stderr: PIPE,
    });
    const [out, err] = await within(
      loop,
      60,
      async () => await proc.communicate(data),
    );
    assert.equal(out!.length, data.length);
    assert.equal(checksum(out!), checksum(data));
    assert.equal(err!.length, 0);
    assert.equal(proc.returncode, 0);
  });
});

Deno.test("Process.communicate() with stdout and stderr both large reads both at once", async () => {
  await run(async () => {
    // 1 MiB to each stream: more than a pipe holds, so reading one stream
    // to its end before the other would deadlock.
    const proc = await createSubprocessShell(
      "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; echo done",
      { stdout: PIPE, stderr: PIPE },
    );
    const [out, err] = await proc.communicate();
    assert.equal(out!.length, 1048576 + 5);
    assert.equal(err!.length, 1048576);
    assert.equal(proc.returncode, 0);
  });
});

Deno.test("createSubprocessShell() resolves to the shell's exit code", async () => {
  await run(async () => {
    const proc = await createSubprocessShell("exit 7");
    assert.equal(await proc.wait(), 7);
    assert.equal(proc.returncode, 7);
  });
});

Deno.test("createSubprocessShell() runs a pipeline through stdin and stdout", async () => {
  await run(async () => {
    const proc = await createSubprocessShell("tr a-z A-Z | sort", {
      stdin: PIPE,
      stdout: PIPE,
    });
    const [out] = await proc.communicate("pear\napple\n");
    assert.equal(dec(out!), "APPLE\nPEAR\n");
  });
});

Deno.test("Process.returncode is null while the child runs; pid is the child's", async () => {
  await run(async () => {
    const proc = await createSubprocessExec(...BLOCKED);
    assert.equal(proc.returncode, null);
    assert.ok(processExists(proc.pid));
    assert.equal(String(proc), `<Process ${proc.pid}>`);
    // Its parent is this process.
    const stat = Deno.readTextFileSync(`/proc/${proc.pid}/stat`);
    assert.equal(
      Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]),
      Deno.pid,
    );
    proc.kill();
    await proc.wait();
    await assertReaped(proc.pid);
  });
});

Deno.test("Process.kill() ends the child with -SIGKILL", async () => {
  await run(async () => {
    const proc = await createSubprocessExec(...BLOCKED);
    proc.kill();
    assert.equal(await proc.wait(), -9);
    assert.equal(proc.returncode, -9);
  });
});

Deno.test("Process.terminate() ends the child with -SIGTERM", async () => {
  await run(async () => {
    const proc = await createSubprocessExec(...BLOCKED);
    proc.terminate();
    assert.equal(await proc.wait(), -15);
  });
});

Deno.test("Process.sendSignal() delivers a real signal by name and by number", async () => {
  await run(async () => {
    // The shell tells when it is ready, then becomes sleep (exec): the
    // signal reaches sleep, whose default action for SIGHUP is to die.
    const proc = await createSubprocessShell(
      "echo sleeping; exec sleep 3600",
      { stdout: PIPE },
    );
    assert.equal(dec(await proc.stdout!.readline()), "sleeping\n");
    proc.sendSignal("SIGHUP");
    assert.equal(await proc.wait(), -1);

    const usr1 = await createSubprocessShell(
      "echo sleeping; exec sleep 3600",
      { stdout: PIPE },
    );
    await usr1.stdout!.readline();
    usr1.sendSignal(10); // SIGUSR1 on Linux
    assert.equal(await usr1.wait(), -10);
  });
});

Deno.test("Process.sendSignal() to a child that trapped the signal lets it exit its own way", async () => {
  await run(async () => {
    const proc = await createSubprocessShell(
      "trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 0.01; done",
      { stdout: PIPE },
    );
    assert.equal(dec(await proc.stdout!.readline()), "ready\n");
    proc.terminate();
    assert.equal(dec(await proc.stdout!.readline()), "got TERM\n");
    assert.equal(await proc.wait(), 3);
  });
});

Deno.test("Process.sendSignal() rejects a bad signal", async () => {
  await run(async () => {
    const proc = await createSubprocessExec(...BLOCKED);
    assert.throws(
      () => proc.sendSignal("SIGNOPE" as Deno.Signal),
      RangeError,
    );
    assert.throws(() => proc.sendSignal(1.5), RangeError);
    assert.throws(() => proc.sendSignal({} as never), TypeError);
    proc.kill();
    await proc.wait();
  });
});

Deno.test("Process signals after the child exited do nothing, and after the transport closed throw NotFound", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("true", [], { stdout: PIPE });
    await proc.stdout!.read();
    assert.equal(await proc.wait(), 0);
    // The Process closes its transport once the child exited and its
    // pipes are closed; then, as asyncio's ProcessLookupError:
    for (let i = 0; i < 5; i++) await sleep(0);
    assert.throws(() => proc.kill(), Deno.errors.NotFound);
    assert.throws(() => proc.terminate(), Deno.errors.NotFound);
    assert.throws(() => proc.sendSignal("SIGHUP"), Deno.errors.NotFound);
  });
});

Deno.test("Process.stdin.drain() throws BrokenPipe or ConnectionReset once the child is gone", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("true", [], { stdin: PIPE });
    await proc.wait();
    proc.stdin!.write(new Uint8Array(1024 * 1024));
    await assert.rejects(
      async () => await proc.stdin!.drain(),
      (e: Error) =>
        e instanceof Deno.errors.BrokenPipe ||
        e instanceof Deno.errors.ConnectionReset,
    );
  });
});

Deno.test("Process.communicate() ignores a child that does not read its stdin", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("true", [], { stdin: PIPE });
    const [out, err] = await proc.communicate(new Uint8Array(1024 * 1024));
    assert.equal(out, null);
    assert.equal(err, null);
    assert.equal(proc.returncode, 0);
  });
});

Deno.test("Process.communicate() with a writing child, stdin not read: output is still collected", async () => {
  await run(async () => {
    const proc = await createSubprocessShell("echo early; exit 0", {
      stdin: PIPE,
      stdout: PIPE,
    });
    const [out] = await proc.communicate(new Uint8Array(1024 * 1024));
    assert.equal(dec(out!), "early\n");
  });
});

Deno.test("StreamReader limit pauses the stdout pipe and resumes it as the reader drains", async () => {
  await run(async () => {
    const limit = 10;
    const size = limit * 2 + 1;
    const proc = await createSubprocessShell(`printf '%${size}s' ''`, {
      stdin: PIPE,
      stdout: PIPE,
      limit,
    });
    const transport = (proc as unknown as {
      _transport: { getPipeTransport(fd: number): unknown };
    })._transport.getPipeTransport(1) as {
      pauseReading(): void;
      resumeReading(): void;
    };
    const calls: string[] = [];
    const pause = transport.pauseReading.bind(transport);
    const resume = transport.resumeReading.bind(transport);
    transport.pauseReading = () => {
      calls.push("pause");
      pause();
    };
    transport.resumeReading = () => {
      calls.push("resume");
      resume();
    };
    const [out] = await proc.communicate();
    assert.equal(dec(out!), " ".repeat(size));
    assert.ok(calls.includes("pause"), `calls: ${calls}`);
    assert.ok(calls.includes("resume"), `calls: ${calls}`);
  });
});

Deno.test("Process.communicate() with empty input closes stdin at once", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("wc", ["-c"], {
      stdin: PIPE,
      stdout: PIPE,
      stderr: PIPE,
    });
    const [out, err] = await proc.communicate(new Uint8Array(0));
    assert.equal(dec(out!).trim(), "0");
    assert.equal(err!.length, 0);
    assert.equal(await proc.wait(), 0);
  });
});

Deno.test("stdin: DEVNULL gives the child an empty stdin", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("wc", ["-c"], {
      stdin: DEVNULL,
      stdout: PIPE,
      stderr: PIPE,
    });
    assert.equal(proc.stdin, null);
    const [out] = await proc.communicate();
    assert.equal(dec(out!).trim(), "0");
  });
});

Deno.test("stdout: DEVNULL discards the output; communicate() returns null for it", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("wc", ["-c"], {
      stdin: PIPE,
      stdout: DEVNULL,
      stderr: PIPE,
    });
    assert.equal(proc.stdout, null);
    const [out, err] = await proc.communicate(enc("abc"));
    assert.equal(out, null);
    assert.equal(err!.length, 0);
    assert.equal(proc.returncode, 0);
  });
});

Deno.test("stderr: DEVNULL discards errors; communicate() returns null for it", async () => {
  await run(async () => {
    const proc = await createSubprocessShell("echo out; echo err >&2", {
      stdout: PIPE,
      stderr: DEVNULL,
    });
    assert.equal(proc.stderr, null);
    const [out, err] = await proc.communicate();
    assert.equal(dec(out!), "out\n");
    assert.equal(err, null);
  });
});

Deno.test("stderr: PIPE keeps the two streams apart", async () => {
  await run(async () => {
    const proc = await createSubprocessShell("echo out; echo err >&2; exit 2", {
      stdout: PIPE,
      stderr: PIPE,
    });
    const [out, err] = await proc.communicate();
    assert.equal(dec(out!), "out\n");
    assert.equal(dec(err!), "err\n");
    assert.equal(proc.returncode, 2);
  });
});

Deno.test("stderr: STDOUT merges stderr into stdout in the child's order when writes are apart", async () => {
  await run(async () => {
    // The child waits for our go-ahead between writes, so each write is
    // read before the next one is made: the merged stream has their order.
    const proc = await createSubprocessShell(
      "for i in 1 2 3; do echo out$i; read x; echo err$i >&2; read x; done",
      { stdin: PIPE, stdout: PIPE, stderr: STDOUT },
    );
    assert.equal(proc.stderr, null);
    const lines: string[] = [];
    for (let i = 0; i < 6; i++) {
      lines.push(dec(await proc.stdout!.readline()));
      proc.stdin!.write(enc("go\n"));
    }
    assert.deepEqual(lines, [
      "out1\n",
      "err1\n",
      "out2\n",
      "err2\n",
      "out3\n",
      "err3\n",
    ]);
    const [rest, err] = await proc.communicate();
    assert.equal(rest!.length, 0);
    assert.equal(err, null);
    assert.equal(proc.returncode, 0);
  });
});

Deno.test("stderr: STDOUT with a lot on both streams loses nothing, and reads line by line", async () => {
  await run(async () => {
    const proc = await createSubprocessShell(
      "i=0; while [ $i -lt 5000 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done",
      { stdout: PIPE, stderr: STDOUT },
    );
    const seen = { out: [] as number[], err: [] as number[] };
    for await (const line of proc.stdout!) {
      const m = /^(out|err)(\d+)\n$/.exec(dec(line));
      assert.ok(m, `a line was split or mixed: ${JSON.stringify(dec(line))}`);
      seen[m[1] as "out" | "err"].push(Number(m[2]));
    }
    const all = Array.from({ length: 5000 }, (_, i) => i);
    assert.deepEqual(seen.out, all);
    assert.deepEqual(seen.err, all);
    assert.equal(await proc.wait(), 0);
  });
});

Deno.test("stderr: STDOUT with stdout: DEVNULL discards both", async () => {
  await run(async () => {
    const proc = await createSubprocessShell("echo out; echo err >&2", {
      stdout: DEVNULL,
      stderr: STDOUT,
    });
    assert.deepEqual(await proc.communicate(), [null, null]);
  });
});

Deno.test("stderr: STDOUT with stdout inherited sends the child's stderr to our stdout", async () => {
  const mod = new URL("../mod.ts", import.meta.url).href;
  const code = `
    import { createSubprocessShell, run, STDOUT } from ${JSON.stringify(mod)};
    await run(async () => {
      const proc = await createSubprocessShell("echo out; echo err >&2", { stderr: STDOUT });
      await proc.wait();
    });`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(dec(out.stderr), "");
  assert.deepEqual(dec(out.stdout).split("\n").sort(), ["", "err", "out"]);
});

Deno.test("stdio options: null inherits, Deno's names are accepted, STDOUT only for stderr", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("true", [], {
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    });
    assert.equal(proc.stdin, null);
    assert.ok(proc.stdout instanceof StreamReader);
    assert.equal(proc.stderr, null);
    await proc.communicate();
    await assert.rejects(
      async () => await createSubprocessExec("true", [], { stdin: STDOUT }),
      RangeError,
    );
    await assert.rejects(
      async () => await createSubprocessExec("true", [], { stdout: STDOUT }),
      RangeError,
    );
    await assert.rejects(
      async () =>
        await createSubprocessExec("true", [], {
          stdout: "pipe" as unknown as typeof PIPE,
        }),
      TypeError,
    );
  });
});

Deno.test("Process.wait() cancelled leaves the child running; kill() and wait() reap it", async () => {
  await run(async (loop) => {
    const proc = await createSubprocessExec(...BLOCKED);
    const task = createTask(() => proc.wait());
    loop.callSoon(() => task.cancel());
    await assert.rejects(async () => await task, CancelledError);
    assert.equal(proc.returncode, null);
    assert.ok(processExists(proc.pid));
    proc.kill();
    assert.equal(await proc.wait(), -9);
    await assertReaped(proc.pid);
  });
});

Deno.test("Process.communicate() cancelled mid-transfer leaves no zombie and no leaked resource", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("cat", [], {
      stdin: PIPE,
      stdout: PIPE,
    });
    const data = new Uint8Array(32 * 1024 * 1024);
    const task = createTask(() => proc.communicate(data));
    await sleep(0.02); // some data flows, then communicate() is cancelled

    task.cancel();
    await assert.rejects(async () => await task, CancelledError);
    assert.equal(proc.returncode, null);
    proc.kill();
    assert.equal(await proc.wait(), -9);
    await assertReaped(proc.pid);
  });
});

Deno.test("createSubprocessExec() cancelled while starting kills the child", async () => {
  await run(async (loop) => {
    const task = createTask(() => createSubprocessExec(...BLOCKED));
    loop.callSoon(() => task.cancel());
    await assert.rejects(async () => await task, CancelledError);
  });
});

Deno.test("loop.subprocessExec() cancelled after spawning kills the child and waits for it", async () => {
  await run(async (loop) => {
    const task = createTask(() =>
      loop.subprocessExec(() => new SubprocessProtocol(), ...BLOCKED)
    );
    loop.callSoon(() => task.cancel());
    await assert.rejects(async () => await task, CancelledError);
  });
});

Deno.test("reading stdout slowly after the child exited gets all its output", async () => {
  await run(async () => {
    const proc = await createSubprocessShell(
      "head -c 262144 /dev/zero; exit 1",
      { stdout: PIPE },
    );
    let total = 0;
    for (;;) {
      const data = await proc.stdout!.read(65536);
      if (data.length === 0) break;
      total += data.length;
      await sleep(0.01);
    }
    assert.equal(total, 262144);
    assert.equal(await proc.wait(), 1);
  });
});

Deno.test("createSubprocessExec() of a missing program rejects with NotFound naming it", async () => {
  await run(async () => {
    await assert.rejects(
      async () =>
        await createSubprocessExec("no-such-program-xyz", ["a"], {
          stdout: PIPE,
        }),
      (e: Error) =>
        e instanceof Deno.errors.NotFound &&
        e.message.includes("no-such-program-xyz"),
    );
    await assert.rejects(
      async () => await createSubprocessExec("/no/such/dir/prog", []),
      (e: Error) =>
        e instanceof Deno.errors.NotFound &&
        e.message.includes("/no/such/dir/prog"),
    );
    await assert.rejects(
      async () =>
        await createSubprocessExec("true", [], { cwd: "/no/such/dir" }),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("createSubprocessExec() checks its arguments", async () => {
  await run(async () => {
    await assert.rejects(
      async () => await createSubprocessExec(42 as unknown as string, []),
      TypeError,
    );
    await assert.rejects(
      async () =>
        await createSubprocessExec("echo", "hi" as unknown as string[]),
      TypeError,
    );
    await assert.rejects(
      async () =>
        await createSubprocessExec("echo", [1] as unknown as string[]),
      TypeError,
    );
    await assert.rejects(
      async () => await createSubprocessShell(["ls"] as unknown as string),
      TypeError,
    );
    await assert.rejects(
      async () => await createSubprocessExec("echo", [], { limit: 0 }),
      RangeError,
    );
    // As asyncio: no text mode, no buffering, no contradicting shell flag.
    for (
      const bad of [
        { text: true },
        { universalNewlines: true },
        { encoding: "utf-8" },
        { errors: "strict" },
        { bufsize: 4096 },
        { shell: true },
      ]
    ) {
      await assert.rejects(
        async () => await createSubprocessExec("echo", [], bad as never),
        RangeError,
        JSON.stringify(bad),
      );
    }
    await assert.rejects(
      async () =>
        await createSubprocessShell("echo", { shell: false } as never),
      RangeError,
    );
    await assert.rejects(
      async () => await createSubprocessShell("echo", { text: true } as never),
      RangeError,
    );
  });
});

Deno.test("cwd and env: the child runs where told, with exactly the environment given", async () => {
  await run(async () => {
    const dir = Deno.realPathSync(Deno.makeTempDirSync());
    try {
      const proc = await createSubprocessExec(
        "/bin/sh",
        ["-c", 'pwd; echo "${FOO}:${HOME-unset}"'],
        { stdout: PIPE, cwd: dir, env: { FOO: "bar" } },
      );
      const [out] = await proc.communicate();
      assert.equal(dec(out!), `${dir}\nbar:unset\n`);
    } finally {
      Deno.removeSync(dir);
    }
  });
});

Deno.test("createSubprocessExec() accepts a URL as the program", async () => {
  await run(async () => {
    const proc = await createSubprocessExec(new URL("file:///bin/sh"), [
      "-c",
      "exit 5",
    ]);
    assert.equal(await proc.wait(), 5);
  });
});

Deno.test("Process works from generator coroutines with yield*", async () => {
  await run(async (loop) => {
    function* main(): Coroutine<string> {
      const proc: Process = yield* createSubprocessExec("cat", [], {
        stdin: PIPE,
        stdout: PIPE,
      });
      const [out] = yield* proc.communicate(enc("via yield*"));
      const code = yield* proc.wait();
      return `${dec(out!)}:${code}`;
    }
    assert.equal(await loop.createTask(main()), "via yield*:0");
  });
});

Deno.test("Process.stdout reads lines with for await while the child runs", async () => {
  await run(async () => {
    const proc = await createSubprocessShell(
      "for i in 1 2 3; do echo line$i; done",
      { stdout: PIPE },
    );
    const lines: string[] = [];
    for await (const line of proc.stdout!) lines.push(dec(line));
    assert.deepEqual(lines, ["line1\n", "line2\n", "line3\n"]);
    assert.equal(await proc.wait(), 0);
  });
});

Deno.test("Process.stdin.waitClosed() resolves once stdin is closed", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("cat", [], {
      stdin: PIPE,
      stdout: PIPE,
    });
    proc.stdin!.write(enc("x"));
    proc.stdin!.close();
    assert.ok(proc.stdin!.isClosing());
    await proc.stdin!.waitClosed();
    assert.equal(dec(await proc.stdout!.read()), "x");
    await proc.wait();
  });
});

Deno.test("Process.stdin.drain() waits while the child does not read, and fails once it is gone", async () => {
  await run(async (loop) => {
    const proc = await createSubprocessExec(...BLOCKED, { stdin: PIPE });
    const stdin = proc.stdin!;
    const drain = loop.createTask(async () => {
      for (;;) {
        stdin.write(new Uint8Array(256 * 1024));
        await stdin.drain();
      }
    });
    for (let i = 0; i < 20; i++) await sleep(0);
    assert.ok(
      !drain.done(),
      "drain() did not wait for a child that does not read",
    );
    assert.ok(stdin.transport.getWriteBufferSize() > 64 * 1024);
    proc.kill();
    await assert.rejects(
      async () => await drain,
      (e: Error) =>
        e instanceof Deno.errors.BrokenPipe ||
        e instanceof Deno.errors.ConnectionReset,
    );
    assert.equal(await proc.wait(), -9);
  });
});
