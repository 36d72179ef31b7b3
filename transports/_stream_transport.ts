/**
 * The read loop and the write buffer of a Deno stream (anything with
 * `read(buf)`/`write(buf)`/`close()`, such as a `Deno.Conn`, a `Deno.TlsConn`
 * or a pipe's halves), as one transport class that socket and pipe
 * transports share (CPython's `_ProactorBasePipeTransport` and friends).
 *
 * Deno completes reads and writes (a proactor), and runs them eagerly: an
 * operation that can finish at once does so inside the call, and its
 * Promise settles within microtasks. The design follows from that:
 *
 * - **Reads**: one read in flight. A `Protocol` is read for into a buffer
 *   the transport reuses (16 KiB, doubled while reads fill it, up to
 *   256 KiB); `dataReceived()` gets a copy it owns, carved from a shared
 *   slab (`_slab.ts`) rather than a new ArrayBuffer per read. A `BufferedProtocol` is
 *   read for straight into its own buffer (`getBuffer()`), with no copy.
 *   The next read is issued after the data is delivered, so a protocol that
 *   calls `pauseReading()` in `dataReceived()` leaves no read in flight.
 *   Delivery runs right from the read's completion while the loop runs
 *   (no extra loop iteration), or in the loop's next iteration otherwise.
 * - **Writes**: with nothing queued, `write(data)` hands `data` to the OS at
 *   once (no copy). While a write is in flight, more data is queued by
 *   reference; when it completes, queued small chunks are coalesced into
 *   one reused buffer and written together. `data` must not be modified
 *   after `write()` (as with `Deno.Conn.write()`).
 * - **Buffer size**: what is queued, plus the write in flight (the unsent
 *   rest of a write the OS took only partly included), until Deno reports
 *   it sent: what the transport holds and may not reuse. A write the socket
 *   takes at once leaves the count within microtasks.
 *
 * @module
 */
import { RuntimeError } from "../futures/exceptions.ts";
import { _setResultUnlessCancelled, type Future } from "../futures/future.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { describe } from "../loop/_describe.ts";
import { WriteFlowControl } from "./_flow_control.ts";
import {
  type BaseProtocol,
  BufferedProtocol,
  type Protocol,
} from "./protocol.ts";
import { Transport } from "./transport.ts";
import { ownedCopy } from "./_slab.ts";
import { fatalError } from "./_fatal.ts";

/** What the transport needs of a Deno stream. */
export interface DenoStream {
  /** Reads into `p`; the number of bytes read, or `null` at EOF. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes from `p`; the number of bytes written (maybe fewer). */
  write(p: Uint8Array): Promise<number>;
  /** Closes the stream. */
  close(): void;
  /** Closes the write side (half-close), where supported. */
  closeWrite?(): Promise<void>;
}

/** What a server does with the transports it made. */
export interface TransportOwner {
  /** A transport was made for one of the owner's connections. */
  _attach(transport: Transport): void;
  /** That transport's connection was lost. */
  _detach(transport: Transport): void;
}

const MIN_READ = 16 * 1024;
const MAX_READ = 256 * 1024;
/** Queued chunks at least this big are written by reference, not copied. */
const COALESCE_MAX = 64 * 1024;
/** The most bytes one coalesced write gathers. */
const SCRATCH_MAX = 256 * 1024;
/** Writes after the connection was lost are logged from this count on. */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** Options of `_StreamTransport`. */
export interface StreamTransportOptions {
  /** Values for `getExtraInfo()`. */
  extra?: Record<string, unknown>;
  /** Resolved (with `null`) once `connectionMade()` was called. */
  waiter?: Future<unknown> | null;
  /** The server the connection belongs to. */
  server?: TransportOwner | null;
  /** Whether the stream is read (default true). */
  readable?: boolean;
  /** Whether `writeEof()` is offered (default: when the stream has `closeWrite`). */
  canWriteEof?: boolean;
  /** What errors are called in messages ("socket", "pipe"). */
  kind?: string;
  /**
   * Call the protocol's `connectionMade()` (default true; false when a
   * connection is upgraded to TLS under a protocol that already has it).
   */
  connectionMade?: boolean;
}

