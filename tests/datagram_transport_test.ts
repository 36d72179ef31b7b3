// UDP endpoints on loopback (the datagram parts of CPython's test_events.py,
// and of test_base_events.py / test_proactor_events.py for options and the
// transport): send and receive on IPv4 and IPv6, connected endpoints,
// errorReceived, close and abort, flow control of sends, option checks.
import assert from "node:assert/strict";
import {
  DatagramProtocol,
  type DatagramTransport,
  type DenoEventLoop,
  type Future,
  newEventLoop,
  sleep,
} from "../mod.ts";
import { recordExceptions, withLoop } from "./_helpers.ts";
import { dec, enc } from "./_net_helpers.ts";

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)));
}

/** CPython's MyDatagramProto: states, byte count, received datagrams. */
class MyDatagramProto extends DatagramProtocol {
  state = "INITIAL";
  nbytes = 0;
  transport: DatagramTransport | null = null;
  received: [string, Deno.NetAddr][] = [];
  errors: Error[] = [];
  done: Future<void>;
  paused = 0;
  resumed = 0;
  #waiters: [number, () => void][] = [];
  constructor(loop: DenoEventLoop) {
    super();
    this.done = loop.createFuture<void>();
  }
  override connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
    assert.equal(this.state, "INITIAL");
    this.state = "INITIALIZED";
  }
  override datagramReceived(data: Uint8Array, addr: Deno.Addr): void {
    assert.equal(this.state, "INITIALIZED");
    this.nbytes += data.length;
    this.received.push([dec(data), addr as Deno.NetAddr]);
    this.#wake();
  }
  override errorReceived(exc: Error): void {
    assert.equal(this.state, "INITIALIZED");
    this.errors.push(exc);
    this.#wake();
  }
  override pauseWriting(): void {
    this.paused++;
  }
  override resumeWriting(): void {
    this.resumed++;
  }
  override connectionLost(exc: Error | null): void {
    assert.equal(this.state, "INITIALIZED");
    assert.equal(exc, null);
    this.state = "CLOSED";
    this.done.setResult(undefined);
  }
  /** Waits until `count` datagrams and errors in all arrived. */
  until(count: number): Promise<void> {
    if (this.received.length + this.errors.length >= count) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push([count, resolve]));
  }
  #wake(): void {
    const n = this.received.length + this.errors.length;
    this.#waiters = this.#waiters.filter(([count, resolve]) => {
      if (n < count) return true;
      resolve();
      return false;
    });
  }
}

/** CPython's TestMyDatagramProto: answers `resp:` + data to the sender. */
class EchoProto extends MyDatagramProto {
  override datagramReceived(data: Uint8Array, addr: Deno.Addr): void {
    super.datagramReceived(data, addr);
    this.transport!.sendto(enc("resp:" + dec(data)), addr as Deno.NetAddr);
  }
}

for (const [family, host] of [["IPv4", "127.0.0.1"], ["IPv6", "::1"]]) {
  Deno.test(`loop.createDatagramEndpoint() echoes between a server and a connected client (${family})`, async () => {
    await run(async (loop) => {
      const [sTransport, server] = await loop.createDatagramEndpoint(
        () => new EchoProto(loop),
        { localAddr: [host, 0] },
      );
      const sockname = sTransport.getExtraInfo("sockname") as Deno.NetAddr;
      assert.equal(sockname.transport, "udp");
      assert.equal(sockname.hostname, host);
      assert.equal(sTransport.getExtraInfo("peername"), null);
      const [transport, client] = await loop.createDatagramEndpoint(
        () => new MyDatagramProto(loop),
        { remoteAddr: [host, sockname.port] },
      );
      assert.equal(client.state, "INITIALIZED");
      assert.deepEqual(transport.getExtraInfo("peername"), {
        transport: "udp",
        hostname: host,
        port: sockname.port,
      });
      transport.sendto(enc("xxx"));
      await server.until(1);
      assert.equal(server.nbytes, 3);
      await client.until(1);
      assert.equal(client.nbytes, 8);
      assert.equal(client.received[0][0], "resp:xxx");
      assert.deepEqual(client.received[0][1], sockname);
      const clientName = transport.getExtraInfo("sockname") as Deno.NetAddr;
      assert.equal(server.received[0][1].port, clientName.port);
      assert.ok(transport.getExtraInfo("socket") !== null);
      transport.close();
      await client.done;
      assert.equal(client.state, "CLOSED");
      sTransport.close();
      await server.done;
    });
  });
}

