// deno-lint-ignore-file require-await -- tests build async coroutines that never suspend
// SelectorEventLoop's own API (CPython's test_selector_events.py and the
// add_reader/sock_* tests of test_events.py): readiness callbacks, the
// wait in the selector and its wake-ups, sock_* on Sockets, getaddrinfo,
// the policy, and the clear error without a backend.
import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  CancelledError,
  ConnectionRefusedError,
  type Coroutine,
  gaierror,
  getRunningLoop,
  newEventLoop,
  PollSelector,
  Protocol,
  run,
  RuntimeError,
  SelectorEventLoop,
  SelectorEventLoopPolicy,
  setEventLoopPolicy,
  sleep,
  SOCK_DGRAM,
  SOCK_STREAM,
  type Socket,
  socket,
  socketpair,
  type Transport,
} from "../mod.ts";
import { recordExceptions } from "./_helpers.ts";
import { forEachLoop, SELECTOR } from "./_loops.ts";
import { dec, enc } from "./_net_helpers.ts";

/** A selector-loop test, with the descriptor-leak check of `_loops.ts`. */
function test(name: string, fn: () => void | Promise<void>) {
  forEachLoop(name, fn, [SELECTOR]);
}

/** Runs `body` with a fresh selector loop; fails on stray exception-handler calls. */
async function withSelectorLoop<T>(
  body: (loop: SelectorEventLoop) => Promise<T> | T,
  make: () => SelectorEventLoop = () => new SelectorEventLoop(),
): Promise<T> {
  const loop = make();
  const seen = recordExceptions(loop);
  try {
    const result = await body(loop);
    if (seen.length > 0) {
      throw new Error(`unexpected exception-handler call: ${seen[0].message}`, {
        cause: seen[0].exception,
      });
    }
    return result;
  } finally {
    if (!loop.isClosed()) loop.close();
  }
}

/** A non-blocking socket pair. */
function pair(): [Socket, Socket] {
  const [a, b] = socketpair();
  a.setBlocking(false);
  b.setBlocking(false);
  return [a, b];
}

test("SelectorEventLoop.addReader() calls back whenever the descriptor is readable, with its arguments", async () => {
  await withSelectorLoop(async (loop) => {
    const [a, b] = pair();
    const got: string[] = [];
    loop.addReader(a, (tag: string) => {
      got.push(`${tag}:${dec(a.recv(100))}`);
      if (got.length === 2) loop.stop();
      else b.send(enc("2"));
    }, "r");
    b.send(enc("1"));
    await loop.runForever();
    assert.deepEqual(got, ["r:1", "r:2"]);
    assert.equal(loop.removeReader(a), true);
    assert.equal(loop.removeReader(a), false);
    a.close();
    b.close();
  });
});

test("SelectorEventLoop.addReader() is level-triggered: unread data calls back every iteration", async () => {
  await withSelectorLoop(async (loop) => {
    const [a, b] = pair();
    let calls = 0;
    loop.addReader(a.fileno(), () => {
      if (++calls === 3) {
        loop.removeReader(a.fileno());
        loop.stop();
      }
    });
    b.send(enc("x"));
    await loop.runForever();
    assert.equal(calls, 3);
    a.close();
    b.close();
  });
});

test("SelectorEventLoop.addReader() again replaces the callback; readers and writers are independent", async () => {
  await withSelectorLoop(async (loop) => {
    const [a, b] = pair();
    const calls: string[] = [];
    loop.addReader(a, () => calls.push("first reader"));
    loop.addReader(a, () => {
      calls.push("second reader");
      a.recv(10);
      loop.removeReader(a);
    });
    loop.addWriter(a, () => {
      calls.push("writer");
      loop.removeWriter(a);
    });
    b.send(enc("x"));
    loop.callLater(0.05, () => loop.stop());
    await loop.runForever();
    assert.deepEqual(calls.sort(), ["second reader", "writer"]);
    assert.equal(loop.selector.getMap().size, 0);
    a.close();
    b.close();
  });
});

test("SelectorEventLoop.addWriter() calls back when the socket can take data", async () => {
  await withSelectorLoop(async (loop) => {
    const [a, b] = pair();
    const chunk = new Uint8Array(64 * 1024);
    let full = false;
    try {
      for (;;) a.send(chunk);
    } catch {
      full = true;
    }
    assert.ok(full);
    let writable = false;
    loop.addWriter(a, () => {
      writable = true;
      loop.removeWriter(a);
      loop.stop();
    });
    const drain = () => {
      try {
        for (;;) b.recv(1 << 20);
      } catch { /* drained */ }
    };
    loop.callLater(0.01, drain);
    await loop.runForever();
    assert.ok(writable);
    a.close();
    b.close();
  });
});

