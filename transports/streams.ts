/**
 * Streams: `openConnection()`, `startServer()`, `openUnixConnection()`,
 * `startUnixServer()` (asyncio's `streams.py`), and the protocol that
 * connects a transport to a `StreamReader` and a `StreamWriter`.
 *
 * @module
 */
import { ensureFuture } from "../futures/ensure_future.ts";
import { Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Task } from "../futures/task.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import { getRunningLoop } from "../loop/_current.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { BufferedProtocol } from "./protocol.ts";
import type { Transport } from "./transport.ts";
import type { Server } from "./server.ts";
import { _checkLimit, StreamReader } from "./stream_reader.ts";
import { describe } from "../loop/_describe.ts";
import { type DrainableProtocol, StreamWriter } from "./stream_writer.ts";
import type {
  CreateConnectionOptions,
  CreateServerOptions,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
} from "./connections.ts";

/**
 * What `startServer()` calls for every connection: a plain function, an
 * async function or a generator function. A coroutine runs as a Task; if
 * it fails, the connection is closed and the error goes to the loop's
 * exception handler.
 */
export type ClientConnectedCallback = (
  reader: StreamReader,
  writer: StreamWriter,
) => unknown;

/** Options of `openConnection()`: `limit` plus `createConnection()`'s. */
export interface OpenConnectionOptions extends CreateConnectionOptions {
  /** The reader's buffer limit (default 64 KiB). */
  limit?: number;
}

/** Options of `startServer()`: `limit` plus `createServer()`'s. */
export interface StartServerOptions extends CreateServerOptions {
  /** The readers' buffer limit (default 64 KiB). */
  limit?: number;
}

/** Options of `openUnixConnection()`. */
export interface OpenUnixConnectionOptions extends CreateUnixConnectionOptions {
  /** The reader's buffer limit (default 64 KiB). */
  limit?: number;
}

/** Options of `startUnixServer()`. */
export interface StartUnixServerOptions extends CreateUnixServerOptions {
  /** The readers' buffer limit (default 64 KiB). */
  limit?: number;
}

const RESOLVED_FUTURES = new WeakMap<AbstractEventLoop, Future<void>>();

function isCoroutineFunction(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: string } })?.constructor?.name;
  return name === "AsyncFunction" || name === "GeneratorFunction";
}

/**
 * The protocol between a transport and a reader/writer pair (asyncio's
 * `StreamReaderProtocol`, with its `FlowControlMixin`). The transport reads
 * straight into the reader's buffer.
 */