Deno.test("loop.createDatagramEndpoint() with family alone binds the wildcard address", async () => {
  await run(async (loop) => {
    const [t4, p4] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { family: 4 },
    );
    assert.equal(
      (t4.getExtraInfo("sockname") as Deno.NetAddr).hostname,
      "0.0.0.0",
    );
    const [t6, p6] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { family: 6 },
    );
    assert.equal((t6.getExtraInfo("sockname") as Deno.NetAddr).hostname, "::");
    // An unconnected endpoint sends wherever it is told.
    const port = (t4.getExtraInfo("sockname") as Deno.NetAddr).port;
    t6.sendto(enc("to v4 by name"), ["127.0.0.1", port]);
    t6.close();
    t4.close();
    await p4.done;
    await p6.done;
  });
});

Deno.test("a connected endpoint receives only from its peer and sends only to it", async () => {
  await run(async (loop) => {
    const [peerT, peer] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    const [otherT, other] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    const peerAddr = peerT.getExtraInfo("sockname") as Deno.NetAddr;
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { remoteAddr: peerAddr, localAddr: ["127.0.0.1", 0] },
    );
    const me = t.getExtraInfo("sockname") as Deno.NetAddr;
    otherT.sendto(enc("stranger"), me);
    peerT.sendto(enc("friend"), me);
    await p.until(1);
    for (let i = 0; i < 5; i++) await sleep(0);
    assert.deepEqual(p.received.map(([d]) => d), ["friend"]);
    // sendto() takes the peer's address, or none; any other is a RangeError.
    t.sendto(enc("a"), ["127.0.0.1", peerAddr.port]);
    t.sendto(enc("b"), peerAddr);
    assert.throws(
      () => t.sendto(enc("c"), ["127.0.0.1", peerAddr.port + 1]),
      RangeError,
    );
    await peer.until(2);
    assert.deepEqual(peer.received.map(([d]) => d), ["a", "b"]);
    for (const x of [t, peerT, otherT]) x.close();
    await Promise.all([p.done, peer.done, other.done]);
  });
});

Deno.test("an unconnected endpoint needs an address for sendto()", async () => {
  await run(async (loop) => {
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    assert.throws(() => t.sendto(enc("x")), RangeError);
    assert.throws(
      () => t.sendto("x" as unknown as Uint8Array, ["127.0.0.1", 9]),
      TypeError,
    );
    assert.throws(() => t.sendto(enc("x"), ["127.0.0.1", 70000]), RangeError);
    assert.throws(() => t.sendto(enc("x"), "127.0.0.1:9" as never), TypeError);
    t.close();
    await p.done;
  });
});

Deno.test("DatagramTransport sends and receives empty datagrams, each datagram a new array", async () => {
  await run(async (loop) => {
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    const seen: Uint8Array[] = [];
    const base = p.datagramReceived.bind(p);
    p.datagramReceived = (data, addr) => {
      seen.push(data);
      base(data, addr);
    };
    const me = t.getExtraInfo("sockname") as Deno.NetAddr;
    t.sendto(new Uint8Array(0), me);
    t.sendto(enc("one"), me);
    t.sendto(enc("two"), me);
    await p.until(3);
    assert.deepEqual(p.received.map(([d]) => d), ["", "one", "two"]);
    assert.equal(dec(seen[1]), "one"); // not overwritten by the next datagram
    t.close();
    await p.done;
  });
});

Deno.test("errorReceived() gets a send error (message too long), and the endpoint goes on", async () => {
  await run(async (loop) => {
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    const me = t.getExtraInfo("sockname") as Deno.NetAddr;
    t.sendto(new Uint8Array(70000), me);
    t.sendto(enc("after"), me);
    await p.until(2);
    assert.equal(p.errors.length, 1);
    assert.match(p.errors[0].message, /too long/i);
    assert.deepEqual(p.received.map(([d]) => d), ["after"]);
    assert.ok(!t.isClosing());
    t.close();
    await p.done;
  });
});

Deno.test("errorReceived() gets an address of the other family", async () => {
  await run(async (loop) => {
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    t.sendto(enc("x"), ["::1", 9]);
    await p.until(1);
    assert.match(p.errors[0].message, /family/i);
    t.close();
    await p.done;
  });
});

