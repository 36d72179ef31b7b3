/**
 * `DenoEventLoop`: the default loop, a proactor on Deno's APIs (CPython's
 * `proactor_events.py` in spirit: Deno completes reads and writes, it does
 * not report readiness). File-descriptor callbacks (`addReader` and
 * friends) need a selector loop, so they throw `NotImplementedError`.
 *
 * @module
 */
import { BaseEventLoop } from "./base_event_loop.ts";
import { NotImplementedError } from "../futures/exceptions.ts";
import type { Awaitable } from "../futures/types.ts";
import type { BaseProtocol, ProtocolFactory } from "../transports/protocol.ts";
import type { Transport } from "../transports/transport.ts";
import type { Server } from "../transports/server.ts";
import type { SSLArg } from "../transports/tls.ts";
import * as net from "../transports/connections.ts";
import { Handle } from "./handle.ts";
import { describe } from "./_describe.ts";
import { MAX_HOST_TIMER_SECONDS } from "./_host.ts";
import {
  _checkSignal,
  _getSignalHandler,
  _setSignalHandler,
} from "./signals.ts";

/** A signal handler of a loop: its handle and the listener installed. */
interface SignalEntry {
  handle: Handle;
  listener: () => void;
}

function isCoroutineFunction(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: string } })?.constructor?.name;
  return name === "AsyncFunction" || name === "GeneratorFunction" ||
    name === "AsyncGeneratorFunction";
}
import type {
  DatagramTransport,
  ReadTransport,
  SubprocessTransport,
  WriteTransport,
} from "../transports/transport.ts";
import * as subprocess from "../transports/subprocess_transport.ts";
import * as pipes from "../transports/pipe_transport.ts";
import * as udp from "../transports/datagram_transport.ts";
import { abandonAll } from "../transports/_abandon.ts";

function needsSelector(method: string): never {
  throw new NotImplementedError(
    `${method} is not supported by DenoEventLoop: Deno hides file descriptors. ` +
      "Use SelectorEventLoop for it: run(main, { loopFactory: () => new SelectorEventLoop() })",
  );
}

/**
 * The default event loop of this module: the shared scheduler of
 * `BaseEventLoop` plus I/O on Deno's APIs (`Deno.listen`, `Deno.connect`,
 * `Deno.Command`, ...). `newEventLoop()` returns one.
 *
 * @example
 * ```ts
 * import { DenoEventLoop, newEventLoop, NotImplementedError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.ok(loop instanceof DenoEventLoop);
 * assert.throws(() => loop.addReader(0, () => {}), NotImplementedError);
 * loop.close();
 * ```
 */
export class DenoEventLoop extends BaseEventLoop {
  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override addReader<A extends unknown[]>(
    _fd: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): void {
    needsSelector("addReader()");
  }

  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override removeReader(_fd: number): boolean {
    return needsSelector("removeReader()");
  }

  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override addWriter<A extends unknown[]>(
    _fd: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): void {
    needsSelector("addWriter()");
  }

  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override removeWriter(_fd: number): boolean {
    return needsSelector("removeWriter()");
  }

  // ---- network: connections, servers, TLS, low-level sockets ----

