/**
 * `SelectorEventLoop`: the loop of the seed's talk, with I/O callbacks on
 * file descriptors (`addReader`, `addWriter`, ...) and the `sock*` methods
 * on `Socket`s, over a selector (epoll by default) reached through libc
 * (CPython's `selector_events.py`). It shares the scheduler of every loop
 * here (`BaseEventLoop`): only the wait differs.
 *
 * ## How it waits
 *
 * Each iteration checks the selector without waiting (a synchronous
 * `epoll_wait(..., 0)`, about a microsecond) and queues the callbacks of
 * the ready descriptors, as CPython's `_run_once` does with `select(0)`.
 * With nothing ready, the loop waits in the selector on a thread of its
 * own (a `nonblocking` FFI call returning a Promise), up to the next
 * timer, so the JavaScript thread stays free for Deno's own timers and
 * I/O; a callback scheduled from such a host callback (or `stop()`) writes
 * to the selector's `eventfd`, and the wait returns at once. With no
 * descriptor registered, it sleeps on a host timer as the default loop
 * does.
 *
 * ## Which loop to use
 *
 * The default loop (`DenoEventLoop`) runs on Deno's own I/O: it needs only
 * `--allow-net` and supports TLS; the two loops' `Protocol` and streams
 * servers are about as fast. Use `SelectorEventLoop` for what needs
 * descriptors: readiness callbacks on any descriptor, `Socket`s (socket
 * options, `bind()` before `connect()`, Unix datagram sockets, descriptors
 * from elsewhere), or code ported from asyncio that uses them. It needs
 * Linux and `--allow-ffi` (FFI bypasses `--allow-net`); it has no TLS.
 *
 * @module
 */
import { BaseEventLoop } from "./base_event_loop.ts";
import { BaseDefaultEventLoopPolicy } from "./policy.ts";
import { DenoEventLoop } from "./deno_event_loop.ts";
import { Handle } from "./handle.ts";
import { describe } from "./_describe.ts";
import { MAX_HOST_TIMER_SECONDS } from "./_host.ts";
import { libc } from "./_libc.ts";
import {
  _fdOf,
  type BaseSelector,
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  type FileObject,
  type SelectorKey,
} from "./selectors.ts";
import { NotImplementedError, RuntimeError } from "../futures/exceptions.ts";
import { Future } from "../futures/future.ts";
import type { Awaitable } from "../futures/types.ts";
import { Socket } from "../transports/socket.ts";
import { _osError, errno as E } from "../transports/os_errors.ts";
import {
  type AddrInfo,
  gaiCall,
  gaiResult,
  type GetaddrinfoOptions,
  type SocketAddress,
  type SocketAddressLike,
} from "../transports/_sockaddr.ts";
import { ownedCopy } from "../transports/_slab.ts";
import type { BaseProtocol, ProtocolFactory } from "../transports/protocol.ts";
import type { DatagramTransport, Transport } from "../transports/transport.ts";
import type { Server } from "../transports/server.ts";
import * as net from "../transports/selector_connections.ts";

/** The callbacks of one registered descriptor (the selector key's data). */
export interface IOHandles {
  /** The reader callback, or `null`. */
  reader: Handle | null;
  /** The writer callback, or `null`. */
  writer: Handle | null;
}

/** What a transport of this loop shows the loop. */
interface LoopTransport {
  isClosing(): boolean;
}

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => unknown;

const EAGAIN = E.EAGAIN;
/** Scratch for `sockRecv()`: the bytes are copied out of it. */
const recvScratch = new Uint8Array(64 * 1024);

/** The descriptor of `fd` (a number, or an object with `fileno()`). */
function fdOf(fd: FileObject, what: string): number {
  return _fdOf(fd, what, "fd");
}

function checkSocket(
  sock: unknown,
  what: string,
  loop?: SelectorEventLoop,
): Socket {
  if (!(sock instanceof Socket)) {
    throw new TypeError(
      `Cannot ${what} as 'sock' must be a Socket (Deno.Conn and Deno.Listener work with the default loop): current value is ${
        describe(sock)
      }`,
    );
  }
  if (loop?._debug && sock.getBlocking() && !sock.closed) {
    // A blocking socket would block the whole thread (CPython checks this
    // in debug mode too).
    throw new RangeError(
      `Cannot ${what} as 'sock' must be non-blocking in debug mode: current value is ${
        describe(sock)
      }`,
    );
  }
  return sock;
}

function osError(code: number, detail?: string): Error {
  return _osError(code, libc().strerror(code), detail);
}

function failed<T>(loop: SelectorEventLoop, e: unknown): Future<T> {
  const fut = new Future<T>({ loop });
  fut.setException(e);
  return fut;
}

function resolved<T>(loop: SelectorEventLoop, value: T): Future<T> {
  const fut = new Future<T>({ loop });
  fut.setResult(value);
  return fut;
}

/**
 * An event loop over a selector (epoll by default), with I/O callbacks on
 * file descriptors and the `sock*` methods on `Socket`s; see the module
 * notes for when to use it. Make it with `new SelectorEventLoop()`, through
 * `run(main, { loopFactory: () => new SelectorEventLoop() })`, or for
 * every loop with `setEventLoopPolicy(new SelectorEventLoopPolicy())`.
 *
 * Creating it fails when the platform has no backend (not Linux) or the
 * process may not use FFI (no `--allow-ffi`), with an error that says
 * which.
 *
 * Transports of this loop (`createConnection`, `createServer`, Unix
 * sockets, `createDatagramEndpoint`) read when the selector reports data,
 * send at once when nothing is queued, and follow asyncio's flow control;
 * the streams API works on them unchanged. `server.sockets` are `Socket`s.
 * There is no TLS (`ssl` is a `NotImplementedError`).
 *
 * A `Socket` closed while a `sock*` call waits on it fails that call with
 * `OSError` `EBADF` at once, and leaves nothing registered in the selector
 * (asyncio leaves the call waiting). Descriptors given to `addReader()` as
 * numbers must be removed before they are closed, as in asyncio.
 *
 * @example The seed's `add_reader` echo server, one client
 * ```ts
 * import { SelectorEventLoop, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = new SelectorEventLoop();
 * using server = socket();
 * server.bind(["127.0.0.1", 0]);
 * server.listen();
 * server.setBlocking(false);
 * loop.addReader(server, () => {
 *   const [conn] = server.accept();
 *   conn.setBlocking(false);
 *   loop.addReader(conn, () => {
 *     const data = conn.recv(4096);
 *     if (data.length === 0) {
 *       loop.removeReader(conn);
 *       conn.close();
 *       loop.stop();
 *     } else conn.send(data);
 *   });
 * });
 * using client = socket();
 * client.connect(server.getsockname());
 * client.send(new TextEncoder().encode("ping"));
 * loop.callLater(0.01, () => client.shutdown(1));
 * await loop.runForever();
 * assert.equal(new TextDecoder().decode(client.recv(4)), "ping");
 * loop.removeReader(server);
 * loop.close();
 * ```
 */
