// The subprocess transport and SubprocessProtocol (CPython's
// base_subprocess.py behaviours, test_subprocess.py SubprocessTransportTests
// and the transport parts of SubprocessMixin): call order, pipe transports,
// STDOUT merge, return codes, close() killing, signals after the end,
// flow control of stdin, loop.close() cleaning up.
import assert from "node:assert/strict";
import {
  type DenoEventLoop,
  type Future,
  newEventLoop,
  type PIPE,
  ReadTransport,
  sleep,
  STDOUT,
  SubprocessProtocol,
  type SubprocessTransport,
  WriteTransport,
} from "../mod.ts";
import { recordExceptions, withLoop } from "./_helpers.ts";
import { dec, enc } from "./_net_helpers.ts";

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)));
}

/**
 * Records its callbacks and checks asyncio's order: `connectionMade`
 * first, `connectionLost` last, pipe and exit calls in between.
 */
class Recorder extends SubprocessProtocol {
  events: string[] = [];
  out: Record<number, string> = {};
  transport: SubprocessTransport | null = null;
  done: Future<void>;
  exited: Future<void>;
  paused = 0;
  resumed = 0;
  constructor(loop: DenoEventLoop) {
    super();
    this.done = loop.createFuture<void>();
    this.exited = loop.createFuture<void>();
  }
  override connectionMade(t: SubprocessTransport): void {
    assert.equal(this.events.length, 0);
    this.transport = t;
    this.events.push("made");
  }
  override pipeDataReceived(fd: number, data: Uint8Array): void {
    assert.equal(this.events[0], "made");
    assert.ok(
      !this.events.includes(`lost${fd}`),
      `data on fd ${fd} after lost`,
    );
    this.out[fd] = (this.out[fd] ?? "") + dec(data);
  }
  override pipeConnectionLost(fd: number, exc: Error | null): void {
    assert.equal(this.events[0], "made");
    this.events.push(exc === null ? `lost${fd}` : `lost${fd}:${exc.name}`);
  }
  override processExited(): void {
    this.events.push("exited");
    this.exited.setResult(undefined);
  }
  override pauseWriting(): void {
    this.paused++;
  }
  override resumeWriting(): void {
    this.resumed++;
  }
  override connectionLost(exc: Error | null): void {
    assert.equal(exc, null);
    this.events.push("connectionLost");
    this.done.setResult(undefined);
  }
}

Deno.test("loop.subprocessExec() calls connectionMade, pipe data and lost, processExited, then connectionLost", async () => {
  await run(async (loop) => {
    const [transport, protocol] = await loop.subprocessExec(
      () => new Recorder(loop),
      "/bin/sh",
      ["-c", "read x; echo out$x; echo err$x >&2; exit 3"],
    );
    assert.equal(protocol.transport, transport);
    assert.deepEqual(protocol.events, ["made"]);
    const stdin = transport.getPipeTransport(0);
    assert.ok(stdin instanceof WriteTransport);
    assert.ok(transport.getPipeTransport(1) instanceof ReadTransport);
    assert.ok(transport.getPipeTransport(2) instanceof ReadTransport);
    assert.equal(transport.getPipeTransport(3), null);
    (stdin as WriteTransport).write(enc("42\n"));
    await protocol.done;
    assert.deepEqual(protocol.out, { 1: "out42\n", 2: "err42\n" });
    const events = protocol.events;
    assert.equal(events.at(-1), "connectionLost");
    assert.deepEqual(
      [...events].sort(),
      ["connectionLost", "exited", "lost0", "lost1", "lost2", "made"],
    );
    assert.equal(transport.getReturncode(), 3);
    assert.ok(!transport.isClosing());
    transport.close();
    assert.ok(transport.isClosing());
  });
});

