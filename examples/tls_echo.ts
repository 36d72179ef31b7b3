/**
 * A TLS echo server with streams. The certificate and key default to the
 * test fixtures (`tests/fixtures/tls`, a private CA made by
 * `make_certs.sh`); clients must trust `ca.pem`.
 *
 *     deno run --allow-net --allow-read examples/tls_echo.ts --port 8443
 *     deno run --allow-net --allow-read examples/echo_client.ts --port 8443 --tls
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import { hostPort, listening } from "./_args.ts";

const dir = new URL("../tests/fixtures/tls/", import.meta.url);
const ssl: asyncio.SSLOptions = {
  cert: Deno.readTextFileSync(new URL("server.pem", dir)),
  key: Deno.readTextFileSync(new URL("server.key", dir)),
};

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
  } catch {
    // resets end the connection
  }
  writer.close();
}

const { host, port } = hostPort(8443);
await asyncio.run(async () => {
  const server = await asyncio.startServer(handle, host, port, { ssl });
  listening("tls_echo", server.sockets[0].addr);
  await server.serveForever();
});