export class SelectorEventLoop extends BaseEventLoop {
  /** @internal */ _selector: BaseSelector<IOHandles>;
  /** @internal Transports by descriptor (CPython's `_transports`). */
  _transports: Map<number, LoopTransport> = new Map();
  /** @internal The loop idles on a host timer (no descriptor to watch). */
  _hostIdle = false;
  /** @internal This loop's signal handlers (see `addSignalHandler`). */
  _signalHandlers: Map<string, unknown> = new Map();

  /**
   * Creates the loop over `selector` (default: a new `DefaultSelector`);
   * the loop closes its selector when it closes.
   *
   * @param selector The selector to use.
   * @throws {NotImplementedError} On a platform without a backend (not Linux).
   * @throws {Deno.errors.NotCapable} Without `--allow-ffi`.
   */
  constructor(selector?: BaseSelector<IOHandles> | null) {
    super();
    libc();
    this._selector = selector ?? new DefaultSelector<IOHandles>();
    this._pollsIO = true;
  }

  /** The selector the loop waits in. */
  get selector(): BaseSelector<IOHandles> {
    return this._selector;
  }

  // ---- the wait ----

  /** @internal Queues the callbacks of a ready descriptor. */
  _onEvent = (key: SelectorKey<IOHandles>, events: number): void => {
    const h = key.data;
    if ((events & EVENT_READ) !== 0) {
      const reader = h.reader;
      if (reader !== null) {
        if (reader._cancelled) this._removeReader(key.fd);
        else this._ready.push(reader);
      }
    }
    if ((events & EVENT_WRITE) !== 0) {
      const writer = h.writer;
      if (writer !== null) {
        if (writer._cancelled) this._removeWriter(key.fd);
        else this._ready.push(writer);
      }
    }
  };

  /** @internal Checks the selector without waiting (every iteration). */
  override _pollIO(): void {
    const sel = this._selector;
    if (sel._keys.size > 0) sel._pollNow(this._onEvent);
  }

  /** @internal Wakes a wait in the selector. */
  _wakeSelector = (): void => {
    this._selector.wakeup();
  };

  /**
   * @internal Waits in the selector (on another thread) until a
   * descriptor is ready, `timeout` passes or the loop is woken; with no
   * descriptor registered, on a host timer.
   */
  override _idle(timeout: number): Promise<void> {
    const sel = this._selector;
    if (sel._keys.size === 0) {
      this._hostIdle = true;
      if (timeout === Infinity && this._signalHandlers.size > 0) {
        timeout = MAX_HOST_TIMER_SECONDS;
      }
      return super._idle(timeout).then(() => {
        this._hostIdle = false;
      });
    }
    sel._woke = false;
    if (sel._pollNow(this._onEvent) > 0 || sel._woke) return Promise.resolve();
    const ms = timeout === Infinity
      ? -1
      : Math.max(1, Math.ceil(Math.min(timeout, MAX_HOST_TIMER_SECONDS) * 1e3));
    this._idleResolve = this._wakeSelector;
    return sel._wait(ms, this._onEvent).then(() => {
      this._idleResolve = null;
    });
  }

  // ---- readiness callbacks ----

  /** @internal */
  _ensureFdNoTransport(fd: number): void {
    const t = this._transports.get(fd);
    if (t !== undefined && !t.isClosing()) {
      throw new RuntimeError(`File descriptor ${fd} is used by transport ${t}`);
    }
  }

  /** @internal `addReader` without the transport check; the handle. */
  _addReader(fd: number, callback: AnyFn, args: unknown[] | null): Handle {
    this._checkClosed();
    const handle = new Handle(callback, args, this);
    const sel = this._selector;
    const key = sel._keys.get(fd);
    if (key === undefined) {
      sel.register(fd, EVENT_READ, { reader: handle, writer: null });
      if (this._hostIdle && this._idleResolve !== null) this._wake();
    } else {
      const h = key.data;
      if ((key.events & EVENT_READ) === 0) {
        sel.modify(fd, key.events | EVENT_READ, h);
      }
      h.reader?.cancel();
      h.reader = handle;
    }
    return handle;
  }

  /** @internal `removeReader` without the transport check. */
  _removeReader(fd: number): boolean {
    if (this._closed) return false;
    const sel = this._selector;
    const key = sel._keys.get(fd);
    if (key === undefined) return false;
    const h = key.data;
    const mask = key.events & ~EVENT_READ;
    if (mask === 0) sel.unregister(fd);
    else if (mask !== key.events) sel.modify(fd, mask, h);
    const reader = h.reader;
    if (reader === null) return false;
    reader.cancel();
    h.reader = null;
    return true;
  }

  /** @internal `addWriter` without the transport check; the handle. */
  _addWriter(fd: number, callback: AnyFn, args: unknown[] | null): Handle {
    this._checkClosed();
    const handle = new Handle(callback, args, this);
    const sel = this._selector;
    const key = sel._keys.get(fd);
    if (key === undefined) {
      sel.register(fd, EVENT_WRITE, { reader: null, writer: handle });
      if (this._hostIdle && this._idleResolve !== null) this._wake();
    } else {
      const h = key.data;
      if ((key.events & EVENT_WRITE) === 0) {
        sel.modify(fd, key.events | EVENT_WRITE, h);
      }
      h.writer?.cancel();
      h.writer = handle;
    }
    return handle;
  }

  /** @internal `removeWriter` without the transport check. */
  _removeWriter(fd: number): boolean {
    if (this._closed) return false;
    const sel = this._selector;
    const key = sel._keys.get(fd);
    if (key === undefined) return false;
    const h = key.data;
    const mask = key.events & ~EVENT_WRITE;
    if (mask === 0) sel.unregister(fd);
    else if (mask !== key.events) sel.modify(fd, mask, h);
    const writer = h.writer;
    if (writer === null) return false;
    writer.cancel();
    h.writer = null;
    return true;
  }

