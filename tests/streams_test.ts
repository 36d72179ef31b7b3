// Streams over loopback TCP and Unix sockets (CPython's test_streams.py):
// open/start helpers, drain() and flow control, half-close, errors of the
// client callback, Web Streams adapters.
import assert from "node:assert/strict";
import {
  type DenoEventLoop,
  fromReadableStream,
  fromWritableStream,
  openConnection,
  openUnixConnection,
  sleep,
  startServer,
  startUnixServer,
  type StreamReader,
  type StreamWriter,
  toReadableStream,
  toWritableStream,
} from "../mod.ts";
import { withLoop } from "./_helpers.ts";
import { forEachLoop } from "./_loops.ts";
import { dec, enc, portOf, readN } from "./_net_helpers.ts";

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)));
}

async function echo(reader: StreamReader, writer: StreamWriter) {
  for (;;) {
    const data = await reader.read(65536);
    if (data.length === 0) break;
    writer.write(data);
    await writer.drain();
  }
  writer.close();
  await writer.waitClosed();
}

forEachLoop(
  "openConnection() and startServer() echo, with writeEof half-close and waitClosed",
  async () => {
    await run(async () => {
      await using server = await startServer(echo, "127.0.0.1", 0);
      const [reader, writer] = await openConnection(
        "127.0.0.1",
        portOf(server),
      );
      assert.ok(writer.canWriteEof());
      writer.writelines([enc("hello "), enc("world")]);
      writer.writeEof();
      assert.equal(dec(await reader.read()), "hello world");
      assert.ok(reader.atEof());
      writer.close();
      assert.ok(writer.isClosing());
      await writer.waitClosed();
      assert.equal(
        typeof (writer.getExtraInfo("peername") as Deno.NetAddr).port,
        "number",
      );
    });
  },
);

forEachLoop(
  "StreamWriter.drain() waits while the peer does not read, and resumes when it does",
  async () => {
    await run(async (loop) => {
      using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const accepted = listener.accept();
      const [, writer] = await openConnection(
        "127.0.0.1",
        (listener.addr as Deno.NetAddr).port,
      );
      const peer = await accepted;
      const chunk = new Uint8Array(1024 * 1024);
      let written = 0;
      let drained = false;
      const writing = loop.createTask(async () => {
        for (let i = 0; i < 64; i++) {
          writer.write(chunk);
          written += chunk.length;
          await writer.drain();
        }
        drained = true;
      });
      await sleep(0.05);
      assert.equal(
        drained,
        false,
        "drain() did not wait for a peer that does not read",
      );
      assert.ok(writer.transport.getWriteBufferSize() > 65536);
      await readN(peer, 64 * chunk.length);
      await writing;
      assert.equal(written, 64 * chunk.length);
      writer.close();
      await writer.waitClosed();
      peer.close();
    });
  },
);

forEachLoop(
  "StreamWriter.drain() raises the connection error once the connection is lost",
  async () => {
    await run(async () => {
      using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const accepted = listener.accept();
      const [reader, writer] = await openConnection(
        "127.0.0.1",
        (listener.addr as Deno.NetAddr).port,
      );
      const peer = await accepted;
      await peer.write(enc("x"));
      await reader.readexactly(1);
      writer.transport.abort();
      await assert.rejects(
        async () => await writer.drain(),
        Deno.errors.ConnectionReset,
      );
      peer.close();
    });
  },
);

forEachLoop(
  "startServer() reports a failing client callback to the exception handler and closes the connection",
  async () => {
    await withLoop((l, seen) =>
      l.runUntilComplete(async () => {
        await using server = await startServer(
          async () => {
            await sleep(0);
            throw new Error("handler failed");
          },
          "127.0.0.1",
          0,
        );
        const [reader, writer] = await openConnection(
          "127.0.0.1",
          portOf(server),
        );
        assert.equal((await reader.read()).length, 0);
        writer.close();
        await writer.waitClosed();
        assert.equal(seen.length, 1);
        assert.equal(
          seen[0].message,
          "Unhandled exception in client_connected_cb",
        );
        seen.length = 0;
      })
    );
  },
);

