/**
 * The contracts of the event loop: `AbstractEventLoop`, whose methods all
 * throw `NotImplementedError` until a concrete loop provides them (as in
 * CPython's `asyncio.events`), and the types the loop API speaks in.
 *
 * @module
 */
import { NotImplementedError } from "../futures/exceptions.ts";
import type { Future } from "../futures/future.ts";
import type { Task } from "../futures/task.ts";
import type {
  Awaitable,
  AwaitableLike,
  CoroutineLike,
} from "../futures/types.ts";
import type { Handle, TimerHandle } from "./handle.ts";
import type { BaseProtocol, ProtocolFactory } from "../transports/protocol.ts";
import type {
  DatagramTransport,
  ReadTransport,
  SubprocessTransport,
  Transport,
  WriteTransport,
} from "../transports/transport.ts";
import type { Server } from "../transports/server.ts";
import type { SSLArg } from "../transports/tls.ts";
import type {
  AddressLike,
  CreateConnectionOptions,
  CreateServerOptions,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
  SockSendfileOptions,
  StartTlsOptions,
} from "../transports/connections.ts";
import type { Executor, ModuleFunction } from "./executor.ts";
import type { SubprocessOptions } from "../transports/subprocess_transport.ts";
import type { ReadPipe, WritePipe } from "../transports/pipe_transport.ts";
import type { CreateDatagramEndpointOptions } from "../transports/datagram_transport.ts";
import type {
  AddrInfo,
  GetaddrinfoOptions,
  Socket,
  SocketAddress,
  SocketAddressLike,
} from "../transports/socket.ts";

/**
 * A context to run callbacks in, Python's `contextvars.Context` in spirit:
 * anything with a `run(fn, ...args)` method. `AsyncLocalStorage.snapshot()`
 * from `node:async_hooks` wrapped as `{ run: snapshot }` is one.
 */
export interface Context {
  /** Calls `fn(...args)` inside this context and returns its result. */
  // deno-lint-ignore no-explicit-any
  run<R>(fn: (...args: any[]) => R, ...args: any[]): R;
}

/**
 * What the loop's exception handler receives, as in
 * `loop.call_exception_handler(context)`: a `message`, and where known the
 * `exception`, `future`, `task`, `handle`, `protocol`, `transport`,
 * `socket`, `sourceTraceback` (where the object was created, in debug mode)
 * and other keys.
 */
export interface ExceptionContext {
  /** What happened. */
  message: string;
  /** The error, if there is one. */
  exception?: unknown;
  /** The future concerned. */
  future?: Future<unknown>;
  /** The task concerned. */
  task?: Task<unknown>;
  /** The handle whose callback failed. */
  handle?: Handle;
  /** The protocol concerned. */
  protocol?: unknown;
  /** The transport concerned. */
  transport?: unknown;
  /** The socket concerned. */
  socket?: unknown;
  /** Where the object concerned was created (debug mode). */
  sourceTraceback?: string;
  /** Other keys. */
  [key: string]: unknown;
}

/** A loop's exception handler: `(loop, context) => void`. */
export type ExceptionHandler = (
  loop: AbstractEventLoop,
  context: ExceptionContext,
) => void;

/** Options of `loop.createTask()`. */
export interface CreateTaskOptions {
  /** The task's name (default `Task-N`). */
  name?: string | null;
  /** A context to run the task's steps in. */
  context?: Context | null;
  /**
   * Run the first step at once, inside `createTask()`, as CPython 3.12's
   * `eager_start` (only while the loop is running).
   */
  eagerStart?: boolean;
}

/**
 * A task factory, as set by `loop.setTaskFactory()`: it must return a Task
 * (or a subclass) that runs `coro` on `loop`.
 */
export type TaskFactory = <T>(
  loop: AbstractEventLoop,
  coro: CoroutineLike<T>,
  options: CreateTaskOptions,
) => Task<T>;

function notImplemented(what: string): never {
  throw new NotImplementedError(
    `${what} is not implemented by this event loop`,
  );
}

/**
 * The abstract event loop: every method throws `NotImplementedError` until
 * a concrete loop provides it. `newEventLoop()` returns the concrete loop of
 * the current policy; `BaseEventLoop` is the scheduler the concrete loops
 * share.
 *
 * All times are in seconds. Methods that complete later return Promises
 * (JavaScript cannot block); they report failure by rejecting.
 *
 * @example Checking that an object is an event loop
 * ```ts
 * import { AbstractEventLoop, newEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.ok(loop instanceof AbstractEventLoop);
 * loop.close();
 * ```
 */
