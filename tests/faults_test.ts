// Faults: peers that reset or half-close, servers closed with live
// connections, out of descriptors, workers that crash mid-job, callbacks
// that throw, and tasks cancelled at every suspension point of the stream,
// queue, lock and timeout APIs. Every test runs under a harness that fails
// on an unhandled promise rejection, and on a loop whose exception handler
// was called unexpectedly.
import assert from "node:assert/strict";
import {
  BrokenWorkerError,
  CancelledError,
  type Coroutine,
  createTask,
  type DenoEventLoop,
  gather,
  IncompleteReadError,
  Lock,
  openConnection,
  Protocol,
  Queue,
  sleep,
  startServer,
  StreamReader,
  type Task,
  TimeoutError,
  type Transport,
  waitFor,
  WorkerPoolExecutor,
} from "../mod.ts";
import { withLoop, withTestLoop } from "./_helpers.ts";
import { forEachLoop } from "./_loops.ts";
import { dec, enc, portOf, readAll, readN } from "./_net_helpers.ts";
import { noUnhandledRejections } from "./_unhandled.ts";

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return noUnhandledRejections(() =>
    withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)))
  );
}

/** Is `e` how Deno reports a connection the peer reset? */
function isResetError(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset ||
    e instanceof Deno.errors.BrokenPipe ||
    e instanceof Deno.errors.ConnectionAborted;
}

// ---- peers that reset or half-close ----

forEachLoop(
  "StreamWriter.drain() raises the reset of a peer that resets mid-write; the connection ends once",
  async () => {
    await run(async (loop) => {
      let error: unknown = null;
      let lost = 0;
      const ended = loop.createFuture<void>();
      const server = await startServer(
        async (_reader, writer) => {
          const t = writer.transport;
          const protocol = t.getProtocol();
          const lostBefore = protocol.connectionLost.bind(protocol);
          protocol.connectionLost = (exc) => {
            lost++;
            lostBefore(exc);
          };
          const chunk = new Uint8Array(256 * 1024);
          try {
            for (let i = 0; i < 512; i++) {
              writer.write(chunk);
              await writer.drain();
            }
          } catch (e) {
            error = e;
          }
          await assert.rejects(async () => await writer.waitClosed());
          ended.setResult(undefined);
        },
        "127.0.0.1",
        0,
      );
      const client = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server),
      });
      await readN(client, 1024 * 1024);
      client.close(); // with unread data: the kernel sends a reset
      await ended;
      assert.ok(isResetError(error), `got ${error}`);
      assert.equal(lost, 1);
      server.close();
      await server.waitClosed();
    });
  },
);

forEachLoop(
  "StreamReader keeps every byte of a peer that resets mid-read, or fails with the reset (the default loop sees it as EOF)",
  async () => {
    await run(async (loop) => {
      const result = loop.createFuture<unknown>();
      const server = await startServer(
        async (reader, writer) => {
          writer.write(new Uint8Array(1000)); // the client never reads it
          try {
            result.setResult(await reader.readexactly(1000));
          } catch (e) {
            result.setResult(e);
          }
          // The next write fails: the connection is gone.
          writer.write(new Uint8Array(10));
          await sleep(0.01);
          writer.write(new Uint8Array(10));
          await assert.rejects(async () => await writer.drain(), isResetError);
        },
        "127.0.0.1",
        0,
      );
      const client = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server),
      });
      await client.write(enc("0123456789"));
      await sleep(0.02);
      client.close(); // unread data: reset
      const e = await result;
      if (e instanceof IncompleteReadError) {
        assert.equal(dec(e.partial), "0123456789", "no byte lost");
        assert.equal(e.expected, 1000);
      } else {
        assert.ok(isResetError(e), `got ${e}`);
      }
      server.close();
      await server.waitClosed();
    });
  },
);

Deno.test("StreamWriter.writeEof() half-closes both ways: each side still reads what the other sends after", async () => {
  await run(async () => {
    // The client half-closes; the server answers after the EOF.
    await using server = await startServer(
      async (reader, writer) => {
        const request = await reader.read();
        assert.ok(reader.atEof());
        writer.write(enc(`got ${request.length} bytes`));
        await writer.drain();
        writer.writeEof();
        writer.close();
        await writer.waitClosed();
      },
      "127.0.0.1",
      0,
    );
    const [reader, writer] = await openConnection(
      "127.0.0.1",
      portOf(server),
    );
    writer.write(new Uint8Array(100_000));
    writer.writeEof();
    assert.throws(() => writer.write(enc("late")), /writeEof/);
    assert.equal(dec(await reader.read()), "got 100000 bytes");
    writer.close();
    await writer.waitClosed();

    // The server half-closes first; the client keeps sending.
    await using second = await startServer(
      async (reader, writer) => {
        writer.write(enc("hello"));
        writer.writeEof();
        const rest = await reader.read();
        assert.equal(rest.length, 50_000);
        writer.close();
      },
      "127.0.0.1",
      0,
    );
    const [r2, w2] = await openConnection("127.0.0.1", portOf(second));
    assert.equal(dec(await r2.read()), "hello");
    assert.equal((await r2.read()).length, 0, "EOF, the connection lives");
    w2.write(new Uint8Array(50_000));
    await w2.drain();
    w2.writeEof();
    w2.close();
    await w2.waitClosed();
  });
});