/**
 * Hands `data` to `protocol` whatever its kind: `dataReceived()`, or
 * copied through `getBuffer()`/`bufferUpdated()`.
 */
export function feedProtocol(protocol: BaseProtocol, data: Uint8Array): void {
  if (!(protocol instanceof BufferedProtocol)) {
    (protocol as Protocol).dataReceived(data);
    return;
  }
  let off = 0;
  while (off < data.length) {
    const buf = protocol.getBuffer(data.length - off);
    if (!(buf instanceof Uint8Array) || buf.length === 0) {
      throw new RuntimeError("getBuffer() returned an empty buffer");
    }
    const n = Math.min(buf.length, data.length - off);
    buf.set(data.subarray(off, off + n));
    off += n;
    protocol.bufferUpdated(n);
  }
}

/** A transport over a Deno stream; see the module notes. */
export class _StreamTransport extends Transport {
  /** @internal */ _loop: AbstractEventLoop;
  /** @internal */ _stream: DenoStream;
  /** @internal */ _protocol: BaseProtocol;
  /** @internal */ _buffered = false;
  /** @internal */ _server: TransportOwner | null;
  /** @internal */ _kind: string;
  /** @internal */ _canWriteEof: boolean;
  /** @internal */ _closing = false;
  /** @internal The stream was closed. */
  _closed = false;
  /** @internal */ _connLost = 0;
  /** @internal */ _lostScheduled = false;
  /** @internal */ _lostCalled = false;
  /** @internal Reading is on (not paused). */
  _reading: boolean;
  /** @internal */ _readInFlight = false;
  /** @internal A read that completed while paused: its length, or `null` (EOF). */
  _pending: number | null | undefined = undefined;
  /** @internal */ _eofReceived = false;
  /** @internal */ _readBuf: Uint8Array | null = null;
  /** @internal The buffer of the read in flight. */
  _readTarget: Uint8Array | null = null;
  /** @internal The protocol that lent `_readTarget` (buffered reads). */
  _readOwner: BaseProtocol | null = null;
  /** @internal The write in flight, or `null`. */
  _writing: Uint8Array | null = null;
  /** @internal How many bytes of the write in flight count as buffered. */
  _writingCounted = 0;
  /** @internal */ _queue: Uint8Array[] = [];
  /** @internal */ _qHead = 0;
  /** @internal */ _queued = 0;
  /** @internal */ _scratch: Uint8Array | null = null;
  /** @internal `writeEof()` was called. */
  _eofWanted = false;
  /** @internal */ _eofWritten = false;
  /** @internal */ _flow: WriteFlowControl;

  /**
   * Makes the transport; `connectionMade()` and the first read are
   * scheduled with `callSoon`.
   */
  constructor(
    loop: AbstractEventLoop,
    stream: DenoStream,
    protocol: BaseProtocol,
    options?: StreamTransportOptions,
  ) {
    super(options?.extra);
    this._loop = loop;
    this._stream = stream;
    this._protocol = protocol;
    this._buffered = protocol instanceof BufferedProtocol;
    this._server = options?.server ?? null;
    this._kind = options?.kind ?? "socket";
    this._canWriteEof = options?.canWriteEof ??
      typeof stream.closeWrite === "function";
    this._reading = options?.readable ?? true;
    this._flow = new WriteFlowControl(loop, this);
    this._server?._attach(this);
    if (options?.connectionMade ?? true) loop.callSoon(this._connectionMade);
    const waiter = options?.waiter;
    if (waiter != null) loop.callSoon(_setResultUnlessCancelled, waiter, null);
    if (this._reading) loop.callSoon(this._readMore);
  }

  /** @internal */
  _connectionMade = (): void => {
    this._protocol.connectionMade(this);
  };

  // ---- BaseTransport ----

  override isClosing(): boolean {
    return this._closing;
  }