  /**
   * Calls `callback(...args)` in a loop iteration whenever `fd` is
   * readable (level-triggered: again and again until it is read or the
   * reader removed). Replaces the reader `fd` had.
   *
   * @param fd A descriptor, or an object with `fileno()` (a `Socket`).
   * @param callback What to call.
   * @param args Its arguments.
   * @throws {RuntimeError} If a transport of this loop owns `fd`, or the
   *   loop is closed.
   * @throws {OSError} If the selector refuses `fd` (`EBADF`, ...).
   *
   * @example Reading a socket when it has data
   * ```ts
   * import { SelectorEventLoop, socketpair } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const [a, b] = socketpair();
   * a.setBlocking(false);
   * const got: number[] = [];
   * loop.addReader(a, () => {
   *   got.push(...a.recv(100));
   *   loop.removeReader(a);
   *   loop.stop();
   * });
   * b.send(new Uint8Array([7, 8]));
   * await loop.runForever();
   * assert.deepEqual(got, [7, 8]);
   * a.close();
   * b.close();
   * loop.close();
   * ```
   */
  override addReader<A extends unknown[]>(
    fd: FileObject,
    callback: (...args: A) => unknown,
    ...args: A
  ): void {
    const n = fdOf(fd, "add reader");
    this._checkCallback(callback, "addReader");
    this._ensureFdNoTransport(n);
    this._addReader(n, callback as AnyFn, args.length === 0 ? null : args);
  }

  /**
   * Stops watching `fd` for reading.
   *
   * @param fd A descriptor, or an object with `fileno()`.
   * @returns Whether a reader was removed.
   * @throws {RuntimeError} If a transport of this loop owns `fd`.
   *
   * @example
   * ```ts
   * import { SelectorEventLoop, socketpair } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const [a, b] = socketpair();
   * loop.addReader(a, () => {});
   * assert.equal(loop.removeReader(a), true);
   * assert.equal(loop.removeReader(a), false);
   * a.close();
   * b.close();
   * loop.close();
   * ```
   */
  override removeReader(fd: FileObject): boolean {
    const n = fdOf(fd, "remove reader");
    this._ensureFdNoTransport(n);
    return this._removeReader(n);
  }

  /**
   * Calls `callback(...args)` in a loop iteration whenever `fd` is
   * writable (level-triggered: remove the writer once the data is out).
   * Replaces the writer `fd` had.
   *
   * @param fd A descriptor, or an object with `fileno()` (a `Socket`).
   * @param callback What to call.
   * @param args Its arguments.
   * @throws {RuntimeError} If a transport of this loop owns `fd`, or the
   *   loop is closed.
   * @throws {OSError} If the selector refuses `fd`.
   *
   * @example Writing when the socket can take it
   * ```ts
   * import { SelectorEventLoop, socketpair } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const [a, b] = socketpair();
   * loop.addWriter(a, (byte: number) => {
   *   a.send(new Uint8Array([byte]));
   *   loop.removeWriter(a);
   *   loop.stop();
   * }, 42);
   * await loop.runForever();
   * assert.deepEqual([...b.recv(1)], [42]);
   * a.close();
   * b.close();
   * loop.close();
   * ```
   */
  override addWriter<A extends unknown[]>(
    fd: FileObject,
    callback: (...args: A) => unknown,
    ...args: A
  ): void {
    const n = fdOf(fd, "add writer");
    this._checkCallback(callback, "addWriter");
    this._ensureFdNoTransport(n);
    this._addWriter(n, callback as AnyFn, args.length === 0 ? null : args);
  }

  /**
   * Stops watching `fd` for writing.
   *
   * @param fd A descriptor, or an object with `fileno()`.
   * @returns Whether a writer was removed.
   * @throws {RuntimeError} If a transport of this loop owns `fd`.
   *
   * @example
   * ```ts
   * import { SelectorEventLoop, socketpair } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const [a, b] = socketpair();
   * assert.equal(loop.removeWriter(a), false);
   * a.close();
   * b.close();
   * loop.close();
   * ```
   */
  override removeWriter(fd: FileObject): boolean {
    const n = fdOf(fd, "remove writer");
    this._ensureFdNoTransport(n);
    return this._removeWriter(n);
  }

  // ---- low-level socket operations (CPython's sock_*) ----

  /** @internal Removes the reader of a sock_* call once its future is done. */
  _readDone(fd: number, handle: Handle): void {
    if (!handle._cancelled) this.removeReader(fd);
  }

  /** @internal Removes the writer of a sock_* call once its future is done. */
  _writeDone(fd: number, handle: Handle): void {
    if (!handle._cancelled) this.removeWriter(fd);
  }

  /**
   * @internal Waits for `fd` to be readable, then retries `attempt`. If
   * the socket closes meanwhile, the reader is removed before its
   * descriptor closes (a descriptor closed while registered leaves the
   * kernel's set but not the selector's map, and its number comes back
   * with the next socket) and `fut` fails with `EBADF`.
   */
  _waitReadable<T>(
    fut: Future<T>,
    sock: Socket,
    attempt: (fut: Future<T>) => void,
  ): Future<T> {
    const fd = sock._fd();
    this._ensureFdNoTransport(fd);
    const handle = this._addReader(fd, attempt, [fut]);
    const onClose = () => {
      if (!handle._cancelled) this._removeReader(fd);
      this._closedUnder(fut);
    };
    (sock._onClose ??= new Set()).add(onClose);
    fut.addDoneCallback(() => {
      sock._onClose?.delete(onClose);
      this._readDone(fd, handle);
    });
    return fut;
  }

  /** @internal Waits for `fd` to be writable, then retries `attempt` (see `_waitReadable`). */
  _waitWritable<T>(
    fut: Future<T>,
    sock: Socket,
    attempt: (fut: Future<T>) => void,
  ): Future<T> {
    const fd = sock._fd();
    this._ensureFdNoTransport(fd);
    const handle = this._addWriter(fd, attempt, [fut]);
    const onClose = () => {
      if (!handle._cancelled) this._removeWriter(fd);
      this._closedUnder(fut);
    };
    (sock._onClose ??= new Set()).add(onClose);
    fut.addDoneCallback(() => {
      sock._onClose?.delete(onClose);
      this._writeDone(fd, handle);
    });
    return fut;
  }

  /** @internal The socket a sock* call waits on was closed. */
  _closedUnder(fut: Future<unknown>): void {
    if (fut.done() || this._closed) return;
    fut.setException(
      osError(E.EBADF, "Bad file descriptor: the socket was closed"),
    );
  }