Deno.test("SubprocessTransport.getPid(), getExtraInfo('subprocess') and toString()", async () => {
  await run(async (loop) => {
    const [transport, protocol] = await loop.subprocessExec(
      () => new Recorder(loop),
      "sleep",
      ["3600"],
      { stdin: null, stdout: null, stderr: null },
    );
    const child = transport.getExtraInfo("subprocess") as Deno.ChildProcess;
    assert.equal(transport.getPid(), child.pid);
    assert.equal(transport.getReturncode(), null);
    assert.match(String(transport), new RegExp(`pid=${child.pid} running`));
    assert.equal(transport.getPipeTransport(0), null);
    transport.kill();
    await protocol.done;
    assert.equal(transport.getReturncode(), -9);
    assert.match(String(transport), /returncode=-9/);
    assert.deepEqual(protocol.events, ["made", "exited", "connectionLost"]);
    transport.close();
  });
});

Deno.test("SubprocessTransport signals after the transport finished throw NotFound (ProcessLookupError)", async () => {
  await run(async (loop) => {
    const [transport, protocol] = await loop.subprocessShell(
      () => new Recorder(loop),
      "exit 6",
      { stdin: null, stdout: null, stderr: null },
    );
    await protocol.done;
    assert.equal(transport.getReturncode(), 6);
    assert.throws(() => transport.sendSignal("SIGTERM"), Deno.errors.NotFound);
    assert.throws(() => transport.terminate(), Deno.errors.NotFound);
    assert.throws(() => transport.kill(), Deno.errors.NotFound);
    transport.close();
  });
});

Deno.test("SubprocessTransport.sendSignal() between exit and the end does nothing", async () => {
  await run(async (loop) => {
    // stdout stays open (its EOF not read while paused) after the exit.
    class Paused extends Recorder {
      override connectionMade(t: SubprocessTransport): void {
        super.connectionMade(t);
        (t.getPipeTransport(1) as ReadTransport).pauseReading();
      }
    }
    const [transport, protocol] = await loop.subprocessShell(
      () => new Paused(loop),
      "exit 0",
      { stdin: null, stderr: null },
    );
    const out = transport.getPipeTransport(1) as ReadTransport;
    await protocol.exited;
    transport.sendSignal("SIGKILL");
    transport.terminate();
    out.resumeReading();
    await protocol.done;
    assert.equal(transport.getReturncode(), 0);
  });
});

Deno.test("SubprocessTransport.close() kills a running child", async () => {
  await run(async (loop) => {
    const [transport, protocol] = await loop.subprocessExec(
      () => new Recorder(loop),
      "sleep",
      ["3600"],
    );
    assert.equal(transport.getReturncode(), null);
    transport.close();
    await protocol.done;
    assert.equal(transport.getReturncode(), -9);
    assert.deepEqual(
      [...protocol.events].sort(),
      ["connectionLost", "exited", "lost0", "lost1", "lost2", "made"],
    );
  });
});

Deno.test("SubprocessTransport.close() does not kill a child that already exited", async () => {
  await run(async (loop) => {
    const [transport, protocol] = await loop.subprocessShell(
      () => new Recorder(loop),
      "exit 4",
      { stdin: null },
    );
    const child = transport.getExtraInfo("subprocess") as Deno.ChildProcess;
    await child.status; // exited, the transport may not know yet
    transport.close();
    await protocol.done;
    assert.equal(transport.getReturncode(), 4);
  });
});

Deno.test("stderr: STDOUT reports both streams as fd 1 and one pipeConnectionLost(1)", async () => {
  await run(async (loop) => {
    const [transport, protocol] = await loop.subprocessShell(
      () => new Recorder(loop),
      "echo out; echo err >&2",
      { stdin: null, stderr: STDOUT },
    );
    assert.equal(transport.getPipeTransport(2), null);
    assert.ok(transport.getPipeTransport(1) instanceof ReadTransport);
    await protocol.done;
    assert.deepEqual(Object.keys(protocol.out), ["1"]);
    assert.deepEqual(protocol.out[1].split("\n").sort(), ["", "err", "out"]);
    assert.equal(protocol.events.filter((e) => e === "lost1").length, 1);
    assert.ok(!protocol.events.includes("lost2"));
  });
});

