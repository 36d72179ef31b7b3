/**
 * Subprocesses with streams (asyncio's `subprocess.py`):
 * `createSubprocessExec()` and `createSubprocessShell()` start a child and
 * return a `Process` whose `stdin` is a `StreamWriter` and whose `stdout`
 * and `stderr` are `StreamReader`s (read in place: the pipe transports
 * read straight into the readers' buffers).
 *
 * @module
 */
import { CancelledError } from "../futures/exceptions.ts";
import { Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Task } from "../futures/task.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import { getRunningLoop } from "../loop/_current.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { describe } from "../loop/_describe.ts";
import { SubprocessProtocol } from "./protocol.ts";
import type { SubprocessTransport, Transport } from "./transport.ts";
import { StreamReader } from "./stream_reader.ts";
import { type DrainableProtocol, StreamWriter } from "./stream_writer.ts";
import type {
  _SubprocessTransport,
  SubprocessOptions,
} from "./subprocess_transport.ts";

export { DEVNULL, PIPE, STDOUT } from "./subprocess_transport.ts";

/** Options of `createSubprocessExec()` and `createSubprocessShell()`. */
export interface CreateSubprocessOptions extends SubprocessOptions {
  /** The buffer limit of the `stdout`/`stderr` readers (default 64 KiB). */
  limit?: number;
}

const encoder = new TextEncoder();
/** The most bytes `communicate()` takes from a reader at once. */
const READ_ALL_BLOCK = 1 << 30;

/**
 * The protocol between a subprocess transport and the streams of a
 * `Process` (asyncio's `SubprocessStreamProtocol`, with the flow control
 * of its `FlowControlMixin` for `stdin.drain()`).
 */
export class _SubprocessStreamProtocol extends SubprocessProtocol
  implements DrainableProtocol {
  /** @internal */ _limit: number | undefined;
  /** @internal */ _loop: AbstractEventLoop;
  /** The child's stdin, or `null` when it is not a pipe. */
  stdin: StreamWriter | null = null;
  /** The child's stdout, or `null` when it is not a pipe. */
  stdout: StreamReader | null = null;
  /** The child's stderr, or `null` when it is not a pipe. */
  stderr: StreamReader | null = null;
  /** @internal */ _transport: SubprocessTransport | null = null;
  /** @internal */ _processExited = false;
  /** @internal */ _pipeFds: number[] = [];
  /** @internal */ _stdinClosed: Future<void>;
  /** @internal */ _paused = false;
  /** @internal */ _connectionLost = false;
  /** @internal */ _drainWaiters: Future<void>[] = [];

  constructor(limit: number | undefined, loop: AbstractEventLoop) {
    super();
    this._limit = limit;
    this._loop = loop;
    this._stdinClosed = new Future<void>({ loop });
  }

  override connectionMade(transport: SubprocessTransport): void {
    this._transport = transport;
    const out = transport.getPipeTransport(1);
    if (out !== null) {
      this.stdout = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stdout.setTransport(out as Transport);
      this._pipeFds.push(1);
    }
    const err = transport.getPipeTransport(2);
    if (err !== null) {
      this.stderr = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stderr.setTransport(err as Transport);
      this._pipeFds.push(2);
    }
    const inp = transport.getPipeTransport(0);
    if (inp !== null) {
      this.stdin = new StreamWriter(inp as Transport, this, null, this._loop);
    }
  }

  /** @internal The reader the bytes of pipe `fd` go to (read in place). */
  _pipeReader(fd: number): StreamReader | null {
    return fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
  }

  override pipeDataReceived(fd: number, data: Uint8Array): void {
    this._pipeReader(fd)?.feedData(data);
  }

  override pipeConnectionLost(fd: number, exc: Error | null): void {
    if (fd === 0) {
      this.stdin?.close();
      this.connectionLost(exc);
      if (!this._stdinClosed.done()) {
        if (exc === null) this._stdinClosed.setResult(undefined);
        else {
          this._stdinClosed.setException(exc);
          this._stdinClosed.exception(); // waitClosed() is optional
        }
      }
      return;
    }
    const reader = this._pipeReader(fd);
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const i = this._pipeFds.indexOf(fd);
    if (i !== -1) this._pipeFds.splice(i, 1);
    this._maybeCloseTransport();
  }

  override processExited(): void {
    this._processExited = true;
    this._maybeCloseTransport();
  }

  /** @internal */
  _maybeCloseTransport(): void {
    if (this._pipeFds.length === 0 && this._processExited) {
      this._transport?.close();
      this._transport = null;
    }
  }

  /** Flow control: the stdin pipe is lost (wakes `drain()` waiters). */
  override connectionLost(exc: Error | null): void {
    this._connectionLost = true;
    if (!this._paused) return;
    const waiters = this._drainWaiters;
    this._drainWaiters = [];
    for (const w of waiters) {
      if (w.done()) continue;
      if (exc === null) w.setResult(undefined);
      else w.setException(exc);
    }
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
    const fut = new Future<void>({ loop: this._loop });
    if (this._connectionLost) {
      fut.setException(new Deno.errors.ConnectionReset("Connection lost"));
    } else if (!this._paused) {
      fut.setResult(undefined);
    } else {
      this._drainWaiters.push(fut);
      fut.addDoneCallback(() => {
        const i = this._drainWaiters.indexOf(fut);
        if (i !== -1) this._drainWaiters.splice(i, 1);
      });
    }
    return fut;
  }

  /** @internal */
  _getCloseWaiter(_writer: StreamWriter): Future<void> {
    return this._stdinClosed;
  }

  /** A description listing the streams. */
  override toString(): string {
    return `<_SubprocessStreamProtocol${this.stdin !== null ? " stdin" : ""}${
      this.stdout !== null ? " stdout" : ""
    }${this.stderr !== null ? " stderr" : ""}>`;
  }
}

