// TLS over loopback with the fixtures of tests/fixtures/tls (made by
// make_certs.sh): verification by default, clear errors for an unknown CA,
// a wrong host name and an expired certificate, ALPN, and STARTTLS
// (CPython's test_sslproto.py, the parts that apply).
import assert from "node:assert/strict";
import {
  type DenoEventLoop,
  openConnection,
  SSLCertVerificationError,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "../mod.ts";
import { withLoop } from "./_helpers.ts";
import {
  dec,
  enc,
  portOf,
  RecordingProtocol,
  tlsFixture,
} from "./_net_helpers.ts";

const CA = tlsFixture("ca.pem");
const serverSsl = (name = "server") => ({
  cert: tlsFixture(`${name}.pem`),
  key: tlsFixture(`${name}.key`),
});

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)));
}

async function echoLine(reader: StreamReader, writer: StreamWriter) {
  try {
    writer.write(await reader.readline());
    await writer.drain();
  } catch {
    // The client may hang up at once.
  }
  writer.close();
}

Deno.test("TLS: ssl options with the test CA verify the server and carry data; extra info has sslcontext and ALPN", async () => {
  await run(async () => {
    await using server = await startServer(echoLine, "127.0.0.1", 0, {
      ssl: { ...serverSsl(), alpnProtocols: ["echo/1"] },
    });
    const ssl = { caCerts: [CA], alpnProtocols: ["echo/1"] };
    const [reader, writer] = await openConnection("localhost", portOf(server), {
      ssl,
    });
    assert.equal(writer.getExtraInfo("sslcontext"), ssl);
    assert.equal(writer.getExtraInfo("alpnProtocol"), "echo/1");
    assert.equal(writer.getExtraInfo("peercert"), null);
    assert.equal(writer.canWriteEof(), false);
    writer.write(enc("secret\n"));
    assert.equal(dec(await reader.readline()), "secret\n");
    writer.close();
    await writer.waitClosed();
  });
});

Deno.test("TLS: ssl: true rejects a certificate from an unknown CA with SSLCertVerificationError", async () => {
  await run(async () => {
    await using server = await startServer(echoLine, "127.0.0.1", 0, {
      ssl: serverSsl(),
    });
    const err = await openConnection("localhost", portOf(server), { ssl: true })
      .then(
        () => null,
        (e) => e,
      );
    assert.ok(err instanceof SSLCertVerificationError, String(err));
    assert.equal(err.reason, "UnknownIssuer");
    assert.match(
      err.message,
      /certificate verify failed: unable to get local issuer/,
    );
  });
});

Deno.test("TLS: a certificate signed by an untrusted CA fails even with caCerts", async () => {
  await run(async () => {
    await using server = await startServer(echoLine, "127.0.0.1", 0, {
      ssl: serverSsl("untrusted"),
    });
    const err = await openConnection("localhost", portOf(server), {
      ssl: { caCerts: [CA] },
    })
      .then(() => null, (e) => e);
    assert.ok(err instanceof SSLCertVerificationError);
    assert.equal(err.reason, "UnknownIssuer");
  });
});

Deno.test("TLS: a wrong host name fails; checkHostname: false accepts it", async () => {
  await run(async (loop) => {
    await using server = await startServer(echoLine, "127.0.0.1", 0, {
      ssl: serverSsl("wronghost"),
    });
    const err = await openConnection("localhost", portOf(server), {
      ssl: { caCerts: [CA] },
    })
      .then(() => null, (e) => e);
    assert.ok(err instanceof SSLCertVerificationError);
    assert.equal(err.reason, "NotValidForName");
    assert.match(err.message, /host name mismatch/);
    const [reader, writer] = await openConnection("localhost", portOf(server), {
      ssl: { caCerts: [CA], checkHostname: false },
    });
    writer.write(enc("ok\n"));
    assert.equal(dec(await reader.readline()), "ok\n");
    writer.close();
    await writer.waitClosed();
    // serverHostname names the certificate to expect.
    const [t, p] = await loop.createConnection(
      () => new RecordingProtocol(loop),
      "127.0.0.1",
      portOf(server),
      {
        ssl: { caCerts: [CA] },
        serverHostname: "wrong.example",
      },
    );
    t.close();
    await p.done;
  });
});

Deno.test("TLS: an expired certificate fails with reason Expired", async () => {
  await run(async () => {
    await using server = await startServer(echoLine, "127.0.0.1", 0, {
      ssl: serverSsl("expired"),
    });
    const err = await openConnection("localhost", portOf(server), {
      ssl: { caCerts: [CA] },
    })
      .then(() => null, (e) => e);
    assert.ok(err instanceof SSLCertVerificationError);
    assert.equal(err.reason, "Expired");
  });
});

Deno.test("StreamWriter.startTls() upgrades a live plain connection on both sides (STARTTLS)", async () => {
  await run(async () => {
    await using server = await startServer(
      async (reader, writer) => {
        assert.equal(dec(await reader.readline()), "STARTTLS\n");
        writer.write(enc("GO\n"));
        await writer.drain();
        await writer.startTls(serverSsl());
        const line = await reader.readline();
        writer.write(enc(`secure ${dec(line)}`));
        await writer.drain();
        writer.close();
      },
      "127.0.0.1",
      0,
    );
    const [reader, writer] = await openConnection("127.0.0.1", portOf(server));
    writer.write(enc("STARTTLS\n"));
    assert.equal(dec(await reader.readline()), "GO\n");
    await writer.startTls({ caCerts: [CA] }, { serverHostname: "localhost" });
    assert.notEqual(writer.getExtraInfo("sslcontext"), null);
    writer.write(enc("hello\n"));
    assert.equal(dec(await reader.readline()), "secure hello\n");
    assert.equal((await reader.read()).length, 0);
    writer.close();
    await writer.waitClosed();
  });
});
