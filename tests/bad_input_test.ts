// Bad input over the public API: wrong types, NaN/Infinity/negative delays
// and sizes, closed loops and transports, writes after writeEof()/close(),
// a limit of 0, an empty separator, an unknown signal, a module the
// executor cannot load. Each is answered by the documented error class,
// in std's words ("Cannot X as 'y' must be Z: current value is N") naming
// what was wrong (asyncio's words for state errors), and after each, a
// normal call on the same object still works.
import assert from "node:assert/strict";
import {
  asCompleted,
  Barrier,
  type DenoEventLoop,
  Future,
  InvalidStateError,
  Lock,
  newEventLoop,
  openConnection,
  Protocol,
  Queue,
  RuntimeError,
  Semaphore,
  sleep,
  startServer,
  StreamReader,
  TestLoop,
  timeout,
  wait,
  waitFor,
  WorkerPoolExecutor,
} from "../mod.ts";
import { withLoop, withTestLoop } from "./_helpers.ts";
import { dec, enc, portOf } from "./_net_helpers.ts";
import { noUnhandledRejections } from "./_unhandled.ts";
import { matrix, STD } from "./_matrix.ts";

/** Inputs tried, for the reliability report. */
let tried = 0;

Deno.test("loop, futures and toolkit: bad arguments get TypeError/RangeError naming them; the loop goes on", async () => {
  await noUnhandledRejections(() =>
    withTestLoop(async (loop) => {
      const f = () => {};
      const ok = async () => {
        assert.equal(
          await loop.runUntilComplete(() => sleep(0.001, "ok")),
          "ok",
        );
      };
      const aw = () => loop.createFuture<number>();
      tried += await matrix([
        [
          "callSoon(42)",
          () => loop.callSoon(42 as never),
          TypeError,
          /callSoon\(\) as 'callback' must be a function: current value is 42/,
        ],
        [
          "callLater('1', f)",
          () => loop.callLater("1" as never, f),
          TypeError,
          /'delay'.*current value is "1"/,
        ],
        [
          "callLater(NaN, f)",
          () => loop.callLater(NaN, f),
          RangeError,
          /'delay'.*NaN/,
        ],
        [
          "callLater(1, null)",
          () => loop.callLater(1, null as never),
          TypeError,
          /callLater\(\) as 'callback'/,
        ],
        [
          "callAt(undefined, f)",
          () => loop.callAt(undefined as never, f),
          TypeError,
          /'when'/,
        ],
        [
          "callAt(NaN, f)",
          () => loop.callAt(NaN, f),
          RangeError,
          /'when'.*NaN/,
        ],
        [
          "setExceptionHandler(1)",
          () => loop.setExceptionHandler(1 as never),
          TypeError,
          /'handler' must be a function or null: current value is 1/,
        ],
        [
          "setTaskFactory('x')",
          () => loop.setTaskFactory("x" as never),
          TypeError,
          /'factory'/,
        ],
        [
          "createTask(42)",
          () => loop.createTask(42 as never),
          TypeError,
          /'coro'.*42/,
        ],
        [
          "runInExecutor({}, f)",
          () => loop.runInExecutor({} as never, f),
          TypeError,
          /'executor'/,
        ],
        [
          "setDefaultExecutor({})",
          () => loop.setDefaultExecutor({} as never),
          TypeError,
          /'executor'/,
        ],
        [
          "shutdownDefaultExecutor(-1)",
          () => loop.shutdownDefaultExecutor(-1),
          RangeError,
          /'timeout'.*-1/,
        ],
        ["advance(-1)", () => loop.advance(-1), RangeError, /'seconds'.*-1/],
        [
          "advance(Infinity)",
          () => loop.advance(Infinity),
          RangeError,
          /'seconds'.*Infinity/,
        ],
        [
          "new TestLoop({ start: NaN })",
          () => new TestLoop({ start: NaN }),
          RangeError,
          /'start'.*NaN/,
        ],
        [
          "sleep('1')",
          () => loop.runUntilComplete(() => sleep("1" as never)),
          TypeError,
          /'delay'/,
        ],
        [
          "sleep(NaN)",
          () => loop.runUntilComplete(() => sleep(NaN)),
          RangeError,
          /'delay'.*NaN/,
        ],
        [
          "waitFor(fut, '1')",
          () => loop.runUntilComplete(() => waitFor(aw(), "1" as never)),
          TypeError,
          /'timeout'/,
        ],
        [
          "waitFor(fut, NaN)",
          () => loop.runUntilComplete(() => waitFor(aw(), NaN)),
          RangeError,
          /'timeout'.*NaN/,
        ],
        [
          "waitFor(42, 1)",
          () => loop.runUntilComplete(() => waitFor(42 as never, 1)),
          TypeError,
          /'aw'.*42/,
        ],
        ["timeout('1')", () => timeout("1" as never), TypeError, /'delay'/],
        ["timeout(NaN)", () => timeout(NaN), RangeError, /'delay'.*NaN/],
        [
          "wait([])",
          () => loop.runUntilComplete(() => wait([])),
          RangeError,
          /'fs' must hold at least one future/,
        ],
        [
          "wait(42)",
          () => loop.runUntilComplete(() => wait(42 as never)),
          TypeError,
          /'fs'.*42/,
        ],
        [
          "wait([fut], { returnWhen: 'x' })",
          () =>
            loop.runUntilComplete(() =>
              wait([aw()], { returnWhen: "x" as never })
            ),
          RangeError,
          /'returnWhen'.*"x"/,
        ],
        [
          "wait([fut], { timeout: NaN })",
          () => loop.runUntilComplete(() => wait([aw()], { timeout: NaN })),
          RangeError,
          /'timeout'.*NaN/,
        ],
        [
          "asCompleted([fut], { timeout: 'x' })",
          () => asCompleted([aw()], { timeout: "x" as never }),
          TypeError,
          /'timeout'/,
        ],
        [
          "new Queue('1')",
          () => new Queue("1" as never),
          TypeError,
          /'maxsize'.*"1"/,
        ],
        ["new Queue(1.5)", () => new Queue(1.5), RangeError, /'maxsize'.*1.5/],
        [
          "new Semaphore(-1)",
          () => new Semaphore(-1),
          RangeError,
          /'value'.*-1/,
        ],
        ["new Barrier(0)", () => new Barrier(0), RangeError, /'parties'.*0/],
        [
          "new WorkerPoolExecutor({ maxWorkers: 0 })",
          () => new WorkerPoolExecutor({ maxWorkers: 0 }),
          RangeError,
          /'maxWorkers'.*0/,
        ],
        [
          "Queue.taskDone() with nothing put",
          () => new Queue().taskDone(),
          RangeError,
          /taskDone\(\) called too many times/,
        ],
        [
          "Lock.release() unlocked",
          () => new Lock().release(),
          RuntimeError,
          /Lock is not acquired/,
        ],
        [
          "Future.addDoneCallback(42)",
          () => aw().addDoneCallback(42 as never),
          TypeError,
          /'fn'.*42/,
        ],
        [
          "Future.setResult() twice",
          () => {
            const fut = new Future<number>({ loop });
            fut.setResult(1);
            fut.setResult(2);
          },
          InvalidStateError,
          /FINISHED/,
        ],
      ], ok);

      // Negative, zero and infinite delays are not errors (asyncio): a
      // negative delay is zero, Infinity never fires.
      const fired: string[] = [];
      loop.callLater(-5, () => fired.push("negative"));
      const never = loop.callLater(Infinity, () => fired.push("infinity"));
      await loop.runUntilComplete(() => sleep(-1));
      await loop.runUntilComplete(() => sleep(10));
      assert.deepEqual(fired, ["negative"]);
      never.cancel();
      // A Queue of maxsize <= 0 is unbounded, as in asyncio.
      const unbounded = new Queue<number>(-1);
      for (let i = 0; i < 100; i++) unbounded.putNowait(i);
      assert.equal(unbounded.full(), false);
    })
  );
});

