/**
 * Pipe transports (CPython's `_UnixReadPipeTransport` and
 * `_UnixWritePipeTransport`, on the proactor model): `connectReadPipe()`
 * and `connectWritePipe()` over `Deno.stdin`/`Deno.stdout`, a
 * `Deno.FsFile` (a FIFO, a character device), a subprocess's pipes, or Web
 * Streams (`ReadableStream`/`WritableStream`).
 *
 * Both transports are the shared read loop and write buffer of
 * `_stream_transport.ts`, so they keep its properties: one read in flight,
 * delivered straight from its completion, reading stopped while paused;
 * writes handed to the OS at once when nothing is queued, queued by
 * reference otherwise, and the same high/low water marks
 * (`pauseWriting()`/`resumeWriting()`) as sockets.
 *
 * A Web Stream is adapted to the `read(buf)`/`write(buf)` shape: a byte
 * stream (a subprocess's `stdout`, `Deno.FsFile.readable`, `fetch()` bodies)
 * is read with a BYOB reader into one recycled buffer; other streams are
 * read chunk by chunk. Writes to a `WritableStream` go 256 KiB at a time, so
 * the transport's buffer size counts what the stream has not taken yet. A
 * Web Stream that errors (its reader cancelled it, its writer aborted it)
 * is a broken pipe: `connectionLost()` gets a `Deno.errors.BrokenPipe`
 * whose `cause` is the stream's reason, and nothing is reported to the
 * loop's exception handler.
 *
 * As in asyncio, a transport owns its pipe: closing the transport closes
 * it (`Deno.stdout` included).
 *
 * @module
 */