Deno.test("the broadcast address needs allowBroadcast (PermissionDenied to errorReceived)", async () => {
  await run(async (loop) => {
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["0.0.0.0", 0] },
    );
    t.sendto(enc("x"), ["255.255.255.255", 9]);
    assert.equal(p.errors.length, 1);
    assert.ok(p.errors[0] instanceof Deno.errors.PermissionDenied);
    t.close();
    await p.done;
    const [b, q] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["0.0.0.0", 0], allowBroadcast: true },
    );
    b.sendto(enc("x"), ["255.255.255.255", 9]);
    for (let i = 0; i < 5; i++) await sleep(0);
    assert.ok(!q.errors.some((e) => e instanceof Deno.errors.PermissionDenied));
    b.close();
    await q.done;
  });
});

Deno.test("DatagramTransport.close() sends what is queued first; abort() drops it", async () => {
  await run(async (loop) => {
    const [rT, r] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    const dest = rT.getExtraInfo("sockname") as Deno.NetAddr;
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { remoteAddr: dest },
    );
    for (let i = 0; i < 5; i++) t.sendto(enc(`m${i}`));
    assert.ok(t.getWriteBufferSize() > 0);
    t.close();
    assert.ok(t.isClosing());
    t.sendto(enc("late")); // dropped after close
    await p.done;
    await r.until(5);
    assert.deepEqual(r.received.map(([d]) => d), [
      "m0",
      "m1",
      "m2",
      "m3",
      "m4",
    ]);

    const [a, q] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { remoteAddr: dest },
    );
    a.sendto(enc("first"));
    for (let i = 0; i < 5; i++) a.sendto(enc("queued"));
    a.abort();
    assert.equal(a.getWriteBufferSize(), 0);
    await q.done;
    for (let i = 0; i < 5; i++) await sleep(0);
    assert.ok(!r.received.some(([d]) => d === "queued"));
    rT.close();
    await r.done;
  });
});

Deno.test("DatagramTransport flow control: pauseWriting above the high mark, resumeWriting when sent", async () => {
  await run(async (loop) => {
    const [rT, r] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { remoteAddr: rT.getExtraInfo("sockname") as Deno.NetAddr },
    );
    t.setWriteBufferLimits(100);
    assert.deepEqual(t.getWriteBufferLimits(), [25, 100]);
    t.sendto(new Uint8Array(50)); // in flight: not counted
    assert.equal(t.getWriteBufferSize(), 0);
    t.sendto(new Uint8Array(50));
    assert.equal(t.getWriteBufferSize(), 58); // 50 bytes + 8 of header
    assert.equal(p.paused, 0);
    t.sendto(new Uint8Array(50));
    assert.equal(p.paused, 1);
    await r.until(3);
    assert.equal(p.resumed, 1);
    assert.equal(t.getWriteBufferSize(), 0);
    assert.throws(() => t.setWriteBufferLimits(10, 20), RangeError);
    t.close();
    rT.close();
    await Promise.all([p.done, r.done]);
  });
});

Deno.test("a failing datagramReceived goes to the exception handler; the endpoint goes on", async () => {
  await run(async (loop) => {
    const seen = recordExceptions(loop);
    let calls = 0;
    class Failing extends MyDatagramProto {
      override datagramReceived(data: Uint8Array, addr: Deno.Addr): void {
        if (calls++ === 0) throw new Error("boom");
        super.datagramReceived(data, addr);
      }
    }
    const [t, p] = await loop.createDatagramEndpoint(
      () => new Failing(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    const me = t.getExtraInfo("sockname") as Deno.NetAddr;
    t.sendto(enc("1"), me);
    t.sendto(enc("2"), me);
    await p.until(1);
    assert.equal(seen.length, 1);
    assert.equal((seen[0].exception as Error).message, "boom");
    assert.equal(p.received[0][0], "2");
    seen.length = 0;
    t.close();
    await p.done;
  });
});

Deno.test("reusePort lets two endpoints share a port", async () => {
  await run(async (loop) => {
    const [a, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0], reusePort: true },
    );
    const port = (a.getExtraInfo("sockname") as Deno.NetAddr).port;
    const [b, q] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", port], reusePort: true },
    );
    assert.equal((b.getExtraInfo("sockname") as Deno.NetAddr).port, port);
    a.close();
    b.close();
    await Promise.all([p.done, q.done]);
  });
});

