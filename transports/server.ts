/**
 * `Server`: what `loop.createServer()`, `loop.createUnixServer()` and
 * `startServer()` return (asyncio's `base_events.Server`): listening
 * sockets (`Deno.Listener`s) and the connections accepted from them.
 *
 * @module
 */
import { CancelledError, RuntimeError } from "../futures/exceptions.ts";
import { Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { BaseProtocol, ProtocolFactory } from "./protocol.ts";
import type { Transport } from "./transport.ts";
import { _isOSError } from "./os_errors.ts";
import { _SocketTransport } from "./socket_transport.ts";
import { handshake, type SSLOptions } from "./tls.ts";
import type { Socket } from "./socket.ts";

/**
 * Seconds an accept loop waits after an accept failed for want of a
 * resource (too many open files...), as asyncio's `ACCEPT_RETRY_DELAY`.
 */
const ACCEPT_RETRY_DELAY = 1;

/** How a server makes a transport for an accepted connection. */
export interface ServerSetup {
  /** The protocol factory. */
  protocolFactory: ProtocolFactory;
  /** TLS options, for TLS listeners. */
  ssl: SSLOptions | null;
  /** Seconds a TLS handshake may take. */
  sslHandshakeTimeout: number;
  /** Unix socket paths to remove when the server closes. */
  unlinkOnClose?: string[];
}

/**
 * A server: listening sockets plus the connections accepted from them.
 *
 * - `close()` stops listening (the accepted connections stay open);
 *   `closeClients()` closes them, `abortClients()` aborts them.
 * - `waitClosed()` waits until the server is closed *and* all its
 *   connections are gone, as in CPython 3.12+ (before `close()`, it waits
 *   for `close()` too); then its ports are free to bind again.
 * - `serveForever()` accepts until cancelled; cancelling it closes the
 *   server and waits for it.
 * - `await using server = ...` closes it and waits at the end of the
 *   block (`async with server` in Python).
 *
 * `sockets` are the `Deno.Listener`s (with `.addr`), or the `Socket`s of
 * a `SelectorEventLoop` server; an empty array once closed.
 *
 * @example A server that says hello
 * ```ts
 * import { Protocol, run, getRunningLoop, type Transport } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class Hello extends Protocol {
 *   override connectionMade(t: Transport) {
 *     t.write(new TextEncoder().encode("hello\n"));
 *     t.close();
 *   }
 * }
 * await run(async () => {
 *   const loop = getRunningLoop();
 *   await using server = await loop.createServer(() => new Hello(), "127.0.0.1", 0);
 *   assert.ok(server.isServing());
 *   const { port } = server.sockets[0].addr as Deno.NetAddr;
 *   const conn = await Deno.connect({ hostname: "127.0.0.1", port });
 *   const text = await new Response(conn.readable).text();
 *   assert.equal(text, "hello\n");
 * });
 * ```
 */
export class Server implements AsyncDisposable {
  /** @internal */ _loop: AbstractEventLoop;
  /** @internal */ _listeners: Deno.Listener[] | null;
  /** @internal */ _setup: ServerSetup;
  /** @internal */ _serving = false;
  /** @internal */ _activeCount = 0;
  /** @internal */ _waiters: Future<void>[] | null = [];
  /** @internal */ _clients: Set<Transport> = new Set();
  /** @internal */ _servingForeverFut: Future<void> | null = null;
  /** @internal Stops the accept loops waiting to retry (see close()). */
  _acceptPauses: Set<() => void> = new Set();

  /** @internal Use `loop.createServer()`. */
  constructor(
    loop: AbstractEventLoop,
    listeners: Deno.Listener[],
    setup: ServerSetup,
  ) {
    this._loop = loop;
    this._listeners = listeners;
    this._setup = setup;
  }

  /** The loop the server runs on. */
  getLoop(): AbstractEventLoop {
    return this._loop;
  }

  /**
   * The listening sockets: `Deno.Listener`s on the default loop, `Socket`s
   * on `SelectorEventLoop` (both have `.addr`); empty once closed.
   */
  get sockets(): (Deno.Listener | Socket)[] {
    return this._listeners === null ? [] : [...this._listeners];
  }

  /** Whether the server accepts connections. */
  isServing(): boolean {
    return this._serving;
  }

  /**
   * Starts accepting connections (a server made with `startServing: false`
   * does not yet). Awaiting it gives the loop one iteration, as in asyncio.
   */
  startServing(): Awaitable<void> {
    return startServingCo(this);
  }

  /** @internal Starts the accept loops (once). */
  _startServing(): void {
    if (this._serving || this._listeners === null) return;
    this._serving = true;
    for (const listener of this._listeners) {
      this._loop.callSoon(() => void this._acceptLoop(listener));
    }
  }

  /**
   * @internal Accepts connections from `listener` until it is closed. The
   * listener's descriptor (and its port) is released only when the accept
   * in flight ends, after `close()`: the loop counts as active until then,
   * so that `waitClosed()` returns once the port is free again.
   */
  async _acceptLoop(listener: Deno.Listener): Promise<void> {
    this._activeCount++;
    try {
      await this._accepting(listener);
    } finally {
      this._detachCount();
    }
  }

  /** @internal The accept loop itself. */
  async _accepting(listener: Deno.Listener): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (exc) {
        if (this._listeners === null || this._loop.isClosed()) return;
        if (
          exc instanceof Deno.errors.BadResource ||
          exc instanceof Deno.errors.Interrupted
        ) return;
        this._loop.callExceptionHandler({
          message: "socket.accept() out of system resource",
          exception: exc,
          socket: listener,
        });
        // As asyncio: try again a little later (descriptors or memory may
        // be free by then), unless the server is closed meanwhile.
        if (!(await this._pauseAccepting())) return;
        continue;
      }
      if (this._listeners === null || this._loop.isClosed()) {
        try {
          conn.close();
        } catch { /* closed */ }
        return;
      }
      if (this._loop.isRunning()) this._accepted(conn);
      else this._loop.callSoon(() => this._accepted(conn));
    }
  }

  /**
   * @internal Waits ACCEPT_RETRY_DELAY seconds of the loop; false if the
   * server or the loop was closed first.
   */
  _pauseAccepting(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (this._listeners === null || this._loop.isClosed()) {
        resolve(false);
        return;
      }
      const stop = () => {
        handle.cancel();
        resolve(false);
      };
      const handle = this._loop.callLater(ACCEPT_RETRY_DELAY, () => {
        this._acceptPauses.delete(stop);
        resolve(this._listeners !== null);
      });
      this._acceptPauses.add(stop);
    });
  }

  /** @internal Makes the transport and protocol of an accepted connection. */
  _accepted(conn: Deno.Conn): void {
    const setup = this._setup;
    if (setup.ssl !== null) {
      void this._acceptedTls(conn as Deno.TlsConn);
      return;
    }
    let protocol: BaseProtocol;
    try {
      protocol = setup.protocolFactory();
    } catch (exc) {
      try {
        conn.close();
      } catch { /* closed */ }
      this._loop.callExceptionHandler({
        message: "Error on transport creation for incoming connection",
        exception: exc,
        socket: conn,
      });
      return;
    }
    new _SocketTransport(this._loop, conn, protocol, { server: this });
  }

  /** @internal Completes the handshake, then makes the transport. */
  async _acceptedTls(conn: Deno.TlsConn): Promise<void> {
    const setup = this._setup;
    this._activeCount++;
    let alpn: string | null;
    try {
      alpn = await handshake(conn, setup.sslHandshakeTimeout);
    } catch (exc) {
      // A failed handshake is the client's business (asyncio logs it in
      // debug mode only).
      if (this._loop.getDebug() && !_isOSError(exc)) {
        console.debug("SSL handshake failed on an incoming connection", exc);
      }
      this._detachCount();
      return;
    }
    this._activeCount--;
    if (this._loop.isClosed()) {
      conn.close();
      return;
    }
    const make = () => {
      let protocol: BaseProtocol;
      try {
        protocol = setup.protocolFactory();
      } catch (exc) {
        conn.close();
        this._loop.callExceptionHandler({
          message: "Error on transport creation for incoming connection",
          exception: exc,
          socket: conn,
        });
        this._activeCount++;
        this._detachCount();
        return;
      }
      new _SocketTransport(this._loop, conn, protocol, {
        server: this,
        tls: true,
        sslcontext: setup.ssl,
        alpnProtocol: alpn,
      });
    };
    if (this._loop.isRunning()) make();
    else this._loop.callSoon(make);
  }

  /** @internal */
  _attach(transport: Transport): void {
    this._activeCount++;
    this._clients.add(transport);
  }

  /** @internal */
  _detach(transport: Transport): void {
    this._clients.delete(transport);
    this._detachCount();
  }

  /** @internal */
  _detachCount(): void {
    this._activeCount--;
    if (this._activeCount === 0 && this._listeners === null) this._wakeup();
  }

  /** @internal Wakes every `waitClosed()`. */
  _wakeup(): void {
    const waiters = this._waiters;
    this._waiters = null;
    if (waiters === null) return;
    for (const w of waiters) if (!w.done()) w.setResult(undefined);
  }

  /**
   * Stops listening: the listeners are closed, and `serveForever()` ends.
   * Accepted connections stay open (see `closeClients()`). Closing twice
   * does nothing.
   */
  close(): void {
    const listeners = this._listeners;
    if (listeners === null) return;
    this._listeners = null;
    for (const l of listeners) {
      try {
        l.close();
      } catch { /* closed */ }
    }
    for (const path of this._setup.unlinkOnClose ?? []) {
      try {
        Deno.removeSync(path);
      } catch { /* gone */ }
    }
    this._serving = false;
    for (const stop of this._acceptPauses) stop();
    this._acceptPauses.clear();
    const fut = this._servingForeverFut;
    if (fut !== null && !fut.done()) fut.cancel();
    if (this._activeCount === 0) this._wakeup();
  }

  /** Closes every accepted connection (flushing what they buffered). */
  closeClients(): void {
    for (const t of [...this._clients]) t.close();
  }

  /** Aborts every accepted connection (dropping what they buffered). */
  abortClients(): void {
    for (const t of [...this._clients]) t.abort();
  }

  /**
   * Waits until the server is closed and every connection it accepted is
   * gone (CPython 3.12+), and its listening sockets are released: the port
   * can be bound again once it returns. Returns at once if that already
   * happened.
   */
  waitClosed(): Awaitable<void> {
    return waitClosedCo(this);
  }

  /**
   * Accepts connections until cancelled; then closes the server, waits for
   * it, and rethrows the `CancelledError`.
   *
   * @throws {RuntimeError} If it is already running, or the server is closed.
   */
  serveForever(): Awaitable<void> {
    return serveForeverCo(this);
  }

  /** Closes the server and waits for it (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  /** A description such as `<Server sockets=[127.0.0.1:8888]>`. */
  toString(): string {
    const socks = this.sockets.map((l) => {
      const a = l.addr;
      return "hostname" in a
        ? `${a.hostname}:${a.port}`
        : (a as Deno.UnixAddr).path;
    });
    return `<Server sockets=[${socks.join(", ")}]>`;
  }
}

const startServingCo = coroutine(function* (server: Server): Coroutine<void> {
  server._startServing();
  yield;
});

const waitClosedCo = coroutine(function* (server: Server): Coroutine<void> {
  if (server._waiters === null) return;
  const waiter = new Future<void>({ loop: server._loop });
  server._waiters.push(waiter);
  yield* waiter;
});

const serveForeverCo = coroutine(function* (server: Server): Coroutine<void> {
  if (server._servingForeverFut !== null) {
    throw new RuntimeError(
      `server ${server} is already being awaited on serveForever()`,
    );
  }
  if (server._listeners === null) {
    throw new RuntimeError(`server ${server} is closed`);
  }
  server._startServing();
  const fut = new Future<void>({ loop: server._loop });
  server._servingForeverFut = fut;
  try {
    yield* fut;
  } catch (e) {
    if (e instanceof CancelledError) {
      try {
        server.close();
        yield* server.waitClosed();
      } finally {
        // rethrown below
      }
    }
    throw e;
  } finally {
    server._servingForeverFut = null;
  }
});
