// Server over real listeners (CPython's test_server.py): waitClosed
// semantics, serveForever, startServing, host lists, IPv6, Unix sockets.
import assert from "node:assert/strict";
import {
  CancelledError,
  type DenoEventLoop,
  Protocol,
  RuntimeError,
  sleep,
} from "../mod.ts";
import { withLoop, withTestLoop } from "./_helpers.ts";
import { forEachLoop } from "./_loops.ts";
import { portOf, readAll, RecordingProtocol } from "./_net_helpers.ts";

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)));
}

forEachLoop(
  "Server.waitClosed() waits for close() and for every connection (CPython 3.12)",
  async () => {
    await run(async (loop) => {
      let proto!: RecordingProtocol;
      const server = await loop.createServer(
        () => (proto = new RecordingProtocol(loop)),
        "127.0.0.1",
        0,
      );
      const client = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server),
      });
      await proto.made;
      let closed = false;
      const waiting = loop.createTask(async () => {
        await server.waitClosed();
        closed = true;
      });
      await sleep(0.01);
      assert.equal(closed, false, "waitClosed() returned before close()");
      server.close();
      assert.deepEqual(server.sockets, []);
      assert.equal(server.isServing(), false);
      await sleep(0.01);
      assert.equal(
        closed,
        false,
        "waitClosed() returned with a connection open",
      );
      client.close();
      await waiting;
      assert.equal(closed, true);
      await server.waitClosed();
    });
  },
);

Deno.test("Server.waitClosed() returns once the listening port is free again", async () => {
  await run(async (loop) => {
    const first = await loop.createServer(() => new Protocol(), "127.0.0.1", 0);
    const port = portOf(first);
    first.close();
    await first.waitClosed();
    for (let i = 0; i < 20; i++) {
      // The same port, at once: its accept in flight has released it.
      const again = await loop.createServer(
        () => new Protocol(),
        "127.0.0.1",
        port,
      );
      assert.equal(portOf(again), port);
      again.close();
      await again.waitClosed();
    }
  });
});

forEachLoop(
  "Server.closeClients() and abortClients() end the accepted connections",
  async () => {
    await run(async (loop) => {
      const protos: RecordingProtocol[] = [];
      const server = await loop.createServer(
        () => {
          const p = new RecordingProtocol(loop);
          protos.push(p);
          return p;
        },
        "127.0.0.1",
        0,
      );
      const c1 = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server),
      });
      const c2 = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server),
      });
      while (protos.length < 2) await sleep(0.001);
      await protos[0].made;
      await protos[1].made;
      server.close();
      server.closeClients();
      assert.equal((await readAll(c1)).length, 0);
      assert.equal((await readAll(c2)).length, 0);
      await server.waitClosed();
      assert.deepEqual(protos.map((p) => p.state), ["CLOSED", "CLOSED"]);
      c1.close();
      c2.close();

      const server2 = await loop.createServer(
        () => new RecordingProtocol(loop),
        "127.0.0.1",
        0,
      );
      const c3 = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server2),
      });
      await sleep(0.01);
      server2.close();
      server2.abortClients();
      await server2.waitClosed();
      c3.close();
    });
  },
);

forEachLoop(
  "Server.serveForever() runs until cancelled, then closes the server",
  async () => {
    await run(async (loop) => {
      const server = await loop.createServer(
        () => new Protocol(),
        "127.0.0.1",
        0,
        { startServing: false },
      );
      assert.equal(server.isServing(), false);
      const task = loop.createTask(() => server.serveForever());
      await sleep(0.01);
      assert.equal(server.isServing(), true);
      await assert.rejects(
        async () => await server.serveForever(),
        RuntimeError,
      );
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      assert.deepEqual(server.sockets, []);
      await assert.rejects(
        async () => await server.serveForever(),
        RuntimeError,
      );
    });
  },
);

forEachLoop(
  "Server.startServing() starts a server made with startServing: false",
  async () => {
    await run(async (loop) => {
      let made = 0;
      await using server = await loop.createServer(
        () => {
          made++;
          return new Protocol();
        },
        "127.0.0.1",
        0,
        { startServing: false },
      );
      await server.startServing();
      assert.ok(server.isServing());
      const c = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server),
      });
      while (made === 0) await sleep(0.001);
      c.close();
    });
  },
);

