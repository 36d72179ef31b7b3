// The socket transport over real loopback TCP: callback order, half-close,
// flow control both ways, big transfers, resets, closing and aborting
// (CPython's test_events.py protocol tests, test_proactor_events.py).
import assert from "node:assert/strict";
import {
  BufferedProtocol,
  type DenoEventLoop,
  Protocol,
  RuntimeError,
  sleep,
  type Transport,
} from "../mod.ts";
import { prng, withLoop } from "./_helpers.ts";
import { forEachLoop } from "./_loops.ts";
import {
  checksum,
  dec,
  enc,
  portOf,
  readAll,
  readN,
  RecordingProtocol,
  writeAll,
} from "./_net_helpers.ts";

/** Runs `body` with a server of `factory` on port 0 and a raw client. */
function withServer(
  factory: (loop: DenoEventLoop) => () => Protocol | BufferedProtocol,
  body: (loop: DenoEventLoop, client: Deno.TcpConn) => Promise<void>,
) {
  return withLoop((l) => {
    const loop = l as DenoEventLoop;
    return loop.runUntilComplete(async () => {
      await using server = await loop.createServer(
        factory(loop),
        "127.0.0.1",
        0,
      );
      const client = await Deno.connect({
        hostname: "127.0.0.1",
        port: portOf(server),
      });
      try {
        await body(loop, client);
      } finally {
        try {
          client.close();
        } catch { /* closed by the test */ }
        server.abortClients();
      }
    });
  });
}

forEachLoop(
  "Protocol callbacks run in order: connectionMade, dataReceived, eofReceived, connectionLost(null)",
  async () => {
    let proto!: RecordingProtocol;
    await withServer(
      (loop) => () => (proto = new RecordingProtocol(loop)),
      async (_loop, client) => {
        await writeAll(client, enc("hello "));
        await writeAll(client, enc("world"));
        await client.closeWrite();
        await proto.done;
        assert.deepEqual(proto.order(), ["made", "data", "eof", "lost"]);
        assert.equal(dec(proto.received()), "hello world");
        assert.equal(proto.lostExc, null);
      },
    );
  },
);

forEachLoop(
  "Transport.getExtraInfo() gives peername, sockname and socket",
  async () => {
    let proto!: RecordingProtocol;
    await withServer(
      (loop) => () => (proto = new RecordingProtocol(loop)),
      async (_loop, client) => {
        await proto.made;
        const t = proto.transport as Transport;
        const peer = t.getExtraInfo("peername") as Deno.NetAddr;
        const sock = t.getExtraInfo("sockname") as Deno.NetAddr;
        assert.equal(peer.port, (client.localAddr as Deno.NetAddr).port);
        assert.equal(sock.port, (client.remoteAddr as Deno.NetAddr).port);
        assert.notEqual(t.getExtraInfo("socket"), null);
        assert.equal(t.getExtraInfo("sslcontext"), null);
        assert.equal(t.getExtraInfo("nope", 7), 7);
      },
    );
  },
);

forEachLoop(
  "Protocol.eofReceived() returning true keeps the write side open (half-close)",
  async () => {
    class HalfClose extends RecordingProtocol {
      override eofReceived(): boolean {
        super.eofReceived();
        this.transport!.write(enc(`got ${this.nbytes} bytes`));
        this.transport!.close();
        return true;
      }
    }
    let proto!: HalfClose;
    await withServer(
      (loop) => () => (proto = new HalfClose(loop)),
      async (_loop, client) => {
        await writeAll(client, enc("12345"));
        await client.closeWrite();
        assert.equal(dec(await readAll(client)), "got 5 bytes");
        await proto.done;
        assert.deepEqual(proto.order(), ["made", "data", "eof", "lost"]);
      },
    );
  },
);

