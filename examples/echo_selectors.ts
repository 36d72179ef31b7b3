/**
 * The seed talk's echo server, in its own progression, on
 * `SelectorEventLoop` (sockets on file descriptors, epoll underneath):
 *
 * - `--stage blocking`: `import socket`, the first slide: blocking calls,
 *   one client, then the program ends (it blocks the whole thread).
 * - `--stage reader`: the I/O multiplexer slides: a non-blocking socket
 *   registered with `loop.addReader()`, a callback per ready descriptor
 *   (`addWriter()` when a client reads slower than it sends).
 * - `--stage sock` (the default): "Coroutines y yield from": the same
 *   server with `loop.sockAccept()`/`loop.sockRecv()` in generator
 *   coroutines (`yield*` is Python's `yield from`).
 *
 *     deno run --allow-ffi examples/echo_selectors.ts --stage reader --port 1234
 *
 * `--allow-ffi` is the only permission: the sockets are made through libc.
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import type { Coroutine, SocketAddress } from "../mod.ts";
import { hostPort, listening } from "./_args.ts";

const { host, port } = hostPort(1234);
const stageArg = Deno.args.find((a) => a.startsWith("--stage"));
const stage = stageArg?.includes("=")
  ? stageArg.split("=")[1]
  : stageArg !== undefined
  ? Deno.args[Deno.args.indexOf(stageArg) + 1]
  : "sock";

const where = (addr: SocketAddress) =>
  "path" in addr ? addr.path : `${addr.hostname}:${addr.port}`;

// ---- import socket: one client, blocking ----

function blocking(): void {
  const server = asyncio.socket(asyncio.AF_INET, asyncio.SOCK_STREAM);
  server.bind([host, port]);
  server.listen(128);
  listening("echo_selectors", server.getsockname());

  const [client, addr] = server.accept();
  console.log(`Client connected: ${where(addr)}`);
  for (;;) {
    const data = client.recv(4096);
    if (data.length === 0) {
      console.log("Client has disconnected");
      break;
    }
    client.sendall(data);
  }
  client.close();
  server.close();
}

// ---- I/O multiplexing: addReader on non-blocking sockets ----

function reader(): Promise<void> {
  asyncio.setEventLoopPolicy(new asyncio.SelectorEventLoopPolicy());
  const loop = asyncio.getEventLoop() as asyncio.SelectorEventLoop;

  const server = asyncio.socket(asyncio.AF_INET, asyncio.SOCK_STREAM);
  server.bind([host, port]);
  server.listen(128);
  server.setBlocking(false); // 1. a non-blocking descriptor
  listening("echo_selectors", server.getsockname());

  // 2. registered with the multiplexer; 3. the loop waits;
  // 4. the operation runs when the descriptor is ready.
  loop.addReader(server, () => {
    const [client, addr] = server.accept();
    client.setBlocking(false);
    console.log(`Client connected: ${where(addr)}`);
    loop.addReader(client, readClient, client);
  });

  function readClient(client: asyncio.Socket): void {
    const data = client.recv(4096);
    if (data.length === 0) {
      console.log("Client has disconnected");
      loop.removeReader(client);
      loop.removeWriter(client);
      client.close();
      return;
    }
    let sent = 0;
    try {
      sent = client.send(data);
    } catch (e) {
      if (!(e instanceof asyncio.BlockingIOError)) throw e;
    }
    if (sent < data.length) {
      // The client reads slower than it sends: stop reading, and finish
      // writing when the socket has room again.
      let rest = data.subarray(sent);
      loop.removeReader(client);
      loop.addWriter(client, () => {
        try {
          rest = rest.subarray(client.send(rest));
        } catch (e) {
          if (!(e instanceof asyncio.BlockingIOError)) throw e;
        }
        if (rest.length === 0) {
          loop.removeWriter(client);
          loop.addReader(client, readClient, client);
        }
      });
    }
  }

  return loop.runForever();
}

// ---- coroutines: sockAccept and sockRecv ----

function sock(): Promise<void> {
  asyncio.setEventLoopPolicy(new asyncio.SelectorEventLoopPolicy());
  const loop = asyncio.getEventLoop() as asyncio.SelectorEventLoop;

  function* handleClient(
    client: asyncio.Socket,
    addr: SocketAddress,
  ): Coroutine<void> {
    console.log(`Client connected: ${where(addr)}`);
    for (;;) {
      const data = yield* loop.sockRecv(client, 4096);
      if (data.length === 0) {
        console.log("Client has disconnected");
        break;
      }
      // The seed calls client.send(data), which may send only part of it
      // on a non-blocking socket; sockSendall waits until all is sent.
      yield* loop.sockSendall(client, data);
    }
    client.close();
  }

  function* acceptConnections(server: asyncio.Socket): Coroutine<void> {
    for (;;) {
      const [client, addr] = yield* loop.sockAccept(server);
      loop.createTask(handleClient(client, addr));
    }
  }

  const server = asyncio.socket(asyncio.AF_INET, asyncio.SOCK_STREAM);
  server.bind([host, port]);
  server.listen(128);
  server.setBlocking(false);
  listening("echo_selectors", server.getsockname());

  return loop.runUntilComplete(acceptConnections(server));
}

if (stage === "blocking") blocking();
else if (stage === "reader") await reader();
else if (stage === "sock") await sock();
else {
  console.error(`unknown --stage ${stage}: use blocking, reader or sock`);
  Deno.exit(2);
}