test("SelectorEventLoop.addReader() rejects bad descriptors and callbacks, and a closed loop", async () => {
  const loop = new SelectorEventLoop();
  assert.throws(() => loop.addReader(-1, () => {}), RangeError);
  assert.throws(() => loop.addReader({} as never, () => {}), TypeError);
  const [a, b] = pair();
  assert.throws(() => loop.addReader(a, "x" as never), TypeError);
  loop.close();
  assert.throws(() => loop.addReader(a, () => {}), RuntimeError);
  assert.equal(loop.removeReader(a), false);
  a.close();
  b.close();
});

test("SelectorEventLoop.addReader() on a descriptor a transport owns is a RuntimeError", async () => {
  await withSelectorLoop((loop) =>
    loop.runUntilComplete(async () => {
      const [a, b] = pair();
      const [t] = await loop.createConnection(
        () => new Protocol(),
        null,
        null,
        {
          sock: a,
        },
      );
      assert.throws(() => loop.addReader(a, () => {}), {
        name: "RuntimeError",
        message: /is used by transport/,
      });
      assert.throws(() => loop.removeWriter(a), RuntimeError);
      t.close();
      await new Promise((r) => setTimeout(r, 1));
      b.close();
    })
  );
});

test("SelectorEventLoop waits in the selector: a descriptor wakes it, and timers still fire", async () => {
  await withSelectorLoop(async (loop) => {
    const [a, b] = pair();
    const order: string[] = [];
    loop.addReader(a, () => {
      order.push("readable");
      a.recv(10);
      loop.removeReader(a);
      loop.stop();
    });
    loop.callLater(0.02, () => order.push("timer"));
    const sender = setTimeout(() => b.send(enc("x")), 60);
    try {
      await loop.runForever();
    } finally {
      clearTimeout(sender);
    }
    assert.deepEqual(order, ["timer", "readable"]);
    a.close();
    b.close();
  });
});

test("SelectorEventLoop: a callback scheduled by a host callback wakes a wait in the selector at once", async () => {
  await withSelectorLoop(async (loop) => {
    const [a, b] = pair();
    loop.addReader(a, () => {});
    const fut = loop.createFuture<string>();
    let t0 = 0;
    const timer = setTimeout(() => {
      t0 = performance.now();
      loop.callSoonThreadsafe(() => fut.setResult("woken"));
    }, 20);
    try {
      assert.equal(await loop.runUntilComplete(fut), "woken");
    } finally {
      clearTimeout(timer);
    }
    const dt = performance.now() - t0;
    assert.ok(dt < 50, `woke after ${dt} ms`);
    const stopper = setTimeout(() => loop.stop(), 5);
    await loop.runForever();
    clearTimeout(stopper);
    loop.removeReader(a);
    a.close();
    b.close();
  });
});

test("SelectorEventLoop: addReader() from a host callback while the loop idles on a timer starts watching at once", async () => {
  await withSelectorLoop(async (loop) => {
    const [a, b] = pair();
    const timer = setTimeout(() => {
      loop.addReader(a, () => {
        loop.removeReader(a);
        loop.stop();
      });
      b.send(enc("x"));
    }, 10);
    const t0 = performance.now();
    loop.callLater(10, () => loop.stop());
    await loop.runForever();
    clearTimeout(timer);
    assert.ok(performance.now() - t0 < 5000);
    a.close();
    b.close();
  });
});

test("SelectorEventLoop over a PollSelector runs the same echo", async () => {
  await withSelectorLoop(
    (loop) =>
      loop.runUntilComplete(async () => {
        class Echo extends Protocol {
          t!: Transport;
          override connectionMade(t: Transport) {
            this.t = t;
          }
          override dataReceived(d: Uint8Array) {
            this.t.write(d);
          }
        }
        await using server = await loop.createServer(
          () => new Echo(),
          "127.0.0.1",
          0,
        );
        using client = socket();
        client.setBlocking(false);
        await loop.sockConnect(client, server.sockets[0].addr as Deno.NetAddr);
        await loop.sockSendall(client, enc("poll"));
        assert.equal(dec(await loop.sockRecv(client, 4)), "poll");
        assert.ok(loop.selector instanceof PollSelector);
      }),
    () => new SelectorEventLoop(new PollSelector()),
  );
});

