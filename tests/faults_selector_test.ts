// Faults of the selector loop and of UDP endpoints: a Socket closed while
// sockRecv()/sockAccept()/sockSendall() wait on it, peers that reset under
// sock* calls, readers removed from inside callbacks, a flood of
// callSoonThreadsafe() from host callbacks against the eventfd wake-up, and
// UDP endpoints closed or aborted with datagrams queued both ways (on both
// loops). Every test runs under the unhandled-rejection harness; the
// selector tests also fail on a descriptor left open (`_loops.ts`).
import assert from "node:assert/strict";
import {
  AF_INET,
  AF_UNIX,
  BrokenPipeError,
  ConnectionResetError,
  DatagramProtocol,
  type DatagramTransport,
  IncompleteReadError,
  OSError,
  SelectorEventLoop,
  SO_SNDBUF,
  SOCK_DGRAM,
  type Socket,
  socket,
  socketpair,
  SOL_SOCKET,
  startServer,
} from "../mod.ts";
import { recordExceptions } from "./_helpers.ts";
import { forEachLoop, SELECTOR } from "./_loops.ts";
import { dec, enc } from "./_net_helpers.ts";
import { noUnhandledRejections } from "./_unhandled.ts";

/** A selector-loop test under the harness; stray handler calls fail it. */
function test(name: string, body: (loop: SelectorEventLoop) => Promise<void>) {
  forEachLoop(name, () =>
    noUnhandledRejections(async () => {
      const loop = new SelectorEventLoop();
      const seen = recordExceptions(loop);
      try {
        await loop.runUntilComplete(() => body(loop));
        assert.deepEqual(seen.map((c) => c.message), [], "handler calls");
      } finally {
        loop.close();
      }
    }), [SELECTOR]);
}

/** A non-blocking socket pair. */
function pair(): [Socket, Socket] {
  const [a, b] = socketpair();
  a.setBlocking(false);
  b.setBlocking(false);
  return [a, b];
}

/** Lets the loop run a few iterations (host timers included). */
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

/** Makes `sock` reset its connection when closed (SO_LINGER 0). */
function resetOnClose(sock: Socket): void {
  const linger = new Int32Array([1, 0]); // l_onoff 1, l_linger 0
  sock.setsockopt(
    SOL_SOCKET,
    13, /* SO_LINGER */
    new Uint8Array(linger.buffer),
  );
}

function isEbadf(e: unknown): boolean {
  return e instanceof OSError && e.errno === 9;
}

// ---- a Socket closed while a sock* call waits on it ----

test("SelectorEventLoop: a Socket closed while sockRecv()/sockAccept()/sockSendall() wait fails them with EBADF at once and leaves nothing registered", async (loop) => {
  const map = loop.selector.getMap();
  // sockRecv()
  const [a, b] = pair();
  const fd = a.fileno();
  const recv = loop.sockRecv(a, 10);
  await tick();
  assert.equal(map.size, 1);
  a.close();
  assert.equal(map.size, 0, "unregistered at close");
  await assert.rejects(async () => await recv, isEbadf);
  // The descriptor number comes back with the next socket: it works.
  const [c, d] = pair();
  assert.ok(c.fileno() === fd || d.fileno() === fd, "descriptor reused");
  const [reused, other] = c.fileno() === fd ? [c, d] : [d, c];
  const got = loop.sockRecv(reused, 10);
  await tick();
  other.send(enc("fresh"));
  assert.equal(dec(await got), "fresh");
  // sockAccept()
  const listener = socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen();
  listener.setBlocking(false);
  const accept = loop.sockAccept(listener);
  await tick();
  listener.close();
  await assert.rejects(async () => await accept, isEbadf);
  assert.equal(map.size, 0);
  // sockSendall() waiting for room (the peer does not read)
  const [e, f] = pair();
  e.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
  const sending = loop.sockSendall(e, new Uint8Array(4 * 1024 * 1024));
  await tick();
  assert.equal(map.size, 1, "waits for room");
  e.close();
  await assert.rejects(async () => await sending, isEbadf);
  assert.equal(map.size, 0);
  for (const s of [b, c, d, f]) s.close();
});