  /**
   * Not for `Deno.Listener`s: use a `Socket`.
   *
   * @param sock A `Deno.Listener` (rejected with `TypeError`).
   */
  override sockAccept(sock: Deno.Listener): Awaitable<never>;
  /**
   * Accepts a connection on the listening, non-blocking `sock`:
   * `[conn, address]`, with `conn` non-blocking (CPython's `sock_accept`).
   *
   * @param sock The listening socket.
   * @returns The connection and the peer's address.
   */
  override sockAccept(sock: Socket): Awaitable<[Socket, SocketAddress]>;
  /**
   * Accepts a connection (see the `Socket` overload).
   *
   * @param sock The listening socket.
   * @returns The connection and the peer's address.
   * @throws {TypeError} If `sock` is not a `Socket`.
   *
   * @example The seed's `sock_accept` and `sock_recv`
   * ```ts
   * import { type Coroutine, SelectorEventLoop, Socket, socket } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * function* handleClient(client: Socket): Coroutine<void> {
   *   for (;;) {
   *     const data = yield* loop.sockRecv(client, 4096);
   *     if (data.length === 0) break;
   *     yield* loop.sockSendall(client, data);
   *   }
   *   client.close();
   * }
   * using server = socket();
   * server.bind(["127.0.0.1", 0]);
   * server.listen(128);
   * server.setBlocking(false);
   * await loop.runUntilComplete(function* () {
   *   const client = socket();
   *   client.setBlocking(false);
   *   yield* loop.sockConnect(client, server.getsockname());
   *   const [conn] = yield* loop.sockAccept(server);
   *   const task = loop.createTask(handleClient(conn));
   *   yield* loop.sockSendall(client, new TextEncoder().encode("ping"));
   *   assert.equal(new TextDecoder().decode(yield* loop.sockRecv(client, 4)), "ping");
   *   client.close();
   *   yield* task;
   * }());
   * loop.close();
   * ```
   */
  override sockAccept(
    sock: Socket | Deno.Listener,
  ): Awaitable<[Socket, SocketAddress]> {
    try {
      checkSocket(sock, "accept", this);
    } catch (e) {
      return failed(this, e);
    }
    const s = sock as Socket;
    const fut = new Future<[Socket, SocketAddress]>({ loop: this });
    const attempt = (f: Future<[Socket, SocketAddress]>): boolean => {
      if (f.done()) return true;
      const r = s._accept();
      if (typeof r === "number") {
        if (r === EAGAIN || r === E.ECONNABORTED) return false;
        f.setException(osError(r));
        return true;
      }
      try {
        r[0].setBlocking(false);
      } catch (e) {
        r[0].close();
        f.setException(e);
        return true;
      }
      f.setResult(r);
      return true;
    };
    try {
      s._fd();
      if (attempt(fut)) return fut;
      return this._waitReadable(fut, s, attempt);
    } catch (e) {
      return failed(this, e);
    }
  }

  /**
   * Not for `Deno.Conn`s: use a `Socket`.
   *
   * @param sock A `Deno.Conn` (rejected with `TypeError`).
   * @param nbytes The most bytes.
   */
  override sockRecv(sock: Deno.Conn, nbytes: number): Awaitable<never>;
  /**
   * Receives up to `nbytes` bytes from the non-blocking `sock`; an empty
   * array at EOF (CPython's `sock_recv`).
   *
   * @param sock The socket.
   * @param nbytes The most bytes.
   * @returns The bytes.
   */
  override sockRecv(sock: Socket, nbytes: number): Awaitable<Uint8Array>;
  /**
   * Receives up to `nbytes` bytes (see the `Socket` overload).
   *
   * @param sock The socket.
   * @param nbytes The most bytes.
   * @returns The bytes (the caller owns them).
   * @throws {TypeError} If `sock` is not a `Socket`.
   * @throws {RangeError} If `nbytes` is not an integer >= 0.
   * @throws {ConnectionResetError} If the peer reset the connection.
   *
   * @example
   * ```ts
   * import { SelectorEventLoop, socketpair } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const [a, b] = socketpair();
   * a.setBlocking(false);
   * loop.callLater(0.005, () => b.send(new Uint8Array([1, 2, 3])));
   * assert.deepEqual([...await loop.runUntilComplete(loop.sockRecv(a, 10))], [1, 2, 3]);
   * a.close();
   * b.close();
   * loop.close();
   * ```
   */
  override sockRecv(
    sock: Socket | Deno.Conn,
    nbytes: number,
  ): Awaitable<Uint8Array> {
    let n: number;
    try {
      checkSocket(sock, "receive", this);
      n = checkCount(nbytes, "receive", "nbytes");
      (sock as Socket)._fd();
    } catch (e) {
      return failed(this, e);
    }
    const s = sock as Socket;
    if (n === 0) return resolved(this, new Uint8Array(0));
    const attempt = (f: Future<Uint8Array>): boolean => {
      if (f.done()) return true;
      const big = n > recvScratch.length;
      const buf = big ? new Uint8Array(n) : recvScratch;
      const got = s._recvInto(buf, n);
      if (got < 0) {
        if (got === -EAGAIN) return false;
        f.setException(osError(-got));
        return true;
      }
      f.setResult(
        big ? (got === n ? buf : buf.slice(0, got)) : ownedCopy(buf, 0, got),
      );
      return true;
    };
    const fut = new Future<Uint8Array>({ loop: this });
    if (attempt(fut)) return fut;
    return this._waitReadable(fut, s, attempt);
  }