test("SelectorEventLoop.sockAccept()/sockRecv()/sockSendall(): the seed's server with generator coroutines", async () => {
  await withSelectorLoop(async (loop) => {
    function* handleClient(client: Socket): Coroutine<void> {
      for (;;) {
        const data = yield* loop.sockRecv(client, 4096);
        if (data.length === 0) break;
        yield* loop.sockSendall(client, data);
      }
      client.close();
    }
    function* acceptOne(server: Socket): Coroutine<void> {
      const [client, addr] = yield* loop.sockAccept(server);
      assert.equal(client.getBlocking(), false);
      assert.equal((addr as Deno.NetAddr).hostname, "127.0.0.1");
      yield* handleClient(client);
    }
    using server = socket(AF_INET, SOCK_STREAM);
    server.bind(["127.0.0.1", 0]);
    server.listen(128);
    server.setBlocking(false);
    await loop.runUntilComplete(async () => {
      const serving = loop.createTask(acceptOne(server));
      using c = socket();
      c.setBlocking(false);
      await loop.sockConnect(c, server.getsockname());
      const big = new Uint8Array(3 << 20).map((_, i) => i);
      const sending = loop.sockSendall(c, big);
      const back = new Uint8Array(big.length);
      let got = 0;
      while (got < big.length) {
        got += await loop.sockRecvInto(c, back.subarray(got));
      }
      await sending;
      assert.deepEqual(back, big);
      c.shutdown(1);
      assert.equal((await loop.sockRecv(c, 10)).length, 0);
      await serving;
    });
  });
});

test("SelectorEventLoop.sockRecv(): cancelling the waiting call removes its reader; EOF is an empty array", async () => {
  await withSelectorLoop((loop) =>
    loop.runUntilComplete(async () => {
      const [a, b] = pair();
      const waiting = loop.sockRecv(a, 10);
      await new Promise((r) => setTimeout(r, 1));
      assert.equal(loop.selector.getMap().size, 1);
      (waiting as unknown as { cancel(): boolean }).cancel();
      await assert.rejects(async () => await waiting, CancelledError);
      await sleep(0);
      assert.equal(loop.selector.getMap().size, 0);
      b.close();
      assert.equal((await loop.sockRecv(a, 10)).length, 0);
      assert.equal(await loop.sockRecvInto(a, new Uint8Array(4)), 0);
      a.close();
    })
  );
});

test("SelectorEventLoop.sock*() reject what is not a Socket with TypeError, and bad sizes with RangeError", async () => {
  await withSelectorLoop((loop) =>
    loop.runUntilComplete(async () => {
      using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      await assert.rejects(
        async () => await loop.sockAccept(listener),
        { name: "TypeError", message: /must be a Socket/ },
      );
      await assert.rejects(
        async () => await loop.sockRecv({} as never, 1),
        TypeError,
      );
      const [a, b] = pair();
      await assert.rejects(async () => await loop.sockRecv(a, -1), RangeError);
      await assert.rejects(
        async () => await loop.sockSendall(a, "x" as never),
        TypeError,
      );
      await assert.rejects(
        async () => await loop.sockConnect(["127.0.0.1", 1] as never),
        TypeError,
      );
      a.close();
      b.close();
    })
  );
});

test("SelectorEventLoop.sockConnect(): refused is a ConnectionRefusedError with CPython's message; names are resolved", async () => {
  await withSelectorLoop((loop) =>
    loop.runUntilComplete(async () => {
      const probe = socket();
      probe.bind(["127.0.0.1", 0]);
      const port = (probe.getsockname() as Deno.NetAddr).port;
      probe.close();
      using c = socket();
      c.setBlocking(false);
      await assert.rejects(
        async () => await loop.sockConnect(c, ["127.0.0.1", port]),
        (e) =>
          e instanceof ConnectionRefusedError &&
          e.message ===
            `[Errno 111] Connect call failed ('127.0.0.1', ${port}): Connection refused`,
      );
      using server = socket();
      server.bind(["127.0.0.1", 0]);
      server.listen();
      using d = socket();
      d.setBlocking(false);
      await loop.sockConnect(d, [
        "localhost",
        (server.addr as Deno.NetAddr).port,
      ]);
      assert.equal((d.getpeername() as Deno.NetAddr).hostname, "127.0.0.1");
    })
  );
});

