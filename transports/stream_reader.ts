/**
 * `StreamReader`: buffered reads from a connection, as asyncio's
 * `streams.StreamReader`.
 *
 * The reader keeps one growable buffer. Its transport reads straight into
 * the buffer's free tail (the reader's protocol is a `BufferedProtocol`),
 * so bytes are copied once, when a read method hands them out as a new
 * `Uint8Array` the caller owns.
 *
 * @module
 */
import {
  IncompleteReadError,
  LimitOverrunError,
  RuntimeError,
} from "../futures/exceptions.ts";
import { FAILED, FINISHED, Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import { _getEventLoop } from "../loop/_current.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { describe } from "../loop/_describe.ts";
import type { Transport } from "./transport.ts";
import { ownedCopy } from "./_slab.ts";

/** The default `limit` of a reader: 64 KiB. */
export const DEFAULT_LIMIT = 2 ** 16;
const MIN_READ = 16 * 1024;
const MAX_READ = 256 * 1024;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/** Options of `new StreamReader()`. */
export interface StreamReaderOptions {
  /**
   * The buffer limit (default 64 KiB): `readuntil()` and `readline()` fail
   * past it, and reading from the transport pauses above twice it.
   */
  limit?: number;
  /** The loop (default: `getEventLoop()`). */
  loop?: AbstractEventLoop | null;
}

/**
 * @internal Checks a reader's `limit` option (`undefined`: the default).
 *
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is not a positive integer.
 */
export function _checkLimit(limit: unknown, what: string): number {
  if (limit === undefined || limit === null) return DEFAULT_LIMIT;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit <= 0) {
    throw new (typeof limit !== "number" ? TypeError : RangeError)(
      `Cannot ${what} as 'limit' must be a positive integer: current value is ${
        describe(limit)
      }`,
    );
  }
  return limit;
}

/** A separator: bytes, or a string (UTF-8 encoded). */
export type Separator = Uint8Array | string;

function toBytes(sep: Separator): Uint8Array {
  if (typeof sep === "string") return encoder.encode(sep);
  if (sep instanceof Uint8Array) return sep;
  throw new TypeError(
    `Cannot read until separator as 'separator' must be a Uint8Array or a string: current value is ${
      describe(sep)
    }`,
  );
}

/** The index of `sep` in `buf[from, to)`, or -1. */
function indexOf(
  buf: Uint8Array,
  sep: Uint8Array,
  from: number,
  to: number,
): number {
  const n = sep.length;
  const first = sep[0];
  const last = to - n;
  for (let i = buf.indexOf(first, from); i !== -1 && i <= last;) {
    let j = 1;
    while (j < n && buf[i + j] === sep[j]) j++;
    if (j === n) return i;
    i = buf.indexOf(first, i + 1);
  }
  return -1;
}

/**
 * Reads from a stream connection: what `openConnection()` and
 * `startServer()` hand out. Read methods are coroutines: use them with
 * `await` or `yield*`.
 *
 * - `read(n)`: up to `n` bytes (at least one unless at EOF); `read()` or
 *   `read(-1)`: everything until EOF.
 * - `readline()`: a line including `"\n"` (the rest at EOF; empty at EOF).
 * - `readexactly(n)`: exactly `n` bytes, or `IncompleteReadError` at EOF.
 * - `readuntil(sep)`: up to and including `sep` (bytes, a string, or a list
 *   of them), or `IncompleteReadError` at EOF, `LimitOverrunError` past the
 *   limit.
 * - `for await (const line of reader)`: lines until EOF.
 *
 * Only one coroutine may wait for data at a time (a second one is a
 * `RuntimeError`, as in asyncio). Each result is a new `Uint8Array` the
 * caller owns.
 *
 * @example Feeding a reader by hand
 * ```ts
 * import { StreamReader, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const reader = new StreamReader();
 *   reader.feedData(new TextEncoder().encode("line 1\nline 2\n"));
 *   reader.feedEof();
 *   const lines: string[] = [];
 *   for await (const line of reader) lines.push(new TextDecoder().decode(line));
 *   assert.deepEqual(lines, ["line 1\n", "line 2\n"]);
 * });
 * ```
 */