  /**
   * Not for `Deno.Conn`s: use a `Socket`.
   *
   * @param sock A `Deno.Conn` (rejected with `TypeError`).
   * @param buf Where the bytes would go.
   */
  override sockRecvInto(sock: Deno.Conn, buf: Uint8Array): Awaitable<never>;
  /**
   * Receives into `buf` from the non-blocking `sock`; the number of bytes
   * (0 at EOF).
   *
   * @param sock The socket.
   * @param buf Where to put the bytes.
   * @returns The number of bytes.
   */
  override sockRecvInto(sock: Socket, buf: Uint8Array): Awaitable<number>;
  /**
   * Receives into `buf` (see the `Socket` overload).
   *
   * @param sock The socket.
   * @param buf Where to put the bytes.
   * @returns The number of bytes (0 at EOF).
   * @throws {TypeError} If `sock` is not a `Socket` or `buf` not a Uint8Array.
   *
   * @example
   * ```ts
   * import { SelectorEventLoop, socketpair } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const [a, b] = socketpair();
   * a.setBlocking(false);
   * b.send(new Uint8Array([9]));
   * const buf = new Uint8Array(8);
   * assert.equal(await loop.runUntilComplete(loop.sockRecvInto(a, buf)), 1);
   * assert.equal(buf[0], 9);
   * a.close();
   * b.close();
   * loop.close();
   * ```
   */
  override sockRecvInto(
    sock: Socket | Deno.Conn,
    buf: Uint8Array,
  ): Awaitable<number> {
    try {
      checkSocket(sock, "receive", this);
      checkBuffer(buf, "receive");
      (sock as Socket)._fd();
    } catch (e) {
      return failed(this, e);
    }
    const s = sock as Socket;
    if (buf.length === 0) return resolved(this, 0);
    const attempt = (f: Future<number>): boolean => {
      if (f.done()) return true;
      const got = s._recvInto(buf, buf.length);
      if (got < 0) {
        if (got === -EAGAIN) return false;
        f.setException(osError(-got));
        return true;
      }
      f.setResult(got);
      return true;
    };
    const fut = new Future<number>({ loop: this });
    if (attempt(fut)) return fut;
    return this._waitReadable(fut, s, attempt);
  }

  /**
   * Receives a datagram from the non-blocking `sock`: `[data, address]`
   * (CPython's `sock_recvfrom`).
   *
   * @param sock The datagram socket.
   * @param bufsize The most bytes.
   * @returns The datagram and the sender's address.
   * @throws {TypeError} If `sock` is not a `Socket`.
   *
   * @example A UDP request and reply
   * ```ts
   * import { AF_INET, SelectorEventLoop, SOCK_DGRAM, socket } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * using a = socket(AF_INET, SOCK_DGRAM);
   * a.bind(["127.0.0.1", 0]);
   * a.setBlocking(false);
   * using b = socket(AF_INET, SOCK_DGRAM);
   * b.setBlocking(false);
   * await loop.runUntilComplete(async () => {
   *   await loop.sockSendto(b, new Uint8Array([1]), a.getsockname());
   *   const [data, from] = await loop.sockRecvfrom(a, 100);
   *   assert.deepEqual([...data], [1]);
   *   assert.equal((from as Deno.NetAddr).port, (b.getsockname() as Deno.NetAddr).port);
   * });
   * loop.close();
   * ```
   */
  override sockRecvfrom(
    sock: Socket,
    bufsize: number,
  ): Awaitable<[Uint8Array, SocketAddress]> {
    let n: number;
    try {
      checkSocket(sock, "receive", this);
      n = checkCount(bufsize, "receive", "bufsize");
      sock._fd();
    } catch (e) {
      return failed(this, e);
    }
    const attempt = (f: Future<[Uint8Array, SocketAddress]>): boolean => {
      if (f.done()) return true;
      const big = n > recvScratch.length;
      const buf = big ? new Uint8Array(n) : recvScratch;
      const r = sock._recvfromInto(buf, Math.max(n, 0));
      if (typeof r === "number") {
        if (r === EAGAIN) return false;
        f.setException(osError(r));
        return true;
      }
      const [got, addr] = r;
      f.setResult([big ? buf.slice(0, got) : ownedCopy(buf, 0, got), addr]);
      return true;
    };
    const fut = new Future<[Uint8Array, SocketAddress]>({ loop: this });
    if (attempt(fut)) return fut;
    return this._waitReadable(fut, sock, attempt);
  }

  /**
   * Receives a datagram into `buf`: `[nbytes, address]` (CPython's
   * `sock_recvfrom_into`).
   *
   * @param sock The datagram socket.
   * @param buf Where to put the bytes.
   * @param nbytes The most bytes (default: `buf.length`).
   * @returns The number of bytes and the sender's address.
   * @throws {TypeError} If `sock` is not a `Socket`.
   *
   * @example
   * ```ts
   * import { AF_UNIX, SelectorEventLoop, SOCK_DGRAM, socketpair } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
   * a.setBlocking(false);
   * b.send(new Uint8Array([5, 6]));
   * const buf = new Uint8Array(4);
   * const [n] = await loop.runUntilComplete(loop.sockRecvfromInto(a, buf));
   * assert.equal(n, 2);
   * a.close();
   * b.close();
   * loop.close();
   * ```
   */
  override sockRecvfromInto(
    sock: Socket,
    buf: Uint8Array,
    nbytes = 0,
  ): Awaitable<[number, SocketAddress]> {
    let n: number;
    try {
      checkSocket(sock, "receive", this);
      checkBuffer(buf, "receive");
      n = checkCount(nbytes, "receive", "nbytes");
      if (n === 0 || n > buf.length) n = buf.length;
      sock._fd();
    } catch (e) {
      return failed(this, e);
    }
    const attempt = (f: Future<[number, SocketAddress]>): boolean => {
      if (f.done()) return true;
      const r = sock._recvfromInto(buf, n);
      if (typeof r === "number") {
        if (r === EAGAIN) return false;
        f.setException(osError(r));
        return true;
      }
      f.setResult(r);
      return true;
    };
    const fut = new Future<[number, SocketAddress]>({ loop: this });
    if (attempt(fut)) return fut;
    return this._waitReadable(fut, sock, attempt);
  }

