// SelectorEventLoop's connections, servers and datagram endpoints
// (CPython's test_base_events.py create_connection/create_server and
// test_events.py datagram tests): what only this loop does (localAddr,
// Sockets as sock=, Unix datagrams), and its errors.
import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  ConnectionRefusedError,
  DatagramProtocol,
  type DatagramTransport,
  errno,
  OSError,
  Protocol,
  SelectorEventLoop,
  SOCK_DGRAM,
  Socket,
  socket,
} from "../mod.ts";
import { recordExceptions } from "./_helpers.ts";
import { forEachLoop, SELECTOR } from "./_loops.ts";
import { dec, enc, RecordingProtocol } from "./_net_helpers.ts";

/** Runs `body` as a task of a fresh selector loop (leak-checked). */
function test(
  name: string,
  body: (loop: SelectorEventLoop) => Promise<void>,
) {
  forEachLoop(name, async () => {
    const loop = new SelectorEventLoop();
    const seen = recordExceptions(loop);
    try {
      await loop.runUntilComplete(() => body(loop));
      if (seen.length > 0) {
        throw new Error(
          `unexpected exception-handler call: ${seen[0].message}`,
          {
            cause: seen[0].exception,
          },
        );
      }
    } finally {
      loop.close();
    }
  }, [SELECTOR]);
}

/** Collects datagrams. */
class Collector extends DatagramProtocol {
  transport: DatagramTransport | null = null;
  got: [string, Deno.Addr][] = [];
  errors: Error[] = [];
  lost = Promise.withResolvers<Error | null>();
  waiters: (() => void)[] = [];
  override connectionMade(t: DatagramTransport) {
    this.transport = t;
  }
  override datagramReceived(data: Uint8Array, addr: Deno.Addr) {
    this.got.push([dec(data), addr]);
    this.waiters.splice(0).forEach((w) => w());
  }
  override errorReceived(exc: Error) {
    this.errors.push(exc);
    this.waiters.splice(0).forEach((w) => w());
  }
  override connectionLost(exc: Error | null) {
    this.lost.resolve(exc);
  }
  /** Resolves at the next datagram or error. */
  next(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
}

test("createConnection() binds localAddr before connecting", async (loop) => {
  await using server = await loop.createServer(
    () => new Protocol(),
    "127.0.0.1",
    0,
  );
  const port = (server.sockets[0].addr as Deno.NetAddr).port;
  const local = socket();
  local.bind(["127.0.0.1", 0]);
  const localPort = (local.getsockname() as Deno.NetAddr).port;
  local.close();
  const [t, p] = await loop.createConnection(
    () => new RecordingProtocol(loop),
    "127.0.0.1",
    port,
    { localAddr: ["127.0.0.1", localPort] },
  );
  assert.equal((t.getExtraInfo("sockname") as Deno.NetAddr).port, localPort);
  assert.ok(t.getExtraInfo("socket") instanceof Socket);
  t.close();
  await p.done;
});

test("createConnection() with family picks the address family; sock= takes a connected Socket", async (loop) => {
  await using server = await loop.createServer(
    () => new Protocol(),
    ["127.0.0.1", "::1"],
    0,
  );
  const [v4, v6] = server.sockets.map((s) => (s.addr as Deno.NetAddr).port);
  const [t6, p6] = await loop.createConnection(
    () => new RecordingProtocol(loop),
    "::1",
    v6,
    { family: AF_INET6 },
  );
  assert.equal((t6.getExtraInfo("peername") as Deno.NetAddr).hostname, "::1");
  t6.close();
  await p6.done;
  await assert.rejects(
    async () =>
      await loop.createConnection(() => new Protocol(), "::1", v6, {
        family: 4,
      }),
    (e) => e instanceof OSError,
  );
  const sock = socket(AF_INET);
  sock.connect(["127.0.0.1", v4]);
  const [t, p] = await loop.createConnection(
    () => new RecordingProtocol(loop),
    null,
    null,
    { sock },
  );
  assert.equal(sock.getBlocking(), false);
  t.close();
  await p.done;
  assert.equal(sock.closed, true);
});

test("createConnection() to a closed port is a ConnectionRefusedError; bad arguments are TypeError/RangeError", async (loop) => {
  const probe = socket();
  probe.bind(["127.0.0.1", 0]);
  const port = (probe.getsockname() as Deno.NetAddr).port;
  probe.close();
  await assert.rejects(
    async () =>
      await loop.createConnection(() => new Protocol(), "127.0.0.1", port),
    ConnectionRefusedError,
  );
  await assert.rejects(
    async () => await loop.createConnection("x" as never, "127.0.0.1", 1),
    TypeError,
  );
  await assert.rejects(
    async () => await loop.createConnection(() => new Protocol(), "127.0.0.1"),
    RangeError,
  );
  using unused = socket();
  await assert.rejects(
    async () =>
      await loop.createConnection(() => new Protocol(), "127.0.0.1", 1, {
        sock: unused,
      }),
    RangeError,
  );
});

test("createConnection() cancelled while connecting closes its socket", async (loop) => {
  // A listener with a full backlog never completes the handshake.
  using server = socket();
  server.bind(["127.0.0.1", 0]);
  server.listen(0);
  const port = (server.getsockname() as Deno.NetAddr).port;
  const fillers: Socket[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      const f = socket();
      f.setBlocking(false);
      f.connectEx(["127.0.0.1", port]);
      fillers.push(f);
    }
    const task = loop.createTask(() =>
      loop.createConnection(() => new Protocol(), "127.0.0.1", port)
    );
    await new Promise((r) => setTimeout(r, 20));
    task.cancel();
    await assert.rejects(async () => await task, { name: "CancelledError" });
  } finally {
    for (const f of fillers) f.close();
  }
});