export class StreamReader implements AsyncIterable<Uint8Array> {
  /** @internal */ _limit: number;
  /** @internal */ _loop: AbstractEventLoop;
  /** @internal */ _buf: Uint8Array = EMPTY;
  /** @internal */ _start = 0;
  /** @internal */ _end = 0;
  /** @internal */ _eof = false;
  /**
   * @internal What waits for data: a pending read operation, a read
   * operation that is ready but not yet delivered, or a plain waiter.
   */
  _waiter: Future<unknown> | null = null;
  /** @internal */ _exception: unknown = null;
  /** @internal */ _transport: Transport | null = null;
  /** @internal */ _paused = false;
  /** @internal The region lent to the transport's read, if any. */
  _lent: Uint8Array | null = null;
  /** @internal */ _readSize = MIN_READ;

  /**
   * Creates a reader (usually made by `openConnection()` or `startServer()`).
   *
   * @param options `limit` and `loop`.
   * @throws {TypeError} If `limit` is not a number.
   * @throws {RangeError} If `limit` is not a positive integer.
   */
  constructor(options?: StreamReaderOptions) {
    this._limit = _checkLimit(options?.limit, "create StreamReader");
    this._loop = options?.loop ?? _getEventLoop();
  }

  /** The buffer limit in bytes. */
  get limit(): number {
    return this._limit;
  }

  /** The exception set with `setException()`, or `null`. */
  exception(): unknown {
    return this._exception;
  }

  /**
   * Makes every waiting and later read fail with `exc` (a connection
   * error, typically).
   *
   * @param exc The error.
   */
  setException(exc: unknown): void {
    this._exception = exc;
    const waiter = this._waiter;
    if (waiter !== null && !waiter.done()) {
      if (waiter instanceof ReadOp) {
        waiter._setLazy();
      } else {
        this._waiter = null;
        waiter.setException(exc);
      }
    }
  }

  /**
   * Sets the transport to pause and resume (flow control).
   *
   * @param transport The transport.
   * @throws {RuntimeError} If a transport is already set.
   */
  setTransport(transport: Transport): void {
    if (this._transport !== null) {
      throw new RuntimeError("Transport already set");
    }
    this._transport = transport;
  }

  /** Whether the reader is at EOF: `feedEof()` was called and the buffer is empty. */
  atEof(): boolean {
    return this._eof && this._end === this._start;
  }

  /** Marks the end of the stream and wakes a waiting read. */
  feedEof(): void {
    this._eof = true;
    this._wakeup();
  }

  /**
   * Appends `data` to the buffer (the reader copies it) and wakes a waiting
   * read.
   *
   * @param data The bytes.
   * @throws {RuntimeError} After `feedEof()`.
   */
  feedData(data: Uint8Array): void {
    if (this._eof) throw new RuntimeError("feedData() after feedEof()");
    if (data.length === 0) return;
    this._reserve(data.length, false);
    this._buf.set(data, this._end);
    this._end += data.length;
    this._fed();
  }

  /** @internal Room for `n` more bytes at `_end` (moving data only if allowed). */
  _reserve(n: number, lend: boolean): void {
    const len = this._end - this._start;
    const cap = this._buf.length;
    const lent = this._lent !== null && !lend;
    if (this._end + n <= cap && !lent) return;
    if (!lent && this._start > 0 && len + n <= cap && len <= cap / 2) {
      this._buf.copyWithin(0, this._start, this._end);
    } else {
      const grown = new Uint8Array(Math.max(cap * 2, len + n, MIN_READ));
      grown.set(this._buf.subarray(this._start, this._end));
      this._buf = grown;
      // A region lent to a read in flight keeps its old buffer; its bytes
      // are copied in by `_bufferUpdated()`.
    }
    this._end = len;
    this._start = 0;
  }

  /** @internal The buffer a transport may read into next (`getBuffer`). */
  _getBuffer(): Uint8Array {
    if (this._start === this._end) this._start = this._end = 0;
    this._reserve(this._readSize, true);
    const view = this._buf.subarray(
      this._end,
      Math.min(this._buf.length, this._end + MAX_READ),
    );
    this._lent = view;
    return view;
  }