Deno.test("StreamReader: a limit of 0, an empty separator and bad sizes get clear errors; the reader still reads", async () => {
  await noUnhandledRejections(() =>
    withTestLoop(async (loop) => {
      const r = new StreamReader({ loop });
      let fed = 0;
      const ok = async () => {
        r.feedData(enc(`line ${++fed}\n`));
        assert.equal(
          dec(await loop.runUntilComplete(async () => await r.readline())),
          `line ${fed}\n`,
        );
      };
      tried += await matrix([
        [
          "new StreamReader({ limit: 0 })",
          () => new StreamReader({ limit: 0, loop }),
          RangeError,
          /'limit' must be a positive integer: current value is 0/,
        ],
        [
          "new StreamReader({ limit: -1 })",
          () => new StreamReader({ limit: -1, loop }),
          RangeError,
          /'limit'.*-1/,
        ],
        [
          "new StreamReader({ limit: NaN })",
          () => new StreamReader({ limit: NaN, loop }),
          RangeError,
          /'limit'.*NaN/,
        ],
        [
          "new StreamReader({ limit: '1' })",
          () => new StreamReader({ limit: "1" as never, loop }),
          TypeError,
          /'limit'.*"1"/,
        ],
        [
          "read('1')",
          () => loop.runUntilComplete(async () => await r.read("1" as never)),
          TypeError,
          /'n'.*"1"/,
        ],
        [
          "read(NaN)",
          () => loop.runUntilComplete(async () => await r.read(NaN)),
          RangeError,
          /'n'.*NaN/,
        ],
        [
          "readexactly(-1)",
          () => loop.runUntilComplete(async () => await r.readexactly(-1)),
          RangeError,
          /'n'.*-1/,
        ],
        [
          "readexactly(1.5)",
          () => loop.runUntilComplete(async () => await r.readexactly(1.5)),
          RangeError,
          /'n'.*1.5/,
        ],
        [
          "readexactly('1')",
          () =>
            loop.runUntilComplete(async () =>
              await r.readexactly("1" as never)
            ),
          TypeError,
          /'n'.*"1"/,
        ],
        [
          "readuntil('')",
          () => loop.runUntilComplete(async () => await r.readuntil("")),
          RangeError,
          /'separator' must be at least one byte long: current value is ""/,
        ],
        [
          "readuntil([])",
          () => loop.runUntilComplete(async () => await r.readuntil([])),
          RangeError,
          /'separator'/,
        ],
        [
          "readuntil(['\\n', ''])",
          () =>
            loop.runUntilComplete(async () => await r.readuntil(["\n", ""])),
          RangeError,
          /'separator'/,
        ],
        [
          "readuntil(42)",
          () =>
            loop.runUntilComplete(async () => await r.readuntil(42 as never)),
          TypeError,
          /'separator'.*42/,
        ],
      ], ok);
      r.feedEof();
      assert.throws(() => r.feedData(enc("x")), RuntimeError);
    })
  );
});

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return noUnhandledRejections(() =>
    withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)))
  );
}