forEachLoop(
  "loop.createServer() listens on a list of hosts, IPv4 and IPv6 (::1), each on its own port 0",
  async () => {
    await run(async (loop) => {
      await using server = await loop.createServer(() => new Protocol(), [
        "127.0.0.1",
        "::1",
      ], 0);
      const addrs = server.sockets.map((l) => l.addr as Deno.NetAddr);
      assert.deepEqual(addrs.map((a) => a.hostname), ["127.0.0.1", "::1"]);
      const [t, p] = await loop.createConnection(
        () => new RecordingProtocol(loop),
        "::1",
        addrs[1].port,
      );
      assert.equal(
        (t.getExtraInfo("peername") as Deno.NetAddr).hostname,
        "::1",
      );
      t.close();
      await p.done;
    });
  },
);

forEachLoop(
  "loop.createServer() rejects bad arguments and taken addresses",
  async () => {
    await run(async (loop) => {
      await assert.rejects(
        async () => await loop.createServer("x" as never, "127.0.0.1", 0),
        TypeError,
      );
      await assert.rejects(
        async () =>
          await loop.createServer(() => new Protocol(), "127.0.0.1", 70000),
        RangeError,
      );
      await using server = await loop.createServer(
        () => new Protocol(),
        "127.0.0.1",
        0,
      );
      await assert.rejects(
        async () =>
          await loop.createServer(
            () => new Protocol(),
            "127.0.0.1",
            portOf(server),
          ),
        Deno.errors.AddrInUse,
      );
    });
  },
);

forEachLoop(
  "loop.createUnixServer() serves a Unix socket, removes a stale file, and cleans up on close",
  async () => {
    await run(async (loop) => {
      const dir = Deno.makeTempDirSync();
      const path = `${dir}/srv.sock`;
      const stale = Deno.listen({ transport: "unix", path });
      stale.close();
      const server = await loop.createUnixServer(
        () => new RecordingProtocol(loop),
        path,
      );
      const [t, p] = await loop.createUnixConnection(
        () => new RecordingProtocol(loop),
        path,
      );
      assert.equal((t.getExtraInfo("peername") as Deno.UnixAddr).path, path);
      t.close();
      await p.done;
      server.close();
      await server.waitClosed();
      assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
      Deno.removeSync(dir, { recursive: true });
    });
  },
);

forEachLoop(
  "Server works with await using: closed and waited for at the end of the block",
  async () => {
    await run(async (loop) => {
      let s: { isServing(): boolean } | null = null;
      {
        await using server = await loop.createServer(
          () => new Protocol(),
          "127.0.0.1",
          0,
        );
        s = server;
        assert.ok(server.isServing());
      }
      assert.equal(s.isServing(), false);
    });
  },
);

Deno.test("Server keeps accepting after a resource error: it reports it, rests ACCEPT_RETRY_DELAY, then retries (asyncio)", async () => {
  await withTestLoop(async (loop, seen) => {
    await loop.runUntilComplete(async () => {
      const accepted = loop.createFuture<void>();
      const factory = () => {
        if (!accepted.done()) accepted.setResult();
        return new Protocol();
      };
      const server = await loop.createServer(factory, "127.0.0.1", 0, {
        startServing: false,
      });
      const listener = server.sockets[0] as Deno.Listener;
      const realAccept = listener.accept.bind(listener);
      let failures = 1;
      listener.accept = () => {
        if (failures-- > 0) {
          return Promise.reject(new Error("Too many open files (os error 24)"));
        }
        return realAccept();
      };
      await server.startServing();
      const t0 = loop.time();
      const client = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server),
      });
      try {
        await accepted;
        assert.ok(loop.time() - t0 >= 0.99, "accepted after the retry delay");
        assert.equal(seen.length, 1);
        assert.equal(seen[0].message, "socket.accept() out of system resource");
        seen.length = 0;
      } finally {
        client.close();
        server.close();
        await server.waitClosed();
      }
    });
  });
});
