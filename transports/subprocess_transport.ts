/**
 * The subprocess transport (CPython's `base_subprocess.py`): a child
 * process started with `Deno.Command(...).spawn()`, its pipes as pipe
 * transports (`pipe_transport.ts`, on the shared stream transport and its
 * flow control), and the calls a `SubprocessProtocol` gets:
 *
 *     connectionMade (pipeDataReceived | pipeConnectionLost)* processExited
 *     connectionLost
 *
 * (`processExited` and the pipes' calls in any order; `connectionLost`
 * last, once the process exited and every pipe is closed.)
 *
 * Deno's specifics, and how they are bridged:
 *
 * - **Return codes** follow asyncio: the exit code, or minus the signal
 *   number when a signal ended the child (Deno reports `128 + n` and the
 *   signal's name).
 * - **`STDOUT`** (stderr merged into stdout): Deno cannot point the child's
 *   fd 2 at its fd 1, so the child gets two pipes and both feed fd 1 of the
 *   protocol (`pipeConnectionLost(1)` comes once both are closed, and
 *   `getPipeTransport(1)` pauses and closes both). The bytes of each stream
 *   keep their order. Between the two streams, chunks come in the order
 *   their reads complete: a write the child makes after the previous one
 *   was read (a prompt, then an answer to our input) comes after it, but
 *   two writes close together, one to each stream, may come in either order
 *   (a shared pipe, as in Python, would keep their order). Lines written
 *   whole (up to 4 KiB, `PIPE_BUF`) are never split or mixed. With `stdout`
 *   inherited, the child's stderr is copied to this process's stdout; with
 *   `stdout: DEVNULL` it is discarded.
 * - **`env`** replaces the environment (as in Python; Deno would merge it),
 *   and `PATH` in it is used to find the program.
 * - **Hang-up of stdin**: asyncio notices when the child closes its stdin;
 *   Deno cannot watch a pipe, so the stdin transport is closed when the
 *   child exits with nothing left to write (a pending write fails with
 *   `BrokenPipe`).
 * - Closing the loop kills children still running and closes their pipes
 *   (asyncio does it when the transport is garbage-collected).
 *
 * @module
 */
