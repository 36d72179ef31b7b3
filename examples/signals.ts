/**
 * Graceful shutdown on SIGINT (Ctrl-C) or SIGTERM: a small TCP echo server
 * whose loop handles both signals. On either, it stops accepting, tells
 * each client goodbye, closes the connections and exits with status 0.
 *
 *     deno run --allow-net examples/signals.ts [port]
 *     nc 127.0.0.1 <port>        # type lines, they come back
 *     kill -TERM <pid>           # or Ctrl-C in the server's terminal
 *
 * (The accept loop drives `Deno.listen` directly; it will move to
 * `startServer()` once the streams API lands.)
 *
 * @module
 */
import * as asyncio from "../mod.ts";

const encoder = new TextEncoder();

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  while (data.length > 0) {
    const n = await asyncio.ensureFuture(conn.write(data));
    data = data.subarray(n);
  }
}

/** Echoes what the client sends until EOF or cancellation. */
async function handle(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  try {
    for (;;) {
      const n = await asyncio.ensureFuture(conn.read(buf));
      if (n === null) return;
      await writeAll(conn, buf.subarray(0, n));
    }
  } catch (e) {
    if (!(e instanceof asyncio.CancelledError)) throw e;
    await writeAll(conn, encoder.encode("server shutting down, bye\n"));
  } finally {
    conn.close();
  }
}

/** Accepts connections, one handler task each, until cancelled. */
async function serve(listener: Deno.Listener, clients: Set<asyncio.Task>) {
  for (;;) {
    const conn = await asyncio.ensureFuture(listener.accept());
    const task = asyncio.createTask(() => handle(conn));
    clients.add(task);
    task.addDoneCallback(() => clients.delete(task));
  }
}

await asyncio.run(async () => {
  const loop = asyncio.getRunningLoop();
  const port = Number(Deno.args[0] ?? 0);
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const stop = loop.createFuture<string>();
  const signals = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  for (const sig of signals) {
    loop.addSignalHandler(sig, () => {
      if (!stop.done()) stop.setResult(sig);
    });
  }
  const clients = new Set<asyncio.Task>();
  const server = asyncio.createTask(() => serve(listener, clients));
  const addr = listener.addr as Deno.NetAddr;
  console.log(
    `echo server on ${addr.hostname}:${addr.port} (pid ${Deno.pid}); ${
      signals.join(" or ")
    } stops it`,
  );

  const sig = await stop;
  console.log(`${sig} received: shutting down`);
  server.cancel();
  listener.close();
  const open = [...clients];
  for (const task of open) task.cancel();
  for (const task of open) {
    try {
      await task;
    } catch (e) {
      console.log(`a client ended with ${e}`);
    }
  }
  for (const sig of signals) loop.removeSignalHandler(sig);
  console.log(`said goodbye to ${open.length} client(s); bye`);
});
