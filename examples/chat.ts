/**
 * The seed talk's chat server: a map of clients (task -> [reader, writer]);
 * every line a client sends goes to all the others.
 *
 *     deno run --allow-net examples/chat.ts --port 12345
 *     # then, in other terminals: nc 127.0.0.1 12345
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import { hostPort, listening } from "./_args.ts";

const clients = new Map<
  asyncio.Task,
  [asyncio.StreamReader, asyncio.StreamWriter]
>();

function acceptClient(
  reader: asyncio.StreamReader,
  writer: asyncio.StreamWriter,
): void {
  const task = asyncio.createTask(() => handleClient(reader, writer));
  clients.set(task, [reader, writer]);
  task.addDoneCallback(() => clients.delete(task));
}

async function handleClient(
  reader: asyncio.StreamReader,
  writer: asyncio.StreamWriter,
) {
  const peer = writer.getExtraInfo("peername") as Deno.NetAddr;
  const me = new TextEncoder().encode(`[${peer.hostname}:${peer.port}] `);
  try {
    for await (const line of reader) {
      for (const [, [, other]] of clients) {
        if (other !== writer) other.writelines([me, line]);
      }
    }
  } catch {
    // a client that resets just leaves
  }
  writer.close();
}

const { host, port } = hostPort(12345);
await asyncio.run(async () => {
  const server = await asyncio.startServer(acceptClient, host, port);
  listening("chat", server.sockets[0].addr);
  await server.serveForever();
});