Deno.test("getPipeTransport(1).pauseReading() holds stdout back until resumeReading()", async () => {
  await run(async (loop) => {
    let paused = true;
    class Paused extends Recorder {
      override connectionMade(t: SubprocessTransport): void {
        super.connectionMade(t);
        (t.getPipeTransport(1) as ReadTransport).pauseReading();
      }
      override pipeDataReceived(fd: number, data: Uint8Array): void {
        assert.ok(!paused, "data while paused");
        super.pipeDataReceived(fd, data);
      }
    }
    const [transport, protocol] = await loop.subprocessShell(
      () => new Paused(loop),
      "echo hello",
      { stdin: null, stderr: null },
    );
    const out = transport.getPipeTransport(1) as ReadTransport;
    assert.equal(out.isReading(), false);
    await protocol.exited;
    for (let i = 0; i < 5; i++) await sleep(0);
    assert.equal(protocol.out[1], undefined);
    paused = false;
    out.resumeReading();
    assert.equal(out.isReading(), true);
    await protocol.done;
    assert.equal(protocol.out[1], "hello\n");
  });
});

Deno.test("the stdin pipe has flow control: pauseWriting past the high mark, BrokenPipe once the child is gone", async () => {
  await run(async (loop) => {
    const [transport, protocol] = await loop.subprocessExec(
      () => new Recorder(loop),
      "sleep",
      ["3600"],
      { stdout: null, stderr: null },
    );
    const stdin = transport.getPipeTransport(0) as WriteTransport;
    stdin.setWriteBufferLimits(1024);
    assert.deepEqual(stdin.getWriteBufferLimits(), [256, 1024]);
    for (let i = 0; i < 8; i++) stdin.write(new Uint8Array(128 * 1024));
    assert.equal(protocol.paused, 1);
    assert.ok(stdin.getWriteBufferSize() > 1024);
    transport.kill();
    await protocol.done;
    assert.ok(
      protocol.events.includes("lost0:BrokenPipe"),
      `events: ${protocol.events}`,
    );
    assert.equal(transport.getReturncode(), -9);
  });
});

Deno.test("the stdin pipe is closed when the child exits with nothing left to write", async () => {
  await run(async (loop) => {
    const [transport, protocol] = await loop.subprocessShell(
      () => new Recorder(loop),
      "exit 0",
      { stdout: null, stderr: null },
    );
    await protocol.done;
    assert.deepEqual(protocol.events, [
      "made",
      "exited",
      "lost0",
      "connectionLost",
    ]);
    assert.ok((transport.getPipeTransport(0) as WriteTransport).isClosing());
  });
});

Deno.test("an exception in pipeDataReceived goes to the exception handler and closes that pipe", async () => {
  await run(async (loop) => {
    const seen = recordExceptions(loop);
    class Failing extends Recorder {
      override pipeDataReceived(): void {
        throw new Error("boom");
      }
    }
    const [, protocol] = await loop.subprocessShell(
      () => new Failing(loop),
      "echo hi",
      { stdin: null, stderr: null },
    );
    await protocol.done;
    assert.equal(seen.length, 1);
    assert.equal((seen[0].exception as Error).message, "boom");
    assert.ok(protocol.events.includes("lost1:Error"));
    seen.length = 0;
  });
});

Deno.test("loop.subprocessExec() checks its arguments", async () => {
  await run(async (loop) => {
    await assert.rejects(
      async () =>
        await loop.subprocessExec(
          "nope" as unknown as () => SubprocessProtocol,
          "true",
        ),
      TypeError,
    );
    await assert.rejects(
      async () =>
        await loop.subprocessExec(() => new SubprocessProtocol(), "true", [], {
          stdin: 7 as unknown as typeof PIPE,
        }),
      TypeError,
    );
    await assert.rejects(
      async () =>
        await loop.subprocessShell(
          () => new SubprocessProtocol(),
          42 as unknown as string,
        ),
      TypeError,
    );
    await assert.rejects(
      async () =>
        await loop.subprocessExec(
          () => new SubprocessProtocol(),
          "no-such-xyz",
        ),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("loop.close() kills children still running and closes their pipes", async () => {
  const loop = newEventLoop();
  const [transport] = await loop.runUntilComplete(() =>
    loop.subprocessExec(() => new SubprocessProtocol(), "sleep", ["3600"])
  );
  const child = transport.getExtraInfo("subprocess") as Deno.ChildProcess;
  loop.close();
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");
  // Let the cancelled pipe reads settle before the sanitizers look.
  await new Promise((r) => setTimeout(r, 10));
});
