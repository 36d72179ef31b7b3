/**
 * An echo server written as a `Protocol`: the transport calls
 * `dataReceived`, the protocol writes the bytes back.
 *
 *     deno run --allow-net examples/echo_protocol.ts --port 8888
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import { hostPort, listening } from "./_args.ts";

class EchoProtocol extends asyncio.Protocol {
  transport!: asyncio.Transport;
  override connectionMade(transport: asyncio.Transport): void {
    this.transport = transport;
  }
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

const { host, port } = hostPort(8888);
await asyncio.run(async () => {
  const loop = asyncio.getRunningLoop();
  const server = await loop.createServer(() => new EchoProtocol(), host, port);
  listening("echo_protocol", server.sockets[0].addr);
  await server.serveForever();
});