test("SelectorEventLoop.sockSendto()/sockRecvfrom()/sockRecvfromInto() move datagrams", async () => {
  await withSelectorLoop((loop) =>
    loop.runUntilComplete(async () => {
      using a = socket(AF_INET6, SOCK_DGRAM);
      a.bind(["::1", 0]);
      a.setBlocking(false);
      using b = socket(AF_INET6, SOCK_DGRAM);
      b.bind(["::1", 0]);
      b.setBlocking(false);
      const receiving = loop.sockRecvfrom(a, 100);
      assert.equal(await loop.sockSendto(b, enc("hi"), a.getsockname()), 2);
      const [data, from] = await receiving;
      assert.equal(dec(data), "hi");
      assert.deepEqual(from, b.getsockname());
      await loop.sockSendto(b, enc("again"), a.getsockname());
      const buf = new Uint8Array(3);
      const [n] = await loop.sockRecvfromInto(a, buf);
      assert.equal(n, 3);
      assert.equal(dec(buf), "aga");
    })
  );
});

test("SelectorEventLoop.getaddrinfo() resolves off the loop's thread; an unknown name is a gaierror", async () => {
  await withSelectorLoop((loop) =>
    loop.runUntilComplete(async () => {
      const infos = await loop.getaddrinfo("localhost", 80, {
        type: SOCK_STREAM,
      });
      assert.ok(infos.length > 0);
      assert.ok([AF_INET, AF_INET6].includes(infos[0][0]));
      await assert.rejects(
        async () => await loop.getaddrinfo("no-such-host.invalid", 80),
        gaierror,
      );
    })
  );
});

test("SelectorEventLoop: Unix datagram sockets through sock*", async () => {
  await withSelectorLoop((loop) =>
    loop.runUntilComplete(async () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
      a.setBlocking(false);
      b.setBlocking(false);
      const r = loop.sockRecv(a, 10);
      await loop.sockSendall(b, enc("dgram"));
      assert.equal(dec(await r), "dgram");
      a.close();
      b.close();
    })
  );
});

test("SelectorEventLoopPolicy makes SelectorEventLoops; run() takes one as loopFactory", async () => {
  setEventLoopPolicy(new SelectorEventLoopPolicy());
  try {
    const loop = newEventLoop();
    assert.ok(loop instanceof SelectorEventLoop);
    loop.close();
    assert.equal(
      await run(async () => getRunningLoop().constructor.name),
      "SelectorEventLoop",
    );
  } finally {
    setEventLoopPolicy(null);
  }
  assert.equal(
    await run(async () => getRunningLoop() instanceof SelectorEventLoop, {
      loopFactory: () => new SelectorEventLoop(),
    }),
    true,
  );
});

test("SelectorEventLoop.startTls() and ssl options are NotImplementedError", async () => {
  await withSelectorLoop((loop) =>
    loop.runUntilComplete(async () => {
      await assert.rejects(
        async () =>
          await loop.createConnection(() => new Protocol(), "127.0.0.1", 1, {
            ssl: true,
          }),
        { name: "NotImplementedError", message: /no TLS/ },
      );
      await assert.rejects(
        async () =>
          await loop.createServer(() => new Protocol(), "127.0.0.1", 0, {
            ssl: {},
          }),
        { name: "NotImplementedError" },
      );
      await assert.rejects(
        async () => await loop.startTls(null as never, null as never, true),
        { name: "NotImplementedError" },
      );
    })
  );
});

Deno.test("new SelectorEventLoop() without --allow-ffi fails at creation and says what is missing", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const script = `${dir}/make_loop.ts`;
    Deno.writeTextFileSync(
      script,
      `import { SelectorEventLoop } from ${
        JSON.stringify(new URL("../mod.ts", import.meta.url).href)
      };
try { new SelectorEventLoop(); console.log("created"); }
catch (e) { console.log(e.name + ": " + e.message); }
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--allow-read", script],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, /^NotCapable: .*run with --allow-ffi/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

test("SelectorEventLoop.sock*() in debug mode reject a blocking socket with RangeError", async () => {
  await withSelectorLoop((loop) =>
    loop.runUntilComplete(async () => {
      loop.setDebug(true);
      const [a, b] = socketpair();
      await assert.rejects(async () => await loop.sockRecv(a, 1), {
        name: "RangeError",
        message: /Cannot receive as 'sock' must be non-blocking in debug mode/,
      });
      a.setBlocking(false);
      b.send(enc("k"));
      assert.equal(dec(await loop.sockRecv(a, 1)), "k");
      loop.setDebug(false);
      a.close();
      b.close();
    })
  );
});
