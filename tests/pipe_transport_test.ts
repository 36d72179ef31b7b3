// Pipe transports (CPython's test_unix_events.py UnixReadPipeTransportTests
// and UnixWritePipeTransportTests, on real pipes): read pipe EOF and
// pause/resume, write pipe flow control, close and abort, over child
// processes' pipes, Web Streams and Deno.stdin/Deno.stdout.
import assert from "node:assert/strict";
import {
  BaseProtocol,
  BufferedProtocol,
  type DenoEventLoop,
  type Future,
  newEventLoop,
  Protocol,
  type ReadTransport,
  sleep,
  type WriteTransport,
} from "../mod.ts";
import { recordExceptions, withLoop } from "./_helpers.ts";
import { checksum, dec, enc } from "./_net_helpers.ts";

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)));
}

/** Records a read pipe's callbacks and checks their order. */
class Reader extends Protocol {
  events: string[] = [];
  chunks: Uint8Array[] = [];
  transport: ReadTransport | null = null;
  done: Future<void>;
  lostExc: Error | null = null;
  constructor(loop: DenoEventLoop) {
    super();
    this.done = loop.createFuture<void>();
  }
  override connectionMade(t: ReadTransport): void {
    assert.equal(this.events.length, 0);
    this.transport = t;
    this.events.push("made");
  }
  override dataReceived(data: Uint8Array): void {
    assert.equal(
      this.events.at(-1) === "made" || this.events.at(-1) === "data",
      true,
    );
    this.chunks.push(data);
    if (this.events.at(-1) !== "data") this.events.push("data");
  }
  override eofReceived(): boolean {
    this.events.push("eof");
    return true; // a pipe closes anyway
  }
  override connectionLost(exc: Error | null): void {
    this.lostExc = exc;
    this.events.push(exc === null ? "lost" : `lost:${exc.name}`);
    this.done.setResult(undefined);
  }
  text(): string {
    return this.chunks.map(dec).join("");
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Records a write pipe's flow control and loss. */
class Writer extends BaseProtocol {
  events: string[] = [];
  done: Future<void>;
  constructor(loop: DenoEventLoop) {
    super();
    this.done = loop.createFuture<void>();
  }
  override connectionMade(): void {
    this.events.push("made");
  }
  override pauseWriting(): void {
    this.events.push("pause");
  }
  override resumeWriting(): void {
    this.events.push("resume");
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(exc === null ? "lost" : `lost:${exc.name}`);
    this.done.setResult(undefined);
  }
}

function spawn(cmd: string, stdin: "piped" | "null" = "null") {
  return new Deno.Command("/bin/sh", {
    args: ["-c", cmd],
    stdin,
    stdout: stdin === "piped" ? "null" : "piped",
  }).spawn();
}

Deno.test("connectReadPipe() over a child's stdout: data, then eofReceived and connectionLost(null)", async () => {
  await run(async (loop) => {
    const child = spawn("echo hello; echo world");
    const [transport, protocol] = await loop.connectReadPipe(
      () => new Reader(loop),
      child.stdout,
    );
    assert.equal(protocol.transport, transport);
    assert.equal(transport.getExtraInfo("pipe"), child.stdout);
    await protocol.done;
    assert.equal(protocol.text(), "hello\nworld\n");
    assert.deepEqual(protocol.events, ["made", "data", "eof", "lost"]);
    assert.ok(transport.isClosing());
    assert.equal((await child.status).code, 0);
  });
});

Deno.test("connectReadPipe() delivers 4 MiB in order, in chunks the protocol owns", async () => {
  await run(async (loop) => {
    const child = spawn("head -c 4194304 /dev/urandom");
    const sums: number[] = [];
    class Summing extends Reader {
      override dataReceived(data: Uint8Array): void {
        super.dataReceived(data);
        sums.push(checksum(data));
      }
    }
    const [, protocol] = await loop.connectReadPipe(
      () => new Summing(loop),
      child.stdout,
    );
    await protocol.done;
    assert.equal(protocol.bytes().length, 4194304);
    // The protocol owns each chunk: later reads did not overwrite one.
    assert.deepEqual(protocol.chunks.map(checksum), sums);
    await child.status;
  });
});

Deno.test("ReadTransport.pauseReading() stops delivery until resumeReading(); isReading() follows", async () => {
  await run(async (loop) => {
    const child = spawn("echo one; read x < /dev/null; echo two");
    let paused = false;
    class Pausing extends Reader {
      override dataReceived(data: Uint8Array): void {
        assert.ok(!paused, "dataReceived while paused");
        super.dataReceived(data);
        this.transport!.pauseReading();
        paused = true;
      }
    }
    const [transport, protocol] = await loop.connectReadPipe(
      () => new Pausing(loop),
      child.stdout,
    );
    assert.ok(transport.isReading());
    while (protocol.chunks.length === 0) await sleep(0);
    assert.ok(!transport.isReading());
    await child.status; // everything is written and the pipe is at EOF
    for (let i = 0; i < 5; i++) await sleep(0);
    assert.deepEqual(protocol.events, ["made", "data"]);
    transport.pauseReading(); // a second pause does nothing
    while (!protocol.done.done()) {
      paused = false;
      transport.resumeReading();
      await sleep(0);
    }
    assert.equal(protocol.text(), "one\ntwo\n");
    assert.deepEqual(protocol.events.slice(-2), ["eof", "lost"]);
    assert.ok(!transport.isReading());
  });
});

Deno.test("ReadTransport.close() stops reading: connectionLost(null), no more data", async () => {
  await run(async (loop) => {
    const child = spawn("echo first; exec sleep 3600");
    class CloseOnData extends Reader {
      override dataReceived(data: Uint8Array): void {
        super.dataReceived(data);
        this.transport!.close();
      }
    }
    const [transport, protocol] = await loop.connectReadPipe(
      () => new CloseOnData(loop),
      child.stdout,
    );
    await protocol.done;
    assert.deepEqual(protocol.events, ["made", "data", "lost"]);
    assert.ok(transport.isClosing());
    transport.close(); // closing twice does nothing
    child.kill();
    await child.status;
  });
});

Deno.test("connectReadPipe() with a BufferedProtocol reads into the protocol's buffer", async () => {
  await run(async (loop) => {
    const child = spawn("head -c 100000 /dev/zero");
    class Count extends BufferedProtocol {
      buf = new Uint8Array(4096);
      total = 0;
      done = loop.createFuture<void>();
      override getBuffer() {
        return this.buf;
      }
      override bufferUpdated(n: number) {
        this.total += n;
      }
      override connectionLost() {
        this.done.setResult(undefined);
      }
    }
    const [, protocol] = await loop.connectReadPipe(
      () => new Count(),
      child.stdout,
    );
    await protocol.done;
    assert.equal(protocol.total, 100000);
    await child.status;
  });
});

Deno.test("connectReadPipe() over a Web ReadableStream of large and small chunks", async () => {
  await run(async (loop) => {
    const big = new Uint8Array(1024 * 1024).map((_, i) => i & 0xff);
    const parts = [enc("a"), big, new Uint8Array(0), enc("z")];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
    const [, protocol] = await loop.connectReadPipe(
      () => new Reader(loop),
      stream,
    );
    await protocol.done;
    const bytes = protocol.bytes();
    assert.equal(bytes.length, big.length + 2);
    assert.equal(bytes[0], "a".charCodeAt(0));
    assert.equal(checksum(bytes.subarray(1, -1)), checksum(big));
    assert.equal(bytes.at(-1), "z".charCodeAt(0));
    assert.deepEqual(protocol.events, ["made", "data", "eof", "lost"]);
  });
});

Deno.test("connectReadPipe(): an error of the stream ends the transport with it", async () => {
  await run(async (loop) => {
    const seen = recordExceptions(loop);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(enc("x"));
        controller.error(new Deno.errors.BrokenPipe("gone"));
      },
    });
    const [, protocol] = await loop.connectReadPipe(
      () => new Reader(loop),
      stream,
    );
    await protocol.done;
    assert.equal(protocol.lostExc?.name, "BrokenPipe");
    assert.equal(seen.length, 0); // an OS error is not logged
  });
});