Deno.test("loop.createDatagramEndpoint() with a taken address rejects with AddrInUse", async () => {
  await run(async (loop) => {
    const [a, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["127.0.0.1", 0] },
    );
    const port = (a.getExtraInfo("sockname") as Deno.NetAddr).port;
    await assert.rejects(
      async () =>
        await loop.createDatagramEndpoint(() => new MyDatagramProto(loop), {
          localAddr: ["127.0.0.1", port],
        }),
      Deno.errors.AddrInUse,
    );
    a.close();
    await p.done;
  });
});

Deno.test("loop.createDatagramEndpoint() takes a socket of Deno.listenDatagram as sock", async () => {
  await run(async (loop) => {
    const listen = (Deno as unknown as {
      listenDatagram(o: object): { addr: Deno.Addr };
    }).listenDatagram;
    const sock = listen({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { sock: sock as never },
    );
    assert.equal(t.getExtraInfo("socket"), sock);
    assert.deepEqual(t.getExtraInfo("sockname"), sock.addr);
    t.sendto(enc("self"), sock.addr as Deno.NetAddr);
    await p.until(1);
    t.close();
    await p.done;
  });
});

Deno.test("loop.createDatagramEndpoint() checks its options", async () => {
  await run(async (loop) => {
    const make = () => new MyDatagramProto(loop);
    const rejects = (options: object, cls: new (...a: never[]) => Error) =>
      assert.rejects(
        async () => await loop.createDatagramEndpoint(make, options),
        cls,
      );
    await rejects({}, RangeError); // no address and no family
    await rejects({ family: 5 }, RangeError);
    await rejects(
      { localAddr: ["127.0.0.1", 0], reuseAddress: true },
      RangeError,
    );
    await rejects({ sock: {}, localAddr: ["127.0.0.1", 0] }, RangeError);
    await rejects({ sock: {} }, TypeError);
    await rejects({ localAddr: "127.0.0.1" }, TypeError);
    await rejects({ localAddr: ["127.0.0.1", -1] }, RangeError);
    await rejects(
      { localAddr: ["::1", 0], remoteAddr: ["127.0.0.1", 9] },
      Deno.errors.NotFound,
    );
    await rejects(
      { remoteAddr: ["127.0.0.1", 9], family: 6 },
      Deno.errors.NotFound,
    );
    await assert.rejects(
      async () =>
        await loop.createDatagramEndpoint(null as never, { family: 4 }),
      TypeError,
    );
  });
});

Deno.test("loop.createDatagramEndpoint() resolves localhost", async () => {
  await run(async (loop) => {
    const [t, p] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { localAddr: ["localhost", 0] },
    );
    const me = t.getExtraInfo("sockname") as Deno.NetAddr;
    assert.equal(me.hostname, "127.0.0.1");
    const [c, q] = await loop.createDatagramEndpoint(
      () => new MyDatagramProto(loop),
      { remoteAddr: ["localhost", me.port] },
    );
    c.sendto(enc("hi"));
    await p.until(1);
    c.close();
    t.close();
    await Promise.all([p.done, q.done]);
  });
});

Deno.test("createDatagramEndpoint() without --unstable-net says it needs the flag", async () => {
  const mod = new URL("../mod.ts", import.meta.url).href;
  const code = `
    import { DatagramProtocol, NotImplementedError, run, getRunningLoop } from ${
    JSON.stringify(mod)
  };
    await run(async () => {
      try {
        await getRunningLoop().createDatagramEndpoint(() => new DatagramProtocol(), { family: 4 });
      } catch (e) {
        console.log(e instanceof NotImplementedError, e.message);
      }
    });`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(dec(out.stderr), "");
  assert.match(dec(out.stdout), /^true .*--unstable-net/);
});

Deno.test("loop.close() closes a UDP endpoint left open, so nothing waits forever", async () => {
  const loop = newEventLoop();
  const [t] = await loop.runUntilComplete(() =>
    loop.createDatagramEndpoint(() => new DatagramProtocol(), {
      localAddr: ["127.0.0.1", 0],
    })
  );
  const sock = t.getExtraInfo("socket") as {
    send(p: Uint8Array, a: Deno.Addr): Promise<number>;
  };
  loop.close();
  await assert.rejects(
    () => sock.send(enc("x"), t.getExtraInfo("sockname") as Deno.Addr),
    Deno.errors.BadResource,
  );
});
