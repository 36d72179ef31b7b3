// Socket on descriptors (CPython's test_socket.py, in small): blocking and
// non-blocking calls, IPv4, IPv6 and Unix stream and datagram sockets,
// options, addresses, and the errors of failed calls.
import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  BlockingIOError,
  BrokenPipeError,
  ConnectionRefusedError,
  ConnectionResetError,
  errno,
  FileNotFoundError,
  gaierror,
  getaddrinfo,
  IPPROTO_TCP,
  MSG_PEEK,
  OSError,
  SHUT_WR,
  SO_ERROR,
  SO_REUSEADDR,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  Socket,
  socket,
  socketpair,
  SOL_SOCKET,
  TCP_NODELAY,
} from "../mod.ts";
import { forEachLoop, SELECTOR } from "./_loops.ts";
import { dec, enc } from "./_net_helpers.ts";

/** A selector-loop test, with the descriptor-leak check of `_loops.ts`. */
function test(name: string, fn: () => void | Promise<void>) {
  forEachLoop(name, fn, [SELECTOR]);
}

/** A listening TCP socket on 127.0.0.1 and a port 0. */
function listener(family = AF_INET): Socket {
  const s = socket(family);
  s.bind([family === AF_INET ? "127.0.0.1" : "::1", 0]);
  s.listen();
  return s;
}

test("Socket: the seed's blocking echo server serves one client", () => {
  using server = new Socket(AF_INET, SOCK_STREAM);
  server.bind(["127.0.0.1", 0]);
  server.listen(128);
  using client = socket();
  client.connect(server.getsockname());
  const [conn, addr] = server.accept();
  assert.deepEqual(addr, client.getsockname());
  client.sendall(enc("hello"));
  for (;;) {
    const data = conn.recv(4096);
    conn.send(data);
    if (data.length === 5) break;
  }
  assert.equal(dec(client.recv(4096)), "hello");
  client.shutdown(SHUT_WR);
  assert.equal(conn.recv(4096).length, 0, "EOF once the client half-closes");
  conn.close();
});

test("socket() defaults to AF_INET, SOCK_STREAM, blocking; fileno(), closed and close() twice", () => {
  const s = socket();
  assert.equal(s.family, AF_INET);
  assert.equal(s.type, SOCK_STREAM);
  assert.equal(s.proto, 0);
  assert.equal(s.getBlocking(), true);
  assert.ok(s.fileno() >= 0);
  assert.equal(s.closed, false);
  s.close();
  assert.equal(s.fileno(), -1);
  assert.equal(s.closed, true);
  s.close();
  assert.equal(String(s), "<Socket [closed]>");
});

test("Socket calls on a closed socket throw OSError EBADF", () => {
  const s = socket();
  s.close();
  for (
    const call of [
      () => s.bind(["127.0.0.1", 0]),
      () => s.recv(1),
      () => s.send(new Uint8Array(1)),
      () => s.getsockname(),
      () => s.setBlocking(false),
      () => s.accept(),
    ]
  ) {
    assert.throws(call, (e) => e instanceof OSError && e.errno === errno.EBADF);
  }
});

test("Socket.setBlocking(false): accept(), recv() and send() throw BlockingIOError instead of waiting", () => {
  using server = listener();
  server.setBlocking(false);
  assert.equal(server.getBlocking(), false);
  assert.throws(() => server.accept(), (e) => {
    return e instanceof BlockingIOError &&
      e instanceof Deno.errors.WouldBlock && e.errno === errno.EAGAIN;
  });
  const [a, b] = socketpair();
  a.setBlocking(false);
  assert.throws(() => a.recv(10), BlockingIOError);
  const big = new Uint8Array(1 << 20);
  assert.throws(() => {
    for (let i = 0; i < 64; i++) a.send(big);
  }, BlockingIOError);
  a.setBlocking(true);
  assert.equal(a.getBlocking(), true);
  a.close();
  b.close();
  const nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  assert.equal(nb.getBlocking(), false);
  nb.close();
});