export abstract class AbstractEventLoop {
  /**
   * Callbacks slower than this many seconds are logged in debug mode
   * (default 0.1).
   */
  slowCallbackDuration = 0.1;

  // ---- running and stopping ----

  /** Runs until `stop()` is called; the Promise settles when it stops. */
  runForever(): Promise<void> {
    return notImplemented("runForever()");
  }

  /**
   * Runs until `future` is done and settles with its result or error. A
   * generator object or an async function becomes a Task first.
   */
  runUntilComplete<T>(
    _future: AwaitableLike<T> | CoroutineLike<T>,
  ): Promise<T> {
    return notImplemented("runUntilComplete()");
  }

  /** Stops the loop after the current iteration. */
  stop(): void {
    notImplemented("stop()");
  }

  /** Whether the loop is running. */
  isRunning(): boolean {
    return notImplemented("isRunning()");
  }

  /** Whether the loop was closed. */
  isClosed(): boolean {
    return notImplemented("isClosed()");
  }

  /** Closes the loop: drops what is scheduled; it cannot run again. */
  close(): void {
    notImplemented("close()");
  }

  /** Closes the async generators the loop knows of. */
  shutdownAsyncgens(): Promise<void> {
    return notImplemented("shutdownAsyncgens()");
  }

  /** Shuts down the default executor and waits for it (up to `timeout`). */
  shutdownDefaultExecutor(_timeout?: number | null): Promise<void> {
    return notImplemented("shutdownDefaultExecutor()");
  }

  // ---- callbacks and time ----

  /** Schedules `callback(...args)` for the next iteration (FIFO). */
  callSoon<A extends unknown[]>(
    _callback: (...args: A) => unknown,
    ..._args: A
  ): Handle {
    return notImplemented("callSoon()");
  }

  /** Schedules `callback(...args)` from a host callback of this realm. */
  callSoonThreadsafe<A extends unknown[]>(
    _callback: (...args: A) => unknown,
    ..._args: A
  ): Handle {
    return notImplemented("callSoonThreadsafe()");
  }

  /** Schedules `callback(...args)` to run after `delay` seconds. */
  callLater<A extends unknown[]>(
    _delay: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): TimerHandle {
    return notImplemented("callLater()");
  }

  /** Schedules `callback(...args)` to run at the loop time `when`. */
  callAt<A extends unknown[]>(
    _when: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): TimerHandle {
    return notImplemented("callAt()");
  }

  /** The loop's monotonic clock, in seconds. */
  time(): number {
    return notImplemented("time()");
  }

  // ---- futures and tasks ----

  /** Creates a Future attached to this loop. */
  createFuture<T>(): Future<T> {
    return notImplemented("createFuture()");
  }

  /** Wraps a coroutine into a Task scheduled on this loop. */
  createTask<T>(
    _coro: CoroutineLike<T>,
    _options?: CreateTaskOptions,
  ): Task<T> {
    return notImplemented("createTask()");
  }

  /** Sets the factory `createTask()` uses; `null` restores the default. */
  setTaskFactory(_factory: TaskFactory | null): void {
    notImplemented("setTaskFactory()");
  }

  /** The task factory, or `null` for the default. */
  getTaskFactory(): TaskFactory | null {
    return notImplemented("getTaskFactory()");
  }

  // ---- errors and debugging ----

  /** Sets the exception handler; `null` restores the default. */
  setExceptionHandler(_handler: ExceptionHandler | null): void {
    notImplemented("setExceptionHandler()");
  }

  /** The exception handler, or `null` for the default. */
  getExceptionHandler(): ExceptionHandler | null {
    return notImplemented("getExceptionHandler()");
  }

  /** Logs `context` the default way (to `console.error`). */
  defaultExceptionHandler(_context: ExceptionContext): void {
    notImplemented("defaultExceptionHandler()");
  }

  /** Calls the exception handler with `context`. */
  callExceptionHandler(_context: ExceptionContext): void {
    notImplemented("callExceptionHandler()");
  }

  /** Whether debug mode is on. */
  getDebug(): boolean {
    return notImplemented("getDebug()");
  }