export class _StreamReaderProtocol extends BufferedProtocol
  implements DrainableProtocol {
  /** @internal */ _reader: StreamReader | null;
  /** @internal */ _loop: AbstractEventLoop;
  /** @internal */ _clientConnected: ClientConnectedCallback | null;
  /** @internal */ _transport: Transport | null = null;
  /** @internal */ _overSsl = false;
  /** @internal */ _closed: Future<void>;
  /** @internal */ _paused = false;
  /** @internal */ _connectionLost = false;
  /** @internal */ _drainWaiters: Future<void>[] = [];
  /** @internal */ _task: Task<unknown> | Future<unknown> | null = null;
  /** @internal */ _isServerSide: boolean;

  constructor(
    reader: StreamReader,
    clientConnected: ClientConnectedCallback | null,
    loop: AbstractEventLoop,
  ) {
    super();
    this._reader = reader;
    this._clientConnected = clientConnected;
    this._isServerSide = clientConnected !== null;
    this._loop = loop;
    this._closed = new Future<void>({ loop });
  }

  override connectionMade(transport: Transport): void {
    const reader = this._reader;
    if (reader === null) return;
    reader.setTransport(transport);
    this._transport = transport;
    this._overSsl = transport.getExtraInfo("sslcontext") !== null;
    const cb = this._clientConnected;
    if (cb === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    let task: Future<unknown>;
    if (isCoroutineFunction(cb)) {
      task = this._loop.createTask(() => cb(reader, writer) as never);
    } else {
      const res = cb(reader, writer);
      if (
        res === undefined || res === null ||
        (typeof (res as PromiseLike<unknown>).then !== "function" &&
          typeof (res as Coroutine).next !== "function")
      ) return;
      task = typeof (res as Coroutine).next === "function"
        ? this._loop.createTask(res as Coroutine)
        : ensureFuture(res as PromiseLike<unknown>, { loop: this._loop });
    }
    this._task = task;
    task.addDoneCallback((t) => {
      if (t.cancelled()) {
        transport.close();
        return;
      }
      const exc = t.exception();
      if (exc !== null) {
        this._loop.callExceptionHandler({
          message: "Unhandled exception in client_connected_cb",
          exception: exc,
          transport,
        });
        transport.close();
      }
    });
  }

  override connectionLost(exc: Error | null): void {
    const reader = this._reader;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    if (!this._closed.done()) {
      if (exc === null) this._closed.setResult(undefined);
      else {
        this._closed.setException(exc);
        this._closed.exception();
      }
    }
    this._connectionLost = true;
    const waiters = this._drainWaiters;
    this._drainWaiters = [];
    if (this._paused) {
      for (const w of waiters) {
        if (w.done()) continue;
        if (exc === null) w.setResult(undefined);
        else w.setException(exc);
      }
    }
    this._reader = null;
    this._task = null;
    this._transport = null;
  }

  override getBuffer(_sizeHint: number): Uint8Array {
    return (this._reader as StreamReader)._getBuffer();
  }

  override bufferUpdated(nbytes: number): void {
    this._reader?._bufferUpdated(nbytes);
  }

  override eofReceived(): boolean {
    this._reader?.feedEof();
    return !this._overSsl;
  }

  override pauseWriting(): void {
    this._paused = true;
  }

  override resumeWriting(): void {
    this._paused = false;
    const waiters = this._drainWaiters;
    this._drainWaiters = [];
    for (const w of waiters) if (!w.done()) w.setResult(undefined);
  }

  /** @internal */
  _drainHelper(): Awaitable<void> {
    if (this._connectionLost) {
      const fut = new Future<void>({ loop: this._loop });
      fut.setException(new Deno.errors.ConnectionReset("Connection lost"));
      return fut;
    }
    if (!this._paused) {
      let done = RESOLVED_FUTURES.get(this._loop);
      if (done === undefined) {
        done = new Future<void>({ loop: this._loop });
        done.setResult(undefined);
        RESOLVED_FUTURES.set(this._loop, done);
      }
      return done;
    }
    const waiter = new Future<void>({ loop: this._loop });
    this._drainWaiters.push(waiter);
    waiter.addDoneCallback(() => {
      const i = this._drainWaiters.indexOf(waiter);
      if (i !== -1) this._drainWaiters.splice(i, 1);
    });
    return waiter;
  }

  /** @internal */
  _getCloseWaiter(_writer: StreamWriter): Future<void> {
    return this._closed;
  }

  /** @internal */
  _replaceTransport(transport: Transport): void {
    this._transport = transport;
    const reader = this._reader;
    if (reader !== null) reader._transport = transport;
    this._overSsl = true;
  }
}

function splitLimit<O extends { limit?: number }>(
  options: O | undefined,
): [number | undefined, Omit<O, "limit">] {
  if (options === undefined) return [undefined, {} as Omit<O, "limit">];
  const { limit, ...rest } = options;
  return [limit, rest];
}

const openConnectionCo = coroutine(function* (
  host: string | null | undefined,
  port: number | null | undefined,
  options: OpenConnectionOptions | undefined,
): Coroutine<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const [limit, rest] = splitLimit(options);
  const reader = new StreamReader({ limit, loop });
  const protocol = new _StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* loop.createConnection(
    () => protocol,
    host,
    port,
    rest,
  );
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
});

/**
 * Opens a connection and returns `[reader, writer]` (asyncio's
 * `open_connection`). Options are `createConnection()`'s (`ssl`,
 * `serverHostname`, ...) plus `limit`.
 *
 * @param host The host name or address.
 * @param port The port.
 * @param options `limit`, `ssl`, `serverHostname`, `family`, `happyEyeballsDelay`, `sock`.
 * @returns `[reader, writer]`.
 * @throws {Deno.errors.ConnectionRefused} If nothing listens there.
 * @throws {SSLCertVerificationError} If the certificate is rejected.
 *
 * @example
 * ```ts
 * import { openConnection, run, startServer } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   await using server = await startServer((_r, w) => w.close(), "127.0.0.1", 0);
 *   const { port } = server.sockets[0].addr as Deno.NetAddr;
 *   const [reader, writer] = await openConnection("127.0.0.1", port);
 *   assert.equal((await reader.read()).length, 0);
 *   assert.ok(reader.atEof());
 *   writer.close();
 *   await writer.waitClosed();
 * });
 * ```
 */
export function openConnection(
  host?: string | null,
  port?: number | null,
  options?: OpenConnectionOptions,
): Awaitable<[StreamReader, StreamWriter]> {
  return openConnectionCo(host, port, options);
}

function serverFactory(
  loop: AbstractEventLoop,
  cb: ClientConnectedCallback,
  limit: number | undefined,
): () => _StreamReaderProtocol {
  if (typeof cb !== "function") {
    throw new TypeError(
      `Cannot start server as 'clientConnected' must be a function: current value is ${
        describe(cb)
      }`,
    );
  }
  // Checked now, not at each connection.
  _checkLimit(limit, "start server");
  return () =>
    new _StreamReaderProtocol(new StreamReader({ limit, loop }), cb, loop);
}