forEachLoop(
  "Transport.writeEof() half-closes: the peer sees EOF and can still answer",
  async () => {
    await withLoop((l) =>
      l.runUntilComplete(async () => {
        const loop = l as DenoEventLoop;
        using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const accepted = listener.accept();
        const [t, p] = await loop.createConnection(
          () => new RecordingProtocol(loop),
          "127.0.0.1",
          (listener.addr as Deno.NetAddr).port,
        );
        const peer = await accepted;
        assert.ok(t.canWriteEof());
        t.write(enc("request"));
        t.writeEof();
        assert.throws(() => t.write(enc("more")), RuntimeError);
        assert.equal(dec(await readAll(peer)), "request");
        await writeAll(peer, enc("reply"));
        peer.close();
        await p.done;
        assert.equal(dec(p.received()), "reply");
        assert.deepEqual(p.order(), ["made", "data", "eof", "lost"]);
      })
    );
  },
);

forEachLoop(
  "Transport.pauseReading() stops dataReceived until resumeReading()",
  async () => {
    class Pauser extends RecordingProtocol {
      override dataReceived(data: Uint8Array): void {
        super.dataReceived(data);
        this.transport!.pauseReading();
      }
    }
    let proto!: Pauser;
    await withServer(
      (loop) => () => (proto = new Pauser(loop)),
      async (loop, client) => {
        await writeAll(client, enc("first"));
        while (proto.nbytes === 0) await sleep(0.001);
        const t = proto.transport!;
        assert.equal(t.isReading(), false);
        await writeAll(client, enc("second"));
        await sleep(0.05);
        assert.equal(dec(proto.received()), "first");
        t.resumeReading();
        assert.equal(t.isReading(), true);
        while (proto.nbytes < 11) await sleep(0.001);
        assert.equal(dec(proto.received()), "firstsecond");
        void loop;
      },
    );
  },
);

forEachLoop(
  "Transport.pauseReading() pushes back on the peer through the kernel window",
  async () => {
    let proto!: RecordingProtocol;
    await withServer(
      (loop) => () => (proto = new RecordingProtocol(loop)),
      async (_loop, client) => {
        await proto.made;
        proto.transport!.pauseReading();
        await sleep(0.01);
        const big = new Uint8Array(64 * 1024 * 1024);
        const n = await client.write(big);
        assert.ok(
          n < big.length,
          "the kernel took everything although nobody reads",
        );
        proto.transport!.resumeReading();
      },
    );
  },
);

forEachLoop(
  "Transport.write() buffers past the high-water mark: pauseWriting, then resumeWriting when the peer reads",
  async () => {
    class Flow extends RecordingProtocol {
      pauses = 0;
      resumes = 0;
      override pauseWriting() {
        this.pauses++;
        this.events.push("pause");
      }
      override resumeWriting() {
        this.resumes++;
        this.events.push("resume");
      }
    }
    let proto!: Flow;
    await withServer(
      (loop) => () => (proto = new Flow(loop)),
      async (_loop, client) => {
        await proto.made;
        const t = proto.transport!;
        const chunk = new Uint8Array(1024 * 1024).fill(7);
        let sent = 0;
        while (proto.pauses === 0 && sent < 256 * chunk.length) {
          t.write(chunk);
          sent += chunk.length;
          await sleep(0);
        }
        assert.equal(proto.pauses, 1);
        assert.ok(t.getWriteBufferSize() > t.getWriteBufferLimits()[1]);
        const got = await readN(client, sent);
        assert.equal(got.length, sent);
        while (proto.resumes === 0) await sleep(0.001);
        assert.equal(t.getWriteBufferSize(), 0);
      },
    );
  },
);

Deno.test("Transport.getWriteBufferSize() counts a write in flight until the OS took it: a BufferedProtocol may reuse its buffer at 0", async () => {
  // The rule BufferedProtocol documents: reuse the buffer passed to
  // write() only when the transport holds nothing more.
  class Echo extends BufferedProtocol {
    t!: Transport;
    own = new Uint8Array(64 * 1024);
    lent = this.own;
    fresh = 0;
    override connectionMade(t: Transport) {
      this.t = t;
    }
    override getBuffer() {
      if (this.t.getWriteBufferSize() === 0) this.lent = this.own;
      else {
        this.lent = new Uint8Array(64 * 1024);
        this.fresh++;
      }
      return this.lent;
    }
    override bufferUpdated(n: number) {
      this.t.write(this.lent.subarray(0, n));
    }
  }
  let proto!: Echo;
  await withServer(
    () => () => (proto = new Echo()),
    async (_loop, client) => {
      const data = new Uint8Array(8 * 1024 * 1024);
      const rand = prng(7);
      for (let i = 0; i < data.length; i++) data[i] = rand() * 256;
      const sending = writeAll(client, data);
      await sleep(0.2); // the client does not read: the echo's writes wait
      const back = await readN(client, data.length);
      await sending;
      assert.equal(checksum(back), checksum(data), "echoed bytes intact");
      assert.ok(proto.fresh > 0, "the buffer was held by a pending write");
    },
  );
});