Deno.test("connections and servers: bad hosts, ports, families, limits and TLS options get clear errors; the loop still connects", async () => {
  await run(async (loop) => {
    await using server = await startServer(
      async (reader, writer) => {
        writer.write(await reader.readline());
        writer.close();
      },
      "127.0.0.1",
      0,
    );
    const port = portOf(server);
    const ok = async () => {
      const [reader, writer] = await openConnection("127.0.0.1", port);
      writer.write(enc("ping\n"));
      assert.equal(dec(await reader.readline()), "ping\n");
      writer.close();
      await writer.waitClosed();
    };
    const cb = () => {};
    tried += await matrix([
      [
        "openConnection(42, port)",
        () => openConnection(42 as never, port),
        TypeError,
        /'host'.*42/,
      ],
      [
        "openConnection(host, -1)",
        () => openConnection("127.0.0.1", -1),
        RangeError,
        /'port' must be an integer from 0 to 65535: current value is -1/,
      ],
      [
        "openConnection(host, 70000)",
        () => openConnection("127.0.0.1", 70000),
        RangeError,
        /'port'.*70000/,
      ],
      [
        "openConnection(host, 1.5)",
        () => openConnection("127.0.0.1", 1.5),
        RangeError,
        /'port'.*1.5/,
      ],
      [
        "openConnection(host, '80')",
        () => openConnection("127.0.0.1", "80" as never),
        TypeError,
        /'port'.*"80"/,
      ],
      [
        "openConnection(host) without port",
        () => openConnection("127.0.0.1"),
        RangeError,
        /'host' and 'port' must be given/,
      ],
      [
        "openConnection(..., { family: 5 })",
        () => openConnection("127.0.0.1", port, { family: 5 as never }),
        RangeError,
        /'family' must be 0, 4 or 6: current value is 5/,
      ],
      [
        "openConnection(..., { limit: 0 })",
        () => openConnection("127.0.0.1", port, { limit: 0 }),
        RangeError,
        /'limit'.*0/,
      ],
      [
        "openConnection(..., { ssl: 'x' })",
        () => openConnection("127.0.0.1", port, { ssl: "x" as never }),
        TypeError,
        /'ssl'.*"x"/,
      ],
      [
        "openConnection(..., { sslHandshakeTimeout: -1 })",
        () =>
          openConnection("127.0.0.1", port, {
            ssl: true,
            sslHandshakeTimeout: -1,
          }),
        RangeError,
        /'sslHandshakeTimeout'.*-1/,
      ],
      [
        "openConnection(..., { sslHandshakeTimeout: 'x' })",
        () =>
          openConnection("127.0.0.1", port, {
            ssl: true,
            sslHandshakeTimeout: "x" as never,
          }),
        TypeError,
        /'sslHandshakeTimeout'/,
      ],
      [
        "openConnection(..., { serverHostname }) without ssl",
        () => openConnection("127.0.0.1", port, { serverHostname: "x" }),
        RangeError,
        /'serverHostname'/,
      ],
      [
        "startServer(42)",
        () => startServer(42 as never, "127.0.0.1", 0),
        TypeError,
        /'clientConnected'.*42/,
      ],
      [
        "startServer(cb, 42)",
        () => startServer(cb, 42 as never, 0),
        TypeError,
        /'host'.*42/,
      ],
      [
        "startServer(cb, host, -5)",
        () => startServer(cb, "127.0.0.1", -5),
        RangeError,
        /'port'.*-5/,
      ],
      [
        "startServer(..., { backlog: 'a' })",
        () => startServer(cb, "127.0.0.1", 0, { backlog: "a" as never }),
        TypeError,
        /'backlog'/,
      ],
      [
        "startServer(..., { limit: 0 })",
        () => startServer(cb, "127.0.0.1", 0, { limit: 0 }),
        RangeError,
        /'limit'.*0/,
      ],
      [
        "startServer(..., { ssl: {} })",
        () => startServer(cb, "127.0.0.1", 0, { ssl: {} }),
        TypeError,
        /'cert' and 'key'/,
      ],
      [
        "createConnection(42, ...)",
        () => loop.createConnection(42 as never, "127.0.0.1", port),
        TypeError,
        /'protocolFactory'/,
      ],
      [
        "sockRecv(42, 1)",
        () => loop.sockRecv(42 as never, 1),
        TypeError,
        /'sock'.*42/,
      ],
      [
        "sockConnect(42)",
        () => loop.sockConnect(42 as never),
        TypeError,
        /'address'.*42/,
      ],
    ], ok);
  });
});

