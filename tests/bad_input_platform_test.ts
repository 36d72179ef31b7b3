// Bad input to what landed after the first hardening pass: subprocess
// options and signals, connectReadPipe()/connectWritePipe() with what is not
// a pipe, UDP endpoints (addresses, families, data, after close) on both
// loops, SelectorEventLoop, selectors and Socket (descriptors, closed
// sockets, families, blocking sockets in debug mode, timeouts), and the
// executor (a module it may not read, a closure over outer variables).
// Each is answered by the documented error class in std's words naming
// what was wrong, and a normal call on the same object works after it.
import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  createSubprocessExec,
  createSubprocessShell,
  DatagramProtocol,
  DefaultSelector,
  type DenoEventLoop,
  EVENT_READ,
  OSError,
  PIPE,
  PollSelector,
  Protocol,
  RuntimeError,
  SelectorEventLoop,
  SOCK_DGRAM,
  SOCK_STREAM,
  Socket,
  socket,
  socketpair,
  STDOUT,
  SubprocessProtocol,
  WorkerPoolExecutor,
} from "../mod.ts";
import { recordExceptions, withLoop } from "./_helpers.ts";
import { forEachLoop, SELECTOR } from "./_loops.ts";
import { dec, enc } from "./_net_helpers.ts";
import { noUnhandledRejections } from "./_unhandled.ts";
import { matrix } from "./_matrix.ts";

/** Inputs tried, for the reliability report. */
let tried = 0;

function run(body: (loop: DenoEventLoop) => Promise<void>) {
  return noUnhandledRejections(() =>
    withLoop((l) => l.runUntilComplete(() => body(l as DenoEventLoop)))
  );
}

const isEbadf = /Bad file descriptor/;

// ---- subprocesses ----

Deno.test("subprocesses: a missing program, a bad cwd, bad args, options and stdio get clear errors; the loop still starts children", async () => {
  await run(async (loop) => {
    const ok = async () => {
      const proc = await createSubprocessExec("echo", ["ok"], { stdout: PIPE });
      const [out] = await proc.communicate();
      assert.equal(dec(out!), "ok\n");
    };
    const exec = (
      program: unknown,
      args: unknown = [],
      options: unknown = undefined,
    ) =>
      createSubprocessExec(
        program as string,
        args as string[],
        options as never,
      );
    tried += await matrix([
      [
        "a missing program",
        () => exec("no-such-program-here"),
        Deno.errors.NotFound,
        /no-such-program-here/,
      ],
      [
        "an empty program name",
        () => exec(""),
        Deno.errors.NotFound,
        /''/,
      ],
      [
        "a cwd that does not exist",
        () => exec("true", [], { cwd: "/no/such/dir" }),
        Deno.errors.NotFound,
        /\/no\/such\/dir/,
      ],
      [
        "cwd: 42",
        () => exec("true", [], { cwd: 42 }),
        TypeError,
        /Cannot start subprocess as 'cwd' must be a string, a URL or null: current value is 42/,
      ],
      [
        "program: 42",
        () => exec(42),
        TypeError,
        /'program' must be a string or a URL: current value is 42/,
      ],
      [
        "args: 'x'",
        () => exec("true", "x"),
        TypeError,
        /'args' must be an array of strings: current value is "x"/,
      ],
      [
        "args: [1]",
        () => exec("true", [1]),
        TypeError,
        /'args' must be an array of strings/,
      ],
      [
        "options: 42",
        () => exec("true", [], 42),
        TypeError,
        /Cannot start subprocess as 'options' must be an object: current value is 42/,
      ],
      [
        "stdin: STDOUT",
        () => exec("true", [], { stdin: STDOUT }),
        RangeError,
        /Cannot start subprocess as 'stdin' must be PIPE, DEVNULL or null \(STDOUT is for 'stderr' only\): current value is STDOUT/,
      ],
      [
        "stdout: STDOUT",
        () => exec("true", [], { stdout: STDOUT }),
        RangeError,
        /'stdout' must be .*: current value is STDOUT/,
      ],
      [
        "stdin: 'x'",
        () => exec("true", [], { stdin: "x" }),
        TypeError,
        /'stdin' must be PIPE, DEVNULL, STDOUT or null: current value is "x"/,
      ],
      [
        "env: 42",
        () => exec("true", [], { env: 42 }),
        TypeError,
        /Cannot start subprocess as 'env' must be an object of strings or null: current value is 42/,
      ],
      [
        "env: { A: 1 }",
        () => exec("true", [], { env: { A: 1 } }),
        TypeError,
        /Cannot start subprocess as 'env\.A' must be a string: current value is 1/,
      ],
      [
        "uid: 'x'",
        () => exec("true", [], { uid: "x" }),
        TypeError,
        /'uid' must be an integer: current value is "x"/,
      ],
      [
        "gid: -1",
        () => exec("true", [], { gid: -1 }),
        RangeError,
        /'gid' must be an integer >= 0: current value is -1/,
      ],
      [
        "limit: 0",
        () => exec("true", [], { limit: 0 }),
        RangeError,
        /'limit' must be a positive integer: current value is 0/,
      ],
      [
        "text: true",
        () => exec("true", [], { text: true }),
        RangeError,
        /'text' must be false: current value is true/,
      ],
      [
        "createSubprocessShell(42)",
        () => createSubprocessShell(42 as never),
        TypeError,
        /'cmd' must be a string: current value is 42/,
      ],
      [
        "loop.subprocessExec(42, ...)",
        () => loop.subprocessExec(42 as never, "true"),
        TypeError,
        /'protocolFactory' must be a function: current value is 42/,
      ],
      [
        "loop.subprocessShell(factory, 'true', { shell: false })",
        () =>
          loop.subprocessShell(() => new SubprocessProtocol(), "true", {
            shell: false,
          } as never),
        RangeError,
        /'shell' must be true: current value is false/,
      ],
    ], ok);
  });
});