// ---- servers closed with live connections ----

Deno.test("Server.closeClients() flushes what live connections buffered; abortClients() drops it; waitClosed() returns after both", async () => {
  await run(async () => {
    for (const how of ["close", "abort"] as const) {
      const size = 4 * 1024 * 1024;
      const payload = new Uint8Array(size).fill(9); // more than sockets take
      let started = 0;
      let handlers = 0;
      const server = await startServer(
        async (reader, writer) => {
          started++;
          writer.write(payload);
          await reader.read(); // until the connection ends
          handlers++;
        },
        "127.0.0.1",
        0,
      );
      const clients = await Promise.all(
        Array.from(
          { length: 10 },
          () => Deno.connect({ hostname: "127.0.0.1", port: portOf(server) }),
        ),
      );
      while (started < 10) await sleep(0.001);
      await sleep(0.01);
      server.close();
      let closed = false;
      const waiting = createTask(async () => {
        await server.waitClosed();
        closed = true;
      });
      await sleep(0.01);
      assert.equal(closed, false, "waitClosed() with live connections");
      if (how === "close") server.closeClients();
      else server.abortClients();
      // An aborted connection may end with a reset instead of an EOF.
      const got = await Promise.all(clients.map((c) =>
        readAll(c).catch((e) => {
          if (how === "abort" && isResetError(e)) return new Uint8Array(0);
          throw e;
        })
      ));
      for (const c of clients) c.close();
      await waiting;
      assert.equal(handlers, 10);
      for (const data of got) {
        if (how === "close") assert.equal(data.length, size, "flushed");
        else assert.ok(data.length < size, "dropped");
      }
    }
  });
});

// ---- out of descriptors ----

Deno.test("Server goes on accepting after accept() failed for want of descriptors (retried after 1 s, as asyncio)", async () => {
  const fixture = new URL("./fixtures/accept_emfile.ts", import.meta.url);
  const out = await new Deno.Command("sh", {
    args: [
      "-c",
      `ulimit -n 64 && exec "${Deno.execPath()}" run -A "${fixture.pathname}"`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.doesNotMatch(stderr, /Uncaught/);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(result, {
    served: true,
    acceptErrors: ["socket.accept() out of system resource"],
  });
});

// ---- workers that crash mid-job ----

Deno.test("loop.runInExecutor(): a worker crashing mid-job fails that job only; the other jobs and the loop go on", async () => {
  await run(async (loop) => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 3 });
    const slow = (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) { /* busy */ }
      return ms;
    };
    const crash = () => {
      setTimeout(() => {
        throw new Error("crashed mid-job");
      }, 5);
      return new Promise(() => {});
    };
    const ticks: number[] = [];
    const ticker = createTask(async () => {
      for (let i = 0; i < 5; i++) {
        await sleep(0.005);
        ticks.push(i);
      }
    });
    const [a, b, c] = [
      loop.runInExecutor(pool, slow, 50),
      loop.runInExecutor(pool, crash),
      loop.runInExecutor(pool, slow, 30),
    ];
    await assert.rejects(
      async () => await b,
      (e) =>
        e instanceof BrokenWorkerError && /crashed mid-job/.test(e.message),
    );
    assert.deepEqual([await a, await c], [50, 30]);
    assert.equal(await loop.runInExecutor(pool, slow, 1), 1, "replaced");
    await ticker;
    assert.deepEqual(ticks, [0, 1, 2, 3, 4]);
  });
});

// ---- callbacks that throw ----