Deno.test("connectReadPipe(): a failing dataReceived goes to the exception handler", async () => {
  await run(async (loop) => {
    const seen = recordExceptions(loop);
    class Failing extends Reader {
      override dataReceived(): void {
        throw new Error("boom");
      }
    }
    const [, protocol] = await loop.connectReadPipe(
      () => new Failing(loop),
      new Blob(["data"]).stream(),
    );
    await protocol.done;
    assert.equal(protocol.lostExc?.message, "boom");
    assert.equal(seen.length, 1);
    assert.match(seen[0].message, /dataReceived/);
    seen.length = 0;
  });
});

Deno.test("a read pipe transport cannot be written", async () => {
  await run(async (loop) => {
    const [transport, protocol] = await loop.connectReadPipe(
      () => new Reader(loop),
      new Blob([]).stream(),
    );
    const t = transport as unknown as WriteTransport;
    assert.throws(() => t.write(enc("x")), /not supported by a read pipe/);
    assert.equal(t.canWriteEof(), false);
    await protocol.done;
  });
});

Deno.test("connectWritePipe() over a child's stdin: data arrives, close() flushes then ends", async () => {
  await run(async (loop) => {
    const child = new Deno.Command("wc", {
      args: ["-c"],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const [transport, protocol] = await loop.connectWritePipe(
      () => new Writer(loop),
      child.stdin,
    );
    assert.ok(transport.canWriteEof());
    assert.equal(transport.getExtraInfo("pipe"), child.stdin);
    for (let i = 0; i < 10; i++) transport.write(new Uint8Array(100000));
    transport.close();
    assert.ok(transport.isClosing());
    transport.write(enc("dropped")); // after close: silently dropped
    await protocol.done;
    assert.deepEqual(protocol.events.at(-1), "lost");
    const out = await child.output();
    assert.equal(dec(out.stdout).trim(), "1000000");
  });
});

Deno.test("WriteTransport flow control on a pipe: pauseWriting above the high mark, resumeWriting at the low one", async () => {
  await run(async (loop) => {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
      undefined,
      undefined,
      { highWaterMark: 0 },
    );
    const [transport, protocol] = await loop.connectWritePipe(
      () => new Writer(loop),
      writable,
    );
    transport.setWriteBufferLimits(16 * 1024, 4 * 1024);
    assert.deepEqual(transport.getWriteBufferLimits(), [4096, 16384]);
    for (let i = 0; i < 8; i++) transport.write(new Uint8Array(8 * 1024));
    assert.deepEqual(protocol.events, ["made", "pause"]);
    // All eight count: the first is in flight, not yet taken by the reader.
    assert.equal(transport.getWriteBufferSize(), 8 * 8 * 1024);
    // The reader takes the data: the buffer drains and writing resumes.
    const reader = readable.getReader();
    let got = 0;
    while (got < 64 * 1024) got += (await reader.read()).value!.length;
    for (let i = 0; i < 5 && protocol.events.length < 3; i++) await sleep(0);
    assert.deepEqual(protocol.events, ["made", "pause", "resume"]);
    assert.equal(transport.getWriteBufferSize(), 0);
    transport.writeEof(); // same as close()
    assert.equal((await reader.read()).done, true);
    await protocol.done;
    assert.deepEqual(protocol.events, ["made", "pause", "resume", "lost"]);
  });
});

Deno.test("WriteTransport.abort() drops the buffer and calls connectionLost(null) at once", async () => {
  await run(async (loop) => {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
      undefined,
      undefined,
      { highWaterMark: 0 },
    );
    const [transport, protocol] = await loop.connectWritePipe(
      () => new Writer(loop),
      writable,
    );
    for (let i = 0; i < 4; i++) transport.write(new Uint8Array(64 * 1024));
    transport.abort();
    assert.equal(transport.getWriteBufferSize(), 0);
    await protocol.done;
    assert.equal(protocol.events.at(-1), "lost");
    await readable.cancel();
  });
});