Deno.test("Process: bad signals (negative, NaN, fractions, unknown names, objects) and communicate(42) get clear errors; the child still takes signals", async () => {
  await run(async () => {
    const proc = await createSubprocessExec("sleep", ["30"], { stdin: PIPE });
    const ok = () => {
      assert.equal(proc.returncode, null, "the child still runs");
      proc.sendSignal("SIGCONT"); // a harmless signal, delivered
    };
    tried += await matrix([
      [
        "sendSignal(-1)",
        () => proc.sendSignal(-1),
        RangeError,
        /Cannot send signal as 'signal' must be a valid signal: current value is -1/,
      ],
      [
        "sendSignal(NaN)",
        () => proc.sendSignal(NaN),
        RangeError,
        /'signal' must be a valid signal: current value is NaN/,
      ],
      [
        "sendSignal(1.5)",
        () => proc.sendSignal(1.5),
        RangeError,
        /'signal'.*current value is 1\.5/,
      ],
      [
        "sendSignal(9999)",
        () => proc.sendSignal(9999),
        RangeError,
        /'signal'.*current value is 9999/,
      ],
      [
        "sendSignal('SIGFOO')",
        () => proc.sendSignal("SIGFOO" as never),
        RangeError,
        /'signal'.*current value is "SIGFOO"/,
      ],
      [
        "sendSignal({})",
        () => proc.sendSignal({} as never),
        TypeError,
        /'signal' must be a signal name or number: current value is an Object object/,
      ],
      [
        "communicate(42)",
        () => proc.communicate(42 as never),
        TypeError,
        /'input' must be a Uint8Array, a string or null: current value is 42/,
      ],
    ], ok);
    proc.kill();
    assert.equal(await proc.wait(), -9);
    // After the exit: signals do nothing until the transport finished,
    // then are Python's ProcessLookupError (Deno's NotFound).
    tried += await matrix([
      [
        "sendSignal() after the transport finished",
        () => proc.sendSignal("SIGTERM"),
        Deno.errors.NotFound,
        /No such process/,
      ],
      [
        "kill() after the transport finished",
        () => proc.kill(),
        Deno.errors.NotFound,
        /No such process/,
      ],
    ], () => assert.equal(proc.returncode, -9));
  });
});

