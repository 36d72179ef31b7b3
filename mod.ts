/**
 * asyncio for Deno: Python's asyncio (PEP 3156 and today's CPython
 * `asyncio`) as a TypeScript module. An event loop you can see and
 * control, Futures and Tasks with real cancellation, timeouts and task
 * groups, transports and protocols, streams, servers, subprocesses and
 * worker pools, behind the API asyncio users know. Names are camelCase
 * (`call_soon` is `callSoon`), times are in seconds, and coroutines are async
 * functions or `function*` generators using `yield*`.
 *
 * ```ts
 * import * as asyncio from "@asyncio/asyncio";
 *
 * await asyncio.run(async () => {
 *   const task = asyncio.createTask(() => asyncio.sleep(0.01, "world"));
 *   console.log("hello", await task);
 * });
 * ```
 *
 * @module
 */

// ---- Exceptions ----
export {
  BrokenBarrierError,
  BrokenWorkerError,
  CancelledError,
  type ErrorCondition,
  ExceptionGroup,
  IncompleteReadError,
  InvalidStateError,
  KeyboardInterrupt,
  LimitOverrunError,
  NotImplementedError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  RuntimeError,
  SendfileNotAvailableError,
  TimeoutError,
} from "./futures/exceptions.ts";

// ---- Coroutines ----
export type {
  Awaitable,
  AwaitableLike,
  Coroutine,
  CoroutineLike,
} from "./futures/types.ts";

// ---- Event loop ----
export {
  AbstractEventLoop,
  type Context,
  type CreateTaskOptions,
  type ExceptionContext,
  type ExceptionHandler,
  type TaskFactory,
} from "./loop/events.ts";
export { Handle, TimerHandle } from "./loop/handle.ts";
export {
  BaseEventLoop,
  type ShutdownableExecutor,
} from "./loop/base_event_loop.ts";
export { DenoEventLoop } from "./loop/deno_event_loop.ts";
export {
  AbstractEventLoopPolicy,
  BaseDefaultEventLoopPolicy,
  DefaultEventLoopPolicy,
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  newEventLoop,
  setEventLoop,
  setEventLoopPolicy,
} from "./loop/policy.ts";
export {
  run,
  Runner,
  type RunnerOptions,
  type RunnerRunOptions,
} from "./loop/runner.ts";
export { TestLoop, type TestLoopOptions } from "./loop/test_loop.ts";

// ---- Event loop: worker pools, threads and loop handles ----
export {
  type ConcurrentDoneCallback,
  ConcurrentFuture,
} from "./loop/concurrent_future.ts";
export {
  type Executor,
  type ModuleFunction,
  type ShutdownOptions,
  type WorkerFunction,
  WorkerPoolExecutor,
  type WorkerPoolExecutorOptions,
} from "./loop/executor.ts";
export {
  exposeLoop,
  type LoopCallResult,
  type LoopFunctions,
  LoopHandle,
  type LoopPort,
  runCoroutineThreadsafe,
  toThread,
} from "./loop/threads.ts";

// ---- Event loop: the selector loop, selectors and sockets (Linux, --allow-ffi) ----
export {
  type IOHandles,
  SelectorEventLoop,
  SelectorEventLoopPolicy,
} from "./loop/selector_event_loop.ts";
export {
  BaseSelector,
  DefaultSelector,
  EpollSelector,
  EVENT_READ,
  EVENT_WRITE,
  type FileObject,
  PollSelector,
  type SelectorEvent,
  SelectorKey,
  type SelectVisitor,
} from "./loop/selectors.ts";
export {
  type AddrInfo,
  AF_INET,
  AF_INET6,
  AF_UNIX,
  getaddrinfo,
  type GetaddrinfoOptions,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_V6ONLY,
  MSG_PEEK,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_BROADCAST,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  Socket,
  socket,
  type SocketAddress,
  type SocketAddressLike,
  socketpair,
  SOL_SOCKET,
  TCP_NODELAY,
} from "./transports/socket.ts";
export {
  BlockingIOError,
  BrokenPipeError,
  ChildProcessError,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionRefusedError,
  ConnectionResetError,
  errno,
  FileExistsError,
  FileNotFoundError,
  gaierror,
  InterruptedError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  ProcessLookupError,
} from "./transports/os_errors.ts";
export type {
  DatagramEndpointOptions,
  SelectorConnectionOptions,
  SelectorServerOptions,
  SelectorUnixConnectionOptions,
  SelectorUnixServerOptions,
} from "./transports/selector_connections.ts";