test("SelectorEventLoop: cancelling a sock* call after its Socket closed, or closing it after the cancel, leaves nothing registered", async (loop) => {
  const map = loop.selector.getMap();
  for (const order of ["close, cancel", "cancel, close"]) {
    const [a, b] = pair();
    const task = loop.createTask(async () => await loop.sockRecv(a, 10));
    await tick();
    assert.equal(map.size, 1);
    if (order === "close, cancel") {
      a.close();
      task.cancel();
    } else {
      task.cancel();
      await tick();
      a.close();
    }
    await assert.rejects(async () => await task, Error);
    await tick();
    assert.equal(map.size, 0, order);
    b.close();
  }
});

// ---- peers that reset under sock* calls ----

test("SelectorEventLoop: a peer that resets under a waiting sockRecv() or sockSendall() fails it with ConnectionReset/BrokenPipe", async (loop) => {
  const map = loop.selector.getMap();
  const listener = socket();
  listener.bind(["127.0.0.1", 0]);
  listener.listen();
  listener.setBlocking(false);
  for (const op of ["recv", "sendall"] as const) {
    const client = socket();
    client.setBlocking(false);
    await loop.sockConnect(client, listener.getsockname());
    const [conn] = await loop.sockAccept(listener);
    resetOnClose(client);
    if (op === "recv") {
      conn.send(enc("unread")); // the client never reads it
      const recv = loop.sockRecv(conn, 100);
      await tick();
      client.close(); // RST
      await assert.rejects(
        async () => await recv,
        (e) => e instanceof ConnectionResetError,
      );
    } else {
      conn.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
      const sending = loop.sockSendall(conn, new Uint8Array(8 * 1024 * 1024));
      await tick(5);
      client.close(); // RST
      await assert.rejects(
        async () => await sending,
        (e) =>
          e instanceof ConnectionResetError || e instanceof BrokenPipeError,
      );
    }
    assert.equal(map.size, 0, op);
    conn.close();
  }
  listener.close();
});

// ---- readers removed from inside callbacks ----

test("SelectorEventLoop.removeReader() inside a callback: of itself (then closing the socket), of another ready descriptor, or replaced by a new reader", async (loop) => {
  const map = loop.selector.getMap();
  const calls: string[] = [];
  // A reader that removes itself and closes its socket: called once.
  const [a, b] = pair();
  const done = loop.createFuture<void>();
  loop.addReader(a, () => {
    calls.push("a");
    loop.removeReader(a);
    a.close();
    done.setResult(undefined);
  });
  b.send(enc("x"));
  await done;
  await tick(5);
  assert.deepEqual(calls, ["a"]);
  assert.equal(map.size, 0);
  b.close();

  // Two ready descriptors; the first callback removes the other's reader:
  // the other is not called, in that iteration or later.
  calls.length = 0;
  const [c, d] = pair();
  const [e, f] = pair();
  d.send(enc("c"));
  f.send(enc("e"));
  const both = loop.createFuture<void>();
  loop.addReader(c, () => {
    calls.push("c");
    loop.removeReader(c);
    if (loop.removeReader(e)) calls.push("removed e");
    both.setResult(undefined);
  });
  loop.addReader(e, () => {
    calls.push("e");
    loop.removeReader(e);
    loop.removeReader(c);
    if (!both.done()) both.setResult(undefined);
  });
  await both;
  await tick(5);
  assert.equal(calls.length, 2, calls.join());
  assert.ok(
    calls.join() === "c,removed e" || calls.join() === "e",
    calls.join(),
  );
  assert.equal(map.size, 0);

  // A reader that replaces itself: only the new one is called after.
  calls.length = 0;
  const third = loop.createFuture<void>();
  d.send(enc("more"));
  loop.addReader(c, () => {
    calls.push("old");
    loop.removeReader(c);
    loop.addReader(c, () => {
      calls.push("new");
      c.recv(100);
      loop.removeReader(c);
      third.setResult(undefined);
    });
  });
  await third;
  assert.deepEqual(calls, ["old", "new"]);
  assert.equal(map.size, 0);
  for (const s of [c, d, e, f]) s.close();
});

// ---- the eventfd wake-up ----