// ---- pipes ----

Deno.test("connectReadPipe()/connectWritePipe() with what is not a pipe of that direction get a TypeError naming 'pipe'; pipes still connect", async () => {
  await run(async (loop) => {
    const ok = async () => {
      const got: Uint8Array[] = [];
      const done = Promise.withResolvers<void>();
      class Reader extends Protocol {
        override dataReceived(d: Uint8Array) {
          got.push(d);
        }
        override connectionLost() {
          done.resolve();
        }
      }
      await loop.connectReadPipe(() => new Reader(), new Blob(["ok"]).stream());
      await done.promise;
      assert.equal(dec(got[0]), "ok");
    };
    const read = (pipe: unknown) =>
      loop.connectReadPipe(() => new Protocol(), pipe as never);
    const write = (pipe: unknown) =>
      loop.connectWritePipe(() => new Protocol(), pipe as never);
    tried += await matrix([
      [
        "connectReadPipe(42)",
        () => read(42),
        TypeError,
        /Cannot connect read pipe as 'pipe' must be a ReadableStream or have read\(\) and close\(\) .*: current value is 42/,
      ],
      [
        "connectReadPipe(a WritableStream)",
        () => read(new WritableStream()),
        TypeError,
        /'pipe'.*current value is a WritableStream object/,
      ],
      [
        "connectReadPipe({ read })",
        () => read({ read: () => Promise.resolve(null) }),
        TypeError,
        /'pipe'/,
      ],
      [
        "connectWritePipe(a ReadableStream)",
        () => write(new ReadableStream()),
        TypeError,
        /Cannot connect write pipe as 'pipe' must be a WritableStream or have write\(\) and close\(\) .*: current value is a ReadableStream object/,
      ],
      [
        "connectWritePipe(null)",
        () => write(null),
        TypeError,
        /'pipe'.*null/,
      ],
      [
        "connectWritePipe(Deno.stdin)",
        () => write(Deno.stdin),
        TypeError,
        /'pipe'/,
      ],
      [
        "connectReadPipe(42, stream)",
        () => loop.connectReadPipe(42 as never, new ReadableStream()),
        TypeError,
        /'protocolFactory' must be a function: current value is 42/,
      ],
    ], ok);
  });
});

// ---- UDP, both loops ----