import { NotImplementedError } from "../futures/exceptions.ts";
import { Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { describe } from "../loop/_describe.ts";
import type { BaseProtocol, Protocol, ProtocolFactory } from "./protocol.ts";
import type { ReadTransport, WriteTransport } from "./transport.ts";
import { _StreamTransport, type DenoStream } from "./_stream_transport.ts";
import { _isOSError } from "./os_errors.ts";
import { track, untrack } from "./_abandon.ts";
import { checkFactory } from "./_checks.ts";

/**
 * What `connectReadPipe()` reads from: anything with `read(buf)` and
 * `close()` (`Deno.stdin`, a `Deno.FsFile`), or a `ReadableStream` of bytes.
 */
export type ReadPipe =
  | {
    /** Reads into `p`; the number of bytes, or `null` at EOF. */
    read(p: Uint8Array): Promise<number | null>;
    /** Closes the pipe. */
    close(): void;
  }
  | ReadableStream<Uint8Array>;

/**
 * What `connectWritePipe()` writes to: anything with `write(buf)` and
 * `close()` (`Deno.stdout`, `Deno.stderr`, a `Deno.FsFile`), or a
 * `WritableStream` of bytes (a subprocess's `stdin`).
 */
export type WritePipe =
  | {
    /** Writes from `p`; the number of bytes written. */
    write(p: Uint8Array): Promise<number>;
    /** Closes the pipe. */
    close(): void;
  }
  | WritableStream<Uint8Array>;

/** The most bytes handed to a `WritableStream` in one write. */
const STREAM_WRITE_MAX = 256 * 1024;

function noRead(): Promise<number | null> {
  return Promise.reject(
    new NotImplementedError("read() is not supported by a write pipe"),
  );
}

function noWrite(): Promise<number> {
  return Promise.reject(
    new NotImplementedError("write() is not supported by a read pipe"),
  );
}

/**
 * A Web stream's failure as a pipe's: the reason itself when it is an OS
 * error, otherwise a `Deno.errors.BrokenPipe` whose `cause` is the reason.
 * A stream errors when the other side goes away (`cancel()` by the reader
 * of a `TransformStream`, `abort()` by its writer), often with no reason
 * at all: that is the pipe breaking, which a protocol learns from
 * `connectionLost(exc)` and which is not reported as a bug (asyncio's
 * `OSError`s are not).
 */
function pipeError(reason: unknown, stream: string): unknown {
  if (_isOSError(reason)) return reason;
  const detail = reason instanceof Error
    ? `${reason.name}: ${reason.message}`
    : describe(reason);
  return new Deno.errors.BrokenPipe(
    `Broken pipe: the ${stream} errored: ${detail}`,
    { cause: reason },
  );
}

/** A `ReadableStream` as a `DenoStream` (read side only). */
export class _ReadableStreamPipe implements DenoStream {
  #byob: ReadableStreamBYOBReader | null = null;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** The recycled buffer of BYOB reads (transferred on every read). */
  #buf: ArrayBuffer | null = null;
  /** What is left of the last chunk (default reader). */
  #rest: Uint8Array | null = null;
  #closed = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    try {
      this.#byob = stream.getReader({ mode: "byob" });
    } catch {
      this.#reader = stream.getReader();
    }
  }

  read(p: Uint8Array): Promise<number | null> {
    return this.#byob !== null ? this.#readByob(p) : this.#readChunk(p);
  }

  async #readByob(p: Uint8Array): Promise<number | null> {
    let buf = this.#buf;
    this.#buf = null;
    if (buf === null || buf.byteLength < p.length) {
      buf = new ArrayBuffer(p.length);
    }
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await (this.#byob as ReadableStreamBYOBReader)
        .read(new Uint8Array(buf, 0, p.length));
    } catch (e) {
      throw pipeError(e, "ReadableStream");
    }
    const { value, done } = result;
    if (value !== undefined) this.#buf = value.buffer as ArrayBuffer;
    if (done || value === undefined) return null;
    p.set(value);
    return value.length;
  }

  async #readChunk(p: Uint8Array): Promise<number | null> {
    let chunk = this.#rest;
    this.#rest = null;
    while (chunk === null || chunk.length === 0) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await (this.#reader as ReadableStreamDefaultReader<Uint8Array>)
          .read();
      } catch (e) {
        throw pipeError(e, "ReadableStream");
      }
      if (r.done) return null;
      chunk = r.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot read from pipe as the stream must yield Uint8Array chunks: current chunk is ${
            describe(chunk)
          }`,
        );
      }
    }
    const n = Math.min(p.length, chunk.length);
    p.set(n === chunk.length ? chunk : chunk.subarray(0, n));
    if (n < chunk.length) this.#rest = chunk.subarray(n);
    return n;
  }

  write = noWrite;

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    (this.#byob ?? this.#reader)?.cancel().catch(() => {});
  }
}

/** A `WritableStream` as a `DenoStream` (write side only). */
export class _WritableStreamPipe implements DenoStream {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #inFlight = false;
  #closed = false;

  constructor(stream: WritableStream<Uint8Array>) {
    this.#writer = stream.getWriter();
  }

  read = noRead;

  write(p: Uint8Array): Promise<number> {
    const n = Math.min(p.length, STREAM_WRITE_MAX);
    this.#inFlight = true;
    return this.#writer.write(n === p.length ? p : p.subarray(0, n)).then(
      () => {
        this.#inFlight = false;
        return n;
      },
      (e) => {
        this.#inFlight = false;
        throw pipeError(e, "WritableStream");
      },
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // A write in flight would hold close() back until the reader takes it:
    // abort instead (the stream drops its queue once that write settles).
    const w = this.#writer;
    (this.#inFlight ? w.abort() : w.close()).catch(() => {});
  }
}

/** Options of the pipe transports. */
export interface PipeTransportOptions {
  /** Values for `getExtraInfo()` (`"pipe"`). */
  extra?: Record<string, unknown>;
  /** Resolved once `connectionMade()` was called. */
  waiter?: Future<unknown> | null;
  /**
   * Read pipes: do not read until `_release()` (a subprocess's pipes start
   * after its protocol's `connectionMade()`).
   */
  hold?: boolean;
  /** Close the pipe if the loop closes first (pipes of `connect*Pipe()`). */
  track?: boolean;
}

/**
 * What both pipe transports share: with `track`, the pipe is closed if the
 * loop closes while it is open (see `_abandon.ts`).
 */
class PipeTransport extends _StreamTransport {
  /** @internal */ _tracked = false;

  /** @internal Starts tracking (called by the constructors). */
  _track(options?: PipeTransportOptions): void {
    if (!options?.track) return;
    this._tracked = true;
    track(this._loop, this);
  }

  /** @internal The loop closed: close the pipe without callbacks. */
  _abandon(): void {
    this._lostScheduled = true;
    this._closing = true;
    this._closeStream();
  }

  /** @internal */
  override _closeStream(): void {
    if (this._tracked) {
      this._tracked = false;
      untrack(this._loop, this);
    }
    super._closeStream();
  }
}

/**
 * The read end of a pipe (asyncio's `_UnixReadPipeTransport`): a
 * `ReadTransport` whose protocol gets `dataReceived`, then `eofReceived`
 * and `connectionLost(null)` at EOF (a pipe has no half-close: the
 * transport closes at EOF whatever `eofReceived()` returns).
 */
export class _ReadPipeTransport extends PipeTransport {
  /** @internal Reading waits for `_release()`. */
  _held: boolean;
  /** @internal `pauseReading()` was called while held. */
  _heldPaused = false;

  constructor(
    loop: AbstractEventLoop,
    stream: DenoStream,
    protocol: BaseProtocol,
    options?: PipeTransportOptions,
  ) {
    const hold = options?.hold ?? false;
    super(loop, stream, protocol, {
      extra: options?.extra,
      waiter: options?.waiter,
      readable: !hold,
      canWriteEof: false,
      kind: "pipe",
    });
    this._held = hold;
    this._track(options);
  }

  /** @internal Starts reading (unless paused meanwhile). */
  _release(): void {
    if (!this._held) return;
    this._held = false;
    if (this._heldPaused || this._closing) return;
    this._reading = true;
    this._readMore();
  }

  override isReading(): boolean {
    if (this._held) return !this._heldPaused && !this._closing;
    return super.isReading();
  }

  override pauseReading(): void {
    if (this._held) this._heldPaused = true;
    else super.pauseReading();
  }

  override resumeReading(): void {
    if (this._held) this._heldPaused = false;
    else super.resumeReading();
  }

  /** @internal EOF: `eofReceived()`, then the transport closes. */
  override _onEof(): void {
    this._eofReceived = true;
    try {
      (this._protocol as Protocol).eofReceived?.();
    } catch (exc) {
      this._fatalError(exc, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    this.close();
  }

  /**
   * Not supported: a read pipe cannot be written.
   *
   * @throws {NotImplementedError} Always.
   */
  override write(_data: Uint8Array): void {
    throw new NotImplementedError("write() is not supported by a read pipe");
  }

  /**
   * Not supported: a read pipe cannot be written.
   *
   * @throws {NotImplementedError} Always.
   */
  override writeEof(): void {
    throw new NotImplementedError(
      "writeEof() is not supported by a read pipe",
    );
  }

  override canWriteEof(): boolean {
    return false;
  }
}

/**
 * The write end of a pipe (asyncio's `_UnixWritePipeTransport`): a
 * `WriteTransport` with flow control. `writeEof()` is `close()`: the
 * buffer is flushed, the pipe closed, and `connectionLost(null)` called. A
 * reader that went away shows as a failed write (`connectionLost` with
 * `Deno.errors.BrokenPipe`).
 */
export class _WritePipeTransport extends PipeTransport {
  constructor(
    loop: AbstractEventLoop,
    stream: DenoStream,
    protocol: BaseProtocol,
    options?: PipeTransportOptions,
  ) {
    super(loop, stream, protocol, {
      extra: options?.extra,
      waiter: options?.waiter,
      readable: false,
      canWriteEof: true,
      kind: "pipe",
    });
    this._track(options);
  }

  /** Closes the pipe once the buffer is flushed (same as `close()`). */
  override writeEof(): void {
    this.close();
  }

  override canWriteEof(): boolean {
    return true;
  }

  override isReading(): boolean {
    return false;
  }

  /** Does nothing: a write pipe is not read. */
  override pauseReading(): void {}

  /** Does nothing: a write pipe is not read. */
  override resumeReading(): void {}

  /** @internal The reader is gone (the child exited): close if idle. */
  _hangUp(): void {
    if (this._closing || this._writing !== null || this._queued > 0) return;
    this.close();
  }
}

/** `pipe` as a readable `DenoStream`, or a TypeError. */
export function _readStreamOf(pipe: unknown, what: string): DenoStream {
  if (pipe instanceof ReadableStream) return new _ReadableStreamPipe(pipe);
  const p = pipe as { read?: unknown; close?: unknown };
  if (
    p !== null && typeof p === "object" && typeof p.read === "function" &&
    typeof p.close === "function"
  ) {
    const stream = p as { read(b: Uint8Array): Promise<number | null> };
    return {
      read: (b) => stream.read(b),
      write: noWrite,
      close: () => (p.close as () => void).call(p),
    };
  }
  throw new TypeError(
    `Cannot ${what} as 'pipe' must be a ReadableStream or have read() and close() (such as Deno.stdin): current value is ${
      describe(pipe)
    }`,
  );
}

/** `pipe` as a writable `DenoStream`, or a TypeError. */
export function _writeStreamOf(pipe: unknown, what: string): DenoStream {
  if (pipe instanceof WritableStream) return new _WritableStreamPipe(pipe);
  const p = pipe as { write?: unknown; close?: unknown };
  if (
    p !== null && typeof p === "object" && typeof p.write === "function" &&
    typeof p.close === "function"
  ) {
    const stream = p as { write(b: Uint8Array): Promise<number> };
    return {
      read: noRead,
      write: (b) => stream.write(b),
      close: () => (p.close as () => void).call(p),
    };
  }
  throw new TypeError(
    `Cannot ${what} as 'pipe' must be a WritableStream or have write() and close() (such as Deno.stdout): current value is ${
      describe(pipe)
    }`,
  );
}

/**
 * `connectReadPipe()`/`connectWritePipe()`: the protocol, then a transport
 * of the pipe's direction, then its first `connectionMade()`. If that
 * fails, a read pipe is closed and a write pipe aborted (nothing of the
 * caller's was accepted yet).
 */
const connectPipeCo = coroutine(function* <P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  pipe: ReadPipe | WritePipe,
  reading: boolean,
): Coroutine<[PipeTransport, P]> {
  const what = reading ? "connect read pipe" : "connect write pipe";
  checkFactory(protocolFactory, what);
  const stream = reading
    ? _readStreamOf(pipe, what)
    : _writeStreamOf(pipe, what);
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (e) {
    stream.close();
    throw e;
  }
  const waiter = new Future<unknown>({ loop });
  const options = { waiter, extra: { pipe }, track: true };
  const transport = reading
    ? new _ReadPipeTransport(loop, stream, protocol, options)
    : new _WritePipeTransport(loop, stream, protocol, options);
  try {
    yield* waiter;
  } catch (e) {
    if (reading) transport.close();
    else transport.abort();
    throw e;
  }
  return [transport, protocol];
});

/** `loop.connectReadPipe()`. */
export function connectReadPipe<P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  pipe: ReadPipe,
): Awaitable<[ReadTransport, P]> {
  return connectPipeCo(loop, protocolFactory, pipe, true) as Awaitable<
    [ReadTransport, P]
  >;
}

/** `loop.connectWritePipe()`. */
export function connectWritePipe<P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  pipe: WritePipe,
): Awaitable<[WriteTransport, P]> {
  return connectPipeCo(loop, protocolFactory, pipe, false) as Awaitable<
    [WriteTransport, P]
  >;
}