/**
 * A child process started by `createSubprocessExec()` or
 * `createSubprocessShell()` (asyncio's `asyncio.subprocess.Process`).
 *
 * - `stdin` is a `StreamWriter`, `stdout` and `stderr` are `StreamReader`s
 *   (each `null` unless that stream is `PIPE`).
 * - `wait()` resolves to the return code; `communicate(input)` writes
 *   `input`, closes stdin, reads stdout and stderr to EOF (all at once, so
 *   no pipe fills up and blocks the child), waits for the exit, and
 *   resolves to `[stdout, stderr]`.
 * - `returncode` is `null` while the child runs, then its exit code, or
 *   minus the signal number if a signal ended it (`-9` after `kill()`).
 *
 * As in asyncio, `wait()` with `stdout: PIPE` or `stderr: PIPE` can block
 * forever if the child writes more than the pipe and the reader's limit
 * hold and nobody reads: use `communicate()`. Cancelling `wait()` or
 * `communicate()` leaves the child running: `kill()` then `wait()` it.
 *
 * @example Feeding a child and reading its output
 * ```ts
 * import { createSubprocessExec, PIPE, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const proc = await createSubprocessExec("tr", ["a-z", "A-Z"], { stdin: PIPE, stdout: PIPE });
 *   const [out] = await proc.communicate(new TextEncoder().encode("shout\n"));
 *   assert.equal(new TextDecoder().decode(out!), "SHOUT\n");
 *   assert.equal(proc.returncode, 0);
 * });
 * ```
 */
export class Process {
  /** @internal */ _transport: _SubprocessTransport;
  /** @internal */ _protocol: _SubprocessStreamProtocol;
  /** @internal */ _loop: AbstractEventLoop;
  /** The child's stdin (a `StreamWriter`), or `null` when it is not `PIPE`. */
  readonly stdin: StreamWriter | null;
  /** The child's stdout (a `StreamReader`), or `null` when it is not `PIPE`. */
  readonly stdout: StreamReader | null;
  /** The child's stderr (a `StreamReader`), or `null` when it is not `PIPE`. */
  readonly stderr: StreamReader | null;
  /** The child's process id. */
  readonly pid: number;

  /**
   * Wraps a transport and its stream protocol (made by
   * `createSubprocessExec()`).
   *
   * @param transport The subprocess transport.
   * @param protocol Its protocol.
   * @param loop The loop.
   */
  constructor(
    transport: SubprocessTransport,
    protocol: _SubprocessStreamProtocol,
    loop: AbstractEventLoop,
  ) {
    this._transport = transport as _SubprocessTransport;
    this._protocol = protocol;
    this._loop = loop;
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
    this.pid = transport.getPid();
  }

  /**
   * The return code: `null` while the child runs, then its exit code, or
   * minus the number of the signal that ended it.
   */
  get returncode(): number | null {
    return this._transport.getReturncode();
  }

  /**
   * Waits for the child to exit and resolves to its return code.
   *
   * @returns The return code.
   */
  wait(): Awaitable<number> {
    return this._transport._wait();
  }