forEachLoop(
  "createDatagramEndpoint() and sendto(): bad addresses, ports, families, options and data get clear errors; the endpoint still sends",
  async (kind) => {
    await noUnhandledRejections(async () => {
      const loop = kind.make() as SelectorEventLoop;
      const seen = recordExceptions(loop);
      try {
        await loop.runUntilComplete(async () => {
          class Echo extends DatagramProtocol {
            got: string[] = [];
            errors: string[] = [];
            override datagramReceived(d: Uint8Array) {
              this.got.push(dec(d));
            }
            override errorReceived(e: Error) {
              this.errors.push(e.name);
            }
          }
          const [t, p] = await loop.createDatagramEndpoint(() => new Echo(), {
            localAddr: ["127.0.0.1", 0],
          });
          const self = t.getExtraInfo("sockname") as Deno.NetAddr;
          let n = 0;
          const ok = async () => {
            const text = `ok ${++n}`;
            t.sendto(enc(text), ["127.0.0.1", self.port]);
            while (!p.got.includes(text)) {
              await new Promise((r) => setTimeout(r, 1));
            }
            assert.equal(t.isClosing(), false);
          };
          const mk = (options: unknown) =>
            loop.createDatagramEndpoint(
              () => new DatagramProtocol(),
              options as never,
            );
          tried += await matrix([
            [
              "options: 42",
              () => mk(42),
              TypeError,
              /Cannot create datagram endpoint as 'options' must be an object: current value is 42/,
            ],
            [
              "localAddr: ['127.0.0.1'] (no port)",
              () => mk({ localAddr: ["127.0.0.1"] }),
              TypeError,
              /Cannot create datagram endpoint as 'localAddr' must be \[host, port\].*: current value is an array of length 1/,
            ],
            [
              "localAddr: [42, 0]",
              () => mk({ localAddr: [42, 0] }),
              TypeError,
              /'localAddr' must be \[host, port\]/,
            ],
            [
              "localAddr: [host, 70000]",
              () => mk({ localAddr: ["127.0.0.1", 70000] }),
              RangeError,
              /Cannot create datagram endpoint as the port of 'localAddr' must be an integer from 0 to 65535: current value is 70000/,
            ],
            [
              "localAddr: [host, -1]",
              () => mk({ localAddr: ["127.0.0.1", -1] }),
              RangeError,
              /the port of 'localAddr'.*-1/,
            ],
            [
              "remoteAddr: [host, NaN]",
              () => mk({ remoteAddr: ["127.0.0.1", NaN] }),
              RangeError,
              /the port of 'remoteAddr'.*NaN/,
            ],
            [
              "family: 5",
              () => mk({ localAddr: ["127.0.0.1", 0], family: 5 }),
              RangeError,
              /'family' must be 0, .*: current value is 5/,
            ],
            [
              "family: 6 with an IPv4 address",
              () => mk({ localAddr: ["127.0.0.1", 0], family: 6 }),
              kind === SELECTOR ? OSError : RangeError,
              /127\.0\.0\.1|families/,
            ],
            [
              "no address, family or sock",
              () => mk({}),
              RangeError,
              /'family'/,
            ],
            [
              "reuseAddress: true",
              () => mk({ localAddr: ["127.0.0.1", 0], reuseAddress: true }),
              RangeError,
              /reuseAddress/,
            ],
            [
              "localAddr: an invalid IPv4 literal",
              () => mk({ localAddr: ["300.1.1.1", 0] }),
              OSError,
              /300\.1\.1\.1/,
            ],
            [
              "sendto('x', addr)",
              () => t.sendto("x" as never, ["127.0.0.1", self.port]),
              TypeError,
              /'data' must be a Uint8Array: current value is "x"/,
            ],
            [
              "sendto(data) without an address",
              () => t.sendto(enc("x")),
              RangeError,
              /'addr'/,
            ],
            [
              "sendto(data, 42)",
              () => t.sendto(enc("x"), 42 as never),
              TypeError,
              /must be \[host, port\].*: current value is 42/,
            ],
            [
              "sendto(data, [host, 70000])",
              () => t.sendto(enc("x"), ["127.0.0.1", 70000]),
              RangeError,
              /port.* must be .*65535: current value is 70000/,
            ],
          ], ok);
          assert.deepEqual(p.errors, []);
          // After close(): dropped, no error, no callback.
          t.close();
          t.sendto(enc("late"), ["127.0.0.1", self.port]);
          assert.ok(t.isClosing());
        });
        assert.deepEqual(seen.map((c) => c.message), []);
      } finally {
        loop.close();
      }
    });
  },
);

// ---- the selector loop, selectors and Socket ----