  /**
   * Opens a TCP connection to `host`:`port` (TLS with `ssl`), makes a
   * protocol with `protocolFactory`, and resolves to `[transport, protocol]`
   * once the protocol's `connectionMade()` was called.
   *
   * With `ssl: true` the server's certificate is verified against the
   * system's roots and `serverHostname` (default `host`); `SSLOptions` add
   * CA certificates, a client certificate and ALPN. `sock` uses a connected
   * `Deno.Conn` instead. Cancelling the awaiting task closes what was opened.
   *
   * @param protocolFactory Makes the protocol.
   * @param host The host name or address.
   * @param port The port.
   * @param options `ssl`, `serverHostname`, `family`, `happyEyeballsDelay`, `sock`, `sslHandshakeTimeout`.
   * @returns `[transport, protocol]`.
   * @throws {Deno.errors.ConnectionRefused} If nothing listens there.
   * @throws {SSLCertVerificationError} If the certificate is not trusted or does not match.
   * @throws {NotImplementedError} If `localAddr` is given (Deno cannot bind before connecting).
   *
   * @example A client protocol
   * ```ts
   * import { Protocol, run, getRunningLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   await using server = await loop.createServer(() => new Protocol(), "127.0.0.1", 0);
   *   const { port } = server.sockets[0].addr as Deno.NetAddr;
   *   const [transport, protocol] = await loop.createConnection(() => new Protocol(), "127.0.0.1", port);
   *   assert.ok(protocol instanceof Protocol);
   *   transport.close();
   * });
   * ```
   */
  override createConnection<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    host?: string | null,
    port?: number | null,
    options?: net.CreateConnectionOptions,
  ): Awaitable<[Transport, P]> {
    return net.createConnection(this, protocolFactory, host, port, options);
  }

  /**
   * Listens on `host` and `port` and makes a protocol for every connection.
   * `host` may be a name, an address (`"::1"` for IPv6), a list of them, or
   * `null`/`""` for all interfaces; `port: 0` picks a free port (read it
   * from `server.sockets[i].addr`). With `ssl` (an `SSLOptions` with
   * `cert` and `key`) the server speaks TLS. Awaiting it gives the loop one
   * iteration after the server starts serving.
   *
   * @param protocolFactory Makes a protocol per connection.
   * @param host Where to listen.
   * @param port The port (0: any free one).
   * @param options `ssl`, `backlog`, `reusePort`, `startServing`, `sslHandshakeTimeout`, `sock`.
   * @returns The `Server`.
   * @throws {Deno.errors.AddrInUse} If the address is taken.
   *
   * @example Listening on IPv4 and IPv6 loopback at once
   * ```ts
   * import { Protocol, run, getRunningLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   await using server = await loop.createServer(() => new Protocol(), ["127.0.0.1", "::1"], 0);
   *   assert.equal(server.sockets.length, 2);
   * });
   * ```
   */
  override createServer(
    protocolFactory: ProtocolFactory,
    host?: string | string[] | null,
    port?: number | null,
    options?: net.CreateServerOptions,
  ): Awaitable<Server> {
    return net.createServer(this, protocolFactory, host, port, options);
  }

  /**
   * Opens a Unix socket connection to `path`, as `createConnection()`.
   *
   * @param protocolFactory Makes the protocol.
   * @param path The socket's path.
   * @param options `ssl` with `serverHostname`, `sock`, `sslHandshakeTimeout`.
   * @returns `[transport, protocol]`.
   * @throws {Deno.errors.NotFound} If there is no socket at `path`.
   *
   * @example
   * ```ts
   * import { Protocol, run, getRunningLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   const path = Deno.makeTempDirSync() + "/s.sock";
   *   await using _server = await loop.createUnixServer(() => new Protocol(), path);
   *   const [t] = await loop.createUnixConnection(() => new Protocol(), path);
   *   assert.equal((t.getExtraInfo("peername") as Deno.UnixAddr).path, path);
   *   t.close();
   * });
   * ```
   */
  override createUnixConnection<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    path?: string | null,
    options?: net.CreateUnixConnectionOptions,
  ): Awaitable<[Transport, P]> {
    return net.createUnixConnection(this, protocolFactory, path, options);
  }

  /**
   * Listens on the Unix socket `path` (a stale socket file there is
   * removed first, and the file is removed when the server closes).
   *
   * @param protocolFactory Makes a protocol per connection.
   * @param path The socket's path.
   * @param options `backlog`, `startServing`, `cleanupSocket`, `sock`.
   * @returns The `Server`.
   * @throws {NotImplementedError} With `ssl` (use `startTls` on each connection).
   *
   * @example
   * ```ts
   * import { Protocol, run, getRunningLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   const path = Deno.makeTempDirSync() + "/s.sock";
   *   const server = await loop.createUnixServer(() => new Protocol(), path);
   *   assert.ok(Deno.statSync(path).isSocket);
   *   server.close();
   *   await server.waitClosed();
   * });
   * ```
   */
  override createUnixServer(
    protocolFactory: ProtocolFactory,
    path?: string | null,
    options?: net.CreateUnixServerOptions,
  ): Awaitable<Server> {
    return net.createUnixServer(this, protocolFactory, path, options);
  }

  /**
   * Upgrades the live connection of `transport` to TLS: resolves to a new
   * transport, whose protocol is `protocol`, after the handshake. The old
   * transport must not be used afterwards. The TLS connection runs over a
   * private loopback relay (see `SSLOptions`), so `--allow-net` must allow
   * `127.0.0.1`.
   *
   * @param transport The transport to upgrade.
   * @param protocol The protocol of the upgraded connection.
   * @param sslcontext `true` or `SSLOptions` (with `cert` and `key` when `serverSide`).
   * @param options `serverSide`, `serverHostname`, `sslHandshakeTimeout`.
   * @returns The TLS transport.
   * @throws {SSLCertVerificationError} If the peer's certificate is rejected.
   *
   * @example
   * ```ts
   * import { DenoEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * assert.equal(typeof DenoEventLoop.prototype.startTls, "function");
   * ```
   */
  override startTls(
    transport: Transport,
    protocol: BaseProtocol,
    sslcontext: SSLArg,
    options?: net.StartTlsOptions,
  ): Awaitable<Transport> {
    return net.startTls(this, transport, protocol, sslcontext, options);
  }

  /**
   * Accepts a connection on `sock`: `[conn, addr]`, as in the seed's echo
   * server. Cancellation-safe: a connection accepted for a cancelled call
   * goes to the next one.
   *
   * @param sock The listener.
   * @returns The connection and the peer's address.
   *
   * @example The seed's echo server, with generator coroutines
   * ```ts
   * import { run, getRunningLoop, type Coroutine } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * function* handleClient(conn: Deno.Conn): Coroutine<void> {
   *   const loop = getRunningLoop();
   *   for (;;) {
   *     const data = yield* loop.sockRecv(conn, 4096);
   *     if (data.length === 0) break;
   *     yield* loop.sockSendall(conn, data);
   *   }
   *   conn.close();
   * }
   * await run(function* () {
   *   const loop = getRunningLoop();
   *   const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   *   const client = yield* loop.sockConnect(["127.0.0.1", (server.addr as Deno.NetAddr).port]);
   *   const [conn] = yield* loop.sockAccept(server);
   *   const task = loop.createTask(handleClient(conn));
   *   yield* loop.sockSendall(client, new TextEncoder().encode("ping"));
   *   const echo = yield* loop.sockRecv(client, 4);
   *   assert.equal(new TextDecoder().decode(echo), "ping");
   *   client.close();
   *   yield* task;
   *   server.close();
   * });
   * ```
   */
  override sockAccept(sock: Deno.Listener): Awaitable<[Deno.Conn, Deno.Addr]> {
    return net.sockAccept(this, sock);
  }

  /**
   * Receives up to `nbytes` bytes from `sock`; an empty array at EOF.
   * Cancellation-safe: bytes that arrive for a cancelled call go to the
   * next one.
   *
   * @param sock The connection.
   * @param nbytes The most bytes to return.
   * @returns The bytes (a new array).
   * @throws {RangeError} If `nbytes` is negative or not an integer.
   *
   * @example
   * ```ts
   * import { run, getRunningLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   *   const client = await loop.sockConnect(listener.addr);
   *   const [conn] = await loop.sockAccept(listener);
   *   client.close();
   *   assert.equal((await loop.sockRecv(conn, 100)).length, 0);
   *   conn.close();
   * });
   * ```
   */
  override sockRecv(sock: Deno.Conn, nbytes: number): Awaitable<Uint8Array> {
    return net.sockRecv(this, sock, nbytes);
  }

  /**
   * Receives into `buf`; resolves to the number of bytes (0 at EOF).
   *
   * @param sock The connection.
   * @param buf Where to put the bytes.
   * @returns The number of bytes received.
   *
   * @example
   * ```ts
   * import { run, getRunningLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   *   const client = await loop.sockConnect(listener.addr);
   *   const [conn] = await loop.sockAccept(listener);
   *   await loop.sockSendall(client, new Uint8Array([1, 2, 3]));
   *   const buf = new Uint8Array(8);
   *   assert.equal(await loop.sockRecvInto(conn, buf), 3);
   *   client.close();
   *   conn.close();
   * });
   * ```
   */
  override sockRecvInto(sock: Deno.Conn, buf: Uint8Array): Awaitable<number> {
    return net.sockRecvInto(this, sock, buf);
  }

  /**
   * Sends all of `data` (as many writes as it takes).
   *
   * @param sock The connection.
   * @param data The bytes.
   *
   * @example
   * ```ts
   * import { DenoEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * assert.equal(typeof DenoEventLoop.prototype.sockSendall, "function");
   * ```
   */
  override sockSendall(sock: Deno.Conn, data: Uint8Array): Awaitable<void> {
    return net.sockSendall(this, sock, data);
  }

  /**
   * Connects to `address` (`[host, port]`, a `Deno.NetAddr`, a
   * `Deno.UnixAddr` or a Unix socket path) and resolves to the connection.
   * Deno has no unconnected sockets, so unlike Python's `sock_connect` this
   * makes the socket too.
   *
   * @param address Where to connect.
   * @returns The connection.
   *
   * @example
   * ```ts
   * import { run, getRunningLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   *   const conn = await getRunningLoop().sockConnect(["127.0.0.1", (listener.addr as Deno.NetAddr).port]);
   *   assert.equal(conn.remoteAddr.transport, "tcp");
   *   conn.close();
   * });
   * ```
   */
  override sockConnect(
    address: net.AddressLike | string,
  ): Awaitable<Deno.Conn> {
    return net.sockConnect(this, address);
  }

  /**
   * Sends `count` bytes (default: to the end) of `file` from `offset`, and
   * resolves to the number sent. Deno has no `sendfile`, so this reads and
   * writes in 256 KiB chunks (`fallback: false` is a
   * `SendfileNotAvailableError`). The file position ends after what was sent.
   *
   * @param sock The connection.
   * @param file The open file.
   * @param offset Where to start.
   * @param count How many bytes (default: all).
   * @param options `fallback`.
   * @returns The number of bytes sent.
   * @throws {SendfileNotAvailableError} With `fallback: false`.
   *
   * @example
   * ```ts
   * import { DenoEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * assert.equal(typeof DenoEventLoop.prototype.sockSendfile, "function");
   * ```
   */
  override sockSendfile(
    sock: Deno.Conn,
    file: Deno.FsFile,
    offset?: number,
    count?: number | null,
    options?: net.SockSendfileOptions,
  ): Awaitable<number> {
    return net.sockSendfile(this, sock, file, offset, count, options);
  }

  // ---- signals (issue 5; CPython's unix_events.py) ----

  /** @internal This loop's signal handlers, by signal name. */
  _signalHandlers: Map<string, SignalEntry> = new Map();

  /**
   * Calls `callback(...args)` as a callback of this loop whenever the
   * process receives `sig`, a signal name such as `"SIGINT"` or
   * `"SIGTERM"` (CPython's `add_signal_handler`, on
   * `Deno.addSignalListener`). The callback runs in a loop iteration, as
   * if scheduled with `callSoonThreadsafe` when the signal arrived; an
   * error it throws goes to the exception handler. Adding a handler for a
   * signal that has one replaces it. The handler is the realm's handler
   * of `sig`: it displaces `run()`'s Ctrl-C handling for SIGINT, and
   * another loop's handler of the same signal. `close()` removes the
   * loop's handlers. Signals need no permission. Unlike CPython, which
   * allows signal handlers only on the main thread, a loop in a Worker may
   * have them too (Deno delivers a signal to every realm that listens).
   *
   * To run a coroutine on a signal, start it from the callback:
   * `loop.addSignalHandler("SIGTERM", () => void createTask(shutdown()))`.
   *
   * @param sig The signal's name.
   * @param callback What to call.
   * @param args Its arguments.
   * @throws {TypeError} If `sig` is not a string, or `callback` is not a
   *   function or is a coroutine function.
   * @throws {RangeError} If `sig` names no signal of this platform.
   * @throws {RuntimeError} If the signal cannot be caught (SIGKILL,
   *   SIGSTOP, ...) or the loop is closed.
   *
   * @example Handling a signal sent to the program itself
   * ```ts
   * import { newEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const got: string[] = [];
   * loop.addSignalHandler("SIGWINCH", (what: string) => {
   *   got.push(what);
   *   loop.stop();
   * }, "resized");
   * Deno.kill(Deno.pid, "SIGWINCH");
   * await loop.runForever();
   * assert.deepEqual(got, ["resized"]);
   * assert.equal(loop.removeSignalHandler("SIGWINCH"), true);
   * loop.close();
   * ```
   */
  override addSignalHandler<A extends unknown[]>(
    sig: string,
    callback: (...args: A) => unknown,
    ...args: A
  ): void {
    if (typeof callback !== "function") {
      throw new TypeError(
        `Cannot call addSignalHandler() as 'callback' must be a function: current value is ${
          describe(callback)
        }`,
      );
    }
    if (isCoroutineFunction(callback)) {
      throw new TypeError("coroutines cannot be used with addSignalHandler()");
    }
    const name = _checkSignal(sig, "add signal handler");
    this._checkClosed();
    const entry: SignalEntry = {
      handle: new Handle(callback, args.length === 0 ? null : args, this),
      listener: () => this._handleSignal(name),
    };
    _setSignalHandler(name, entry.listener);
    this._signalHandlers.set(name, entry);
  }

  /**
   * Removes the handler of `sig` (CPython's `remove_signal_handler`);
   * the signal's default action is back (for SIGINT: Ctrl-C ends the
   * program). Returns true if the loop had a handler for it.
   *
   * @param sig The signal's name.
   * @returns Whether a handler was removed.
   * @throws {TypeError} If `sig` is not a string.
   * @throws {RangeError} If `sig` names no signal of this platform.
   */
  override removeSignalHandler(sig: string): boolean {
    const name = _checkSignal(sig, "remove signal handler");
    const entry = this._signalHandlers.get(name);
    if (entry === undefined) return false;
    this._signalHandlers.delete(name);
    if (_getSignalHandler(name) === entry.listener) {
      _setSignalHandler(name, null);
    }
    return true;
  }

  /** @internal A signal arrived: queue its handle (signal-safe). */
  _handleSignal(sig: string): void {
    const entry = this._signalHandlers.get(sig);
    if (entry === undefined || this._closed) return;
    if (entry.handle._cancelled) {
      this.removeSignalHandler(sig);
      return;
    }
    this._ready.push(entry.handle);
    if (this._idleResolve !== null) this._wake();
  }

  /**
   * @internal Deno's signal listeners do not keep the process alive; a loop
   * waiting for nothing but signals must, so it waits on a (long) host timer.
   */
  override _idle(timeout: number): Promise<void> {
    if (timeout === Infinity && this._signalHandlers.size > 0) {
      timeout = MAX_HOST_TIMER_SECONDS;
    }
    return super._idle(timeout);
  }

  // ---- subprocesses, pipes and UDP ----

  /**
   * Starts `program` with `args` (on `Deno.Command(...).spawn()`), makes a
   * protocol with `protocolFactory`, and resolves to `[transport, protocol]`
   * once the protocol's `connectionMade()` was called. `stdin`, `stdout`
   * and `stderr` default to `PIPE` (asyncio's defaults for this low-level
   * method); the pipes' transports are `transport.getPipeTransport(fd)`.
   * See `subprocess_transport.ts` for return codes, `STDOUT` and `env`.
   * Needs `--allow-run`.
   *
   * @param protocolFactory Makes the `SubprocessProtocol`.
   * @param program The program (looked up in `PATH` unless a path).
   * @param args Its arguments.
   * @param options `stdin`, `stdout`, `stderr`, `cwd`, `env`, `uid`, `gid`.
   * @returns `[transport, protocol]`.
   * @throws {Deno.errors.NotFound} If the program does not exist (the message names it).
   * @throws {TypeError} If an argument has the wrong type.
   *
   * @example A protocol that collects a child's output
   * ```ts
   * import { run, getRunningLoop, SubprocessProtocol, type Future } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * class Collect extends SubprocessProtocol {
   *   out = "";
   *   done: Future<void> = getRunningLoop().createFuture();
   *   override pipeDataReceived(fd: number, data: Uint8Array) {
   *     if (fd === 1) this.out += new TextDecoder().decode(data);
   *   }
   *   override connectionLost() { this.done.setResult(undefined); }
   * }
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   const [transport, protocol] = await loop.subprocessExec(() => new Collect(), "echo", ["hello"]);
   *   await protocol.done;
   *   assert.equal(protocol.out, "hello\n");
   *   assert.equal(transport.getReturncode(), 0);
   *   transport.close();
   * });
   * ```
   */
  override subprocessExec<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    program: string | URL,
    args?: readonly string[] | null,
    options?: subprocess.SubprocessOptions,
  ): Awaitable<[SubprocessTransport, P]> {
    return subprocess.subprocessExec(
      this,
      protocolFactory,
      program,
      args,
      options,
    );
  }

  /**
   * Runs `cmd` with the shell (`/bin/sh -c`; `cmd.exe /c` on Windows), as
   * `subprocessExec()`.
   *
   * @param protocolFactory Makes the `SubprocessProtocol`.
   * @param cmd The command line.
   * @param options As `subprocessExec()`.
   * @returns `[transport, protocol]`.
   * @throws {TypeError} If `cmd` is not a string.
   *
   * @example The return code of a shell command
   * ```ts
   * import { run, getRunningLoop, SubprocessProtocol, type Future } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * class Exit extends SubprocessProtocol {
   *   exited: Future<void> = getRunningLoop().createFuture();
   *   override processExited() { this.exited.setResult(undefined); }
   * }
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   const [transport, protocol] = await loop.subprocessShell(() => new Exit(), "exit 7", {
   *     stdin: null, stdout: null, stderr: null,
   *   });
   *   await protocol.exited;
   *   assert.equal(transport.getReturncode(), 7);
   *   transport.close();
   * });
   * ```
   */
  override subprocessShell<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    cmd: string,
    options?: subprocess.SubprocessOptions,
  ): Awaitable<[SubprocessTransport, P]> {
    return subprocess.subprocessShell(this, protocolFactory, cmd, options);
  }

  /**
   * Reads `pipe` with a protocol: `dataReceived` for what it reads, then
   * `eofReceived` and `connectionLost(null)` at EOF. `pipe` is anything with
   * `read(buf)` and `close()` (`Deno.stdin`, a `Deno.FsFile` such as a FIFO)
   * or a `ReadableStream` of bytes (a child's `stdout`, a `fetch()` body).
   * `pauseReading()`/`resumeReading()` stop and restart reading, as on
   * sockets. Closing the transport closes the pipe.
   *
   * @param protocolFactory Makes the protocol.
   * @param pipe The pipe.
   * @returns `[transport, protocol]`.
   * @throws {TypeError} If `pipe` cannot be read.
   *
   * @example Reading a Web stream with a protocol
   * ```ts
   * import { run, getRunningLoop, Protocol, type Future } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * class Text extends Protocol {
   *   text = "";
   *   done: Future<void> = getRunningLoop().createFuture();
   *   override dataReceived(data: Uint8Array) { this.text += new TextDecoder().decode(data); }
   *   override connectionLost() { this.done.setResult(undefined); }
   * }
   * await run(async () => {
   *   const [, protocol] = await getRunningLoop().connectReadPipe(() => new Text(), new Blob(["piped"]).stream());
   *   await protocol.done;
   *   assert.equal(protocol.text, "piped");
   * });
   * ```
   */
  override connectReadPipe<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    pipe: pipes.ReadPipe,
  ): Awaitable<[ReadTransport, P]> {
    return pipes.connectReadPipe(this, protocolFactory, pipe);
  }

  /**
   * Makes a write transport for `pipe`: `write()` never blocks, the
   * protocol's `pauseWriting()`/`resumeWriting()` follow the water marks as
   * on sockets, `close()` (or `writeEof()`) flushes then closes the pipe.
   * `pipe` is anything with `write(buf)` and `close()` (`Deno.stdout`, a
   * `Deno.FsFile`) or a `WritableStream` of bytes (a child's `stdin`).
   *
   * @param protocolFactory Makes the protocol.
   * @param pipe The pipe.
   * @returns `[transport, protocol]`.
   * @throws {TypeError} If `pipe` cannot be written.
   *
   * @example Writing into a Web stream
   * ```ts
   * import { run, getRunningLoop, BaseProtocol } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
   *   const text = new Response(readable).text();
   *   const [transport] = await getRunningLoop().connectWritePipe(() => new BaseProtocol(), writable);
   *   transport.write(new TextEncoder().encode("written"));
   *   transport.close();
   *   assert.equal(await text, "written");
   * });
   * ```
   */
  override connectWritePipe<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    pipe: pipes.WritePipe,
  ): Awaitable<[WriteTransport, P]> {
    return pipes.connectWritePipe(this, protocolFactory, pipe);
  }

  /**
   * Opens a UDP endpoint on `Deno.listenDatagram` (run Deno with
   * `--unstable-net` and `--allow-net`) and resolves to
   * `[transport, protocol]`. With `localAddr` it binds there; with
   * `remoteAddr` sends go to that peer and only its datagrams are received
   * (Deno has no connected UDP sockets: see `datagram_transport.ts`); with
   * neither, `family` (4 or 6) picks the wildcard address to bind.
   * Addresses are `[host, port]` or `Deno.NetAddr`s; those handed out
   * (`datagramReceived(data, addr)`, `"sockname"`, `"peername"`) are
   * `Deno.NetAddr`s.
   *
   * @param protocolFactory Makes the `DatagramProtocol`.
   * @param options `localAddr`, `remoteAddr`, `family`, `reusePort`, `allowBroadcast`, `sock`.
   * @returns `[transport, protocol]`.
   * @throws {NotImplementedError} Without `--unstable-net`.
   * @throws {RangeError} With `reuseAddress: true`, no address and no family, or options besides `sock`.
   * @throws {Deno.errors.AddrInUse} If `localAddr` is taken.
   *
   * @example A datagram to oneself
   * ```ts
   * import { run, getRunningLoop, DatagramProtocol, type Future } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * class One extends DatagramProtocol {
   *   got: Future<string> = getRunningLoop().createFuture();
   *   override datagramReceived(data: Uint8Array) { this.got.setResult(new TextDecoder().decode(data)); }
   * }
   * await run(async () => {
   *   const [transport, protocol] = await getRunningLoop().createDatagramEndpoint(() => new One(), {
   *     localAddr: ["127.0.0.1", 0],
   *   });
   *   transport.sendto(new TextEncoder().encode("ping"), transport.getExtraInfo("sockname") as Deno.NetAddr);
   *   assert.equal(await protocol.got, "ping");
   *   transport.close();
   * });
   * ```
   */
  override createDatagramEndpoint<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    options?: udp.CreateDatagramEndpointOptions,
  ): Awaitable<[DatagramTransport, P]> {
    return udp.createDatagramEndpoint(this, protocolFactory, options);
  }

  /**
   * Closes the loop (see `BaseEventLoop.close()`), removes its signal
   * handlers, and drops what would otherwise keep Deno waiting forever,
   * as asyncio's garbage collection of open transports does: children of
   * `subprocessExec()` still running are killed and their pipes closed;
   * open UDP endpoints and pipes of `connectReadPipe()`/`connectWritePipe()`
   * are closed (without callbacks: the loop is closed).
   *
   * @throws {RuntimeError} If the loop is running.
   */
  override close(): void {
    super.close();
    for (const sig of [...this._signalHandlers.keys()]) {
      this.removeSignalHandler(sig);
    }
    abandonAll(this);
  }
}