forEachLoop(
  "Transport.setWriteBufferLimits() checks and derives the marks",
  async () => {
    let proto!: RecordingProtocol;
    await withServer(
      (loop) => () => (proto = new RecordingProtocol(loop)),
      async () => {
        await proto.made;
        const t = proto.transport!;
        assert.deepEqual(t.getWriteBufferLimits(), [16384, 65536]);
        t.setWriteBufferLimits(128);
        assert.deepEqual(t.getWriteBufferLimits(), [32, 128]);
        t.setWriteBufferLimits(null, 100);
        assert.deepEqual(t.getWriteBufferLimits(), [100, 400]);
        assert.throws(() => t.setWriteBufferLimits(1, 2), RangeError);
        assert.throws(() => t.setWriteBufferLimits(-1), RangeError);
        assert.throws(
          () => t.write("text" as unknown as Uint8Array),
          TypeError,
        );
      },
    );
  },
);

forEachLoop(
  "Transport.write() transfers 16 MiB byte-exact in random-sized writes, both ways",
  async () => {
    const total = 16 * 1024 * 1024;
    const data = new Uint8Array(total);
    const rand = prng(42);
    for (let i = 0; i < total; i += 4) {
      const v = (rand() * 2 ** 32) >>> 0;
      data[i] = v;
      data[i + 1] = v >> 8;
      data[i + 2] = v >> 16;
      data[i + 3] = v >> 24;
    }
    class Echo extends Protocol {
      t!: Transport;
      override connectionMade(t: Transport) {
        this.t = t;
      }
      override dataReceived(d: Uint8Array) {
        this.t.write(d);
      }
    }
    await withLoop((l) =>
      l.runUntilComplete(async () => {
        const loop = l as DenoEventLoop;
        await using server = await loop.createServer(
          () => new Echo(),
          "127.0.0.1",
          0,
        );
        const [t, p] = await loop.createConnection(
          () => new RecordingProtocol(loop),
          "127.0.0.1",
          portOf(server),
        );
        p.keepOpenOnEof = false;
        for (let off = 0; off < total;) {
          const n = Math.min(total - off, 1 + Math.floor(rand() * 200_000));
          t.write(data.subarray(off, off + n));
          off += n;
          if (rand() < 0.1) await sleep(0);
        }
        t.writeEof();
        await p.done;
        assert.equal(p.nbytes, total);
        assert.equal(checksum(p.received()), checksum(data));
      })
    );
  },
);

forEachLoop(
  "Transport.close() flushes the buffer before closing; abort() drops it",
  async () => {
    await withLoop((l) =>
      l.runUntilComplete(async () => {
        const loop = l as DenoEventLoop;
        using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const port = (listener.addr as Deno.NetAddr).port;
        const big = new Uint8Array(8 * 1024 * 1024).fill(1);
        const accepted = listener.accept();
        const [t1, p1] = await loop.createConnection(
          () => new RecordingProtocol(loop),
          "127.0.0.1",
          port,
        );
        const peer1 = await accepted;
        t1.write(big);
        t1.write(big);
        t1.close();
        assert.ok(t1.isClosing());
        t1.write(enc("ignored after close"));
        assert.equal((await readAll(peer1)).length, 2 * big.length);
        await p1.done;
        assert.equal(p1.lostExc, null);
        peer1.close();

        const accepted2 = listener.accept();
        const [t2, p2] = await loop.createConnection(
          () => new RecordingProtocol(loop),
          "127.0.0.1",
          port,
        );
        const peer2 = await accepted2;
        await sleep(0.01);
        const n = await peer2.write(new Uint8Array(64 * 1024 * 1024));
        t2.write(big);
        t2.write(big);
        t2.abort();
        await p2.done;
        assert.deepEqual(p2.order().at(-1), "lost");
        let got = 0;
        try {
          got = (await readAll(peer2)).length;
        } catch (e) {
          assert.ok(e instanceof Deno.errors.ConnectionReset);
        }
        assert.ok(got < 2 * big.length);
        peer2.close();
        void n;
      })
    );
  },
);