Deno.test("transports and writers: bad data, bad limits, writes after writeEof()/close(); the same writer or a new one still works", async () => {
  await run(async () => {
    await using server = await startServer(
      async (reader, writer) => {
        for (;;) {
          const line = await reader.readline();
          if (line.length === 0) break;
          writer.write(line);
        }
        writer.close();
      },
      "127.0.0.1",
      0,
    );
    const [reader, writer] = await openConnection("127.0.0.1", portOf(server));
    const t = writer.transport;
    let n = 0;
    const ok = async () => {
      writer.write(enc(`echo ${++n}\n`));
      await writer.drain();
      assert.equal(dec(await reader.readline()), `echo ${n}\n`);
    };
    tried += await matrix([
      [
        "write('s')",
        () => writer.write("s" as never),
        TypeError,
        /'data' must be a Uint8Array: current value is "s"/,
      ],
      ["write(null)", () => writer.write(null as never), TypeError, /'data'/],
      [
        "writelines(42)",
        () => writer.writelines(42 as never),
        TypeError,
        /'list'.*42/,
      ],
      [
        "writelines(['s'])",
        () => writer.writelines(["s" as never]),
        TypeError,
        /'data'/,
      ],
      [
        "setWriteBufferLimits(NaN)",
        () => t.setWriteBufferLimits(NaN),
        RangeError,
        /'high'.*NaN/,
      ],
      [
        "setWriteBufferLimits('a')",
        () => t.setWriteBufferLimits("a" as never),
        TypeError,
        /'high'/,
      ],
      [
        "setWriteBufferLimits(1, 2)",
        () => t.setWriteBufferLimits(1, 2),
        RangeError,
        /'high' \(1\) must be >= 'low' \(2\)/,
      ],
      [
        "setWriteBufferLimits(-1)",
        () => t.setWriteBufferLimits(-1),
        RangeError,
        /'low'/,
      ],
    ], ok);
    assert.deepEqual(t.getWriteBufferLimits(), [16384, 65536], "limits kept");

    // After writeEof(): writes are a RuntimeError; reading goes on.
    writer.writeEof();
    tried += await matrix([
      [
        "write() after writeEof()",
        () => writer.write(enc("x")),
        RuntimeError,
        /after writeEof\(\)/,
      ],
    ], async () => {
      assert.equal((await reader.read()).length, 0, "the echo ends");
    });
    writer.close();
    await writer.waitClosed();
    // After close(): writes are dropped (asyncio), drain() reports the loss.
    const [r2, w2] = await openConnection("127.0.0.1", portOf(server));
    w2.write(enc("again\n"));
    assert.equal(dec(await r2.readline()), "again\n");
    w2.close();
    w2.write(enc("dropped"));
    w2.writeEof();
    assert.ok(w2.isClosing());
    await w2.waitClosed();
    for (let i = 0; i < 3; i++) w2.write(enc("dropped"));
    await assert.rejects(async () => await w2.drain(), /Connection lost/);
    w2.close();
    assert.equal((await r2.read()).length, 0);
  });
});