import { RuntimeError } from "../futures/exceptions.ts";
import { _setResultUnlessCancelled, Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { describe } from "../loop/_describe.ts";
import {
  type BaseProtocol,
  BufferedProtocol,
  Protocol,
  type ProtocolFactory,
  type SubprocessProtocol,
} from "./protocol.ts";
import {
  type BaseTransport,
  ReadTransport,
  SubprocessTransport,
  type Transport,
} from "./transport.ts";
import {
  _ReadableStreamPipe,
  _ReadPipeTransport,
  _WritableStreamPipe,
  _WritePipeTransport,
} from "./pipe_transport.ts";
import type { StreamReader } from "./stream_reader.ts";
import { track, untrack } from "./_abandon.ts";
import { checkFactory } from "./_checks.ts";

/**
 * A pipe to or from the child: `PIPE` as a `stdin`, `stdout` or `stderr`
 * option (Python's `subprocess.PIPE`).
 *
 * @example Reading what a child writes
 * ```ts
 * import { createSubprocessExec, PIPE, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const proc = await createSubprocessExec("echo", ["hi"], { stdout: PIPE });
 *   const [out] = await proc.communicate();
 *   assert.equal(new TextDecoder().decode(out!), "hi\n");
 * });
 * ```
 */
export const PIPE: -1 = -1;

/**
 * `stderr: STDOUT` merges the child's stderr into its stdout (Python's
 * `subprocess.STDOUT`). Deno has no fd-level merge: see the module notes of
 * `subprocess_transport.ts` for how the two streams are ordered.
 *
 * @example Both streams in one reader
 * ```ts
 * import { createSubprocessShell, PIPE, run, STDOUT } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const proc = await createSubprocessShell("echo out; echo err >&2", {
 *     stdout: PIPE,
 *     stderr: STDOUT,
 *   });
 *   const [out, err] = await proc.communicate();
 *   assert.deepEqual(new TextDecoder().decode(out!).split("\n").sort(), ["", "err", "out"]);
 *   assert.equal(err, null);
 * });
 * ```
 */
export const STDOUT: -2 = -2;

/**
 * `DEVNULL` connects a child's stream to the null device (Python's
 * `subprocess.DEVNULL`).
 *
 * @example Discarding the output
 * ```ts
 * import { createSubprocessExec, DEVNULL, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const proc = await createSubprocessExec("echo", ["discarded"], { stdout: DEVNULL });
 *   assert.equal(await proc.wait(), 0);
 *   assert.equal(proc.stdout, null);
 * });
 * ```
 */
export const DEVNULL: -3 = -3;

/**
 * What to connect a child's `stdin`, `stdout` or `stderr` to: `PIPE`,
 * `DEVNULL`, `STDOUT` (stderr only), or `null` to inherit this process's;
 * Deno's names `"piped"`, `"null"` and `"inherit"` are accepted too.
 */
export type StdioOption =
  | typeof PIPE
  | typeof STDOUT
  | typeof DEVNULL
  | null
  | "piped"
  | "inherit"
  | "null";

/** Options of `loop.subprocessExec()` and `loop.subprocessShell()`. */
export interface SubprocessOptions {
  /** The child's stdin (default `PIPE` here; `null` in `createSubprocessExec`). */
  stdin?: StdioOption;
  /** The child's stdout (default `PIPE` here; `null` in `createSubprocessExec`). */
  stdout?: StdioOption;
  /** The child's stderr (default `PIPE` here; `null` in `createSubprocessExec`). */
  stderr?: StdioOption;
  /** The working directory of the child (default: this process's). */
  cwd?: string | URL | null;
  /**
   * The child's whole environment (default: this process's). As in
   * Python, it replaces the environment rather than adding to it; its
   * `PATH` is used to find the program.
   */
  env?: Record<string, string> | null;
  /** The user id to run the child as (Unix). */
  uid?: number;
  /** The group id to run the child as (Unix). */
  gid?: number;
}

/** The read buffer of merged pipes: more than a pipe holds (64 KiB). */
const MERGED_READ = 256 * 1024;

/** How one of the child's streams is set up. */
type Stdio = "piped" | "inherit" | "null" | "stdout";

function stdioOf(value: unknown, name: string, fallback: Stdio): Stdio {
  if (value === undefined) return fallback;
  if (value === PIPE || value === "piped") return "piped";
  if (value === DEVNULL || value === "null") return "null";
  if (value === null || value === "inherit") return "inherit";
  if (value === STDOUT) {
    if (name === "stderr") return "stdout";
    throw new RangeError(
      `Cannot start subprocess as '${name}' must be PIPE, DEVNULL or null (STDOUT is for 'stderr' only): current value is STDOUT`,
    );
  }
  throw new TypeError(
    `Cannot start subprocess as '${name}' must be PIPE, DEVNULL, STDOUT or null: current value is ${
      describe(value)
    }`,
  );
}

/** The return code asyncio reports for a Deno exit status. */
function returncodeOf(status: Deno.CommandStatus): number {
  if (status.signal !== null && status.code > 128) return 128 - status.code;
  return status.code;
}

/** What the transport knows of a protocol that reads pipes in place. */
interface PipeReaderProtocol {
  /** @internal The reader that fd's bytes go to, or `null`. */
  _pipeReader(fd: number): StreamReader | null;
}

function readsInPlace(protocol: BaseProtocol): boolean {
  return typeof (protocol as unknown as Partial<PipeReaderProtocol>)
    ._pipeReader === "function";
}

/** The state of one pipe. */
interface PipeEntry {
  /** The child's fd the pipe is connected to. */
  fd: number;
  /** The fd reported to the protocol (1 for a stderr merged into stdout). */
  reportFd: number;
  transport: _ReadPipeTransport | _WritePipeTransport;
  disconnected: boolean;
}

/** The protocol of the stdin pipe (asyncio's `WriteSubprocessPipeProto`). */
class WritePipeProto extends Protocol {
  constructor(readonly proc: _SubprocessTransport, readonly entry: PipeEntry) {
    super();
  }
  override connectionLost(exc: Error | null): void {
    this.proc._pipeConnectionLost(this.entry, exc);
  }
  override pauseWriting(): void {
    this.proc._protocol?.pauseWriting();
  }
  override resumeWriting(): void {
    this.proc._protocol?.resumeWriting();
  }
}

/** The protocol of an output pipe (asyncio's `ReadSubprocessPipeProto`). */
class ReadPipeProto extends WritePipeProto {
  override dataReceived(data: Uint8Array): void {
    (this.proc._protocol as SubprocessProtocol | null)?.pipeDataReceived(
      this.entry.reportFd,
      data,
    );
  }
  override eofReceived(): boolean {
    return false;
  }
}

/**
 * The protocol of an output pipe read straight into a `StreamReader`'s
 * buffer (the protocol of `createSubprocessExec()`): no copy per read.
 */
class ReaderPipeProto extends BufferedProtocol {
  constructor(readonly proc: _SubprocessTransport, readonly entry: PipeEntry) {
    super();
  }
  #reader(): StreamReader {
    const reader = (this.proc._protocol as unknown as PipeReaderProtocol | null)
      ?._pipeReader(this.entry.fd) ?? null;
    if (reader === null) {
      throw new RuntimeError(`No reader for the pipe of fd ${this.entry.fd}`);
    }
    return reader;
  }
  override getBuffer(_sizeHint: number): Uint8Array {
    return this.#reader()._getBuffer();
  }
  override bufferUpdated(nbytes: number): void {
    this.#reader()._bufferUpdated(nbytes);
  }
  override connectionLost(exc: Error | null): void {
    this.proc._pipeConnectionLost(this.entry, exc);
  }
}