Deno.test({
  name:
    "SelectorEventLoop: bad descriptors, closed sockets, bad callbacks and sizes get clear errors; readers still work",
  ignore: !SELECTOR.available,
  fn: () =>
    noUnhandledRejections(async () => {
      const loop = new SelectorEventLoop();
      const [a, b] = socketpair();
      a.setBlocking(false);
      b.setBlocking(false);
      const closed = socket();
      closed.close();
      const ok = async () => {
        const got = loop.createFuture<string>();
        loop.addReader(a, () => {
          loop.removeReader(a);
          got.setResult(dec(a.recv(100)));
        });
        b.send(enc("ok"));
        assert.equal(await loop.runUntilComplete(got), "ok");
        assert.equal(loop.selector.getMap().size, 0);
      };
      const f = () => {};
      try {
        tried += await matrix([
          [
            "addReader(-1, f)",
            () => loop.addReader(-1, f),
            RangeError,
            /Cannot add reader as 'fd' must be a descriptor >= 0: current value is -1/,
          ],
          [
            "addReader('3', f)",
            () => loop.addReader("3" as never, f),
            TypeError,
            /Cannot add reader as 'fd' must be a descriptor or have fileno\(\): current value is "3"/,
          ],
          [
            "addReader(NaN, f)",
            () => loop.addReader(NaN, f),
            RangeError,
            /'fd'.*NaN/,
          ],
          [
            "addReader(a descriptor that is not open, f)",
            () => loop.addReader(99999, f),
            OSError,
            isEbadf,
          ],
          [
            "addWriter(a regular file, f)",
            () => {
              using file = Deno.openSync(new URL(import.meta.url));
              return loop.addWriter(
                (file as unknown as { rid: number }).rid ?? 0,
                f,
              );
            },
            OSError,
            /.+/,
          ],
          [
            "addReader(a closed Socket, f)",
            () => loop.addReader(closed, f),
            RangeError,
            /'fd' must be a descriptor >= 0: current value is -1/,
          ],
          [
            "addReader({}, f)",
            () => loop.addReader({} as never, f),
            TypeError,
            /'fd' must be a descriptor or have fileno\(\): current value is an Object object/,
          ],
          [
            "addReader(sock, 42)",
            () => loop.addReader(a, 42 as never),
            TypeError,
            /'callback' must be a function: current value is 42/,
          ],
          [
            "removeReader('x')",
            () => loop.removeReader("x" as never),
            TypeError,
            /Cannot remove reader as 'fd'.*"x"/,
          ],
          [
            "sockRecv(a closed Socket, 1)",
            () => loop.sockRecv(closed, 1),
            OSError,
            isEbadf,
          ],
          [
            "sockAccept(a closed Socket)",
            () => loop.sockAccept(closed),
            OSError,
            isEbadf,
          ],
          [
            "sockRecv(sock, '1')",
            () => loop.sockRecv(a, "1" as never),
            TypeError,
            /Cannot receive as 'nbytes' must be an integer >= 0: current value is "1"/,
          ],
          [
            "sockRecv(sock, NaN)",
            () => loop.sockRecv(a, NaN),
            RangeError,
            /'nbytes'.*NaN/,
          ],
          [
            "sockSendall(sock, 'x')",
            () => loop.sockSendall(a, "x" as never),
            TypeError,
            /'data' must be a Uint8Array: current value is "x"/,
          ],
          [
            "sockRecv(a Deno.Conn-like object)",
            () => loop.sockRecv({ read() {} } as never, 1),
            TypeError,
            /'sock' must be a Socket/,
          ],
          [
            "sockConnect(an AF_INET socket, an IPv6 address)",
            () => {
              const s = socket(AF_INET);
              s.setBlocking(false);
              return loop.runUntilComplete(loop.sockConnect(s, ["::1", 9]))
                .finally(() => s.close());
            },
            OSError,
            /::1/,
          ],
          [
            "sockConnect(sock, [host, 70000])",
            () => {
              const s = socket(AF_INET);
              s.setBlocking(false);
              return loop.runUntilComplete(
                loop.sockConnect(s, ["127.0.0.1", 70000]),
              ).finally(() => s.close());
            },
            RangeError,
            /'port' must be .*: current value is 70000/,
          ],
          [
            "sockRecv(a blocking socket) in debug mode",
            () => {
              loop.setDebug(true);
              const [c, d] = socketpair();
              return loop.runUntilComplete(loop.sockRecv(c, 1)).finally(() => {
                loop.setDebug(false);
                c.close();
                d.close();
              });
            },
            RangeError,
            /Cannot receive as 'sock' must be non-blocking in debug mode: current value is <Socket fd=\d+/,
          ],
        ], ok);
      } finally {
        a.close();
        b.close();
        loop.close();
      }
    }),
});