  /** @internal The transport read `n` bytes into the lent region. */
  _bufferUpdated(n: number): void {
    const lent = this._lent;
    this._lent = null;
    if (lent === null || n === 0) return;
    if (
      lent.buffer === this._buf.buffer && lent.byteOffset === this._end
    ) {
      this._end += n;
    } else {
      this._reserve(n, false);
      this._buf.set(lent.subarray(0, n), this._end);
      this._end += n;
    }
    if (n === lent.length && this._readSize < MAX_READ) this._readSize *= 2;
    this._fed();
  }

  /**
   * @internal New data arrived: wake the waiter; pause above 2 × limit,
   * unless a read still waits for more (a `readexactly(n)` with `n` above
   * twice the limit: asyncio's read loop resumes the transport at once).
   */
  _fed(): void {
    this._wakeup();
    const transport = this._transport;
    const waiter = this._waiter;
    if (
      transport !== null && !this._paused &&
      this._end - this._start > 2 * this._limit &&
      (waiter === null || waiter.done())
    ) {
      try {
        transport.pauseReading();
        this._paused = true;
      } catch {
        this._transport = null;
      }
    }
  }

  /** @internal */
  _wakeup(): void {
    const waiter = this._waiter;
    if (waiter === null || waiter.done()) return;
    if (waiter instanceof ReadOp) {
      if (waiter._ready()) waiter._setLazy();
    } else {
      this._waiter = null;
      waiter.setResult(undefined);
    }
  }

  /**
   * @internal A read operation: done at once (its bytes taken when it is
   * delivered) when the buffer can answer it, otherwise the reader's waiter.
   */
  _op(kind: number, n: number, seps: Uint8Array[] | null): ReadOp {
    const op = new ReadOp(this, kind, n, seps);
    const prev = this._waiter;
    if (prev !== null) {
      if (prev instanceof ReadOp && prev.done()) {
        // Ready but never delivered: its consumer was cancelled or let it go.
        prev._superseded = true;
        this._waiter = null;
      } else {
        op.setException(
          new RuntimeError(
            `${
              KIND_NAMES[kind]
            }() called while another coroutine is already waiting for incoming data`,
          ),
        );
        return op;
      }
    }
    if (op._ready()) {
      op._setLazy();
      return op;
    }
    if (this._paused) {
      this._paused = false;
      this._transport?.resumeReading();
    }
    this._waiter = op;
    return op;
  }

  /** @internal Resumes the transport once the buffer is at the limit or below. */
  _maybeResume(): void {
    if (this._paused && this._end - this._start <= this._limit) {
      this._paused = false;
      this._transport?.resumeReading();
    }
  }

  /** @internal Takes `n` bytes off the front, as a new array. */
  _take(n: number): Uint8Array {
    const out = ownedCopy(this._buf, this._start, this._start + n);
    this._start += n;
    if (this._start === this._end && this._lent === null) {
      this._start = this._end = 0;
    }
    this._maybeResume();
    return out;
  }

  /** @internal The waiter for more data. */
  _waitForData(funcName: string): Future<unknown> {
    if (this._waiter !== null) {
      throw new RuntimeError(
        `${funcName}() called while another coroutine is already waiting for incoming data`,
      );
    }
    if (this._paused) {
      this._paused = false;
      this._transport?.resumeReading();
    }
    const waiter = new Future<void>({ loop: this._loop });
    this._waiter = waiter;
    return waiter;
  }

  /**
   * Reads up to `n` bytes; at least one unless at EOF (then an empty
   * array). With `n` negative (the default), reads until EOF.
   *
   * @param n The most bytes to return (-1: all until EOF).
   * @returns The bytes.
   */
  read(n = -1): Awaitable<Uint8Array> {
    if (typeof n !== "number" || Number.isNaN(n)) {
      const err = typeof n !== "number" ? TypeError : RangeError;
      return failedRead(
        this,
        new err(
          `Cannot read as 'n' must be a number of bytes: current value is ${
            describe(n)
          }`,
        ),
      );
    }
    if (n < 0) return readAllCo(this);
    return this._op(K_READ, Math.floor(n), null);
  }

  /**
   * Reads a line, up to and including `"\n"`. At EOF, returns what is left
   * without `"\n"`, then empty arrays.
   *
   * @returns The line.
   * @throws {RangeError} If the line is longer than the limit (the buffer
   *   is then consumed up to the separator, or cleared).
   */
  readline(): Awaitable<Uint8Array> {
    return this._op(K_LINE, 0, NL_SEPS);
  }