/**
 * `getPipeTransport(1)` when stderr is merged into stdout: both pipes as
 * one read transport (pausing, resuming and closing act on both).
 */
class MergedPipeTransport extends ReadTransport {
  constructor(
    readonly out: _ReadPipeTransport,
    readonly err: _ReadPipeTransport,
  ) {
    super({
      pipe: out.getExtraInfo("pipe"),
      stderrPipe: err.getExtraInfo("pipe"),
    });
  }
  override isReading(): boolean {
    return this.out.isReading() || this.err.isReading();
  }
  override pauseReading(): void {
    this.out.pauseReading();
    this.err.pauseReading();
  }
  override resumeReading(): void {
    this.out.resumeReading();
    this.err.resumeReading();
  }
  override isClosing(): boolean {
    return this.out.isClosing() && this.err.isClosing();
  }
  override close(): void {
    this.out.close();
    this.err.close();
  }
  override getProtocol(): BaseProtocol {
    return this.out.getProtocol();
  }
  override setProtocol(protocol: BaseProtocol): void {
    this.out.setProtocol(protocol);
    this.err.setProtocol(protocol);
  }
  override toString(): string {
    return `<MergedPipeTransport stdout=${this.out} stderr=${this.err}>`;
  }
}

/** What `_SubprocessTransport` starts. */
export interface SpawnSpec {
  /** The program (a name looked up in `PATH`, or a path). */
  command: string | URL;
  /** Its arguments. */
  args: string[];
  /** `true` on Windows for `cmd.exe /c` (quoting left alone). */
  rawArgs?: boolean;
  /** The options, checked. */
  options?: SubprocessOptions;
}

/**
 * The transport of a child process; see the module notes. Made by
 * `loop.subprocessExec()` and `loop.subprocessShell()`.
 */
export class _SubprocessTransport extends SubprocessTransport {
  /** @internal */ _loop: AbstractEventLoop;
  /** @internal `null` once the transport finished. */
  _protocol: BaseProtocol | null;
  /** @internal `null` once the transport finished. */
  _proc: Deno.ChildProcess | null;
  /** @internal */ _pid: number;
  /** @internal */ _returncode: number | null = null;
  /** @internal */ _closed = false;
  /** @internal */ _finished = false;
  /** @internal Calls held until `connectionMade()`, or `null` after. */
  _pending: (() => void)[] | null = [];
  /** @internal */ _exitWaiters: Future<number>[] = [];
  /** @internal */ _entries: PipeEntry[] = [];
  /** @internal What `getPipeTransport(fd)` returns. */
  _pipes: Map<number, Transport | ReadTransport> = new Map();
  /** @internal The merged stdout+stderr pipes still open. */
  _mergedOpen = 0;
  /** @internal The first error of a merged pipe. */
  _mergedExc: Error | null = null;
  /** @internal Copies stderr to our stdout (`stderr: STDOUT`, stdout inherited). */
  _forward: Promise<void> | null = null;