Deno.test({
  name:
    "selectors: bad events, descriptors and timeouts (NaN, strings) get clear errors; the selector still selects",
  ignore: !SELECTOR.available,
  fn: async () => {
    for (const Selector of [DefaultSelector, PollSelector]) {
      using sel = new Selector();
      const [a, b] = socketpair();
      sel.register(a, EVENT_READ, "a");
      const ok = async () => {
        b.send(enc("x"));
        const ready = await sel.select(1);
        assert.deepEqual(ready.map(([k]) => k.data), ["a"]);
        a.recv(10);
      };
      try {
        tried += await matrix([
          [
            "select(NaN)",
            () => sel.select(NaN),
            RangeError,
            /Cannot select as 'timeout' must be a number of seconds or null: current value is NaN/,
          ],
          [
            "select('1')",
            () => sel.select("1" as never),
            TypeError,
            /'timeout'.*"1"/,
          ],
          [
            "register('x', EVENT_READ)",
            () => sel.register("x" as never, EVENT_READ),
            TypeError,
            /Cannot register as 'fileobj' must be a descriptor or have fileno\(\): current value is "x"/,
          ],
          [
            "register(sock, '1')",
            () => sel.register(b, "1" as never),
            TypeError,
            /Cannot register as 'events' must be EVENT_READ, EVENT_WRITE or both: current value is "1"/,
          ],
          [
            "register(sock, 4)",
            () => sel.register(b, 4),
            RangeError,
            /'events'.*4/,
          ],
          [
            "register(a registered socket)",
            () => sel.register(a, EVENT_READ),
            RangeError,
            /already registered/,
          ],
          [
            "modify(an unregistered socket)",
            () => sel.modify(b, EVENT_READ),
            RangeError,
            /is not registered/,
          ],
        ], ok);
      } finally {
        a.close();
        b.close();
      }
      sel.close();
      tried += await matrix([
        [
          "select() on a closed selector",
          () => sel.select(0),
          RuntimeError,
          /Selector is closed/,
        ],
      ], () => {});
    }
  },
});