test("Socket.connect() to a closed port is a ConnectionRefusedError (also Deno.errors.ConnectionRefused)", () => {
  const probe = socket();
  probe.bind(["127.0.0.1", 0]);
  const port = (probe.getsockname() as Deno.NetAddr).port;
  probe.close();
  using s = socket();
  assert.throws(() => s.connect(["127.0.0.1", port]), (e) => {
    return e instanceof ConnectionRefusedError &&
      e instanceof Deno.errors.ConnectionRefused &&
      e.errno === errno.ECONNREFUSED &&
      e.message === "[Errno 111] Connection refused";
  });
  assert.equal(s.connectEx(["127.0.0.1", port]), errno.ECONNREFUSED);
});

test("Socket.connect() non-blocking raises BlockingIOError (EINPROGRESS) and SO_ERROR tells the result", async () => {
  using server = listener();
  using s = socket();
  s.setBlocking(false);
  assert.throws(
    () => s.connect(server.getsockname()),
    (e) => e instanceof BlockingIOError && e.errno === errno.EINPROGRESS,
  );
  for (let i = 0; i < 100; i++) {
    try {
      s.getpeername();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  assert.equal(s.getsockopt(SOL_SOCKET, SO_ERROR), 0);
  assert.deepEqual(s.getpeername(), server.getsockname());
});

test("Socket.bind() of a taken address is an OSError EADDRINUSE (also Deno.errors.AddrInUse)", () => {
  using a = listener();
  using b = socket();
  assert.throws(() => b.bind(a.getsockname()), (e) => {
    return e instanceof OSError && e instanceof Deno.errors.AddrInUse &&
      e.errno === errno.EADDRINUSE && e.name === "OSError";
  });
});

test("Socket: a reset connection is a ConnectionResetError, writing to a closed peer a BrokenPipeError", () => {
  using server = listener();
  using client = socket();
  client.connect(server.getsockname());
  const [conn] = server.accept();
  client.send(enc("unread"));
  // Closing with unread data sends RST.
  conn.recv(1, MSG_PEEK);
  conn.close();
  assert.throws(() => {
    for (let i = 0; i < 100; i++) {
      client.send(new Uint8Array(1024));
      client.recv(10);
    }
  }, (e) => e instanceof ConnectionResetError || e instanceof BrokenPipeError);
  const [a, b] = socketpair();
  b.close();
  assert.throws(() => a.send(enc("x")), (e) => {
    return e instanceof BrokenPipeError && e.errno === errno.EPIPE;
  });
  a.close();
});

test("Socket over IPv6: bind, connect, addresses as Deno.NetAddr", () => {
  using server = listener(AF_INET6);
  const addr = server.getsockname() as Deno.NetAddr;
  assert.deepEqual(addr, {
    transport: "tcp",
    hostname: "::1",
    port: addr.port,
  });
  using client = socket(AF_INET6);
  client.connect(["::1", addr.port]);
  const [conn, peer] = server.accept();
  assert.equal((peer as Deno.NetAddr).hostname, "::1");
  assert.deepEqual(conn.getpeername(), client.getsockname());
  conn.close();
  assert.equal(server.addr.transport, "tcp");
});

test("Socket over Unix streams: a path server, an abstract name, FileNotFoundError for no socket", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/s.sock`;
    using server = socket(AF_UNIX);
    server.bind(path);
    server.listen();
    assert.deepEqual(server.getsockname(), { transport: "unix", path });
    using client = socket(AF_UNIX);
    client.connect({ path });
    const [conn] = server.accept();
    client.send(enc("u"));
    assert.equal(dec(conn.recv(10)), "u");
    conn.close();
    using abs = socket(AF_UNIX);
    abs.bind(`\0asyncio-test-${Deno.pid}`);
    assert.equal(
      (abs.getsockname() as Deno.UnixAddr).path,
      `\0asyncio-test-${Deno.pid}`,
    );
    using lost = socket(AF_UNIX);
    assert.throws(
      () => lost.connect(`${dir}/none.sock`),
      (e) => e instanceof FileNotFoundError && e.errno === errno.ENOENT,
    );
    assert.throws(() => lost.connect("x".repeat(200)), OSError);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

test("Socket datagrams: sendto/recvfrom over UDP and Unix datagram sockets", () => {
  using a = socket(AF_INET, SOCK_DGRAM);
  a.bind(["127.0.0.1", 0]);
  using b = socket(AF_INET, SOCK_DGRAM);
  assert.equal(b.sendto(enc("one"), a.getsockname()), 3);
  assert.equal(
    b.sendto(enc("two"), 0, ["127.0.0.1", (a.addr as Deno.NetAddr).port]),
    3,
  );
  const [d1, from] = a.recvfrom(100);
  assert.equal(dec(d1), "one");
  assert.equal(
    (from as Deno.NetAddr).port,
    (b.getsockname() as Deno.NetAddr).port,
  );
  assert.equal((from as Deno.NetAddr).transport, "udp");
  const buf = new Uint8Array(2);
  const [n] = a.recvfromInto(buf);
  assert.equal(n, 2, "a datagram longer than the buffer is truncated");
  assert.equal(dec(buf), "tw");

  const dir = Deno.makeTempDirSync();
  try {
    using u = socket(AF_UNIX, SOCK_DGRAM);
    u.bind(`${dir}/d.sock`);
    using v = socket(AF_UNIX, SOCK_DGRAM);
    v.bind(`${dir}/e.sock`);
    v.sendto(enc("unix"), `${dir}/d.sock`);
    const [data, sender] = u.recvfrom(10);
    assert.equal(dec(data), "unix");
    assert.deepEqual(sender, {
      transport: "unixpacket",
      path: `${dir}/e.sock`,
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

test("Socket.setsockopt()/getsockopt() with numbers, booleans and bytes", () => {
  using s = socket();
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
  assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
  s.setsockopt(IPPROTO_TCP, TCP_NODELAY, new Uint8Array([1, 0, 0, 0]));
  const raw = s.getsockopt(IPPROTO_TCP, TCP_NODELAY, 4) as Uint8Array;
  assert.equal(raw[0], 1);
  assert.throws(() => s.setsockopt(SOL_SOCKET, 9999, 1), OSError);
});

test("Socket.getpeername() of an unconnected socket is an OSError ENOTCONN", () => {
  using s = socket();
  assert.throws(
    () => s.getpeername(),
    (e) => e instanceof OSError && e.errno === errno.ENOTCONN,
  );
});

test("Socket rejects bad arguments: TypeError for types, RangeError for values", () => {
  using s = socket();
  assert.throws(() => s.bind(["127.0.0.1", 70000]), RangeError);
  assert.throws(() => s.bind(["127.0.0.1", "80" as never]), TypeError);
  assert.throws(() => s.bind("/tmp/x" as never), TypeError);
  assert.throws(() => s.send("text" as never), TypeError);
  assert.throws(() => s.recv(-1), RangeError);
  assert.throws(() => s.recvInto("x" as never), TypeError);
  assert.throws(() => s.listen(1.5), TypeError);
  assert.throws(() => new Socket(AF_INET, SOCK_STREAM, 0, -3), RangeError);
  assert.throws(() => socket(12345), OSError);
});

test("new Socket(..., fileno) wraps a descriptor and reads its family and type; detach() gives it up", () => {
  const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
  const fd = a.detach();
  assert.equal(a.closed, true);
  const again = new Socket(AF_INET, SOCK_STREAM, 0, fd);
  assert.equal(again.family, AF_UNIX);
  assert.equal(again.type, SOCK_DGRAM);
  again.send(enc("d"));
  assert.equal(dec(b.recv(1)), "d");
  again.close();
  b.close();
});

test("Socket.toString() shows the descriptor, family, type and address", () => {
  using s = socket();
  s.bind(["127.0.0.1", 0]);
  assert.match(
    String(s),
    /^<Socket fd=\d+, family=AF_INET, type=SOCK_STREAM, laddr=127\.0\.0\.1:\d+>$/,
  );
});

test("getaddrinfo() resolves numeric addresses and localhost; gaierror for an unknown name", () => {
  const [[family, type, , , addr]] = getaddrinfo("127.0.0.1", 8080, {
    type: SOCK_STREAM,
  });
  assert.equal(family, AF_INET);
  assert.equal(type, SOCK_STREAM);
  assert.deepEqual(addr, {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 8080,
  });
  const v6 = getaddrinfo("::1", null, { type: SOCK_DGRAM });
  assert.deepEqual(v6[0][4], { transport: "udp", hostname: "::1", port: 0 });
  assert.ok(getaddrinfo("localhost", 80, { type: SOCK_STREAM }).length > 0);
  assert.throws(
    () => getaddrinfo("no-such-host.invalid", 80),
    (e) => e instanceof gaierror && e instanceof OSError && (e.errno ?? 0) < 0,
  );
});