  /**
   * Spawns the child (throws what `spawn()` throws, such as
   * `Deno.errors.NotFound` for a missing program) and schedules
   * `connectionMade()`; `waiter` is resolved after it.
   */
  constructor(
    loop: AbstractEventLoop,
    protocol: BaseProtocol,
    spec: SpawnSpec,
    waiter: Future<unknown> | null,
  ) {
    super();
    this._loop = loop;
    this._protocol = protocol;
    const opts = spec.options ?? {};
    const stdin = stdioOf(opts.stdin, "stdin", "piped");
    const stdout = stdioOf(opts.stdout, "stdout", "piped");
    let stderr = stdioOf(opts.stderr, "stderr", "piped");
    let merge = false;
    let forward = false;
    if (stderr === "stdout") {
      if (stdout === "piped") {
        merge = true;
        stderr = "piped";
      } else if (stdout === "inherit") {
        forward = true;
        stderr = "piped";
      } else {
        stderr = "null";
      }
    }
    const command: Deno.CommandOptions = {
      args: spec.args,
      stdin: stdin as "piped" | "inherit" | "null",
      stdout: stdout as "piped" | "inherit" | "null",
      stderr: stderr as "piped" | "inherit" | "null",
    };
    if (opts.cwd != null) command.cwd = opts.cwd;
    if (opts.env != null) {
      command.env = opts.env;
      command.clearEnv = true;
    }
    if (opts.uid !== undefined) command.uid = opts.uid;
    if (opts.gid !== undefined) command.gid = opts.gid;
    if (spec.rawArgs) command.windowsRawArguments = true;
    const proc = new Deno.Command(spec.command, command).spawn();
    this._proc = proc;
    this._pid = proc.pid;
    this._extra.subprocess = proc;

    const fast = !merge && readsInPlace(protocol);
    if (stdin === "piped") {
      const entry = this.#entry(0, 0);
      entry.transport = new _WritePipeTransport(
        loop,
        new _WritableStreamPipe(proc.stdin),
        new WritePipeProto(this, entry),
        { extra: { pipe: proc.stdin } },
      );
      this._pipes.set(0, entry.transport);
    }
    let out: _ReadPipeTransport | null = null;
    if (stdout === "piped") {
      out = this.#readPipe(proc.stdout, 1, 1, fast);
      this._pipes.set(1, out);
    }
    if (merge) {
      const err = this.#readPipe(proc.stderr, 2, 1, false);
      // A read bigger than the pipe takes all it holds: whole writes only
      // (a write of up to PIPE_BUF bytes enters a pipe at once), so the
      // chunks of the two streams never cut a line written whole.
      for (const t of [out as _ReadPipeTransport, err]) {
        t._readBuf = new Uint8Array(MERGED_READ);
      }
      this._pipes.set(
        1,
        new MergedPipeTransport(out as _ReadPipeTransport, err),
      );
      this._mergedOpen = 2;
    } else if (forward) {
      this._forward = copyTo(proc.stderr, Deno.stdout);
      this._forward.then(() => {
        this._forward = null;
        if (!this._finished && !this._loop.isClosed()) {
          this._loop.callSoon(() => this._tryFinish());
        }
      });
    } else if (stderr === "piped") {
      this._pipes.set(2, this.#readPipe(proc.stderr, 2, 2, fast));
    }

    track(loop, this);
    proc.status.then(this._onStatus);
    loop.callSoon(this._connect, waiter);
  }

  #entry(fd: number, reportFd: number): PipeEntry {
    const entry = {
      fd,
      reportFd,
      transport: null as unknown as _ReadPipeTransport,
      disconnected: false,
    };
    this._entries.push(entry);
    return entry;
  }