  /**
   * Not for `Deno.Conn`s: use a `Socket`.
   *
   * @param sock A `Deno.Conn` (rejected with `TypeError`).
   * @param data The bytes.
   */
  override sockSendall(sock: Deno.Conn, data: Uint8Array): Awaitable<never>;
  /**
   * Sends all of `data` on the non-blocking `sock`, waiting for room as
   * often as needed (CPython's `sock_sendall`).
   *
   * @param sock The socket.
   * @param data The bytes.
   */
  override sockSendall(sock: Socket, data: Uint8Array): Awaitable<void>;
  /**
   * Sends all of `data` (see the `Socket` overload). If it fails, there is
   * no telling how much the peer got.
   *
   * @param sock The socket.
   * @param data The bytes.
   * @throws {TypeError} If `sock` is not a `Socket` or `data` not a Uint8Array.
   * @throws {BrokenPipeError} If the peer closed the connection.
   *
   * @example More than the socket buffer takes at once
   * ```ts
   * import { SelectorEventLoop, socketpair } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const [a, b] = socketpair();
   * a.setBlocking(false);
   * b.setBlocking(false);
   * const big = new Uint8Array(4 << 20).fill(1);
   * await loop.runUntilComplete(async () => {
   *   const sending = loop.sockSendall(a, big);
   *   let got = 0;
   *   const buf = new Uint8Array(1 << 16);
   *   while (got < big.length) got += await loop.sockRecvInto(b, buf);
   *   await sending;
   *   assert.equal(got, big.length);
   * });
   * a.close();
   * b.close();
   * loop.close();
   * ```
   */
  override sockSendall(
    sock: Socket | Deno.Conn,
    data: Uint8Array,
  ): Awaitable<void> {
    try {
      checkSocket(sock, "send", this);
      checkData(data, "send");
      (sock as Socket)._fd();
    } catch (e) {
      return failed(this, e);
    }
    const s = sock as Socket;
    let off = 0;
    const attempt = (f: Future<void>): boolean => {
      if (f.done()) return true;
      while (off < data.length) {
        const view = off === 0 ? data : data.subarray(off);
        const sent = s._send(view, view.length);
        if (sent < 0) {
          if (sent === -EAGAIN) return false;
          f.setException(osError(-sent));
          return true;
        }
        off += sent;
      }
      f.setResult(undefined);
      return true;
    };
    const fut = new Future<void>({ loop: this });
    if (attempt(fut)) return fut;
    return this._waitWritable(fut, s, attempt);
  }

  /**
   * Sends a datagram to `address` from the non-blocking `sock`; resolves
   * to the number of bytes sent (CPython's `sock_sendto`).
   *
   * @param sock The datagram socket.
   * @param data The datagram.
   * @param address The destination.
   * @returns The number of bytes sent.
   * @throws {TypeError} If `sock` is not a `Socket`.
   *
   * @example
   * ```ts
   * import { AF_INET, SelectorEventLoop, SOCK_DGRAM, socket } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * using a = socket(AF_INET, SOCK_DGRAM);
   * a.bind(["127.0.0.1", 0]);
   * using b = socket(AF_INET, SOCK_DGRAM);
   * b.setBlocking(false);
   * const n = await loop.runUntilComplete(loop.sockSendto(b, new Uint8Array(3), a.getsockname()));
   * assert.equal(n, 3);
   * loop.close();
   * ```
   */
  override sockSendto(
    sock: Socket,
    data: Uint8Array,
    address: SocketAddressLike,
  ): Awaitable<number> {
    try {
      checkSocket(sock, "send", this);
      checkData(data, "send");
      sock._fd();
    } catch (e) {
      return failed(this, e);
    }
    const attempt = (f: Future<number>): boolean => {
      if (f.done()) return true;
      let sent: number;
      try {
        sent = sock._sendto(data, 0, address);
      } catch (e) {
        f.setException(e);
        return true;
      }
      if (sent < 0) {
        if (sent === -EAGAIN) return false;
        f.setException(osError(-sent));
        return true;
      }
      f.setResult(sent);
      return true;
    };
    const fut = new Future<number>({ loop: this });
    if (attempt(fut)) return fut;
    return this._waitWritable(fut, sock, attempt);
  }

  /**
   * Not with an address alone: this loop connects a `Socket` you made.
   *
   * @param address An address (rejected with `TypeError`).
   */
  override sockConnect(address: SocketAddressLike): Awaitable<never>;
  /**
   * Connects the non-blocking `sock` to `address` (CPython's
   * `sock_connect`); a host name is resolved first (`getaddrinfo`, on its
   * own thread).
   *
   * @param sock The socket.
   * @param address Where to connect.
   */
  override sockConnect(
    sock: Socket,
    address: SocketAddressLike,
  ): Awaitable<void>;
  /**
   * Connects `sock` to `address` (see the `Socket` overload).
   *
   * @param sock The socket.
   * @param address Where to connect.
   * @throws {TypeError} If `sock` is not a `Socket`.
   * @throws {ConnectionRefusedError} If nothing listens there.
   *
   * @example
   * ```ts
   * import { SelectorEventLoop, socket } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * using server = socket();
   * server.bind(["127.0.0.1", 0]);
   * server.listen();
   * using client = socket();
   * client.setBlocking(false);
   * await loop.runUntilComplete(loop.sockConnect(client, ["127.0.0.1", (server.getsockname() as Deno.NetAddr).port]));
   * assert.deepEqual(client.getpeername(), server.getsockname());
   * loop.close();
   * ```
   */
  override sockConnect(
    sock: Socket | SocketAddressLike,
    address?: SocketAddressLike,
  ): Awaitable<void> {
    try {
      checkSocket(sock, "connect", this);
      (sock as Socket)._fd();
    } catch (e) {
      return failed(this, e);
    }
    return net.sockConnect(this, sock as Socket, address as SocketAddressLike);
  }

  /** @internal Starts a non-blocking connect; resolves when it completes. */
  _sockConnect(sock: Socket, address: SocketAddressLike): Future<void> {
    const fut = new Future<void>({ loop: this });
    let code: number;
    try {
      code = sock.connectEx(address);
    } catch (e) {
      fut.setException(e);
      return fut;
    }
    if (code === 0) {
      fut.setResult(undefined);
      return fut;
    }
    if (code !== E.EINPROGRESS && code !== E.EINTR && code !== EAGAIN) {
      fut.setException(osError(code, connectFailed(code, address)));
      return fut;
    }
    const attempt = (f: Future<void>): boolean => {
      if (f.done()) return true;
      let err: number;
      try {
        err = sock.getsockopt(1, /* SOL_SOCKET */ 4 /* SO_ERROR */) as number;
      } catch (e) {
        f.setException(e);
        return true;
      }
      if (err === E.EINPROGRESS || err === E.EINTR) return false;
      if (err !== 0) f.setException(osError(err, connectFailed(err, address)));
      else f.setResult(undefined);
      return true;
    };
    return this._waitWritable(fut, sock, attempt);
  }