Deno.test("closed loops: scheduling, running, connecting and serving are a RuntimeError at the call", async () => {
  await noUnhandledRejections(async () => {
    const loop = newEventLoop();
    loop.close();
    const f = () => {};
    tried += await matrix([
      [
        "callSoon()",
        () => loop.callSoon(f),
        RuntimeError,
        /Event loop is closed/,
      ],
      [
        "callLater()",
        () => loop.callLater(1, f),
        RuntimeError,
        /Event loop is closed/,
      ],
      [
        "createTask()",
        () => loop.createTask(async () => {}),
        RuntimeError,
        /Event loop is closed/,
      ],
      [
        "runForever()",
        () => loop.runForever(),
        RuntimeError,
        /Event loop is closed/,
      ],
      [
        "runUntilComplete()",
        () => loop.runUntilComplete(Promise.resolve(1)),
        RuntimeError,
        /Event loop is closed/,
      ],
      [
        "runInExecutor()",
        () => loop.runInExecutor(null, f),
        RuntimeError,
        /Event loop is closed/,
      ],
      [
        "createConnection()",
        () => loop.createConnection(() => new Protocol(), "127.0.0.1", 9),
        RuntimeError,
        /Event loop is closed/,
      ],
      [
        "createServer()",
        () => loop.createServer(() => new Protocol(), "127.0.0.1", 0),
        RuntimeError,
        /Event loop is closed/,
      ],
      [
        "sockConnect()",
        () => loop.sockConnect(["127.0.0.1", 9]),
        RuntimeError,
        /Event loop is closed/,
      ],
    ], () => {
      assert.ok(loop.isClosed());
      loop.close(); // closing again is fine
    });
  });
});