Deno.test("loop: callbacks that throw reach the exception handler, and the loop goes on", async () => {
  await noUnhandledRejections(() =>
    withTestLoop(async (loop, seen) => {
      const order: string[] = [];
      loop.callSoon(() => {
        throw new Error("soon");
      });
      loop.callLater(1, () => {
        throw new Error("later");
      });
      const fut = loop.createFuture<number>();
      fut.addDoneCallback(() => {
        throw new Error("done callback");
      });
      loop.callSoon(() => fut.setResult(1));
      // A handler that throws too is contained.
      let calls = 0;
      loop.setExceptionHandler((_loop, context) => {
        calls++;
        seen.push(context);
        if (calls === 1) throw new Error("the handler fails");
      });
      loop.callLater(2, () => order.push("after"));
      await loop.runUntilComplete(() => sleep(3));
      assert.deepEqual(order, ["after"]);
      assert.deepEqual(
        seen.map((c) => (c.exception as Error).message).sort(),
        ["done callback", "later", "soon"],
      );
      seen.length = 0;
    })
  );
});

Deno.test("Protocol callbacks that throw go to the exception handler; the transport and the server go on", async () => {
  await noUnhandledRejections(() =>
    withLoop(async (l, seen) => {
      const loop = l as DenoEventLoop;
      await loop.runUntilComplete(async () => {
        class Bad extends Protocol {
          override connectionMade(t: Transport) {
            t.write(enc("hi"));
            throw new Error("connectionMade failed");
          }
          override dataReceived(): void {
            throw new Error("dataReceived failed");
          }
          override connectionLost(): void {
            throw new Error("connectionLost failed");
          }
        }
        await using server = await loop.createServer(
          () => new Bad(),
          "127.0.0.1",
          0,
        );
        for (let i = 0; i < 3; i++) {
          const c = await Deno.connect({
            hostname: "127.0.0.1",
            port: portOf(server),
          });
          assert.equal(dec(await readN(c, 2)), "hi");
          await c.write(enc("x"));
          assert.equal((await readAll(c)).length, 0, "closed after the fault");
          c.close();
        }
        await sleep(0.01);
      });
      const messages = seen.map((c) => (c.exception as Error).message);
      assert.equal(
        messages.filter((m) => m === "connectionMade failed").length,
        3,
      );
      assert.equal(
        messages.filter((m) => m === "dataReceived failed").length,
        3,
      );
      assert.equal(
        messages.filter((m) => m === "connectionLost failed").length,
        3,
      );
      seen.length = 0;
    })
  );
});

// ---- cancellation at every suspension point ----

type Read = (r: StreamReader) => PromiseLike<Uint8Array>;
const READS: [string, Read, string, string][] = [
  // name, the read, what to feed before the cancel, what completes it
  ["readline", (r) => r.readline(), "par", "tial\n"],
  ["readexactly", (r) => r.readexactly(8), "1234", "5678"],
  ["readuntil", (r) => r.readuntil("\r\n"), "abc\r", "\n"],
  ["read", (r) => r.read(100), "", "data"],
];

for (const [name, read, before, after] of READS) {
  Deno.test(`StreamReader.${name}() cancelled while it waits, or once ready but not yet resumed, loses no byte`, async () => {
    await noUnhandledRejections(() =>
      withTestLoop(async (loop) => {
        for (const kind of ["async", "generator"] as const) {
          for (const when of ["waiting", "ready"] as const) {
            const r = new StreamReader({ loop });
            const task = kind === "async"
              ? loop.createTask(async () => await read(r))
              : loop.createTask(function* (): Coroutine<Uint8Array> {
                return yield* read(r) as unknown as Coroutine<Uint8Array>;
              });
            await loop.runUntilIdle();
            if (before !== "") r.feedData(enc(before));
            if (when === "ready") r.feedData(enc(after));
            task.cancel();
            await assert.rejects(loop.runUntilComplete(task), CancelledError);
            if (when === "waiting") r.feedData(enc(after));
            r.feedEof();
            const rest = await loop.runUntilComplete(async () =>
              await r.read()
            );
            assert.equal(dec(rest), before + after, `${kind}, ${when}`);
          }
        }
      })
    );
  });
}

Deno.test("StreamWriter.drain() cancelled while paused leaves no waiter behind; later drains and the data are intact", async () => {
  await run(async () => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = listener.accept();
    const [, writer] = await openConnection(
      "127.0.0.1",
      (listener.addr as Deno.NetAddr).port,
    );
    const peer = await accepted;
    const chunk = new Uint8Array(1024 * 1024).fill(1);
    let sent = 0;
    const drainers: Task<void>[] = [];
    for (let i = 0; i < 8; i++) {
      writer.write(chunk);
      sent += chunk.length;
      drainers.push(createTask(async () => await writer.drain()));
    }
    await sleep(0.02);
    const protocol = (writer as unknown as {
      _protocol: { _paused: boolean; _drainWaiters: unknown[] };
    })._protocol;
    assert.ok(protocol._paused, "the writer is paused");
    for (const d of drainers) d.cancel();
    for (const d of drainers) {
      await assert.rejects(async () => await d, CancelledError);
    }
    assert.equal(protocol._drainWaiters.length, 0, "no drain waiter left");
    const reading = readN(peer, sent);
    await writer.drain();
    assert.equal((await reading).length, sent);
    writer.close();
    await writer.waitClosed();
    peer.close();
  });
});