  override setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
    this._buffered = protocol instanceof BufferedProtocol;
  }

  override getProtocol(): BaseProtocol {
    return this._protocol;
  }

  override close(): void {
    if (this._closing) return;
    this._closing = true;
    this._connLost++;
    if (this._writing === null && this._queued === 0) {
      this._scheduleLost(null);
    }
  }

  // ---- reading ----

  override isReading(): boolean {
    return this._reading && !this._closing;
  }

  override pauseReading(): void {
    if (this._closing || !this._reading) return;
    this._reading = false;
  }

  override resumeReading(): void {
    if (this._closing || this._reading) return;
    this._reading = true;
    this._loop.callSoon(this._resume);
  }

  /** @internal Delivers what came in while paused, then reads on. */
  _resume = (): void => {
    if (!this._reading || this._closing) return;
    const pending = this._pending;
    if (pending !== undefined) {
      this._pending = undefined;
      this._deliver(pending);
    } else {
      this._readMore();
    }
  };

  /** @internal Issues the next read, if reading is on. */
  _readMore = (): void => {
    if (
      this._readInFlight || !this._reading || this._closing ||
      this._eofReceived
    ) return;
    let buf: Uint8Array;
    if (this._buffered) {
      try {
        buf = (this._protocol as BufferedProtocol).getBuffer(-1);
        if (!(buf instanceof Uint8Array) || buf.length === 0) {
          throw new RuntimeError(
            `getBuffer() returned an empty buffer: ${describe(buf)}`,
          );
        }
      } catch (exc) {
        this._fatalError(exc, "Fatal error: protocol.getBuffer() call failed.");
        return;
      }
    } else {
      buf = this._readBuf ??= new Uint8Array(MIN_READ);
    }
    this._readTarget = buf;
    this._readOwner = this._buffered ? this._protocol : null;
    this._readInFlight = true;
    this._stream.read(buf).then(this._onRead, this._onReadError);
  };

  /** @internal */
  _onRead = (n: number | null): void => {
    this._readInFlight = false;
    if (this._closing) return;
    if (!this._loop.isRunning()) {
      this._defer(this._deliver, n);
      return;
    }
    this._deliver(n);
  };

  /** @internal */
  _onReadError = (exc: unknown): void => {
    this._readInFlight = false;
    if (this._closing) return;
    if (!this._loop.isRunning()) {
      this._defer(this._readFailed, exc);
      return;
    }
    this._readFailed(exc);
  };

  /** @internal */
  _readFailed = (exc: unknown): void => {
    if (this._closing) return;
    this._fatalError(exc, `Fatal read error on ${this._kind} transport`);
  };

  /** @internal Hands a completed read to the protocol. */
  _deliver = (n: number | null): void => {
    if (this._closing) return;
    if (!this._reading) {
      this._pending = n;
      return;
    }
    if (n === null) {
      this._onEof();
      return;
    }
    const owner = this._readOwner;
    if (owner !== (this._buffered ? this._protocol : null)) {
      // The protocol changed while the read was in flight.
      const data = ownedCopy(this._readTarget as Uint8Array, 0, n);
      try {
        feedProtocol(this._protocol, data);
      } catch (exc) {
        this._fatalError(exc, "Fatal error: protocol data delivery failed.");
        return;
      }
    } else if (this._buffered) {
      try {
        (this._protocol as BufferedProtocol).bufferUpdated(n);
      } catch (exc) {
        this._fatalError(
          exc,
          "Fatal error: protocol.bufferUpdated() call failed.",
        );
        return;
      }
    } else {
      const buf = this._readBuf as Uint8Array;
      const data = ownedCopy(buf, 0, n);
      if (n === buf.length && n < MAX_READ) {
        this._readBuf = new Uint8Array(n * 2);
      }
      try {
        (this._protocol as Protocol).dataReceived(data);
      } catch (exc) {
        this._fatalError(
          exc,
          "Fatal error: protocol.dataReceived() call failed.",
        );
        return;
      }
    }
    this._readMore();
  };

  /** @internal The peer closed its side. */
  _onEof(): void {
    this._eofReceived = true;
    let keepOpen: unknown;
    try {
      keepOpen = (this._protocol as Protocol).eofReceived?.();
    } catch (exc) {
      this._fatalError(exc, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    if (keepOpen !== true) this.close();
  }

  // ---- writing ----

  override setWriteBufferLimits(
    high?: number | null,
    low?: number | null,
  ): void {
    this._flow.setLimits(high, low, this.getWriteBufferSize());
  }

  override getWriteBufferSize(): number {
    return this._queued + this._writingCounted;
  }

  override getWriteBufferLimits(): [number, number] {
    return this._flow.limits();
  }

  override write(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot write to transport as 'data' must be a Uint8Array: current value is ${
          describe(data)
        }`,
      );
    }
    if (this._eofWanted) {
      throw new RuntimeError("Cannot call write() after writeEof()");
    }
    if (data.length === 0) return;
    if (this._connLost > 0) {
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        console.warn(`${this._kind}.send() raised exception.`);
      }
      this._connLost++;
      return;
    }
    if (this._writing === null) {
      this._writeNow(data, true);
      // A write bigger than the high-water mark that is still in flight
      // once its own completion had its chance (Deno completes what the
      // socket takes at once within microtasks) pauses the protocol, as a
      // pending send does in asyncio's proactor.
      if (data.length > this._flow.high) queueMicrotask(this._checkFlow);
      return;
    }
    this._queue.push(data);
    this._queued += data.length;
    this._flow.update(this._queued + this._writingCounted);
  }

  override writelines(list: Iterable<Uint8Array>): void {
    if (
      list === null || typeof list !== "object" ||
      typeof (list as Iterable<Uint8Array>)[Symbol.iterator] !== "function"
    ) {
      throw new TypeError(
        `Cannot write lines to transport as 'list' must be an iterable of Uint8Arrays: current value is ${
          describe(list)
        }`,
      );
    }
    for (const data of list) this.write(data);
  }

  /** @internal Reports the buffer size to flow control. */
  _checkFlow = (): void => {
    if (this._writing !== null && !this._lostScheduled) {
      this._flow.update(this._queued + this._writingCounted);
    }
  };

  /** @internal */
  _writeNow(data: Uint8Array, counted: boolean): void {
    this._writing = data;
    this._writingCounted = counted ? data.length : 0;
    this._stream.write(data).then(this._onWritten, this._onWriteError);
  }

  /** @internal */
  _onWritten = (n: number): void => {
    if (this._lostScheduled || this._writing === null) return;
    if (!this._loop.isRunning()) {
      this._defer(this._written, n);
      return;
    }
    this._written(n);
  };

  /** @internal A write completed with `n` bytes sent. */
  _written = (n: number): void => {
    const data = this._writing;
    if (this._lostScheduled || data === null) return;
    if (n < data.length) {
      this._writeNow(data.subarray(n), true);
      this._flow.update(this._queued + this._writingCounted);
      return;
    }
    this._writing = null;
    this._writingCounted = 0;
    if (this._queued > 0) this._writeNow(this._takeQueued(), true);
    this._flow.update(this._queued + this._writingCounted);
    if (this._writing === null) this._flushed();
  };

  /** @internal Everything was written. */
  _flushed(): void {
    if (this._eofWanted && !this._eofWritten) this._doWriteEof();
    if (this._closing) this._scheduleLost(null);
  }

  /** @internal The next write from the queue: one big chunk, or small ones coalesced. */
  _takeQueued(): Uint8Array {
    const q = this._queue;
    let head = this._qHead;
    const first = q[head];
    let out: Uint8Array;
    if (head + 1 === q.length || first.length >= COALESCE_MAX) {
      out = first;
      head++;
    } else {
      let total = 0;
      let end = head;
      while (
        end < q.length && q[end].length < COALESCE_MAX &&
        total + q[end].length <= SCRATCH_MAX
      ) {
        total += q[end].length;
        end++;
      }
      if (end === head + 1) {
        out = first;
        head++;
      } else {
        let scratch = this._scratch;
        if (scratch === null || scratch.length < total) {
          scratch = this._scratch = new Uint8Array(
            Math.max(total, scratch === null ? 0 : scratch.length * 2),
          );
        }
        let off = 0;
        for (; head < end; head++) {
          scratch.set(q[head], off);
          off += q[head].length;
        }
        out = scratch.subarray(0, total);
      }
    }
    this._queued -= out.length;
    if (head === q.length) {
      q.length = 0;
      head = 0;
    }
    this._qHead = head;
    return out;
  }

  /** @internal */
  _onWriteError = (exc: unknown): void => {
    if (this._lostScheduled) return;
    if (!this._loop.isRunning()) {
      this._defer(this._writeFailed, exc);
      return;
    }
    this._writeFailed(exc);
  };

  /** @internal */
  _writeFailed = (exc: unknown): void => {
    if (this._lostScheduled) return;
    this._writing = null;
    this._fatalError(exc, `Fatal write error on ${this._kind} transport`);
  };

  override writeEof(): void {
    if (this._closing || this._eofWanted) return;
    this._eofWanted = true;
    if (this._writing === null) this._doWriteEof();
  }

  /** @internal */
  _doWriteEof(): void {
    this._eofWritten = true;
    const closeWrite = this._stream.closeWrite;
    if (typeof closeWrite !== "function") return;
    closeWrite.call(this._stream).catch((exc: unknown) => {
      if (!this._lostScheduled && !this._loop.isClosed()) {
        this._loop.callSoon(this._writeFailed, exc);
      }
    });
  }

  override canWriteEof(): boolean {
    return this._canWriteEof;
  }

  override abort(): void {
    this._forceClose(null);
  }

  // ---- closing ----

  /** @internal Reports `exc` (unless it is an OS error) and closes at once. */
  _fatalError(exc: unknown, message: string): void {
    fatalError(this, exc, message);
  }

  /** @internal Drops the buffer and schedules `connectionLost(exc)`. */
  _forceClose(exc: Error | null): void {
    if (this._lostScheduled) return;
    this._closing = true;
    this._connLost++;
    this._queue.length = 0;
    this._qHead = 0;
    this._queued = 0;
    this._writing = null;
    this._writingCounted = 0;
    this._scheduleLost(exc);
  }

  /** @internal */
  _scheduleLost(exc: Error | null): void {
    if (this._lostScheduled) return;
    this._lostScheduled = true;
    if (this._loop.isClosed()) {
      this._closeStream();
      return;
    }
    this._loop.callSoon(this._callConnectionLost, exc);
  }

  /** @internal */
  _callConnectionLost = (exc: Error | null): void => {
    if (this._lostCalled) return;
    this._lostCalled = true;
    this._closeStream();
    try {
      this._protocol.connectionLost(exc);
    } finally {
      const server = this._server;
      this._server = null;
      server?._detach(this);
    }
  };

  /** @internal */
  _closeStream(): void {
    if (this._closed) return;
    this._closed = true;
    try {
      this._stream.close();
    } catch {
      // Already closed (by the peer's reset or by a consumer).
    }
  }

  /**
   * @internal Runs `fn(arg)` in the loop's next iteration (the loop is not
   * running now); a closed loop drops the connection.
   */
  _defer<A>(fn: (arg: A) => void, arg: A): void {
    if (this._loop.isClosed()) {
      this._lostScheduled = true;
      this._closing = true;
      this._closeStream();
      return;
    }
    this._loop.callSoon(fn, arg);
  }

  /** A description such as `<_SocketTransport fd=... read=polling write=<idle>>`. */
  override toString(): string {
    const state = this._closed
      ? "closed"
      : this._closing
      ? "closing"
      : this._reading
      ? "reading"
      : "paused";
    return `<${this.constructor.name} ${state} buffered=${this.getWriteBufferSize()}>`;
  }
}