Deno.test("signals: an unknown signal, a number or an uncatchable one get clear errors; handlers still install", async () => {
  const loop = newEventLoop();
  try {
    const f = () => {};
    tried += await matrix([
      [
        "addSignalHandler('SIGFOO')",
        () => loop.addSignalHandler("SIGFOO", f),
        RangeError,
        /'sig' must be a signal of this platform .*: current value is "SIGFOO"/,
      ],
      [
        "addSignalHandler(2)",
        () => loop.addSignalHandler(2 as never, f),
        TypeError,
        /'sig'.*2/,
      ],
      [
        "addSignalHandler('SIGKILL')",
        () => loop.addSignalHandler("SIGKILL", f),
        RuntimeError,
        /SIGKILL cannot be caught/,
      ],
      [
        "addSignalHandler('SIGUSR1', 42)",
        () => loop.addSignalHandler("SIGUSR1", 42 as never),
        TypeError,
        /'callback'.*42/,
      ],
      [
        "removeSignalHandler('SIGFOO')",
        () => loop.removeSignalHandler("SIGFOO"),
        RangeError,
        /'sig'.*"SIGFOO"/,
      ],
    ], () => {
      loop.addSignalHandler("SIGUSR2", f);
      assert.equal(loop.removeSignalHandler("SIGUSR2"), true);
    });
  } finally {
    loop.close();
  }
});

Deno.test("executor: a module it cannot load, a missing export or a bad reference get clear errors; the pool still works", async () => {
  await run(async (loop) => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const missing = new URL("./fixtures/no_such_module.ts", import.meta.url);
    const broken = "data:text/javascript,export function f( {";
    const work = new URL("./fixtures/work_module.ts", import.meta.url);
    tried += await matrix([
      [
        "{ module: <missing file> }",
        () => loop.runInExecutor(pool, { module: missing, name: "f" }),
        TypeError,
        /Module not found.*no_such_module\.ts/,
      ],
      [
        "{ module: <syntax error> }",
        () => loop.runInExecutor(pool, { module: broken, name: "f" }),
        TypeError,
        /SyntaxError/,
      ],
      [
        "{ module, name: <no such export> }",
        () => loop.runInExecutor(pool, { module: work, name: "nope" }),
        TypeError,
        /'nope'.*there is no such export/,
      ],
      [
        "{ module, name: <not a function> }",
        () => loop.runInExecutor(pool, { module: work, name: "notAFunction" }),
        TypeError,
        /'notAFunction'.*it is a number/,
      ],
      [
        "{ module: 42 }",
        () => loop.runInExecutor(pool, { module: 42, name: "f" } as never),
        TypeError,
        /'module'.*42/,
      ],
      [
        "runInExecutor(pool, 42)",
        () => loop.runInExecutor(pool, 42 as never),
        TypeError,
        /'fn'.*42/,
      ],
    ], async () => {
      assert.equal(await loop.runInExecutor(pool, (x: number) => x + 1, 1), 2);
    });
  });
});

Deno.test("bad input: the count of inputs tried", () => {
  console.log(`bad inputs tried: ${tried}`);
  assert.ok(tried >= 90, `${tried}`);
  assert.ok(STD.test("Cannot x as 'y' must z: current value is 1"));
});