test("SelectorEventLoop: a flood of callSoonThreadsafe() from host callbacks wakes the selector wait; all run in order, and the loop idles after", async (loop) => {
  const [a, b] = pair();
  loop.addReader(a, () => {}); // the loop waits in the selector
  const n = 5000;
  const ran: number[] = [];
  const all = loop.createFuture<void>();
  const schedule = (i: number) =>
    loop.callSoonThreadsafe(() => {
      ran.push(i);
      if (ran.length === n) all.setResult(undefined);
    });
  let i = 0;
  // From host timers, in bursts, and from resolved promises.
  for (let burst = 0; burst < 50; burst++) {
    setTimeout(() => {
      for (let k = 0; k < 50; k++) schedule(i++);
      Promise.resolve().then(() => {
        for (let k = 0; k < 50; k++) schedule(i++);
      });
    }, burst % 5);
  }
  await all;
  assert.deepEqual(ran, Array.from({ length: n }, (_, k) => k));
  // The wake-ups were drained: the loop waits, it does not spin.
  const before = (loop as unknown as { _iterations: number })._iterations;
  await tick(30);
  const after = (loop as unknown as { _iterations: number })._iterations;
  assert.ok(after - before < 10, `${after - before} iterations while idle`);
  loop.removeReader(a);
  a.close();
  b.close();
});

// ---- UDP endpoints, both loops ----

class Datagrams extends DatagramProtocol {
  events: string[] = [];
  got = 0;
  transport!: DatagramTransport;
  abortOnFirst = false;
  lost = Promise.withResolvers<Error | null>();
  override connectionMade(t: DatagramTransport) {
    this.transport = t;
  }
  override datagramReceived(_data: Uint8Array) {
    this.got++;
    if (this.events.at(-1) !== "data") this.events.push("data");
    if (this.abortOnFirst) this.transport.abort();
  }
  override errorReceived(exc: Error) {
    this.events.push(`error:${exc.name}`);
  }
  override connectionLost(exc: Error | null) {
    this.events.push("lost");
    this.lost.resolve(exc);
  }
}

/** An endpoint whose sends queue: a UDP one on the default loop (one send in flight), a Unix datagram socket whose peer does not read on the selector loop. */
async function queuingEndpoint(
  loop: SelectorEventLoop,
  selector: boolean,
): Promise<{
  t: DatagramTransport;
  p: Datagrams;
  drain: () => Promise<number>;
  close: () => void;
}> {
  if (selector) {
    const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
    b.setBlocking(false);
    const [t, p] = await loop.createDatagramEndpoint(() => new Datagrams(), {
      sock: a,
    });
    let count = 0;
    return {
      t,
      p,
      drain: async () => {
        for (let idle = 0; idle < 20; idle++) {
          try {
            for (;;) {
              b.recv(2048);
              count++;
              idle = 0;
            }
          } catch { /* nothing now */ }
          await tick();
        }
        return count;
      },
      close: () => b.close(),
    };
  }
  const [rt, rp] = await loop.createDatagramEndpoint(() => new Datagrams(), {
    localAddr: ["127.0.0.1", 0],
  });
  const [t, p] = await loop.createDatagramEndpoint(() => new Datagrams(), {
    remoteAddr: rt.getExtraInfo("sockname") as Deno.NetAddr,
  });
  return {
    t,
    p,
    drain: async () => {
      for (let idle = 0, last = -1; idle < 20; idle++) {
        if (rp.got !== last) idle = 0;
        last = rp.got;
        await tick();
      }
      return rp.got;
    },
    close: () => rt.close(),
  };
}

/** Sends until datagrams queue, then 10 more; how many were sent. */
function fill(t: DatagramTransport): number {
  let n = 0;
  while (t.getWriteBufferSize() === 0 && n < 5000) {
    t.sendto(new Uint8Array(512));
    n++;
  }
  assert.ok(t.getWriteBufferSize() > 0, "datagrams queued");
  for (let i = 0; i < 10; i++) t.sendto(new Uint8Array(512));
  return n + 10;
}

forEachLoop(
  "DatagramTransport.close() with datagrams queued sends them all, then connectionLost(null) once; sends after are dropped",
  async (kind) => {
    await noUnhandledRejections(async () => {
      const loop = kind.make() as SelectorEventLoop;
      const seen = recordExceptions(loop);
      try {
        await loop.runUntilComplete(async () => {
          const { t, p, drain, close } = await queuingEndpoint(
            loop,
            kind === SELECTOR,
          );
          const n = fill(t);
          t.close();
          assert.ok(t.isClosing());
          t.sendto(new Uint8Array(512)); // dropped: the endpoint is closing
          assert.equal(await drain(), n, "every queued datagram sent");
          assert.equal(await p.lost.promise, null);
          assert.deepEqual(p.events, ["lost"]);
          assert.equal(t.getWriteBufferSize(), 0);
          close();
        });
        assert.deepEqual(seen, []);
      } finally {
        loop.close();
      }
    });
  },
);