Deno.test("Queue.get() cancelled while it waits, or once woken, keeps the item in the queue", async () => {
  await noUnhandledRejections(() =>
    withTestLoop(async (loop) => {
      for (const when of ["waiting", "woken"] as const) {
        const q = new Queue<string>();
        const getter = loop.createTask(async () => await q.get());
        await loop.runUntilIdle();
        if (when === "woken") q.putNowait("item");
        getter.cancel();
        await assert.rejects(loop.runUntilComplete(getter), CancelledError);
        if (when === "waiting") q.putNowait("item");
        assert.equal(q.qsize(), 1, when);
        assert.equal(q.getNowait(), "item");
      }
    })
  );
});

Deno.test("Lock.acquire() cancelled while it waits, or once woken, leaves the lock free for the next waiter", async () => {
  await noUnhandledRejections(() =>
    withTestLoop(async (loop) => {
      for (const when of ["waiting", "woken"] as const) {
        const lock = new Lock();
        await loop.runUntilComplete(async () => void await lock.acquire());
        const first = loop.createTask(async () => void await lock.acquire());
        const second = loop.createTask(async () => void await lock.acquire());
        await loop.runUntilIdle();
        if (when === "woken") lock.release(); // wakes `first`
        first.cancel();
        await assert.rejects(loop.runUntilComplete(first), CancelledError);
        if (when === "waiting") lock.release();
        await loop.runUntilComplete(second);
        assert.ok(lock.locked(), "second holds it");
        lock.release();
        assert.ok(!lock.locked());
      }
    })
  );
});

Deno.test("waitFor() cancelled, or timing out at the instant its awaitable completes, loses no item, line or lock", async () => {
  await noUnhandledRejections(() =>
    withTestLoop(async (loop) => {
      // Cancelled from outside while it waits: what it waited on is
      // cancelled, and the lock is not held afterwards.
      const lock = new Lock();
      await loop.runUntilComplete(async () => void await lock.acquire());
      const waiter = loop.createTask(async () =>
        void await waitFor(lock.acquire(), 10)
      );
      await loop.runUntilIdle();
      waiter.cancel();
      await assert.rejects(loop.runUntilComplete(waiter), CancelledError);
      lock.release();
      assert.ok(!lock.locked());

      // The item, the line and the lock arrive exactly at the deadline:
      // either waitFor() returns them, or they are still there.
      const q = new Queue<string>();
      const r = new StreamReader({ loop });
      const lock2 = new Lock();
      await loop.runUntilComplete(async () => void await lock2.acquire());
      const t0 = loop.time();
      loop.callAt(t0 + 5, () => {
        q.putNowait("item");
        r.feedData(enc("line\n"));
        lock2.release();
      });
      // Each in a task of its own (a timeout belongs to its task).
      const outcome = (make: () => PromiseLike<unknown>) =>
        loop.createTask(async () => {
          try {
            return await make();
          } catch (e) {
            return e;
          }
        });
      const [item, line, held] = await loop.runUntilComplete(() =>
        gather(
          outcome(() => waitFor(q.get(), 5)),
          outcome(() => waitFor(r.readline(), 5)),
          outcome(() => waitFor(lock2.acquire(), 5)),
        )
      );
      if (item instanceof TimeoutError) assert.equal(q.getNowait(), "item");
      else assert.equal(item, "item");
      if (line instanceof TimeoutError) {
        r.feedEof();
        assert.equal(
          dec(await loop.runUntilComplete(async () => await r.read())),
          "line\n",
        );
      } else assert.equal(dec(line as Uint8Array), "line\n");
      if (held instanceof TimeoutError) assert.ok(!lock2.locked(), "not held");
      else {
        assert.ok(lock2.locked());
        lock2.release();
      }
    })
  );
});

// ---- no unhandled rejection ends a program ----

Deno.test("a program hit by these faults ends normally: no unhandled rejection reaches Deno", async () => {
  const fixture = new URL("./fixtures/faults_child.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", fixture.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.doesNotMatch(stderr, /Uncaught|unhandled/i);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "faults survived");
});