  /**
   * Sends `signal` to the child (nothing happens if it already exited).
   *
   * @param signal A signal name such as `"SIGUSR1"`, or its number.
   * @throws {Deno.errors.NotFound} If the process is finished and its transport closed.
   * @throws {TypeError} If `signal` is neither a string nor a number.
   * @throws {RangeError} If the OS does not know the signal (a negative,
   *   fractional or NaN number, an unknown name).
   */
  sendSignal(signal: Deno.Signal | number): void {
    this._transport.sendSignal(signal);
  }

  /** Asks the child to stop (`SIGTERM`; on Windows, ends it). */
  terminate(): void {
    this._transport.terminate();
  }

  /** Kills the child (`SIGKILL`; on Windows, ends it). */
  kill(): void {
    this._transport.kill();
  }

  /**
   * Sends `input` to stdin (then closes it), reads stdout and stderr until
   * EOF, and waits for the child to exit. A child that stops reading its
   * stdin early is not an error (`BrokenPipe` and `ConnectionReset` on
   * stdin are ignored).
   *
   * Cancelling it cancels the reads and the write, and leaves the child
   * running.
   *
   * @param input Bytes (or a string, UTF-8 encoded) for stdin; ignored
   *   unless stdin is `PIPE`.
   * @returns `[stdout, stderr]`: the bytes read, `null` for a stream that is
   *   not `PIPE`.
   */
  communicate(
    input?: Uint8Array | string | null,
  ): Awaitable<[Uint8Array | null, Uint8Array | null]> {
    return communicateCo(this, input ?? null);
  }

  /** `<Process pid>`. */
  toString(): string {
    return `<Process ${this.pid}>`;
  }
}

function* feedStdin(
  proc: Process,
  input: Uint8Array | string | null,
): Coroutine<null> {
  const stdin = proc.stdin as StreamWriter;
  if (input !== null) {
    stdin.write(typeof input === "string" ? encoder.encode(input) : input);
  }
  try {
    yield* stdin.drain();
  } catch (e) {
    if (
      !(e instanceof Deno.errors.BrokenPipe ||
        e instanceof Deno.errors.ConnectionReset)
    ) throw e;
  }
  stdin.close();
  return null;
}

function* readStream(
  proc: Process,
  fd: number,
): Coroutine<Uint8Array> {
  const transport = proc._transport.getPipeTransport(fd);
  const stream = (fd === 2 ? proc.stderr : proc.stdout) as StreamReader;
  // As stream.read(), but taking all that is buffered at each wake-up
  // rather than `limit` bytes: fewer iterations for big outputs.
  const blocks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const block = yield* stream.read(READ_ALL_BLOCK);
    if (block.length === 0) break;
    blocks.push(block);
    total += block.length;
  }
  transport?.close();
  if (blocks.length === 1) return blocks[0];
  const output = new Uint8Array(total);
  let off = 0;
  for (const b of blocks) {
    output.set(b, off);
    off += b.length;
  }
  return output;
}

const communicateCo = coroutine(function* (
  proc: Process,
  input: Uint8Array | string | null,
): Coroutine<[Uint8Array | null, Uint8Array | null]> {
  if (
    input !== null && typeof input !== "string" &&
    !(input instanceof Uint8Array)
  ) {
    throw new TypeError(
      `Cannot communicate as 'input' must be a Uint8Array, a string or null: current value is ${
        describe(input)
      }`,
    );
  }
  const loop = proc._loop;
  const parts: (Task<unknown> | null)[] = [
    proc.stdin !== null ? loop.createTask(feedStdin(proc, input)) : null,
    proc.stdout !== null ? loop.createTask(readStream(proc, 1)) : null,
    proc.stderr !== null ? loop.createTask(readStream(proc, 2)) : null,
  ];
  const results: unknown[] = [null, null, null];
  try {
    for (let i = 0; i < 3; i++) {
      const part = parts[i];
      if (part !== null) results[i] = yield* part;
    }
  } catch (e) {
    // As gather(): cancelling communicate() cancels its parts.
    if (e instanceof CancelledError) {
      for (const part of parts) part?.cancel();
    }
    throw e;
  }
  yield* proc.wait();
  return [results[1] as Uint8Array | null, results[2] as Uint8Array | null];
});

function splitLimit(
  options: CreateSubprocessOptions | undefined,
  what: string,
): [number | undefined, SubprocessOptions] {
  if (options === undefined || options === null) {
    return [undefined, { stdin: null, stdout: null, stderr: null }];
  }
  if (typeof options !== "object") {
    throw new TypeError(
      `Cannot ${what} as 'options' must be an object: current value is ${
        describe(options)
      }`,
    );
  }
  const { limit, ...rest } = options;
  return [limit, {
    ...rest,
    stdin: rest.stdin === undefined ? null : rest.stdin,
    stdout: rest.stdout === undefined ? null : rest.stdout,
    stderr: rest.stderr === undefined ? null : rest.stderr,
  }];
}