  #readPipe(
    stream: ReadableStream<Uint8Array>,
    fd: number,
    reportFd: number,
    fast: boolean,
  ): _ReadPipeTransport {
    const entry = this.#entry(fd, reportFd);
    const proto = fast
      ? new ReaderPipeProto(this, entry)
      : new ReadPipeProto(this, entry);
    entry.transport = new _ReadPipeTransport(
      this._loop,
      new _ReadableStreamPipe(stream),
      proto,
      { hold: true, extra: { pipe: stream } },
    );
    return entry.transport;
  }

  /** @internal Calls `connectionMade()`, starts reading, wakes `waiter`. */
  _connect = (waiter: Future<unknown> | null): void => {
    const protocol = this._protocol;
    if (protocol !== null) {
      try {
        protocol.connectionMade(this);
      } catch (exception) {
        this._loop.callExceptionHandler({
          message: "Exception in callback SubprocessProtocol.connectionMade()",
          exception,
          transport: this,
          protocol,
        });
      }
    }
    for (const entry of this._entries) {
      if (entry.transport instanceof _ReadPipeTransport) {
        entry.transport._release();
      }
    }
    const pending = this._pending ?? [];
    this._pending = null;
    for (const call of pending) this._loop.callSoon(call);
    if (waiter !== null) _setResultUnlessCancelled(waiter, null);
  };

  /** @internal Runs `fn` in a later iteration (after `connectionMade()`). */
  _call(fn: () => void): void {
    if (this._pending !== null) this._pending.push(fn);
    else this._loop.callSoon(fn);
  }

  /** @internal A pipe transport's connection was lost. */
  _pipeConnectionLost(entry: PipeEntry, exc: Error | null): void {
    entry.disconnected = true;
    let fd = entry.fd;
    if (entry.reportFd !== entry.fd || (fd === 1 && this._mergedOpen > 0)) {
      // One of the two pipes merged as fd 1.
      this._mergedExc ??= exc;
      if (--this._mergedOpen > 0) return;
      fd = 1;
      exc = this._mergedExc;
    }
    this._call(() => {
      (this._protocol as SubprocessProtocol | null)?.pipeConnectionLost(
        fd,
        exc,
      );
    });
    this._tryFinish();
  }

  /** @internal The child's status promise settled. */
  _onStatus = (status: Deno.CommandStatus): void => {
    if (this._loop.isClosed() || this._returncode !== null) return;
    this._loop.callSoon(this._processExited, returncodeOf(status));
  };

  /** @internal */
  _processExited = (returncode: number): void => {
    if (this._returncode !== null) return;
    this._returncode = returncode;
    const stdin = this._pipes.get(0);
    if (stdin instanceof _WritePipeTransport) stdin._hangUp();
    this._call(() => {
      (this._protocol as SubprocessProtocol | null)?.processExited();
    });
    this._tryFinish();
  };

  /** @internal Finishes once the child exited and every pipe is closed. */
  _tryFinish(): void {
    if (this._finished || this._returncode === null) return;
    if (this._forward !== null) return;
    for (const entry of this._entries) if (!entry.disconnected) return;
    this._finished = true;
    this._call(this._callConnectionLost);
  }

  /** @internal */
  _callConnectionLost = (): void => {
    const protocol = this._protocol;
    try {
      protocol?.connectionLost(null);
    } finally {
      const waiters = this._exitWaiters;
      this._exitWaiters = [];
      for (const w of waiters) {
        if (!w.done()) w.setResult(this._returncode as number);
      }
      untrack(this._loop, this);
      this._proc = null;
      this._protocol = null;
    }
  };

  /**
   * @internal Resolves to the return code: at once if the child exited,
   * otherwise once the transport finished (as asyncio's `_wait()`).
   */
  _wait(): Future<number> {
    const fut = new Future<number>({ loop: this._loop });
    if (this._returncode !== null) {
      fut.setResult(this._returncode);
    } else {
      this._exitWaiters.push(fut);
    }
    return fut;
  }

  /** @internal The loop closed: kill the child, drop the pipes. */
  _abandon(): void {
    this._closed = true;
    this.#killIfRunning();
    for (const entry of this._entries) entry.transport.abort();
  }

  #killIfRunning(): void {
    const proc = this._proc;
    if (proc === null || this._returncode !== null) return;
    try {
      proc.kill("SIGKILL");
    } catch {
      // It exited meanwhile.
    }
  }

  /** Whether `close()` was called. */
  override isClosing(): boolean {
    return this._closed;
  }

  /**
   * Closes the pipes and, if the child still runs, kills it (as asyncio
   * does; in debug mode a warning is logged).
   */
  override close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const entry of this._entries) entry.transport.close();
    if (this._proc !== null && this._returncode === null) {
      if (this._loop.getDebug()) {
        console.warn(`Close running child process: kill ${this}`);
      }
      this.#killIfRunning();
    }
  }

  override getProtocol(): BaseProtocol {
    return this._protocol as BaseProtocol;
  }

  override setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
  }

  /** The child's process id. */
  override getPid(): number {
    return this._pid;
  }

  /** The return code (minus the signal number if a signal ended it), or `null`. */
  override getReturncode(): number | null {
    return this._returncode;
  }

  /**
   * The transport of pipe `fd`: 0 (a write transport), 1 or 2 (read
   * transports), or `null` when that stream is not a pipe.
   *
   * @param fd The child's file descriptor number.
   * @returns The transport, or `null`.
   */
  override getPipeTransport(fd: number): BaseTransport | null {
    return this._pipes.get(fd) ?? null;
  }

  /**
   * Sends `signal` to the child; nothing happens if it already exited.
   *
   * @param signal A signal name such as `"SIGUSR1"`, or its number.
   * @throws {Deno.errors.NotFound} If the transport finished ("No such process", Python's `ProcessLookupError`).
   * @throws {TypeError} If `signal` is neither a string nor a number.
   * @throws {RangeError} If the OS does not know the signal (a negative,
   *   fractional or NaN number, an unknown name).
   */
  override sendSignal(signal: Deno.Signal | number): void {
    if (typeof signal !== "string" && typeof signal !== "number") {
      throw new TypeError(
        `Cannot send signal as 'signal' must be a signal name or number: current value is ${
          describe(signal)
        }`,
      );
    }
    if (typeof signal === "number" && !Number.isInteger(signal)) {
      throw new RangeError(
        `Cannot send signal as 'signal' must be a valid signal: current value is ${
          describe(signal)
        }`,
      );
    }
    const proc = this._proc;
    if (proc === null) {
      throw new Deno.errors.NotFound(
        `No such process: the subprocess transport of pid ${this._pid} is finished`,
      );
    }
    if (this._returncode !== null) return;
    try {
      proc.kill(signal);
    } catch (e) {
      if (e instanceof TypeError && /already terminated/.test(e.message)) {
        return;
      }
      if (e instanceof TypeError) {
        throw new RangeError(
          `Cannot send signal as 'signal' must be a valid signal: current value is ${
            describe(signal)
          }`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  /**
   * Asks the child to stop (`SIGTERM`).
   *
   * @throws {Deno.errors.NotFound} If the transport finished.
   */
  override terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /**
   * Kills the child (`SIGKILL`).
   *
   * @throws {Deno.errors.NotFound} If the transport finished.
   */
  override kill(): void {
    this.sendSignal("SIGKILL");
  }

  /** A description such as `<_SubprocessTransport pid=42 running stdin=...>`. */
  override toString(): string {
    const info = [this.constructor.name];
    if (this._closed) info.push("closed");
    info.push(`pid=${this._pid}`);
    if (this._returncode !== null) {
      info.push(`returncode=${this._returncode}`);
    } else info.push("running");
    for (const [fd, name] of [[0, "stdin"], [1, "stdout"], [2, "stderr"]]) {
      const t = this._pipes.get(fd as number);
      if (t !== undefined) info.push(`${name}=${t}`);
    }
    return `<${info.join(" ")}>`;
  }
}

/** Copies `src` to `dst` until EOF (errors end the copy silently). */
async function copyTo(
  src: ReadableStream<Uint8Array>,
  dst: { write(p: Uint8Array): Promise<number> },
): Promise<void> {
  try {
    for await (const chunk of src) {
      let off = 0;
      while (off < chunk.length) off += await dst.write(chunk.subarray(off));
    }
  } catch {
    // The child's stderr or our stdout went away.
  }
}

/**
 * Checks the options object; as asyncio, refuses text mode and buffering
 * (the streams work in bytes) and a `shell` flag that contradicts the call.
 */
function checkOptions(options: unknown, what: string, shell: boolean): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object") {
    throw new TypeError(
      `Cannot ${what} as 'options' must be an object: current value is ${
        describe(options)
      }`,
    );
  }
  const o = options as Record<string, unknown>;
  const wrong = (name: string, must: string): never => {
    throw new RangeError(
      `Cannot ${what} as '${name}' must be ${must}: current value is ${
        describe(o[name])
      }`,
    );
  };
  if (o.universalNewlines) wrong("universalNewlines", "false");
  if (o.text) wrong("text", "false");
  if (o.encoding != null) wrong("encoding", "null");
  if (o.errors != null) wrong("errors", "null");
  if (o.bufsize != null && o.bufsize !== 0) wrong("bufsize", "0");
  if (o.shell !== undefined && Boolean(o.shell) !== shell) {
    wrong("shell", String(shell));
  }
  // What Deno would reject deep inside spawn() with serde's words.
  const cwd = o.cwd;
  if (cwd != null && typeof cwd !== "string" && !(cwd instanceof URL)) {
    throw new TypeError(
      `Cannot ${what} as 'cwd' must be a string, a URL or null: current value is ${
        describe(cwd)
      }`,
    );
  }
  const env = o.env;
  if (env != null) {
    if (typeof env !== "object" || Array.isArray(env)) {
      throw new TypeError(
        `Cannot ${what} as 'env' must be an object of strings or null: current value is ${
          describe(env)
        }`,
      );
    }
    for (const [name, value] of Object.entries(env)) {
      if (typeof value !== "string") {
        throw new TypeError(
          `Cannot ${what} as 'env.${name}' must be a string: current value is ${
            describe(value)
          }`,
        );
      }
    }
  }
  for (const name of ["uid", "gid"]) {
    const id = o[name];
    if (id === undefined) continue;
    if (typeof id !== "number" || !Number.isInteger(id)) {
      throw new (typeof id === "number" ? RangeError : TypeError)(
        `Cannot ${what} as '${name}' must be an integer: current value is ${
          describe(id)
        }`,
      );
    }
    if (id < 0) wrong(name, "an integer >= 0");
  }
}

const startCo = coroutine(function* <P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  spec: SpawnSpec,
): Coroutine<[SubprocessTransport, P]> {
  const protocol = protocolFactory();
  const waiter = new Future<unknown>({ loop });
  const transport = new _SubprocessTransport(loop, protocol, spec, waiter);
  try {
    yield* waiter;
  } catch (e) {
    transport.close();
    yield* transport._wait();
    throw e;
  }
  return [transport, protocol];
});

