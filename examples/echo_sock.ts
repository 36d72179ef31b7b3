/**
 * The seed talk's echo server: `sockAccept` and `sockRecv` in generator
 * coroutines (`yield*` is Python's `yield from`).
 *
 *     deno run --allow-net examples/echo_sock.ts --port 1234
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import type { Coroutine } from "../mod.ts";
import { hostPort, listening } from "./_args.ts";

const loop = asyncio.getEventLoop();

function* handleClient(client: Deno.Conn): Coroutine<void> {
  try {
    for (;;) {
      const data = yield* loop.sockRecv(client, 4096);
      if (data.length === 0) break;
      yield* loop.sockSendall(client, data);
    }
  } catch (e) {
    if (
      !(e instanceof Deno.errors.BrokenPipe ||
        e instanceof Deno.errors.ConnectionReset)
    ) throw e;
  } finally {
    client.close();
  }
}

function* acceptConnections(server: Deno.Listener): Coroutine<void> {
  for (;;) {
    const [client] = yield* loop.sockAccept(server);
    loop.createTask(handleClient(client));
  }
}

const { host, port } = hostPort(1234);
const server = Deno.listen({ hostname: host, port });
listening("echo_sock", server.addr);
await loop.runUntilComplete(acceptConnections(server));