  /** Turns debug mode on or off. */
  setDebug(_enabled: boolean): void {
    notImplemented("setDebug()");
  }

  // ---- I/O readiness callbacks on file descriptors ----

  /** Calls `callback(...args)` whenever `fd` is readable. */
  addReader<A extends unknown[]>(
    _fd: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): void {
    notImplemented("addReader()");
  }

  /** Stops watching `fd` for reading; true if it was watched. */
  removeReader(_fd: number): boolean {
    return notImplemented("removeReader()");
  }

  /** Calls `callback(...args)` whenever `fd` is writable. */
  addWriter<A extends unknown[]>(
    _fd: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): void {
    notImplemented("addWriter()");
  }

  /** Stops watching `fd` for writing; true if it was watched. */
  removeWriter(_fd: number): boolean {
    return notImplemented("removeWriter()");
  }

  // ---- network: connections, servers, TLS, low-level sockets ----

  /**
   * Opens a TCP (or TLS) connection to `host`:`port` and makes a protocol
   * for it: resolves to `[transport, protocol]` once `connectionMade()` was
   * called.
   */
  createConnection<P extends BaseProtocol>(
    _protocolFactory: ProtocolFactory<P>,
    _host?: string | null,
    _port?: number | null,
    _options?: CreateConnectionOptions,
  ): Awaitable<[Transport, P]> {
    return notImplemented("createConnection()");
  }

  /** Listens on `host` (a name, a list, or all interfaces) and `port`. */
  createServer(
    _protocolFactory: ProtocolFactory,
    _host?: string | string[] | null,
    _port?: number | null,
    _options?: CreateServerOptions,
  ): Awaitable<Server> {
    return notImplemented("createServer()");
  }

  /** Opens a Unix socket connection to `path`. */
  createUnixConnection<P extends BaseProtocol>(
    _protocolFactory: ProtocolFactory<P>,
    _path?: string | null,
    _options?: CreateUnixConnectionOptions,
  ): Awaitable<[Transport, P]> {
    return notImplemented("createUnixConnection()");
  }

  /** Listens on the Unix socket `path`. */
  createUnixServer(
    _protocolFactory: ProtocolFactory,
    _path?: string | null,
    _options?: CreateUnixServerOptions,
  ): Awaitable<Server> {
    return notImplemented("createUnixServer()");
  }

  /** Upgrades a live connection to TLS; resolves to the new transport. */
  startTls(
    _transport: Transport,
    _protocol: BaseProtocol,
    _sslcontext: SSLArg,
    _options?: StartTlsOptions,
  ): Awaitable<Transport> {
    return notImplemented("startTls()");
  }

  /** Accepts a connection: `[conn, addr]`. */
  sockAccept(_sock: Deno.Listener): Awaitable<[Deno.Conn, Deno.Addr]> {
    return notImplemented("sockAccept()");
  }

  /** Receives up to `nbytes` bytes (an empty array at EOF). */
  sockRecv(_sock: Deno.Conn, _nbytes: number): Awaitable<Uint8Array> {
    return notImplemented("sockRecv()");
  }

  /** Receives into `buf`; the number of bytes (0 at EOF). */
  sockRecvInto(_sock: Deno.Conn, _buf: Uint8Array): Awaitable<number> {
    return notImplemented("sockRecvInto()");
  }

  /** Sends all of `data`. */
  sockSendall(_sock: Deno.Conn, _data: Uint8Array): Awaitable<void> {
    return notImplemented("sockSendall()");
  }

  /** Connects to `address`; resolves to the connection. */
  sockConnect(_address: AddressLike | string): Awaitable<Deno.Conn> {
    return notImplemented("sockConnect()");
  }

  /** Sends `count` bytes of `file` from `offset`; the number of bytes sent. */
  sockSendfile(
    _sock: Deno.Conn,
    _file: Deno.FsFile,
    _offset?: number,
    _count?: number | null,
    _options?: SockSendfileOptions,
  ): Awaitable<number> {
    return notImplemented("sockSendfile()");
  }

  // ---- datagrams, name resolution, sock_* on Sockets (SelectorEventLoop) ----

  /** Resolves `host` and `port` without blocking the loop. */
  getaddrinfo(
    _host: string | null,
    _port: number | string | null,
    _options?: GetaddrinfoOptions,
  ): Awaitable<AddrInfo[]> {
    return notImplemented("getaddrinfo()");
  }