  /**
   * Resolves `host` and `port` (Python's `loop.getaddrinfo`): the system
   * resolver runs on a thread of its own, so the loop goes on meanwhile.
   *
   * @param host A host name or address, or `null`.
   * @param port A port or service name, or `null`.
   * @param options `family`, `type`, `proto`, `flags`.
   * @returns `[family, type, proto, canonname, address]` entries.
   * @throws {gaierror} If the name cannot be resolved.
   *
   * @example
   * ```ts
   * import { AF_INET6, SelectorEventLoop, SOCK_STREAM } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const infos = await loop.runUntilComplete(
   *   loop.getaddrinfo("::1", 443, { type: SOCK_STREAM }),
   * );
   * assert.equal(infos[0][0], AF_INET6);
   * assert.deepEqual(infos[0][4], { transport: "tcp", hostname: "::1", port: 443 });
   * loop.close();
   * ```
   */
  override getaddrinfo(
    host: string | null,
    port: number | string | null,
    options?: GetaddrinfoOptions,
  ): Awaitable<AddrInfo[]> {
    const fut = new Future<AddrInfo[]>({ loop: this });
    let call: ReturnType<typeof gaiCall>;
    try {
      this._checkClosed();
      call = gaiCall(host, port, options);
    } catch (e) {
      fut.setException(e);
      return fut;
    }
    const done = (rc: number) => {
      let result: AddrInfo[];
      try {
        result = gaiResult(call, rc, host);
      } catch (e) {
        if (!fut.done() && !this._closed) fut.setException(e);
        return;
      }
      if (!fut.done() && !this._closed) fut.setResult(result);
    };
    // `call` keeps its buffers alive while the resolver runs.
    libc().fn.getaddrinfo_async(
      call.node,
      call.service,
      call.hints,
      call.result,
    ).then(done, () => done(-11));
    return fut;
  }

  // ---- transports, servers, streams ----

  /**
   * Opens a TCP connection to `host`:`port` (each resolved address in turn
   * until one connects), or over a connected `Socket` given as `sock`, and
   * resolves to `[transport, protocol]` once `connectionMade()` was called.
   * `localAddr` binds the socket before connecting. There is no TLS on this
   * loop.
   *
   * @param protocolFactory Makes the protocol.
   * @param host The host name or address.
   * @param port The port.
   * @param options `family`, `localAddr`, `sock` (a `Socket`), `happyEyeballsDelay` (accepted, addresses are tried one after the other).
   * @returns `[transport, protocol]`.
   * @throws {ConnectionRefusedError} If nothing listens there.
   * @throws {NotImplementedError} With `ssl`.
   *
   * @example
   * ```ts
   * import { Protocol, run, getRunningLoop, SelectorEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const loop = getRunningLoop();
   *   await using server = await loop.createServer(() => new Protocol(), "127.0.0.1", 0);
   *   const { port } = server.sockets[0].addr as Deno.NetAddr;
   *   const [transport] = await loop.createConnection(() => new Protocol(), "127.0.0.1", port, {
   *     localAddr: ["127.0.0.1", 0],
   *   });
   *   assert.equal((transport.getExtraInfo("peername") as Deno.NetAddr).port, port);
   *   transport.close();
   * }, { loopFactory: () => new SelectorEventLoop() });
   * ```
   */
  override createConnection<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    host?: string | null,
    port?: number | null,
    options?: net.SelectorConnectionOptions,
  ): Awaitable<[Transport, P]> {
    return net.createConnection(this, protocolFactory, host, port, options);
  }

  /**
   * Listens on `host` and `port` (`null`/`""`: every interface, IPv4 and
   * IPv6; a list of hosts; port 0: a free port per socket) and makes a
   * protocol for every connection; `server.sockets` are the listening
   * `Socket`s. `SO_REUSEADDR` is set, as CPython does on Unix.
   *
   * @param protocolFactory Makes a protocol per connection.
   * @param host Where to listen.
   * @param port The port.
   * @param options `backlog` (default 100), `reusePort`, `startServing`, `sock` (listening `Socket`s).
   * @returns The `Server`.
   * @throws {OSError} If the address is taken (`EADDRINUSE`, also a `Deno.errors.AddrInUse`).
   * @throws {NotImplementedError} With `ssl`.
   *
   * @example
   * ```ts
   * import { Protocol, SelectorEventLoop, Socket } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const server = await loop.runUntilComplete(loop.createServer(() => new Protocol(), "127.0.0.1", 0));
   * assert.ok(server.sockets[0] instanceof Socket);
   * server.close();
   * await loop.runUntilComplete(server.waitClosed());
   * loop.close();
   * ```
   */
  override createServer(
    protocolFactory: ProtocolFactory,
    host?: string | string[] | null,
    port?: number | null,
    options?: net.SelectorServerOptions,
  ): Awaitable<Server> {
    return net.createServer(this, protocolFactory, host, port, options);
  }

  /**
   * Opens a Unix stream socket connection to `path` (a path starting with
   * NUL is Linux's abstract namespace), as `createConnection()`.
   *
   * @param protocolFactory Makes the protocol.
   * @param path The socket's path.
   * @param options `sock` (a connected `Socket`).
   * @returns `[transport, protocol]`.
   * @throws {FileNotFoundError} If there is no socket at `path`.
   *
   * @example
   * ```ts
   * import { Protocol, SelectorEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const path = Deno.makeTempDirSync() + "/s.sock";
   * await loop.runUntilComplete(async () => {
   *   await using _server = await loop.createUnixServer(() => new Protocol(), path);
   *   const [t] = await loop.createUnixConnection(() => new Protocol(), path);
   *   assert.equal((t.getExtraInfo("peername") as Deno.UnixAddr).path, path);
   *   t.close();
   * });
   * loop.close();
   * ```
   */
  override createUnixConnection<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    path?: string | null,
    options?: net.SelectorUnixConnectionOptions,
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
   * @throws {NotImplementedError} With `ssl`.
   *
   * @example
   * ```ts
   * import { Protocol, SelectorEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * const path = Deno.makeTempDirSync() + "/s.sock";
   * const server = await loop.runUntilComplete(loop.createUnixServer(() => new Protocol(), path));
   * assert.ok(Deno.statSync(path).isSocket);
   * server.close();
   * assert.throws(() => Deno.statSync(path));
   * loop.close();
   * ```
   */
  override createUnixServer(
    protocolFactory: ProtocolFactory,
    path?: string | null,
    options?: net.SelectorUnixServerOptions,
  ): Awaitable<Server> {
    return net.createUnixServer(this, protocolFactory, path, options);
  }

  /**
   * Makes a datagram endpoint (CPython's `create_datagram_endpoint`): a
   * UDP socket bound to `localAddr` and/or connected to `remoteAddr` (or
   * Unix datagram sockets, with paths), or `sock`; resolves to
   * `[transport, protocol]` once `connectionMade()` was called.
   *
   * @param protocolFactory Makes the protocol (a `DatagramProtocol`).
   * @param options `localAddr`, `remoteAddr`, `family`, `proto`, `reusePort`, `allowBroadcast`, `sock`.
   * @returns `[transport, protocol]`.
   * @throws {RangeError} If neither an address, a family nor `sock` is given.
   *
   * @example A UDP echo
   * ```ts
   * import { DatagramProtocol, type DatagramTransport, SelectorEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * class Echo extends DatagramProtocol {
   *   t!: DatagramTransport;
   *   override connectionMade(t: DatagramTransport) { this.t = t; }
   *   override datagramReceived(data: Uint8Array, addr: Deno.NetAddr) { this.t.sendto(data, addr); }
   * }
   * class Client extends DatagramProtocol {
   *   constructor(public got: PromiseWithResolvers<Uint8Array>) { super(); }
   *   override datagramReceived(data: Uint8Array) { this.got.resolve(data); }
   * }
   * const loop = new SelectorEventLoop();
   * await loop.runUntilComplete(async () => {
   *   const [server] = await loop.createDatagramEndpoint(() => new Echo(), { localAddr: ["127.0.0.1", 0] });
   *   const got = Promise.withResolvers<Uint8Array>();
   *   const [client] = await loop.createDatagramEndpoint(() => new Client(got), {
   *     remoteAddr: server.getExtraInfo("sockname") as Deno.NetAddr,
   *   });
   *   client.sendto(new Uint8Array([1, 2]));
   *   assert.deepEqual([...await got.promise], [1, 2]);
   *   client.close();
   *   server.close();
   * });
   * loop.close();
   * ```
   */
  override createDatagramEndpoint<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    options?: net.DatagramEndpointOptions,
  ): Awaitable<[DatagramTransport, P]> {
    return net.createDatagramEndpoint(this, protocolFactory, options);
  }

  /**
   * Not supported: this loop has no TLS (Deno's TLS works on its own
   * connections only).
   *
   * @param _transport The transport.
   * @param _protocol The protocol.
   * @param _sslcontext The TLS options.
   * @throws {NotImplementedError} Always.
   */
  override startTls(
    _transport: Transport,
    _protocol: BaseProtocol,
    _sslcontext: unknown,
  ): Awaitable<Transport> {
    return failed(
      this,
      new NotImplementedError(
        "startTls() is not supported by SelectorEventLoop: it has no TLS; use the default loop (DenoEventLoop)",
      ),
    );
  }

  // ---- signals (the default loop's, shared) ----

  /**
   * Calls `callback(...args)` as a loop callback whenever the process
   * receives `sig` (such as `"SIGTERM"`); the same as
   * `DenoEventLoop.addSignalHandler()`, whose code this loop shares.
   *
   * @param sig The signal's name.
   * @param callback What to call.
   * @param args Its arguments.
   * @throws {RangeError} If `sig` names no signal of this platform.
   * @throws {RuntimeError} If the signal cannot be caught.
   *
   * @example
   * ```ts
   * import { SelectorEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = new SelectorEventLoop();
   * loop.addSignalHandler("SIGUSR2", () => loop.stop());
   * Deno.kill(Deno.pid, "SIGUSR2");
   * await loop.runForever();
   * assert.equal(loop.removeSignalHandler("SIGUSR2"), true);
   * loop.close();
   * ```
   */
  override addSignalHandler<A extends unknown[]>(
    sig: string,
    callback: (...args: A) => unknown,
    ...args: A
  ): void {
    DenoEventLoop.prototype.addSignalHandler.call(
      this as unknown as DenoEventLoop,
      sig,
      callback as AnyFn,
      ...args,
    );
  }

  /**
   * Removes the handler of `sig`; true if there was one.
   *
   * @param sig The signal's name.
   * @returns Whether a handler was removed.
   */
  override removeSignalHandler(sig: string): boolean {
    return DenoEventLoop.prototype.removeSignalHandler.call(
      this as unknown as DenoEventLoop,
      sig,
    );
  }

  /** @internal A signal arrived (the default loop's code). */
  _handleSignal(sig: string): void {
    DenoEventLoop.prototype._handleSignal.call(
      this as unknown as DenoEventLoop,
      sig,
    );
  }

  // ---- closing ----

  /**
   * Closes the loop (see `BaseEventLoop.close()`), its signal handlers and
   * its selector. Transports and sockets are not closed.
   *
   * @throws {RuntimeError} If the loop is running.
   */
  override close(): void {
    if (this._running) {
      throw new RuntimeError("Cannot close a running event loop");
    }
    if (this._closed) return;
    for (const sig of [...this._signalHandlers.keys()]) {
      this.removeSignalHandler(sig);
    }
    super.close();
    this._selector.close();
  }
}