const execCo = coroutine(function* (
  program: string | URL,
  args: readonly string[] | null | undefined,
  options: CreateSubprocessOptions | undefined,
): Coroutine<Process> {
  const loop = getRunningLoop();
  const [limit, rest] = splitLimit(options, "start subprocess");
  if (limit !== undefined) new StreamReader({ limit, loop }); // checks it
  const [transport, protocol] = yield* loop.subprocessExec(
    () => new _SubprocessStreamProtocol(limit, loop),
    program,
    args,
    rest,
  );
  return new Process(transport, protocol, loop);
});

const shellCo = coroutine(function* (
  cmd: string,
  options: CreateSubprocessOptions | undefined,
): Coroutine<Process> {
  const loop = getRunningLoop();
  const [limit, rest] = splitLimit(options, "start shell subprocess");
  if (limit !== undefined) new StreamReader({ limit, loop }); // checks it
  const [transport, protocol] = yield* loop.subprocessShell(
    () => new _SubprocessStreamProtocol(limit, loop),
    cmd,
    rest,
  );
  return new Process(transport, protocol, loop);
});

/**
 * Starts `program` with `args` and returns a `Process` (asyncio's
 * `create_subprocess_exec`). `program` is looked up in `PATH` (the one of
 * `env` when given) unless it is a path. Each of `stdin`, `stdout` and
 * `stderr` is inherited unless set to `PIPE` (a stream on the `Process`),
 * `DEVNULL`, or for `stderr`, `STDOUT` (merged into stdout).
 *
 * Needs `--allow-run`.
 *
 * @param program The program.
 * @param args Its arguments.
 * @param options `stdin`, `stdout`, `stderr`, `cwd`, `env`, `limit`, `uid`, `gid`.
 * @returns The `Process`.
 * @throws {Deno.errors.NotFound} If the program (or `cwd`) does not exist; the message names it.
 * @throws {Deno.errors.PermissionDenied} If the program is not executable.
 * @throws {TypeError} If an argument or option has the wrong type; the
 *   message names it.
 * @throws {RangeError} If an option has a bad value (`STDOUT` for `stdin`
 *   or `stdout`, a negative `uid`, a `limit` below 1, text mode).
 *
 * @example Reading a child's output line by line
 * ```ts
 * import { createSubprocessExec, PIPE, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const proc = await createSubprocessExec("printf", ["a\\nb\\n"], { stdout: PIPE });
 *   const lines: string[] = [];
 *   for await (const line of proc.stdout!) lines.push(new TextDecoder().decode(line));
 *   assert.deepEqual(lines, ["a\n", "b\n"]);
 *   assert.equal(await proc.wait(), 0);
 * });
 * ```
 *
 * @example A program that does not exist
 * ```ts
 * import { createSubprocessExec, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   await assert.rejects(
 *     async () => await createSubprocessExec("no-such-program-here", []),
 *     (e: Error) => e instanceof Deno.errors.NotFound && e.message.includes("no-such-program-here"),
 *   );
 * });
 * ```
 */
export function createSubprocessExec(
  program: string | URL,
  args?: readonly string[] | null,
  options?: CreateSubprocessOptions,
): Awaitable<Process> {
  return execCo(program, args, options);
}

/**
 * Runs `cmd` with the shell (`/bin/sh -c`, `cmd.exe /c` on Windows) and
 * returns a `Process` (asyncio's `create_subprocess_shell`). As in
 * Python, quoting what goes into `cmd` is the caller's job; prefer
 * `createSubprocessExec()` for data that is not trusted.
 *
 * @param cmd The command line.
 * @param options As `createSubprocessExec()`.
 * @returns The `Process`.
 * @throws {TypeError} If `cmd` is not a string.
 *
 * @example A pipeline in the shell
 * ```ts
 * import { createSubprocessShell, PIPE, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const proc = await createSubprocessShell("printf 'b\\na\\n' | sort; exit 3", { stdout: PIPE });
 *   const [out] = await proc.communicate();
 *   assert.equal(new TextDecoder().decode(out!), "a\nb\n");
 *   assert.equal(proc.returncode, 3);
 * });
 * ```
 */
export function createSubprocessShell(
  cmd: string,
  options?: CreateSubprocessOptions,
): Awaitable<Process> {
  return shellCo(cmd, options);
}