test("createServer(sock=) serves a listening Socket; server.sockets are Sockets", async (loop) => {
  const listening = socket();
  listening.bind(["127.0.0.1", 0]);
  listening.listen();
  let proto!: RecordingProtocol;
  const server = await loop.createServer(
    () => (proto = new RecordingProtocol(loop)),
    null,
    null,
    { sock: listening },
  );
  assert.deepEqual(server.sockets, [listening]);
  assert.match(String(server), /^<Server sockets=\[127\.0\.0\.1:\d+\]>$/);
  const [t, p] = await loop.createConnection(
    () => new RecordingProtocol(loop),
    "127.0.0.1",
    (listening.addr as Deno.NetAddr).port,
  );
  t.write(enc("x"));
  await proto.made;
  t.close();
  await p.done;
  await proto.done;
  server.close();
  await server.waitClosed();
  assert.equal(listening.closed, true);
});

test("createServer() with host null listens on every interface (IPv4 and IPv6)", async (loop) => {
  await using server = await loop.createServer(() => new Protocol(), null, 0, {
    reusePort: true,
  });
  const families = server.sockets.map((s) => (s as Socket).family).sort();
  assert.ok(families.includes(AF_INET));
  for (const s of server.sockets) {
    assert.ok(
      ["0.0.0.0", "::"].includes((s.addr as Deno.NetAddr).hostname),
    );
  }
});

test("createServer(): a failing protocol factory is reported and the connection closed", async (loop) => {
  const seen = recordExceptions(loop);
  await using server = await loop.createServer(
    () => {
      throw new Error("factory failed");
    },
    "127.0.0.1",
    0,
  );
  using c = socket();
  c.setBlocking(false);
  await loop.sockConnect(c, server.sockets[0].addr as Deno.NetAddr);
  assert.equal((await loop.sockRecv(c, 10)).length, 0);
  assert.equal(seen.length, 1);
  assert.equal(
    seen[0].message,
    "Error on transport creation for incoming connection",
  );
  seen.length = 0;
});