forEachLoop(
  "DatagramTransport.abort() with a datagram received but not yet delivered: no datagramReceived() after it, connectionLost(null) once",
  async (kind) => {
    await noUnhandledRejections(async () => {
      const loop = kind.make() as SelectorEventLoop;
      const seen = recordExceptions(loop);
      try {
        const [t, p] = await loop.runUntilComplete(() =>
          loop.createDatagramEndpoint(() => new Datagrams(), {
            localAddr: ["127.0.0.1", 0],
          })
        );
        const to = t.getExtraInfo("sockname") as Deno.NetAddr;
        const udp = socket(AF_INET, SOCK_DGRAM);
        try {
          // The loop is stopped: the datagram waits in the kernel (selector)
          // or in a completed receive (default loop).
          udp.sendto(enc("pending"), ["127.0.0.1", to.port]);
          await tick(10);
          t.abort();
          t.abort();
          await loop.runUntilComplete(async () => {
            assert.equal(await p.lost.promise, null);
            await tick(5);
          });
          assert.deepEqual(p.events, ["lost"]);

          // Aborting from datagramReceived() with more datagrams ready: one
          // delivered, then nothing.
          const [t2, p2] = await loop.runUntilComplete(() =>
            loop.createDatagramEndpoint(() => new Datagrams(), {
              localAddr: ["127.0.0.1", 0],
            })
          );
          p2.abortOnFirst = true;
          const to2 = t2.getExtraInfo("sockname") as Deno.NetAddr;
          for (let i = 0; i < 5; i++) udp.sendto(enc(`d${i}`), to2);
          await loop.runUntilComplete(async () => {
            await p2.lost.promise;
            await tick(5);
          });
          assert.deepEqual(p2.events, ["data", "lost"]);
          assert.equal(p2.got, 1);
        } finally {
          udp.close();
        }
        assert.deepEqual(seen, []);
      } finally {
        loop.close();
      }
    });
  },
);

forEachLoop(
  "loop.close() with UDP datagrams queued: nothing waits, no callback comes, and the socket is released (at once, or by close() after)",
  async (kind) => {
    await noUnhandledRejections(async () => {
      const loop = kind.make() as SelectorEventLoop;
      const q = await loop.runUntilComplete(() =>
        queuingEndpoint(loop, kind === SELECTOR)
      );
      fill(q.t);
      loop.close();
      // The default loop closes what it left open; on the selector loop, as
      // in asyncio, transports outlive it and close() releases them at once.
      q.t.close();
      q.t.abort();
      q.close();
      await tick(5);
      assert.deepEqual(q.p.events, [], "no callback after the loop closed");
    });
  },
);

// ---- a peer that resets a stream connection (SO_LINGER 0), both loops ----

forEachLoop(
  "StreamReader: a peer that resets mid-read (SO_LINGER 0) fails the read with ConnectionReset, after every byte that came before it",
  async (kind) => {
    await noUnhandledRejections(async () => {
      const loop = kind.make() as SelectorEventLoop;
      const seen = recordExceptions(loop);
      try {
        await loop.runUntilComplete(async () => {
          const outcome = loop.createFuture<unknown>();
          const server = await startServer(
            async (r, w) => {
              const first = await r.readexactly(10);
              try {
                await r.readexactly(1000);
                outcome.setResult("no error");
              } catch (e) {
                outcome.setResult([dec(first), e]);
              }
              w.close();
            },
            "127.0.0.1",
            0,
          );
          const client = socket();
          client.connect(server.sockets[0].addr as Deno.NetAddr);
          resetOnClose(client);
          client.sendall(enc("0123456789"));
          client.sendall(enc("abc"));
          await tick(10);
          client.close(); // RST
          const [first, e] = await outcome as [string, Error];
          assert.equal(first, "0123456789");
          if (kind === SELECTOR) {
            assert.ok(e instanceof ConnectionResetError, `got ${e}`);
          } else if (e instanceof IncompleteReadError) {
            assert.equal(dec(e.partial), "abc"); // Deno may report EOF
          } else {
            assert.ok(e instanceof Deno.errors.ConnectionReset, `got ${e}`);
          }
          assert.ok(
            e instanceof Deno.errors.ConnectionReset || kind !== SELECTOR,
          );
          server.close();
          await server.waitClosed();
        });
        assert.deepEqual(seen.map((c) => c.message), []);
      } finally {
        loop.close();
      }
    });
  },
);