const startServerCo = coroutine(function* (
  cb: ClientConnectedCallback,
  host: string | string[] | null | undefined,
  port: number | null | undefined,
  options: StartServerOptions | undefined,
): Coroutine<Server> {
  const loop = getRunningLoop();
  const [limit, rest] = splitLimit(options);
  return yield* loop.createServer(
    serverFactory(loop, cb, limit),
    host,
    port,
    rest,
  );
});

/**
 * Starts a server that calls `clientConnected(reader, writer)` for every
 * connection (asyncio's `start_server`). A coroutine callback runs as a
 * Task. Options are `createServer()`'s plus `limit`.
 *
 * @param clientConnected Called per connection.
 * @param host Where to listen (a name, a list, or all interfaces).
 * @param port The port (0: any free one).
 * @param options `limit`, `ssl`, `backlog`, `reusePort`, `startServing`, ...
 * @returns The `Server`.
 *
 * @example A line echo server in generator style
 * ```ts
 * import { openConnection, run, startServer, type Coroutine, type StreamReader, type StreamWriter } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * function* handle(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
 *   const line = yield* reader.readline();
 *   writer.write(line);
 *   yield* writer.drain();
 *   writer.close();
 * }
 * await run(async () => {
 *   await using server = await startServer(handle, "127.0.0.1", 0);
 *   const { port } = server.sockets[0].addr as Deno.NetAddr;
 *   const [reader, writer] = await openConnection("127.0.0.1", port);
 *   writer.write(new TextEncoder().encode("hello\n"));
 *   assert.equal(new TextDecoder().decode(await reader.readline()), "hello\n");
 *   writer.close();
 * });
 * ```
 */
export function startServer(
  clientConnected: ClientConnectedCallback,
  host?: string | string[] | null,
  port?: number | null,
  options?: StartServerOptions,
): Awaitable<Server> {
  return startServerCo(clientConnected, host, port, options);
}

const openUnixConnectionCo = coroutine(function* (
  path: string | null | undefined,
  options: OpenUnixConnectionOptions | undefined,
): Coroutine<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const [limit, rest] = splitLimit(options);
  const reader = new StreamReader({ limit, loop });
  const protocol = new _StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* loop.createUnixConnection(
    () => protocol,
    path,
    rest,
  );
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
});

/**
 * Opens a Unix socket connection and returns `[reader, writer]`.
 *
 * @param path The socket's path.
 * @param options `limit`, `ssl` with `serverHostname`, `sock`.
 * @returns `[reader, writer]`.
 *
 * @example
 * ```ts
 * import { openUnixConnection, run, startUnixServer } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const path = Deno.makeTempDirSync() + "/echo.sock";
 *   await using _server = await startUnixServer(async (r, w) => {
 *     w.write(await r.readexactly(3));
 *     w.close();
 *   }, path);
 *   const [reader, writer] = await openUnixConnection(path);
 *   writer.write(new Uint8Array([1, 2, 3]));
 *   assert.deepEqual([...await reader.read()], [1, 2, 3]);
 *   writer.close();
 * });
 * ```
 */
export function openUnixConnection(
  path?: string | null,
  options?: OpenUnixConnectionOptions,
): Awaitable<[StreamReader, StreamWriter]> {
  return openUnixConnectionCo(path, options);
}

const startUnixServerCo = coroutine(function* (
  cb: ClientConnectedCallback,
  path: string | null | undefined,
  options: StartUnixServerOptions | undefined,
): Coroutine<Server> {
  const loop = getRunningLoop();
  const [limit, rest] = splitLimit(options);
  return yield* loop.createUnixServer(
    serverFactory(loop, cb, limit),
    path,
    rest,
  );
});

/**
 * Starts a Unix socket server that calls `clientConnected(reader, writer)`
 * for every connection.
 *
 * @param clientConnected Called per connection.
 * @param path The socket's path.
 * @param options `limit`, `backlog`, `startServing`, `cleanupSocket`.
 * @returns The `Server`.
 *
 * @example
 * ```ts
 * import { run, startUnixServer } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const path = Deno.makeTempDirSync() + "/s.sock";
 *   const server = await startUnixServer(() => {}, path);
 *   assert.ok(server.isServing());
 *   server.close();
 *   await server.waitClosed();
 * });
 * ```
 */
export function startUnixServer(
  clientConnected: ClientConnectedCallback,
  path?: string | null,
  options?: StartUnixServerOptions,
): Awaitable<Server> {
  return startUnixServerCo(clientConnected, path, options);
}