test("createDatagramEndpoint(): UDP between a bound and a connected endpoint", async (loop) => {
  const [server, sp] = await loop.createDatagramEndpoint(
    () => new Collector(),
    { localAddr: ["127.0.0.1", 0] },
  );
  const addr = server.getExtraInfo("sockname") as Deno.NetAddr;
  assert.equal(addr.transport, "udp");
  const [client, cp] = await loop.createDatagramEndpoint(
    () => new Collector(),
    { remoteAddr: ["127.0.0.1", addr.port] },
  );
  assert.deepEqual(client.getExtraInfo("peername"), addr);
  const arrived = sp.next();
  client.sendto(enc("hello"));
  await arrived;
  const [[text, from]] = sp.got;
  assert.equal(text, "hello");
  const back = cp.next();
  server.sendto(enc("back"), from as Deno.NetAddr);
  await back;
  assert.equal(cp.got[0][0], "back");
  assert.throws(
    () => client.sendto(enc("x"), ["127.0.0.1", 1]),
    { name: "RangeError", message: /Invalid address/ },
  );
  assert.throws(() => server.sendto(enc("x")), RangeError);
  assert.throws(() => server.sendto("x" as never, addr), TypeError);
  client.close();
  server.close();
  assert.equal(await cp.lost.promise, null);
  assert.equal(await sp.lost.promise, null);
});

test("createDatagramEndpoint(): a refused datagram reaches errorReceived() and the endpoint stays open", async (loop) => {
  const probe = socket(AF_INET, SOCK_DGRAM);
  probe.bind(["127.0.0.1", 0]);
  const port = (probe.getsockname() as Deno.NetAddr).port;
  probe.close();
  const [t, p] = await loop.createDatagramEndpoint(() => new Collector(), {
    remoteAddr: ["127.0.0.1", port],
  });
  for (let i = 0; i < 20 && p.errors.length === 0; i++) {
    const next = p.next();
    t.sendto(enc("ping"));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      next,
      new Promise((r) => (timer = setTimeout(r, 20))),
    ]);
    clearTimeout(timer);
  }
  assert.ok(p.errors[0] instanceof ConnectionRefusedError);
  assert.equal((p.errors[0] as OSError).errno, errno.ECONNREFUSED);
  assert.equal(t.isClosing(), false);
  t.close();
  await p.lost.promise;
});

test("createDatagramEndpoint(): Unix datagram sockets with paths", async (loop) => {
  const dir = Deno.makeTempDirSync();
  try {
    const [a, ap] = await loop.createDatagramEndpoint(() => new Collector(), {
      localAddr: `${dir}/a.sock`,
    });
    const [b, bp] = await loop.createDatagramEndpoint(() => new Collector(), {
      localAddr: `${dir}/b.sock`,
      remoteAddr: `${dir}/a.sock`,
      family: AF_UNIX,
    });
    const got = ap.next();
    b.sendto(enc("unix dgram"));
    await got;
    assert.deepEqual(ap.got[0], ["unix dgram", {
      transport: "unixpacket",
      path: `${dir}/b.sock`,
    }]);
    a.close();
    b.close();
    await ap.lost.promise;
    await bp.lost.promise;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

test("createDatagramEndpoint(): sock=, allowBroadcast, and the errors of missing arguments", async (loop) => {
  const s = socket(AF_INET, SOCK_DGRAM);
  s.bind(["127.0.0.1", 0]);
  const [t, p] = await loop.createDatagramEndpoint(() => new Collector(), {
    sock: s,
  });
  assert.equal(s.getBlocking(), false);
  t.abort();
  assert.equal(await p.lost.promise, null);
  assert.equal(s.closed, true);
  const [bt, bp] = await loop.createDatagramEndpoint(() => new Collector(), {
    localAddr: ["127.0.0.1", 0],
    remoteAddr: ["127.0.0.1", 9],
    allowBroadcast: true,
  });
  assert.equal(bt.getExtraInfo("peername"), null);
  bt.close();
  await bp.lost.promise;
  await assert.rejects(
    async () => await loop.createDatagramEndpoint(() => new Collector()),
    RangeError,
  );
  await assert.rejects(
    async () =>
      await loop.createDatagramEndpoint(() => new Collector(), {
        family: AF_UNIX,
        localAddr: ["127.0.0.1", 0],
      }),
    TypeError,
  );
  const [ft, fp] = await loop.createDatagramEndpoint(() => new Collector(), {
    family: AF_INET6,
  });
  ft.close();
  await fp.lost.promise;
});