Deno.test({
  name:
    "Socket: bad families, types, descriptors, addresses, sizes and options get clear errors; the socket still works",
  ignore: !SELECTOR.available,
  fn: async () => {
    const [a, b] = socketpair();
    const ok = () => {
      a.send(enc("ok"));
      assert.equal(dec(b.recv(10)), "ok");
    };
    const s = socket();
    try {
      tried += await matrix([
        [
          "socket('x')",
          () => socket("x" as never),
          TypeError,
          /Cannot create Socket as 'family' must be an integer: current value is "x"/,
        ],
        [
          "socket(AF_INET, 1.5)",
          () => socket(AF_INET, 1.5),
          TypeError,
          /'type' must be an integer: current value is 1\.5/,
        ],
        [
          "socket(12345)",
          () => socket(12345),
          OSError,
          /Address family not supported/,
        ],
        [
          "socket(AF_INET, 999)",
          () => socket(AF_INET, 999),
          OSError,
          /Invalid argument/,
        ],
        [
          "new Socket(..., fileno: -1)",
          () => new Socket(AF_INET, SOCK_STREAM, 0, -1),
          RangeError,
          /'fileno' must be an integer >= 0: current value is -1/,
        ],
        [
          "new Socket(..., fileno of no socket)",
          () => new Socket(AF_INET, SOCK_STREAM, 0, 99999),
          OSError,
          isEbadf,
        ],
        [
          "bind([host, 70000])",
          () => s.bind(["127.0.0.1", 70000]),
          RangeError,
          /'port' must be from 0 to 65535: current value is 70000/,
        ],
        [
          "bind(['::1', 0]) on an AF_INET socket",
          () => s.bind(["::1", 0]),
          OSError,
          /::1/,
        ],
        [
          "bind(42)",
          () => s.bind(42 as never),
          TypeError,
          /current value is 42/,
        ],
        [
          "recv('1')",
          () => a.recv("1" as never),
          TypeError,
          /Cannot receive as 'bufsize' must be an integer >= 0: current value is "1"/,
        ],
        [
          "recv(-1)",
          () => a.recv(-1),
          RangeError,
          /'bufsize'.*-1/,
        ],
        [
          "send('x')",
          () => a.send("x" as never),
          TypeError,
          /'data' must be a Uint8Array: current value is "x"/,
        ],
        [
          "setsockopt(level, opt, 'x')",
          () => a.setsockopt(1, 7, "x" as never),
          TypeError,
          /Cannot set socket option as 'value' must be a number, a boolean or a Uint8Array: current value is "x"/,
        ],
        [
          "setsockopt('1', opt, 1)",
          () => a.setsockopt("1" as never, 7, 1),
          TypeError,
          /'level' must be an integer: current value is "1"/,
        ],
        [
          "sendto(data, [host, 9]) on a stream socket of another family",
          () => {
            using u = socket(AF_INET6, SOCK_DGRAM);
            return u.sendto(enc("x"), ["127.0.0.1", 9]);
          },
          OSError,
          /127\.0\.0\.1/,
        ],
      ], ok);
      s.close();
      tried += await matrix([
        ["recv() on a closed socket", () => s.recv(1), OSError, isEbadf],
        [
          "getsockname() on a closed socket",
          () => s.getsockname(),
          OSError,
          isEbadf,
        ],
      ], () => assert.ok(s.closed));
    } finally {
      s.close();
      a.close();
      b.close();
    }
  },
});

// ---- the executor ----

Deno.test("executor: a closure over outer variables, bound and native functions get errors naming what is missing; the pool still works", async () => {
  await run(async (loop) => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const outer = 41;
    const helper = (x: number) => x * 2;
    tried += await matrix([
      [
        "a closure over an outer variable",
        () => loop.runInExecutor(pool, () => outer + 1),
        ReferenceError,
        /uses 'outer', which is not defined in the worker/,
      ],
      [
        "a closure over an outer function",
        () => loop.runInExecutor(pool, (x: number) => helper(x), 2),
        ReferenceError,
        /uses 'helper'/,
      ],
      [
        "a bound function",
        () => loop.runInExecutor(pool, ((x: number) => x).bind(null, 1)),
        TypeError,
        /Cannot send bound \(\) to a worker as it is a native or bound function/,
      ],
      [
        "a native function",
        () => loop.runInExecutor(pool, Math.max, 1, 2),
        TypeError,
        /Cannot send max\(\) to a worker/,
      ],
      [
        "an argument that cannot be cloned",
        () => loop.runInExecutor(pool, (f: unknown) => typeof f, () => 1),
        TypeError,
        /cannot be structured-cloned/,
      ],
    ], async () => {
      assert.equal(await loop.runInExecutor(pool, (x: number) => x + 1, 1), 2);
    });
  });
});

Deno.test("executor: a module the program may not read is a TypeError naming it; the pool still runs jobs", async () => {
  const fixture = new URL("./fixtures/module_without_read.ts", import.meta.url);
  const root = new URL("../", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", `--allow-read=${root}`, fixture.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(result.error.name, "TypeError");
  assert.match(result.error.message, /Requires read access to ".*outside\.ts"/);
  assert.equal(result.after, 2);
  tried++;
});

Deno.test("bad input (platform): the count of inputs tried", () => {
  console.log(`bad inputs tried: ${tried}`);
  assert.ok(tried >= 100, `${tried}`);
});