forEachLoop(
  "openUnixConnection() and startUnixServer() echo over a Unix socket",
  async () => {
    await run(async () => {
      const dir = Deno.makeTempDirSync();
      const path = `${dir}/echo.sock`;
      const server = await startUnixServer(echo, path, { limit: 1024 });
      const [reader, writer] = await openUnixConnection(path);
      writer.write(enc("over unix\n"));
      assert.equal(dec(await reader.readline()), "over unix\n");
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
      Deno.removeSync(dir, { recursive: true });
    });
  },
);

forEachLoop(
  "StreamReader buffers up to twice its limit, then pauses the transport",
  async () => {
    await run(async () => {
      using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const accepted = listener.accept();
      const [reader, writer] = await openConnection(
        "127.0.0.1",
        (listener.addr as Deno.NetAddr).port,
        { limit: 1024 },
      );
      const peer = await accepted;
      await peer.write(new Uint8Array(16 * 1024));
      await sleep(0.05);
      assert.equal(writer.transport.isReading(), false);
      assert.equal((await reader.readexactly(16 * 1024)).length, 16 * 1024);
      assert.equal(writer.transport.isReading(), true);
      writer.close();
      await writer.waitClosed();
      peer.close();
    });
  },
);

Deno.test("StreamReader.readexactly(n) past twice the limit completes over a real connection", async () => {
  await run(async () => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted = listener.accept();
    const [reader, writer] = await openConnection(
      "127.0.0.1",
      (listener.addr as Deno.NetAddr).port,
      { limit: 1024 },
    );
    const peer = await accepted;
    const want = reader.readexactly(64 * 1024);
    for (let i = 0; i < 64; i++) {
      await peer.write(new Uint8Array(1024).fill(i));
      await sleep(0.001);
    }
    const got = await want;
    assert.equal(got.length, 64 * 1024);
    assert.equal(got[64 * 1024 - 1], 63);
    writer.close();
    await writer.waitClosed();
    peer.close();
  });
});

forEachLoop(
  "toReadableStream() and toWritableStream() plug connections into Web Streams (CompressionStream)",
  async () => {
    await run(async () => {
      await using server = await startServer(
        async (reader, writer) => {
          const text = await new Response(
            toReadableStream(reader).pipeThrough(
              new DecompressionStream("gzip"),
            ),
          ).text();
          writer.write(enc(text.toUpperCase()));
          writer.close();
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await openConnection(
        "127.0.0.1",
        portOf(server),
      );
      const sending = new Blob(["compressed hello"]).stream()
        .pipeThrough(new CompressionStream("gzip"))
        .pipeTo(
          new WritableStream({
            write(chunk) {
              writer.write(chunk);
              return writer.drain();
            },
            close() {
              writer.writeEof();
            },
          }),
        );
      await sending;
      assert.equal(dec(await reader.read()), "COMPRESSED HELLO");
      await new Blob([]).stream().pipeTo(toWritableStream(writer));
    });
  },
);

forEachLoop(
  "fromReadableStream() and fromWritableStream() make a reader and a writer of Web Streams",
  async () => {
    await run(async () => {
      const reader = fromReadableStream(new Blob(["l1\nl2\n"]).stream(), {
        limit: 2,
      });
      const lines: string[] = [];
      for await (const line of reader) lines.push(dec(line));
      assert.deepEqual(lines, ["l1\n", "l2\n"]);

      const chunks: string[] = [];
      const writer = fromWritableStream(
        new WritableStream<Uint8Array>({
          write(c) {
            chunks.push(dec(c));
          },
        }),
      );
      writer.write(enc("a"));
      writer.write(enc("b"));
      await writer.drain();
      writer.close();
      await writer.waitClosed();
      assert.deepEqual(chunks, ["a", "b"]);
    });
  },
);
