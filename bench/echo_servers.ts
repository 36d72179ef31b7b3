/**
 * The echo servers of `bench/echo.ts`, one per process:
 *
 *     deno run --allow-net --allow-ffi bench/echo_servers.ts STYLE PORT
 *
 * STYLE is `raw` (plain `Deno.listen`, `conn.read` into a reused 256 KiB
 * buffer, `conn.write`), `protocol` (a `Protocol`), `buffered` (a
 * `BufferedProtocol`), `streams` (`startServer` with `read`/`write`/`drain`)
 * or `sock` (`sockAccept`/`sockRecvInto`/`sockSendall`), on the default
 * loop; `sel-protocol`, `sel-streams` and `sel-sock` are the same servers
 * on `SelectorEventLoop` (epoll through FFI, `--allow-ffi`; `sel-sock` on
 * `Socket`s). Prints `listening on HOST:PORT` once ready.
 *
 * @module
 */
import * as asyncio from "../mod.ts";

const [style, portArg] = Deno.args;
const port = Number(portArg ?? 0);
const host = "127.0.0.1";
const ready = (addr: Deno.Addr) =>
  console.log(`listening on ${host}:${(addr as Deno.NetAddr).port}`);

async function raw() {
  const listener = Deno.listen({ hostname: host, port });
  ready(listener.addr);
  for await (const conn of listener) {
    (async () => {
      const buf = new Uint8Array(256 * 1024);
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          let off = 0;
          while (off < n) off += await conn.write(buf.subarray(off, n));
        }
      } catch { /* reset */ }
      try {
        conn.close();
      } catch { /* closed */ }
    })();
  }
}

class Echo extends asyncio.Protocol {
  t!: asyncio.Transport;
  override connectionMade(t: asyncio.Transport) {
    this.t = t;
  }
  override dataReceived(data: Uint8Array) {
    this.t.write(data);
  }
}

/** Reads in place; writes from its own buffer, and swaps buffers while a write is pending. */
class BufferedEcho extends asyncio.BufferedProtocol {
  t!: asyncio.Transport;
  a = new Uint8Array(256 * 1024);
  b = new Uint8Array(256 * 1024);
  override connectionMade(t: asyncio.Transport) {
    this.t = t;
  }
  override getBuffer() {
    return this.a;
  }
  override bufferUpdated(n: number) {
    this.t.write(this.a.subarray(0, n));
    if (this.t.getWriteBufferSize() > 0) [this.a, this.b] = [this.b, this.a];
  }
}

async function streams(
  reader: asyncio.StreamReader,
  writer: asyncio.StreamWriter,
) {
  try {
    for (;;) {
      const data = await reader.read(1000000);
      if (data.length === 0) break;
      writer.write(data);
      await writer.drain();
    }
  } catch { /* reset */ }
  writer.close();
}

function* selectorSockClient(
  loop: asyncio.SelectorEventLoop,
  conn: asyncio.Socket,
): asyncio.Coroutine<void> {
  const buf = new Uint8Array(256 * 1024);
  try {
    for (;;) {
      const n = yield* loop.sockRecvInto(conn, buf);
      if (n === 0) break;
      yield* loop.sockSendall(conn, buf.subarray(0, n));
    }
  } catch { /* reset */ }
  conn.close();
}

function* sockClient(
  loop: asyncio.AbstractEventLoop,
  conn: Deno.Conn,
): asyncio.Coroutine<void> {
  const buf = new Uint8Array(256 * 1024);
  try {
    for (;;) {
      const n = yield* loop.sockRecvInto(conn, buf);
      if (n === 0) break;
      yield* loop.sockSendall(conn, buf.subarray(0, n));
    }
  } catch { /* reset */ }
  conn.close();
}

const selector = style.startsWith("sel-");
const kind = selector ? style.slice(4) : style;

if (style === "raw") {
  await raw();
} else {
  await asyncio.run(async () => {
    const loop = asyncio.getRunningLoop();
    if (kind === "sock" && selector) {
      const sloop = loop as asyncio.SelectorEventLoop;
      const listener = asyncio.socket();
      listener.setsockopt(asyncio.SOL_SOCKET, asyncio.SO_REUSEADDR, 1);
      listener.bind([host, port]);
      listener.listen(100);
      listener.setBlocking(false);
      ready(listener.getsockname());
      for (;;) {
        const [conn] = await sloop.sockAccept(listener);
        loop.createTask(selectorSockClient(sloop, conn));
      }
    }
    if (style === "sock") {
      const listener = Deno.listen({ hostname: host, port });
      ready(listener.addr);
      for (;;) {
        const [conn] = await loop.sockAccept(listener);
        loop.createTask(sockClient(loop, conn));
      }
    }
    const server = kind === "streams"
      ? await asyncio.startServer(streams, host, port)
      : await loop.createServer(
        () => kind === "buffered" ? new BufferedEcho() : new Echo(),
        host,
        port,
      );
    ready(server.sockets[0].addr);
    await server.serveForever();
  }, {
    loopFactory: selector ? () => new asyncio.SelectorEventLoop() : null,
  });
}