Deno.test("a write pipe whose reader is gone ends with BrokenPipe, without logging", async () => {
  await run(async (loop) => {
    const seen = recordExceptions(loop);
    const child = spawn("exit 0", "piped");
    await child.status;
    const [transport, protocol] = await loop.connectWritePipe(
      () => new Writer(loop),
      child.stdin,
    );
    transport.write(new Uint8Array(1024));
    await protocol.done;
    assert.deepEqual(protocol.events, ["made", "lost:BrokenPipe"]);
    assert.equal(seen.length, 0);
  });
});

Deno.test("connectReadPipe() and connectWritePipe() check their arguments", async () => {
  await run(async (loop) => {
    await assert.rejects(
      async () => await loop.connectReadPipe(() => new Protocol(), {} as never),
      TypeError,
    );
    await assert.rejects(
      async () =>
        await loop.connectWritePipe(
          () => new Protocol(),
          new Blob([]).stream() as never,
        ),
      TypeError,
    );
    await assert.rejects(
      async () =>
        await loop.connectReadPipe(
          null as never,
          new Blob([]).stream(),
        ),
      TypeError,
    );
  });
});

Deno.test("connectReadPipe(Deno.stdin) and connectWritePipe(Deno.stdout) in a child, with flow control end to end", async () => {
  const fixture = new URL("./fixtures/stdio_pipes.ts", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", fixture.pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const input = "pipes all the way down\n".repeat(50000); // 1.1 MB
  const writer = child.stdin.getWriter();
  const writing = (async () => {
    await writer.write(enc("hello "));
    await writer.write(enc(input));
    await writer.close();
  })();
  const [out, err] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  await writing;
  const status = await child.status;
  assert.equal(status.code, 0, err);
  assert.equal(out, ("hello " + input).toUpperCase());
  assert.match(
    err.trim(),
    /^in eof, in lost null, out lost null, paused (true|false)$/,
  );
});

Deno.test("loop.close() closes a pipe transport left open, so nothing waits forever", async () => {
  const loop = newEventLoop();
  const child = spawn("exec sleep 3600");
  const [transport] = await loop.runUntilComplete(() =>
    loop.connectReadPipe(() => new Protocol(), child.stdout)
  );
  loop.close();
  assert.ok(transport.isClosing());
  child.kill();
  await child.status;
  // Let the cancelled read settle before the sanitizers look.
  await new Promise((r) => setTimeout(r, 10));
});