const execCo = coroutine(function* <P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  program: string | URL,
  args: readonly string[] | null | undefined,
  options: SubprocessOptions | undefined,
): Coroutine<[SubprocessTransport, P]> {
  const what = "start subprocess";
  checkFactory(protocolFactory, what);
  if (typeof program !== "string" && !(program instanceof URL)) {
    throw new TypeError(
      `Cannot start subprocess as 'program' must be a string or a URL: current value is ${
        describe(program)
      }`,
    );
  }
  const list = args ?? [];
  if (!Array.isArray(list) || list.some((a) => typeof a !== "string")) {
    throw new TypeError(
      `Cannot start subprocess as 'args' must be an array of strings: current value is ${
        describe(args)
      }`,
    );
  }
  checkOptions(options, what, false);
  return yield* startCo(loop, protocolFactory, {
    command: program,
    args: [...list],
    options,
  });
});

const shellCo = coroutine(function* <P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  cmd: string,
  options: SubprocessOptions | undefined,
): Coroutine<[SubprocessTransport, P]> {
  const what = "start shell subprocess";
  checkFactory(protocolFactory, what);
  if (typeof cmd !== "string") {
    throw new TypeError(
      `Cannot start shell subprocess as 'cmd' must be a string: current value is ${
        describe(cmd)
      }`,
    );
  }
  checkOptions(options, what, true);
  const windows = Deno.build.os === "windows";
  return yield* startCo(loop, protocolFactory, {
    command: windows ? "cmd.exe" : "/bin/sh",
    args: windows ? ["/d", "/s", "/c", `"${cmd}"`] : ["-c", cmd],
    rawArgs: windows,
    options,
  });
});

/** `loop.subprocessExec()`. */
export function subprocessExec<P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  program: string | URL,
  args?: readonly string[] | null,
  options?: SubprocessOptions,
): Awaitable<[SubprocessTransport, P]> {
  return execCo(loop, protocolFactory, program, args, options) as Awaitable<
    [SubprocessTransport, P]
  >;
}

/** `loop.subprocessShell()`. */
export function subprocessShell<P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  cmd: string,
  options?: SubprocessOptions,
): Awaitable<[SubprocessTransport, P]> {
  return shellCo(loop, protocolFactory, cmd, options) as Awaitable<
    [SubprocessTransport, P]
  >;
}
