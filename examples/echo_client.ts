/**
 * Sends a message to an echo server and prints the echo.
 *
 *     deno run --allow-net examples/echo_client.ts --port 8888 --message "hello"
 *     deno run --allow-net --allow-read examples/echo_client.ts --port 8443 --tls
 *
 * With `--tls` it trusts the test CA (`tests/fixtures/tls/ca.pem`) and
 * checks the name `localhost`.
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import { hostPort } from "./_args.ts";

const { host, port } = hostPort(8888);
const i = Deno.args.indexOf("--message");
const message = i >= 0 ? Deno.args[i + 1] : "Hello, asyncio for Deno!";
const tls = Deno.args.includes("--tls");

await asyncio.run(async () => {
  const ssl = tls
    ? {
      caCerts: [
        Deno.readTextFileSync(
          new URL("../tests/fixtures/tls/ca.pem", import.meta.url),
        ),
      ],
    }
    : undefined;
  const [reader, writer] = await asyncio.openConnection(host, port, {
    ssl,
    serverHostname: tls ? "localhost" : undefined,
  });
  const data = new TextEncoder().encode(message);
  writer.write(data);
  await writer.drain();
  const echo = await reader.readexactly(data.length);
  console.log(`echo: ${new TextDecoder().decode(echo)}`);
  writer.close();
  await writer.waitClosed();
});
