// The selector transports' own behaviour (CPython's
// test_selector_events.py SelectorSocketTransportTests and
// SelectorDatagramTransportTests): what the shared transport tests do not
// reach: writeEof() after queued data, getBuffer() failures, the state in
// toString(), datagram flow control and pausing.
import assert from "node:assert/strict";
import {
  AF_UNIX,
  BufferedProtocol,
  DatagramProtocol,
  type DatagramTransport,
  Protocol,
  SelectorEventLoop,
  SOCK_DGRAM,
  socketpair,
  type Transport,
} from "../mod.ts";
import { recordExceptions } from "./_helpers.ts";
import { forEachLoop, SELECTOR } from "./_loops.ts";
import { dec, enc, RecordingProtocol } from "./_net_helpers.ts";

function test(
  name: string,
  body: (loop: SelectorEventLoop, seen: unknown[]) => Promise<void>,
) {
  forEachLoop(name, async () => {
    const loop = new SelectorEventLoop();
    const seen = recordExceptions(loop);
    try {
      await loop.runUntilComplete(() => body(loop, seen));
    } finally {
      loop.close();
    }
  }, [SELECTOR]);
}

test("_SelectorSocketTransport: writeEof() after queued data half-closes once the queue is sent", async (loop) => {
  const [a, b] = socketpair();
  const [t, p] = await loop.createConnection(
    () => new RecordingProtocol(loop),
    null,
    null,
    { sock: a },
  );
  const big = new Uint8Array(4 << 20).fill(3);
  t.write(big);
  assert.ok(t.getWriteBufferSize() > 0, "some of it is queued");
  t.writeEof();
  assert.throws(() => t.write(enc("late")), { name: "RuntimeError" });
  b.setBlocking(false);
  let got = 0;
  for (;;) {
    const n = await loop.sockRecvInto(b, new Uint8Array(1 << 16));
    if (n === 0) break;
    got += n;
  }
  assert.equal(got, big.length);
  assert.equal(t.getWriteBufferSize(), 0);
  b.close();
  await p.done;
  assert.deepEqual(p.order(), ["made", "eof", "lost"]);
});

test("_SelectorSocketTransport: toString() tells the state; close() and abort() are idempotent", async (loop) => {
  const [a, b] = socketpair();
  const [t, p] = await loop.createConnection(
    () => new RecordingProtocol(loop),
    null,
    null,
    { sock: a },
  );
  assert.match(
    String(t),
    /^<_SelectorSocketTransport fd=\d+ read=polling write=<idle, bufsize=0>>$/,
  );
  t.pauseReading();
  assert.match(String(t), /read=idle/);
  t.resumeReading();
  t.close();
  assert.match(String(t), /closing/);
  t.close();
  t.abort();
  await p.done;
  assert.match(String(t), /^<_SelectorSocketTransport closed fd=\d+>$/);
  b.close();
});

test(
  "_SelectorSocketTransport: a getBuffer() that fails or returns nothing is a fatal error, reported",
  async (loop, seen) => {
    class Bad extends BufferedProtocol {
      lost = Promise.withResolvers<Error | null>();
      override getBuffer(): Uint8Array {
        return new Uint8Array(0);
      }
      override bufferUpdated() {}
      override connectionLost(exc: Error | null) {
        this.lost.resolve(exc);
      }
    }
    const [a, b] = socketpair();
    const [, p] = await loop.createConnection(() => new Bad(), null, null, {
      sock: a,
    });
    b.send(enc("data"));
    const exc = await p.lost.promise;
    assert.match(String(exc), /getBuffer\(\) returned an empty buffer/);
    assert.equal(seen.length, 1);
    assert.equal(
      (seen[0] as { message: string }).message,
      "Fatal error: protocol.getBuffer() call failed.",
    );
    seen.length = 0;
    b.close();
  },
);

test("_SelectorSocketTransport: transport.getExtraInfo() has the Socket and Deno-style addresses", async (loop) => {
  class Echo extends Protocol {
    t!: Transport;
    override connectionMade(t: Transport) {
      this.t = t;
    }
  }
  await using server = await loop.createServer(
    () => new Echo(),
    "127.0.0.1",
    0,
  );
  const [t, p] = await loop.createConnection(
    () => new RecordingProtocol(loop),
    "127.0.0.1",
    (server.sockets[0].addr as Deno.NetAddr).port,
  );
  const peer = t.getExtraInfo("peername") as Deno.NetAddr;
  assert.deepEqual(peer, server.sockets[0].addr);
  assert.equal((t.getExtraInfo("sockname") as Deno.NetAddr).transport, "tcp");
  t.close();
  await p.done;
});

class Counter extends DatagramProtocol {
  pauses = 0;
  resumes = 0;
  got: string[] = [];
  lost = Promise.withResolvers<Error | null>();
  override pauseWriting() {
    this.pauses++;
  }
  override resumeWriting() {
    this.resumes++;
  }
  override datagramReceived(data: Uint8Array) {
    this.got.push(dec(data));
  }
  override connectionLost(exc: Error | null) {
    this.lost.resolve(exc);
  }
}

test("_SelectorDatagramTransport: datagrams the socket cannot take are queued, with pauseWriting/resumeWriting", async (loop) => {
  const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
  const [dt, p] = await loop.createDatagramEndpoint(() => new Counter(), {
    sock: a,
  });
  // The selector's datagram transport has asyncio's flow control.
  const t = dt as DatagramTransport & {
    setWriteBufferLimits(high?: number): void;
    getWriteBufferLimits(): [number, number];
    getWriteBufferSize(): number;
  };
  t.setWriteBufferLimits(4096);
  assert.deepEqual(t.getWriteBufferLimits(), [1024, 4096]);
  const dgram = new Uint8Array(1024);
  for (let i = 0; i < 2000 && t.getWriteBufferSize() === 0; i++) {
    t.sendto(dgram);
  }
  assert.ok(t.getWriteBufferSize() > 0, "the socket filled up");
  for (let i = 0; i < 8; i++) t.sendto(dgram);
  assert.equal(p.pauses, 1);
  b.setBlocking(false);
  while (p.resumes === 0) {
    try {
      for (;;) b.recv(2048);
    } catch { /* drained for now */ }
    await new Promise((r) => setTimeout(r, 1));
  }
  t.close();
  assert.equal(await p.lost.promise, null);
  b.close();
});

test("_SelectorDatagramTransport: pauseReading() stops datagramReceived until resumeReading()", async (loop) => {
  const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
  const [t, p] = await loop.createDatagramEndpoint(() => new Counter(), {
    sock: a,
  });
  const dt = t as DatagramTransport & {
    pauseReading(): void;
    resumeReading(): void;
    isReading(): boolean;
  };
  dt.pauseReading();
  assert.equal(dt.isReading(), false);
  b.send(enc("held"));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(p.got, []);
  dt.resumeReading();
  while (p.got.length === 0) await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(p.got, ["held"]);
  assert.match(String(t), /^<_SelectorDatagramTransport fd=\d+>$/);
  t.abort();
  await p.lost.promise;
  b.close();
});
