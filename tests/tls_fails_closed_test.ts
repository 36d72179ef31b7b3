// TLS fails closed: an unknown CA, a wrong host name, an expired
// certificate, a plaintext peer on a TLS port and a TLS peer on a
// plaintext port each end in a clear error, with no application data
// delivered either way: no protocol sees connectionMade() or data, no
// server callback runs, and the server goes on serving good clients.
import assert from "node:assert/strict";
import {
  type DenoEventLoop,
  openConnection,
  Protocol,
  SSLCertVerificationError,
  SSLError,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "../mod.ts";
import { withLoop } from "./_helpers.ts";
import { dec, enc, portOf, readAll, tlsFixture } from "./_net_helpers.ts";
import { noUnhandledRejections } from "./_unhandled.ts";

const CA = tlsFixture("ca.pem");
const serverSsl = (name: string) => ({
  cert: tlsFixture(`${name}.pem`),
  key: tlsFixture(`${name}.key`),
});

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return noUnhandledRejections(() =>
    withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)))
  );
}

/** A protocol that fails the test if it is ever connected. */
class MustNotConnect extends Protocol {
  override connectionMade(): void {
    throw new Error("connectionMade() on a connection that failed TLS");
  }
  override dataReceived(): void {
    throw new Error("data delivered on a connection that failed TLS");
  }
}

/** A TLS echo-line server that counts the clients it served. */
async function tlsServer(cert: string) {
  const served = { count: 0 };
  const server = await startServer(
    async (reader: StreamReader, writer: StreamWriter) => {
      served.count++;
      try {
        writer.write(await reader.readline());
        await writer.drain();
      } catch { /* the client hung up */ }
      writer.close();
    },
    "127.0.0.1",
    0,
    { ssl: serverSsl(cert) },
  );
  return { server, served };
}

const BAD_CERTS: [string, string, string, object][] = [
  // fixture, expected reason, what the message says, client ssl options
  ["server", "UnknownIssuer", "unknown CA", {}],
  ["untrusted", "UnknownIssuer", "unknown CA", { caCerts: [CA] }],
  ["wronghost", "NotValidForName", "host name mismatch", { caCerts: [CA] }],
  ["expired", "Expired", "certificate has expired", { caCerts: [CA] }],
];

for (const [cert, reason, says, ssl] of BAD_CERTS) {
  Deno.test(`TLS fails closed on a certificate that is ${reason} (${cert}.pem): SSLCertVerificationError, nothing delivered`, async () => {
    await run(async (loop) => {
      const { server, served } = await tlsServer(cert);
      try {
        const streams = await openConnection("localhost", portOf(server), {
          ssl,
        }).then(() => null, (e) => e);
        assert.ok(streams instanceof SSLCertVerificationError, `${streams}`);
        assert.equal(streams.reason, reason);
        assert.ok(streams.message.includes(says), streams.message);
        const proto = await loop.createConnection(
          () => new MustNotConnect(),
          "localhost",
          portOf(server),
          { ssl },
        ).then(() => null, (e) => e);
        assert.ok(proto instanceof SSLCertVerificationError);
        assert.equal(served.count, 0, "the server's callback never ran");
      } finally {
        server.close();
        await server.waitClosed();
      }
    });
  });
}

Deno.test("TLS fails closed on a plaintext peer on a TLS port: the server's callback never runs, the peer gets no application data", async () => {
  await run(async () => {
    const { server, served } = await tlsServer("server");
    try {
      const plain = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server),
      });
      await plain.write(enc("GET / HTTP/1.0\r\n\r\nsecret\n"));
      const answer = await readAll(plain).catch(() => new Uint8Array(0));
      plain.close();
      // Nothing, or a TLS alert record (content type 21), never data.
      assert.ok(
        answer.length === 0 || answer[0] === 21,
        `got ${answer.length} bytes starting ${answer[0]}`,
      );
      assert.equal(served.count, 0);
      // The server goes on serving good clients.
      const [reader, writer] = await openConnection(
        "localhost",
        portOf(server),
        { ssl: { caCerts: [CA] } },
      );
      writer.write(enc("hello\n"));
      assert.equal(dec(await reader.readline()), "hello\n");
      writer.close();
      await writer.waitClosed();
      assert.equal(served.count, 1);
    } finally {
      server.close();
      await server.waitClosed();
    }
  });
});

Deno.test("TLS fails closed on a plaintext server: SSLError, at once if it talks, after sslHandshakeTimeout if it is silent", async () => {
  await run(async (loop) => {
    const got: Uint8Array[] = [];
    await using talker = await startServer(
      async (reader, writer) => {
        writer.write(enc("220 plain text greeting\r\n"));
        got.push(await reader.read(100));
        writer.close();
      },
      "127.0.0.1",
      0,
    );
    const t0 = loop.time();
    const e1 = await openConnection("localhost", portOf(talker), {
      ssl: { caCerts: [CA] },
    }).then(() => null, (e) => e);
    assert.ok(e1 instanceof SSLError, `${e1}`);
    assert.ok(loop.time() - t0 < 5, "at once");

    await using silent = await startServer(
      async (reader, writer) => {
        got.push(await reader.read());
        writer.close();
      },
      "127.0.0.1",
      0,
    );
    const e2 = await loop.createConnection(
      () => new MustNotConnect(),
      "localhost",
      portOf(silent),
      { ssl: { caCerts: [CA] }, sslHandshakeTimeout: 0.2 },
    ).then(() => null, (e) => e);
    assert.ok(e2 instanceof SSLError, `${e2}`);
    assert.match(e2.message, /handshake is taking longer than 0.2 seconds/);
    // Deno keeps the socket of a handshake it gave up open until the peer
    // speaks or hangs up (its TLS stream holds it): the silent server
    // hangs up here, as a real one would after its own timeout.
    silent.abortClients();
    // What the plain servers read is a TLS ClientHello (type 22), no data.
    assert.ok(got.every((b) => b.length === 0 || b[0] === 22));
  });
});
