// Faults of subprocesses and pipes: a child killed mid-communicate() while
// tens of MiB move both ways, a child that closes its stdin while we write,
// a child that exits while its stdout is paused by flow control, a read
// pipe whose writer dies mid-stream, a write pipe whose reader is cancelled
// mid-write. Each ends without a hang, a zombie, a leaked resource (the
// sanitizers), a stray exception-handler call or an unhandled rejection.
import assert from "node:assert/strict";
import {
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  type DenoEventLoop,
  PIPE,
  Protocol,
  type ReadTransport,
  sleep,
  type StreamReader,
  SubprocessProtocol,
  type SubprocessTransport,
  waitFor,
  type WriteTransport,
} from "../mod.ts";
import { withLoop } from "./_helpers.ts";
import { randomBytes } from "./_load.ts";
import { dec } from "./_net_helpers.ts";
import { noUnhandledRejections } from "./_unhandled.ts";

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return noUnhandledRejections(() =>
    withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)))
  );
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

/** Waits (briefly, on a real clock) until `pid` is gone from /proc. */
async function assertReaped(pid: number): Promise<void> {
  for (let i = 0; i < 200 && processExists(pid); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(!processExists(pid), `process ${pid} is still there (a zombie?)`);
}

/** Whether `prefix` is the start of `data`. */
function isPrefix(prefix: Uint8Array, data: Uint8Array): boolean {
  if (prefix.length > data.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (prefix[i] !== data[i]) return false;
  }
  return true;
}

/** A hang fails the test after this many seconds instead of stalling CI. */
const NO_HANG = 20;

// ---- subprocesses ----

Deno.test("Process.communicate() of a child killed while 32 MiB move both ways ends with what was read and -9", async () => {
  await run(async () => {
    const data = randomBytes(32 * 1024 * 1024, 6);
    const proc = await createSubprocessExec("cat", [], {
      stdin: PIPE,
      stdout: PIPE,
      stderr: PIPE,
    });
    const stdin = proc.stdin!.transport;
    const communicating = createTask(() => proc.communicate(data));
    // Kill once 8 MiB went in (the write buffer counts what is left).
    await sleep(0.001);
    while (stdin.getWriteBufferSize() > 24 * 1024 * 1024) await sleep(0.001);
    proc.kill();
    const [out, err] = await waitFor(communicating, NO_HANG);
    assert.equal(proc.returncode, -9);
    assert.ok(out!.length > 0, "some bytes came back before the kill");
    assert.ok(out!.length < data.length, "not all of them");
    assert.ok(isPrefix(out!, data), "what was read is the input's start");
    assert.equal(err!.length, 0);
    assert.ok(stdin.isClosing(), "stdin closed");
    assert.equal(await proc.wait(), -9, "wait() after agrees");
    await assertReaped(proc.pid);
  });
});

Deno.test("Process.communicate() of a child ended by a signal as it starts, or as it finishes writing, gets its return code", async () => {
  await run(async () => {
    for (const [sig, code] of [["SIGTERM", -15], ["SIGKILL", -9]] as const) {
      // At once: nothing read, nothing lost.
      const early = await createSubprocessExec("cat", [], {
        stdin: PIPE,
        stdout: PIPE,
      });
      early.sendSignal(sig);
      const [o1] = await waitFor(
        early.communicate(new Uint8Array(1024 * 1024)),
        NO_HANG,
      );
      assert.ok(o1!.length <= 1024 * 1024);
      assert.equal(early.returncode, code);
      await assertReaped(early.pid);
      // The child signals itself right after writing: all its output is kept.
      const late = await createSubprocessShell(
        `head -c 100000 /dev/zero; kill -${sig.slice(3)} $$`,
        { stdin: PIPE, stdout: PIPE },
      );
      const [o2] = await waitFor(late.communicate(""), NO_HANG);
      assert.equal(o2!.length, 100000);
      assert.equal(late.returncode, code);
      await assertReaped(late.pid);
    }
  });
});

Deno.test("Process.communicate() to a child that closes its stdin while we write ignores the BrokenPipe, as asyncio", async () => {
  await run(async () => {
    const proc = await createSubprocessShell(
      "head -c 1000 >/dev/null; exec 0<&-; echo closed; sleep 0.05; echo bye",
      { stdin: PIPE, stdout: PIPE },
    );
    const [out] = await waitFor(
      proc.communicate(new Uint8Array(4 * 1024 * 1024)),
      NO_HANG,
    );
    assert.equal(dec(out!), "closed\nbye\n");
    assert.equal(proc.returncode, 0);
    // Writing and draining by hand reports it instead.
    const p2 = await createSubprocessShell("exec 0<&-; sleep 0.05", {
      stdin: PIPE,
    });
    let error: unknown = null;
    try {
      for (let i = 0; i < 64; i++) {
        p2.stdin!.write(new Uint8Array(256 * 1024));
        await p2.stdin!.drain();
      }
    } catch (e) {
      error = e;
    }
    assert.ok(
      error instanceof Deno.errors.BrokenPipe ||
        error instanceof Deno.errors.ConnectionReset,
      `got ${error}`,
    );
    p2.stdin!.close();
    assert.equal(await waitFor(p2.wait(), NO_HANG), 0);
  });
});

Deno.test("Process: a child that exits while its stdout is paused by the reader's limit loses no byte; wait() follows the reads", async () => {
  await run(async () => {
    const limit = 4096;
    const size = 40_000; // more than 2 x limit, less than the pipe holds
    const proc = await createSubprocessShell(`head -c ${size} /dev/zero`, {
      stdout: PIPE,
      limit,
    });
    const stdout = (proc as unknown as {
      _transport: SubprocessTransport;
    })._transport.getPipeTransport(1) as ReadTransport;
    while (proc.returncode === null) await sleep(0.001);
    assert.equal(proc.returncode, 0, "the exit is seen while paused");
    assert.equal(stdout.isReading(), false, "stdout is paused");
    let total = 0;
    for (;;) {
      const chunk = await proc.stdout!.read(1000);
      if (chunk.length === 0) break;
      total += chunk.length;
    }
    assert.equal(total, size);
    assert.equal(await waitFor(proc.wait(), NO_HANG), 0);
  });
});

Deno.test("SubprocessProtocol: processExited() while stdout is paused; connectionLost() only once stdout is resumed and drained", async () => {
  await run(async (loop) => {
    const events: string[] = [];
    let bytes = 0;
    const done = loop.createFuture<void>();
    class Proto extends SubprocessProtocol {
      transport!: SubprocessTransport;
      override connectionMade(t: SubprocessTransport) {
        this.transport = t;
        (t.getPipeTransport(1) as ReadTransport).pauseReading();
      }
      override pipeDataReceived(_fd: number, data: Uint8Array) {
        bytes += data.length;
      }
      override pipeConnectionLost(fd: number) {
        events.push(`pipe ${fd} lost`);
      }
      override processExited() {
        events.push("exited");
      }
      override connectionLost() {
        events.push("lost");
        done.setResult(undefined);
      }
    }
    const [t, p] = await loop.subprocessShell(
      () => new Proto(),
      "head -c 30000 /dev/zero",
      { stdin: null },
    );
    while (t.getReturncode() === null) await sleep(0.001);
    await sleep(0.01);
    assert.ok(events.includes("exited"));
    assert.ok(!events.includes("pipe 1 lost"), "stdout is held");
    assert.equal(bytes, 0);
    (p.transport.getPipeTransport(1) as ReadTransport).resumeReading();
    await waitFor(done, NO_HANG);
    assert.equal(bytes, 30000);
    assert.deepEqual(events.slice(-1), ["lost"]);
    assert.ok(events.includes("pipe 1 lost") && events.includes("pipe 2 lost"));
    t.close();
  });
});

// ---- pipes ----

/** Records a read pipe's callbacks. */
class ReadRecorder extends Protocol {
  events: string[] = [];
  bytes = 0;
  chunks: Uint8Array[] = [];
  constructor(readonly done: PromiseWithResolvers<void>) {
    super();
  }
  override dataReceived(data: Uint8Array) {
    if (this.events.at(-1) !== "data") this.events.push("data");
    this.bytes += data.length;
    this.chunks.push(data);
  }
  override eofReceived() {
    this.events.push("eof");
    return false;
  }
  override connectionLost(exc: Error | null) {
    this.events.push(exc === null ? "lost" : `lost:${exc.name}`);
    this.done.resolve();
  }
}

Deno.test("connectReadPipe(): a writer killed mid-stream ends the stream with EOF and connectionLost(null); no byte is made up", async () => {
  await run(async (loop) => {
    // A child's stdout (a ReadableStream of bytes).
    const child = new Deno.Command("sh", {
      args: ["-c", "while :; do printf 0123456789; done"],
      stdout: "piped",
      stdin: "null",
    }).spawn();
    const done = Promise.withResolvers<void>();
    const [t, p] = await loop.connectReadPipe(
      () => new ReadRecorder(done),
      child.stdout,
    );
    while (p.bytes < 100_000) await sleep(0.001);
    child.kill("SIGKILL");
    await waitFor(done.promise, NO_HANG);
    assert.deepEqual(p.events, ["data", "eof", "lost"]);
    assert.ok(t.isClosing());
    const text = dec(
      new Uint8Array(p.chunks.flatMap((c) => [...c.subarray(0, 20)])),
    );
    assert.ok(text.startsWith("01234567890123456789"), text.slice(0, 30));
    assert.equal((await child.status).signal, "SIGKILL");

    // A FIFO (a Deno.FsFile) whose writing process is killed.
    const dir = await Deno.makeTempDir();
    try {
      const fifo = `${dir}/fifo`;
      const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.ok(mk.success);
      const writer = new Deno.Command("sh", {
        args: ["-c", `exec >"${fifo}"; while :; do printf x; done`],
        stdin: "null",
      }).spawn();
      const file = await Deno.open(fifo, { read: true });
      const done2 = Promise.withResolvers<void>();
      const [t2, p2] = await loop.connectReadPipe(
        () => new ReadRecorder(done2),
        file,
      );
      while (p2.bytes < 10_000) await sleep(0.001);
      writer.kill("SIGKILL");
      await waitFor(done2.promise, NO_HANG);
      assert.deepEqual(p2.events, ["data", "eof", "lost"]);
      assert.ok(p2.chunks.every((c) => c.every((b) => b === 0x78)));
      assert.ok(t2.isClosing());
      await writer.status;
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("connectReadPipe(): a Web stream aborted by its writer mid-stream ends the transport with an OS error, not a report", async () => {
  await run(async (loop) => {
    for (const reason of [undefined, "gone", new Error("gone")]) {
      const ts = new TransformStream<Uint8Array, Uint8Array>();
      const done = Promise.withResolvers<void>();
      const [t, p] = await loop.connectReadPipe(
        () => new ReadRecorder(done),
        ts.readable,
      );
      const w = ts.writable.getWriter();
      await w.write(new Uint8Array(10));
      while (p.bytes < 10) await sleep(0.001);
      await w.abort(reason);
      await waitFor(done.promise, NO_HANG);
      assert.deepEqual(p.events, ["data", "lost:BrokenPipe"], String(reason));
      assert.ok(t.isClosing());
    }
  });
});

Deno.test("connectWritePipe(): a reader cancelled mid-write ends the transport with BrokenPipe; drain waiters wake, later writes are dropped", async () => {
  await run(async (loop) => {
    for (const reason of [undefined, "enough", new Error("enough")]) {
      const events: string[] = [];
      const lost = Promise.withResolvers<Error | null>();
      class Writer extends Protocol {
        override pauseWriting() {
          events.push("pause");
        }
        override resumeWriting() {
          events.push("resume");
        }
        override connectionLost(exc: Error | null) {
          events.push("lost");
          lost.resolve(exc);
        }
      }
      const ts = new TransformStream<Uint8Array, Uint8Array>();
      const [t] = await loop.connectWritePipe(() => new Writer(), ts.writable);
      const transport = t as WriteTransport;
      for (let i = 0; i < 8; i++) transport.write(new Uint8Array(1024 * 1024));
      const reader = ts.readable.getReader();
      let got = 0;
      while (got < 512 * 1024) got += (await reader.read()).value!.length;
      await reader.cancel(reason);
      const exc = await waitFor(lost.promise, NO_HANG);
      assert.ok(exc instanceof Deno.errors.BrokenPipe, `got ${exc}`);
      assert.equal(exc.cause, reason);
      assert.deepEqual(events, ["pause", "lost"]);
      assert.equal(transport.getWriteBufferSize(), 0, "the buffer dropped");
      transport.write(new Uint8Array(10)); // dropped, as asyncio
      transport.close();
      await sleep(0.005);
      assert.deepEqual(events, ["pause", "lost"]);
    }
  });
});

Deno.test("StreamReader over a subprocess: killing the child mid-readline() gives the partial line at EOF", async () => {
  await run(async () => {
    const proc = await createSubprocessShell(
      "printf 'whole\\npart'; exec sleep 30",
      { stdout: PIPE },
    );
    const stdout = proc.stdout as StreamReader;
    assert.equal(dec(await stdout.readline()), "whole\n");
    const pending = createTask(() => stdout.readline());
    await sleep(0.01);
    proc.kill();
    assert.equal(dec(await waitFor(pending, NO_HANG)), "part");
    assert.equal(await proc.wait(), -9);
    assert.ok(stdout.atEof());
  });
});
