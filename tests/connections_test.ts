// loop.createConnection() and the sock* methods over loopback
// (CPython's test_sock_lowlevel.py and base_events tests).
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  type DenoEventLoop,
  NotImplementedError,
  Protocol,
  SendfileNotAvailableError,
  sleep,
} from "../mod.ts";
import { withLoop } from "./_helpers.ts";
import { dec, enc, RecordingProtocol } from "./_net_helpers.ts";

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)));
}

Deno.test("loop.sockAccept()/sockRecv()/sockSendall(): the seed's echo server with generator coroutines", async () => {
  await withLoop((l) =>
    l.runUntilComplete(function* (): Coroutine<void> {
      const loop = l as DenoEventLoop;
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      function* handleClient(conn: Deno.Conn): Coroutine<void> {
        for (;;) {
          const data = yield* loop.sockRecv(conn, 4096);
          if (data.length === 0) break;
          yield* loop.sockSendall(conn, data);
        }
        conn.close();
      }
      const tasks: unknown[] = [];
      const acceptor = loop.createTask(function* (): Coroutine<void> {
        for (;;) {
          const [conn, addr] = yield* loop.sockAccept(listener);
          assert.equal((addr as Deno.NetAddr).hostname, "127.0.0.1");
          tasks.push(loop.createTask(handleClient(conn)));
        }
      }());
      const client = yield* loop.sockConnect(listener.addr);
      yield* loop.sockSendall(client, enc("ping"));
      assert.equal(dec(yield* loop.sockRecv(client, 100)), "ping");
      const big = new Uint8Array(1024 * 1024).fill(3);
      yield* loop.sockSendall(client, big);
      const buf = new Uint8Array(big.length);
      let got = 0;
      while (got < big.length) {
        got += yield* loop.sockRecvInto(client, buf.subarray(got));
      }
      assert.ok(buf.every((b) => b === 3));
      client.close();
      acceptor.cancel();
      yield* sleep(0.01);
      listener.close();
      for (const t of tasks) yield* t as Coroutine<void>;
    }())
  );
});

Deno.test("loop.sockRecv() gives an empty array at EOF and keeps bytes for a cancelled call", async () => {
  await run(async (loop) => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const client = await loop.sockConnect([
      "127.0.0.1",
      (listener.addr as Deno.NetAddr).port,
    ]);
    const [conn] = await loop.sockAccept(listener);
    const waiting = loop.createTask(() => loop.sockRecv(conn, 10));
    await sleep(0.01);
    waiting.cancel();
    await assert.rejects(async () => await waiting, CancelledError);
    await loop.sockSendall(client, enc("kept"));
    await sleep(0.01);
    assert.equal(dec(await loop.sockRecv(conn, 10)), "kept");
    client.close();
    assert.equal((await loop.sockRecv(conn, 10)).length, 0);
    await assert.rejects(async () => await loop.sockRecv(conn, -1), RangeError);
    conn.close();
  });
});

Deno.test("loop.sockSendfile() sends a file region (fallback) and moves the file position", async () => {
  await run(async (loop) => {
    const path = Deno.makeTempFileSync();
    Deno.writeTextFileSync(path, "0123456789");
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const client = await loop.sockConnect(listener.addr);
    const [conn] = await loop.sockAccept(listener);
    using file = await Deno.open(path);
    assert.equal(await loop.sockSendfile(client, file, 2, 5), 5);
    assert.equal(await file.seek(0, Deno.SeekMode.Current), 7);
    assert.equal(dec(await loop.sockRecv(conn, 100)), "23456");
    await assert.rejects(
      async () =>
        await loop.sockSendfile(client, file, 0, null, { fallback: false }),
      SendfileNotAvailableError,
    );
    client.close();
    conn.close();
    Deno.removeSync(path);
  });
});

Deno.test("loop.createConnection() rejects refused connections, bad arguments and localAddr", async () => {
  await run(async (loop) => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    await assert.rejects(
      async () =>
        await loop.createConnection(() => new Protocol(), "127.0.0.1", port),
      Deno.errors.ConnectionRefused,
    );
    await assert.rejects(
      async () =>
        await loop.createConnection(() => new Protocol(), "127.0.0.1", -1),
      RangeError,
    );
    await assert.rejects(
      async () =>
        await loop.createConnection(() => new Protocol(), "127.0.0.1", 1, {
          localAddr: ["127.0.0.1", 0],
        }),
      NotImplementedError,
    );
    await assert.rejects(
      async () =>
        await loop.createConnection(() => new Protocol(), "::1", 1, {
          family: 4,
        }),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("loop.createConnection() on IPv6 ::1, with sock=, and with family", async () => {
  await run(async (loop) => {
    using listener = Deno.listen({ hostname: "::1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const [t, p] = await loop.createConnection(
      () => new RecordingProtocol(loop),
      "localhost",
      port,
      { family: 6 },
    );
    const peer = await listener.accept();
    assert.equal((t.getExtraInfo("peername") as Deno.NetAddr).hostname, "::1");
    t.close();
    await p.done;
    peer.close();
    const raw = await Deno.connect({ hostname: "::1", port });
    const peer2 = await listener.accept();
    const [t2, p2] = await loop.createConnection(
      () => new RecordingProtocol(loop),
      null,
      null,
      { sock: raw },
    );
    await peer2.write(enc("via sock"));
    while (p2.nbytes < 8) await sleep(0.001);
    assert.equal(dec(p2.received()), "via sock");
    t2.close();
    await p2.done;
    peer2.close();
  });
});
