/**
 * An echo server with streams: `startServer` hands every connection a
 * `StreamReader` and a `StreamWriter`.
 *
 *     deno run --allow-net examples/echo_streams.ts --port 8888
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import { hostPort, listening } from "./_args.ts";

async function handle(
  reader: asyncio.StreamReader,
  writer: asyncio.StreamWriter,
) {
  try {
    for (;;) {
      const data = await reader.read(65536);
      if (data.length === 0) break;
      writer.write(data);
      await writer.drain();
    }
  } catch (e) {
    if (
      !(e instanceof Deno.errors.ConnectionReset ||
        e instanceof Deno.errors.BrokenPipe)
    ) throw e;
  }
  writer.close();
}

const { host, port } = hostPort(8888);
await asyncio.run(async () => {
  const server = await asyncio.startServer(handle, host, port);
  listening("echo_streams", server.sockets[0].addr);
  await server.serveForever();
});