// Deno reports a reset seen by a read as EOF (read() resolves to null); the
// reset surfaces on the next write, as BrokenPipe or ConnectionReset.
forEachLoop(
  "Transport reports a reset peer once, as connectionLost(BrokenPipe or ConnectionReset)",
  async () => {
    await withLoop((l) =>
      l.runUntilComplete(async () => {
        const loop = l as DenoEventLoop;
        using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const accepted = listener.accept();
        const [t, p] = await loop.createConnection(
          () => new RecordingProtocol(loop),
          "127.0.0.1",
          (listener.addr as Deno.NetAddr).port,
        );
        const peer = await accepted;
        p.keepOpenOnEof = true;
        t.write(enc("unread data makes close() send RST"));
        await sleep(0.02);
        peer.close();
        await sleep(0.02);
        for (let i = 0; i < 50 && !p.done.done(); i++) {
          t.write(new Uint8Array(1024));
          await sleep(0.005);
        }
        await p.done;
        assert.equal(p.events.filter((e) => e.startsWith("lost")).length, 1);
        assert.ok(
          p.lostExc instanceof Deno.errors.ConnectionReset ||
            p.lostExc instanceof Deno.errors.BrokenPipe,
          String(p.lostExc),
        );
      })
    );
  },
);

forEachLoop(
  "Protocol.dataReceived() failing goes to the exception handler and closes the connection",
  async () => {
    await withLoop((l, seen) =>
      l.runUntilComplete(async () => {
        const loop = l as DenoEventLoop;
        class Bad extends RecordingProtocol {
          override dataReceived(data: Uint8Array): void {
            super.dataReceived(data);
            throw new Error("boom");
          }
        }
        let proto!: Bad;
        await using server = await loop.createServer(
          () => (proto = new Bad(loop)),
          "127.0.0.1",
          0,
        );
        const client = await Deno.connect({
          hostname: "127.0.0.1",
          port: portOf(server),
        });
        await writeAll(client, enc("x"));
        assert.equal((await readAll(client)).length, 0);
        await proto.done;
        assert.equal(seen.length, 1);
        assert.equal(
          seen[0].message,
          "Fatal error: protocol.dataReceived() call failed.",
        );
        assert.equal((seen[0].exception as Error).message, "boom");
        seen.length = 0;
        client.close();
      })
    );
  },
);

forEachLoop("BufferedProtocol reads straight into its own buffer", async () => {
  class Buf extends BufferedProtocol {
    buf = new Uint8Array(4);
    got: number[] = [];
    done: Promise<void>;
    resolve!: () => void;
    constructor() {
      super();
      this.done = new Promise((r) => (this.resolve = r));
    }
    override getBuffer(_hint: number) {
      return this.buf;
    }
    override bufferUpdated(n: number) {
      this.got.push(...this.buf.subarray(0, n));
    }
    override connectionLost() {
      this.resolve();
    }
  }
  let proto!: Buf;
  await withServer(() => () => (proto = new Buf()), async (_loop, client) => {
    await writeAll(client, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    client.close();
    await proto.done;
    assert.deepEqual(proto.got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

forEachLoop(
  "Transport.write() coalesces small writes queued behind one in flight",
  async () => {
    let proto!: RecordingProtocol;
    await withServer(
      (loop) => () => (proto = new RecordingProtocol(loop)),
      async (_loop, client) => {
        await proto.made;
        const t = proto.transport!;
        let expect = "";
        for (let i = 0; i < 1000; i++) {
          const s = `${i},`;
          t.write(enc(s));
          expect += s;
        }
        t.writelines([enc("a"), enc("b")]);
        t.close();
        assert.equal(dec(await readAll(client)), expect + "ab");
      },
    );
  },
);