  /** Sends a datagram to `address`; the number of bytes sent. */
  sockSendto(
    _sock: Socket,
    _data: Uint8Array,
    _address: SocketAddressLike,
  ): Awaitable<number> {
    return notImplemented("sockSendto()");
  }

  /** Receives a datagram: `[data, address]`. */
  sockRecvfrom(
    _sock: Socket,
    _bufsize: number,
  ): Awaitable<[Uint8Array, SocketAddress]> {
    return notImplemented("sockRecvfrom()");
  }

  /** Receives a datagram into `buf`: `[nbytes, address]`. */
  sockRecvfromInto(
    _sock: Socket,
    _buf: Uint8Array,
    _nbytes?: number,
  ): Awaitable<[number, SocketAddress]> {
    return notImplemented("sockRecvfromInto()");
  }

  // ---- signals and executors (issue 5: the platform) ----

  /**
   * Calls `callback(...args)` as a loop callback whenever the process
   * receives the signal `sig` (a name such as `"SIGINT"`); replaces the
   * handler `sig` had on this loop.
   */
  addSignalHandler<A extends unknown[]>(
    _sig: string,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): void {
    notImplemented("addSignalHandler()");
  }

  /** Removes the handler of `sig`; true if there was one. */
  removeSignalHandler(_sig: string): boolean {
    return notImplemented("removeSignalHandler()");
  }

  /**
   * Runs `fn(...args)` in a worker of `executor` (`null`: the default
   * executor); returns a Future of the result.
   */
  runInExecutor<A extends unknown[], R>(
    executor: Executor | null | undefined,
    fn: (...args: A) => R,
    ...args: A
  ): Future<Awaited<R>>;
  /** Runs the module export `fn` with `args` in a worker of `executor`. */
  runInExecutor<R = unknown>(
    executor: Executor | null | undefined,
    fn: ModuleFunction,
    ...args: unknown[]
  ): Future<R>;
  runInExecutor(
    _executor: Executor | null | undefined,
    _fn: unknown,
    ..._args: unknown[]
  ): Future<unknown> {
    return notImplemented("runInExecutor()");
  }

  /** Sets the executor `runInExecutor(null, ...)` uses. */
  setDefaultExecutor(_executor: Executor): void {
    notImplemented("setDefaultExecutor()");
  }

  // ---- subprocesses, pipes and UDP ----

  /**
   * Starts `program` with `args` and connects a `SubprocessProtocol`:
   * resolves to `[transport, protocol]` once `connectionMade()` was called.
   */
  subprocessExec<P extends BaseProtocol>(
    _protocolFactory: ProtocolFactory<P>,
    _program: string | URL,
    _args?: readonly string[] | null,
    _options?: SubprocessOptions,
  ): Awaitable<[SubprocessTransport, P]> {
    return notImplemented("subprocessExec()");
  }

  /** Runs `cmd` with the shell, as `subprocessExec()`. */
  subprocessShell<P extends BaseProtocol>(
    _protocolFactory: ProtocolFactory<P>,
    _cmd: string,
    _options?: SubprocessOptions,
  ): Awaitable<[SubprocessTransport, P]> {
    return notImplemented("subprocessShell()");
  }

  /** Reads `pipe` with a protocol: resolves to `[transport, protocol]`. */
  connectReadPipe<P extends BaseProtocol>(
    _protocolFactory: ProtocolFactory<P>,
    _pipe: ReadPipe,
  ): Awaitable<[ReadTransport, P]> {
    return notImplemented("connectReadPipe()");
  }

  /** Writes to `pipe` through a transport: resolves to `[transport, protocol]`. */
  connectWritePipe<P extends BaseProtocol>(
    _protocolFactory: ProtocolFactory<P>,
    _pipe: WritePipe,
  ): Awaitable<[WriteTransport, P]> {
    return notImplemented("connectWritePipe()");
  }

  /** Opens a UDP endpoint: resolves to `[transport, protocol]`. */
  createDatagramEndpoint<P extends BaseProtocol>(
    _protocolFactory: ProtocolFactory<P>,
    _options?: CreateDatagramEndpointOptions,
  ): Awaitable<[DatagramTransport, P]> {
    return notImplemented("createDatagramEndpoint()");
  }
}