  /**
   * Reads exactly `n` bytes.
   *
   * @param n The number of bytes.
   * @returns The bytes.
   * @throws {IncompleteReadError} If EOF comes first (`partial` has what was read).
   * @throws {RangeError} If `n` is negative.
   */
  readexactly(n: number): Awaitable<Uint8Array> {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      const err = typeof n !== "number" ? TypeError : RangeError;
      return failedRead(
        this,
        new err(
          `Cannot read exactly as 'n' must be a non-negative integer: current value is ${
            describe(n)
          }`,
        ),
      );
    }
    return this._op(K_EXACTLY, n, null);
  }

  /**
   * Reads up to and including `separator` (default `"\n"`); with a list of
   * separators, up to the match that ends first (at the same end, the
   * shortest separator wins), as CPython 3.13, whatever the chunks the
   * bytes came in.
   *
   * @param separator Bytes, a string, or a list of them.
   * @returns The bytes, separator included.
   * @throws {IncompleteReadError} At EOF before the separator (`expected` is `null`).
   * @throws {LimitOverrunError} If the separator is not found within the limit
   *   (the data stays in the buffer).
   * @throws {RangeError} If the separator is empty.
   */
  readuntil(
    separator: Separator | Separator[] = "\n",
  ): Awaitable<Uint8Array> {
    let seps: Uint8Array[];
    try {
      seps = (Array.isArray(separator) ? separator : [separator]).map(toBytes)
        .sort((a, b) => a.length - b.length);
      if (seps.length === 0 || seps[0].length === 0) {
        throw new RangeError(
          `Cannot read until separator as 'separator' must be at least one byte long: current value is ${
            describe(separator)
          }`,
        );
      }
    } catch (e) {
      return failedRead(this, e);
    }
    return this._op(K_UNTIL, 0, seps);
  }

  /** Iterates over lines until EOF (`for await`). */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /** A description such as `<StreamReader 5 bytes eof>`. */
  toString(): string {
    const info = ["StreamReader"];
    if (this._end > this._start) info.push(`${this._end - this._start} bytes`);
    if (this._eof) info.push("eof");
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null) info.push("waiter");
    if (this._exception !== null) info.push(`exception=${this._exception}`);
    if (this._paused) info.push("paused");
    return `<${info.join(" ")}>`;
  }
}

/** A read that failed before it started. */
function failedRead(r: StreamReader, error: unknown): Future<Uint8Array> {
  const f = new Future<Uint8Array>({ loop: r._loop });
  f.setException(error);
  return f;
}

const K_READ = 0;
const K_EXACTLY = 1;
const K_UNTIL = 2;
const K_LINE = 3;
const KIND_NAMES = ["read", "readexactly", "readuntil", "readline"];
const NL_SEPS = [new Uint8Array([10])];

/**
 * A read of a `StreamReader`: a Future that becomes done when the buffer
 * can answer it, and takes its bytes only when it is delivered to the code
 * that awaits it. So a task cancelled while a read is on its way leaves the
 * bytes in the buffer, as asyncio's read coroutines do; and a read costs
 * one small object, not a coroutine and a task.
 */
class ReadOp extends Future<Uint8Array> {
  readonly _reader: StreamReader;
  readonly _kind: number;
  readonly _n: number;
  readonly _seps: Uint8Array[] | null;
  /** Where the separator search resumes (what was searched already). */
  _offset = 0;
  /** A later read replaced this one before it was delivered. */
  _superseded = false;

  constructor(
    reader: StreamReader,
    kind: number,
    n: number,
    seps: Uint8Array[] | null,
  ) {
    super({ loop: reader._loop });
    this._reader = reader;
    this._kind = kind;
    this._n = n;
    this._seps = seps;
  }

  /** Whether the buffer can answer the read now (data, EOF or an error). */
  _ready(): boolean {
    const r = this._reader;
    if (r._exception !== null || r._eof) return true;
    const len = r._end - r._start;
    switch (this._kind) {
      case K_READ:
        return len > 0 || this._n === 0;
      case K_EXACTLY:
        return len >= this._n;
      default:
        return this._search() !== -2;
    }
  }

