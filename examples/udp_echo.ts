/**
 * A UDP echo server and client with `DatagramProtocol`s.
 *
 *     deno run --unstable-net --allow-net examples/udp_echo.ts --port 9999
 *     deno run --unstable-net --allow-net examples/udp_echo.ts --client --port 9999 --message hi
 *
 * UDP is `Deno.listenDatagram`, an unstable API: `--unstable-net` is needed.
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import { hostPort, listening } from "./_args.ts";

/** Sends every datagram back to where it came from. */
class EchoServer extends asyncio.DatagramProtocol {
  transport!: asyncio.DatagramTransport;
  override connectionMade(transport: asyncio.DatagramTransport): void {
    this.transport = transport;
  }
  override datagramReceived(data: Uint8Array, addr: Deno.Addr): void {
    this.transport.sendto(data, addr as Deno.NetAddr);
  }
}

/** Sends one message, resolves `answer` with the reply. */
class EchoClient extends asyncio.DatagramProtocol {
  answer: asyncio.Future<string> = asyncio.getRunningLoop().createFuture();
  constructor(readonly message: string) {
    super();
  }
  override connectionMade(transport: asyncio.DatagramTransport): void {
    transport.sendto(new TextEncoder().encode(this.message));
  }
  override datagramReceived(data: Uint8Array): void {
    if (!this.answer.done()) {
      this.answer.setResult(new TextDecoder().decode(data));
    }
  }
  override errorReceived(exc: Error): void {
    if (!this.answer.done()) this.answer.setException(exc);
  }
}

const { host, port } = hostPort(9999);
const args = Deno.args;
const m = args.indexOf("--message");
const message = m === -1 ? "hello" : args[m + 1];

await asyncio.run(async () => {
  const loop = asyncio.getRunningLoop();
  if (args.includes("--client")) {
    const [transport, client] = await loop.createDatagramEndpoint(
      () => new EchoClient(message),
      { remoteAddr: [host, port] },
    );
    // UDP may lose the datagram: give up after 2 seconds.
    const timer = loop.callLater(2, () => {
      if (!client.answer.done()) {
        client.answer.setException(new asyncio.TimeoutError("no answer"));
      }
    });
    try {
      console.log(`echo: ${await client.answer}`);
    } finally {
      timer.cancel();
      transport.close();
    }
    return;
  }
  const [transport] = await loop.createDatagramEndpoint(
    () => new EchoServer(),
    { localAddr: [host, port] },
  );
  listening("udp_echo", transport.getExtraInfo("sockname") as Deno.Addr);
  await loop.createFuture(); // serve until killed
});