// ---- Futures and tasks ----
export {
  type DoneCallback,
  type DoneCallbackOptions,
  Future,
  type FutureOptions,
  isFuture,
  wrapFuture,
  type WrapFutureOptions,
} from "./futures/future.ts";
export {
  allTasks,
  createEagerTaskFactory,
  createTask,
  currentTask,
  eagerTaskFactory,
  Task,
  type TaskOptions,
} from "./futures/task.ts";
export {
  ensureFuture,
  type EnsureFutureOptions,
} from "./futures/ensure_future.ts";
export { sleep } from "./futures/sleep.ts";

// ---- Transports and protocols ----
export {
  BaseProtocol,
  BufferedProtocol,
  DatagramProtocol,
  Protocol,
  type ProtocolFactory,
  SubprocessProtocol,
} from "./transports/protocol.ts";
export {
  BaseTransport,
  DatagramTransport,
  ReadTransport,
  SubprocessTransport,
  Transport,
  WriteTransport,
} from "./transports/transport.ts";
export { Server } from "./transports/server.ts";
export {
  type SSLArg,
  SSLCertVerificationError,
  SSLError,
  type SSLOptions,
} from "./transports/tls.ts";
export type {
  AddressLike,
  CreateConnectionOptions,
  CreateServerOptions,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
  SockSendfileOptions,
  StartTlsOptions,
} from "./transports/connections.ts";

// ---- Streams ----
export {
  DEFAULT_LIMIT,
  type Separator,
  StreamReader,
  type StreamReaderOptions,
} from "./transports/stream_reader.ts";
export {
  StreamWriter,
  type StreamWriterStartTlsOptions,
} from "./transports/stream_writer.ts";
export {
  type ClientConnectedCallback,
  openConnection,
  type OpenConnectionOptions,
  openUnixConnection,
  type OpenUnixConnectionOptions,
  startServer,
  type StartServerOptions,
  startUnixServer,
  type StartUnixServerOptions,
} from "./transports/streams.ts";
export {
  fromReadableStream,
  type FromWebStreamOptions,
  fromWritableStream,
  toReadableStream,
  type ToReadableStreamOptions,
  toWritableStream,
} from "./transports/web_streams.ts";
export {
  gather,
  type GatherOptions,
  type GatherResults,
  type ResultOf,
} from "./futures/gather.ts";
export {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type ReturnWhen,
  wait,
  type WaitOptions,
} from "./futures/wait.ts";
export { waitFor } from "./futures/wait_for.ts";
export {
  asCompleted,
  type AsCompletedIterator,
  type AsCompletedOptions,
  type CompletedFuture,
} from "./futures/as_completed.ts";
export { shield } from "./futures/shield.ts";
export { Timeout, timeout, timeoutAt } from "./futures/timeouts.ts";
export { TaskGroup } from "./futures/task_group.ts";

// ---- Synchronization and queues ----
export { Lock } from "./futures/lock.ts";
export { Event } from "./futures/event.ts";
export { Condition } from "./futures/condition.ts";
export { BoundedSemaphore, Semaphore } from "./futures/semaphore.ts";
export { Barrier } from "./futures/barrier.ts";
export {
  LifoQueue,
  PriorityQueue,
  type PriorityQueueOptions,
  Queue,
} from "./futures/queue.ts";

// ---- Subprocesses, pipes and UDP ----
export {
  createSubprocessExec,
  type CreateSubprocessOptions,
  createSubprocessShell,
  DEVNULL,
  PIPE,
  Process,
  STDOUT,
} from "./transports/subprocess.ts";
export type {
  StdioOption,
  SubprocessOptions,
} from "./transports/subprocess_transport.ts";
export type { ReadPipe, WritePipe } from "./transports/pipe_transport.ts";
export type {
  CreateDatagramEndpointOptions,
  DatagramAddress,
  DatagramConnLike,
} from "./transports/datagram_transport.ts";