  /**
   * Searches the separators: the index of the earliest match (relative to
   * the buffer start), -1 when the limit is overrun, or -2 to wait for
   * more data. Sets `_matchLen`.
   */
  _search(): number {
    const r = this._reader;
    const seps = this._seps as Uint8Array[];
    const minLen = seps[0].length;
    const maxLen = seps[seps.length - 1].length;
    const buflen = r._end - r._start;
    if (buflen - this._offset >= minLen) {
      // The match that ends first wins (so the result does not depend on
      // how the bytes arrived); at the same end, the shortest separator
      // (they are sorted by length), as CPython 3.13.
      let best = -1;
      let bestEnd = -1;
      for (const sep of seps) {
        if (buflen - this._offset < sep.length) continue;
        const i = indexOf(r._buf, sep, r._start + this._offset, r._end);
        if (i === -1) continue;
        const end = i - r._start + sep.length;
        if (bestEnd === -1 || end < bestEnd) {
          best = i - r._start;
          bestEnd = end;
          this._matchLen = sep.length;
        }
      }
      if (best !== -1) return best;
      this._offset = Math.max(0, buflen + 1 - maxLen);
    }
    return this._offset > r._limit ? -1 : -2;
  }
  _matchLen = 0;

  override cancel(msg?: string | null): boolean {
    if (this._reader._waiter === this) this._reader._waiter = null;
    return super.cancel(msg);
  }

  /** Takes the bytes (or the error) now, as the read coroutine would. */
  override _resolveLazy(): void {
    const r = this._reader;
    if (r._waiter === this) r._waiter = null;
    try {
      if (this._superseded) {
        throw new RuntimeError(
          `${
            KIND_NAMES[this._kind]
          }() was delivered after another read of the same reader started`,
        );
      }
      this._value = this._compute();
      this._state = FINISHED;
    } catch (e) {
      this._value = e;
      this._state = FAILED;
    }
  }

  _compute(): Uint8Array {
    const r = this._reader;
    if (r._exception !== null) throw r._exception;
    const len = r._end - r._start;
    switch (this._kind) {
      case K_READ:
        if (this._n === 0 || len === 0) return EMPTY;
        return r._take(Math.min(this._n, len));
      case K_EXACTLY:
        if (this._n === 0) return EMPTY;
        if (len >= this._n) return r._take(this._n);
        throw new IncompleteReadError(r._take(len), this._n);
      case K_UNTIL:
        return this._until();
      default:
        return this._line();
    }
  }

  _until(): Uint8Array {
    const r = this._reader;
    const found = this._search();
    if (found >= 0) {
      if (found > r._limit) {
        throw new LimitOverrunError(
          "Separator is found, but chunk is longer than limit",
          found,
        );
      }
      return r._take(found + this._matchLen);
    }
    if (found === -1) {
      throw new LimitOverrunError(
        "Separator is not found, and chunk exceed the limit",
        this._offset,
      );
    }
    // At EOF without the separator.
    throw new IncompleteReadError(r._take(r._end - r._start), null);
  }

  _line(): Uint8Array {
    const r = this._reader;
    try {
      return this._until();
    } catch (e) {
      if (e instanceof IncompleteReadError) return e.partial;
      if (e instanceof LimitOverrunError) {
        if (
          r._buf[r._start + e.consumed] === 10 && r._start + e.consumed < r._end
        ) {
          r._start += e.consumed + 1;
        } else {
          r._start = r._end;
        }
        if (r._start === r._end && r._lent === null) r._start = r._end = 0;
        r._maybeResume();
        throw new RangeError(e.message, { cause: e });
      }
      throw e;
    }
  }
}

/** `read(-1)`: blocks of `limit` bytes until EOF, joined. */
const readAllCo = coroutine(function* (
  r: StreamReader,
): Coroutine<Uint8Array> {
  if (r._exception !== null) throw r._exception;
  const blocks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    // Everything buffered at each wake-up: reading by `limit`-sized blocks
    // would pause and resume the transport for every block.
    const block = yield* r.read(Number.MAX_SAFE_INTEGER);
    if (block.length === 0) break;
    blocks.push(block);
    total += block.length;
  }
  if (blocks.length === 1) return blocks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of blocks) {
    out.set(b, off);
    off += b.length;
  }
  return out;
});