function checkCount(n: unknown, what: string, name: string): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new (typeof n !== "number" ? TypeError : RangeError)(
      `Cannot ${what} as '${name}' must be an integer >= 0: current value is ${
        describe(n)
      }`,
    );
  }
  return n;
}

function checkBuffer(buf: unknown, what: string): void {
  if (!(buf instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot ${what} as 'buf' must be a Uint8Array: current value is ${
        describe(buf)
      }`,
    );
  }
}

function checkData(data: unknown, what: string): void {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot ${what} as 'data' must be a Uint8Array: current value is ${
        describe(data)
      }`,
    );
  }
}

/** CPython's message: `Connect call failed ('127.0.0.1', 1)`. */
function connectFailed(code: number, address: SocketAddressLike): string {
  let where: string;
  if (Array.isArray(address)) where = `('${address[0]}', ${address[1]})`;
  else if (typeof address === "string") where = `'${address}'`;
  else if (address instanceof Uint8Array) where = "<path>";
  else if ("path" in address) where = `'${address.path}'`;
  else where = `('${address.hostname}', ${address.port})`;
  return `Connect call failed ${where}: ${libc().strerror(code)}`;
}

/**
 * The policy of `SelectorEventLoop`s: `newEventLoop()` (and `run()`
 * without a `loopFactory`) make selector loops, one per realm.
 *
 * @example Every loop a selector loop
 * ```ts
 * import {
 *   newEventLoop, SelectorEventLoop, SelectorEventLoopPolicy, setEventLoopPolicy,
 * } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * setEventLoopPolicy(new SelectorEventLoopPolicy());
 * const loop = newEventLoop();
 * assert.ok(loop instanceof SelectorEventLoop);
 * loop.close();
 * setEventLoopPolicy(null);
 * ```
 */
export class SelectorEventLoopPolicy extends BaseDefaultEventLoopPolicy {
  /** Creates the policy. */
  constructor() {
    super(() => new SelectorEventLoop());
  }
}
