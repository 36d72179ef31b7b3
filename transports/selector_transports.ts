/**
 * The transports of `SelectorEventLoop` (CPython's `selector_events.py`):
 * `_SelectorSocketTransport` for stream sockets (TCP and Unix) and
 * `_SelectorDatagramTransport` for datagram sockets (UDP and Unix), on a
 * non-blocking `Socket` watched by the loop's selector.
 *
 * - **Reads**: when the selector reports the socket readable, one
 *   `recv()`: a `Protocol` gets an owned copy of the bytes
 *   (`dataReceived`), a `BufferedProtocol` is read into its own buffer
 *   (`getBuffer`/`bufferUpdated`). `pauseReading()` unregisters the reader,
 *   so the kernel's window pushes back on the peer.
 * - **Writes**: with nothing queued, `write(data)` sends at once; what the
 *   socket does not take is queued (by reference: do not modify `data`
 *   afterwards) and sent when the selector reports room, small chunks
 *   coalesced into one send. Past the high-water mark the protocol's
 *   `pauseWriting()` is called, `resumeWriting()` once the queue drains to
 *   the low-water mark (`_flow_control.ts`, shared with the default loop).
 * - **Closing**: `close()` stops reading and flushes the queue, then calls
 *   `connectionLost(null)`; `abort()` drops the queue. OS errors end the
 *   connection with `connectionLost(exc)` and no exception-handler call;
 *   other failures (a protocol callback that throws) are reported to the
 *   loop's exception handler first.
 *
 * @module
 */
import { RuntimeError } from "../futures/exceptions.ts";
import { _setResultUnlessCancelled, type Future } from "../futures/future.ts";
import { describe } from "../loop/_describe.ts";
import { libc } from "../loop/_libc.ts";
import type { SelectorEventLoop } from "../loop/selector_event_loop.ts";
import { WriteFlowControl } from "./_flow_control.ts";
import { commitRead, ownedCopy, reserveRead } from "./_slab.ts";
import {
  packAddress,
  SOCKADDR_MAX,
  type SocketAddress,
  type SocketAddressLike,
} from "./_sockaddr.ts";
import { _isOSError, _osError, errno as E } from "./os_errors.ts";
import { fatalError } from "./_fatal.ts";
import {
  type BaseProtocol,
  BufferedProtocol,
  type DatagramProtocol,
  type Protocol,
} from "./protocol.ts";
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  SHUT_WR,
  type Socket,
  TCP_NODELAY,
} from "./socket.ts";
import { DatagramTransport, Transport } from "./transport.ts";
import type { TransportOwner } from "./_stream_transport.ts";

/** Bytes one `recv()` asks for (CPython's `max_size`). */
const MAX_SIZE = 256 * 1024;
/** Queued chunks smaller than this are coalesced into one send. */
const COALESCE_MAX = 64 * 1024;
/** The most bytes one coalesced send gathers. */
const SCRATCH_MAX = 256 * 1024;
/** Reads bigger than this make the next one go straight into a slab. */
const BIG_READ = 16 * 1024;
/** Writes after the connection was lost are logged from this count on. */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;
/** What a queued datagram counts for beside its bytes (CPython's header size). */
const DATAGRAM_HEADER = 8;

const EAGAIN = E.EAGAIN;
/** Where `Protocol` reads land before they are copied out (reads are synchronous). */
const readScratch = new Uint8Array(MAX_SIZE);
/** Scratch for checking the address of a datagram that is queued. */
const addressScratch = new Uint8Array(SOCKADDR_MAX);

function osError(code: number): Error {
  return _osError(code, libc().strerror(code));
}

function checkData(data: unknown): void {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot write to transport as 'data' must be a Uint8Array: current value is ${
        describe(data)
      }`,
    );
  }
}

/** Options of the selector transports. */
export interface SelectorTransportOptions {
  /** Resolved (with `null`) once `connectionMade()` was called. */
  waiter?: Future<unknown> | null;
  /** The server the connection belongs to. */
  server?: TransportOwner | null;
  /** Values for `getExtraInfo()` (`peername` from `accept()`, ...). */
  extra?: Record<string, unknown>;
}

function socketExtra(
  sock: Socket,
  extra: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const info: Record<string, unknown> = { socket: sock, ...extra };
  try {
    info.sockname = sock.getsockname();
  } catch {
    info.sockname = null;
  }
  if (!("peername" in info)) {
    try {
      info.peername = sock.getpeername();
    } catch {
      info.peername = null;
    }
  }
  return info;
}

/** A stream transport over a non-blocking `Socket`; see the module notes. */
export class _SelectorSocketTransport extends Transport {
  /** @internal */ _loop: SelectorEventLoop;
  /** @internal */ _sock: Socket;
  /** @internal */ _fd: number;
  /** @internal */ _protocol: BaseProtocol;
  /** @internal */ _buffered = false;
  /** @internal */ _server: TransportOwner | null;
  /** @internal */ _closing = false;
  /** @internal */ _paused = false;
  /** @internal The last read was big: read the next into a slab. */
  _bigReads = false;
  /** @internal Set when `connectionLost` is scheduled (and counts writes after). */
  _connLost = 0;
  /** @internal Writes dropped after close() or a lost connection. */
  _droppedWrites = 0;
  /** @internal `writeEof()` was called. */
  _eof = false;
  /** @internal The queue of unsent chunks, from `_qHead`. */
  _queue: Uint8Array[] = [];
  /** @internal */ _qHead = 0;
  /** @internal Bytes queued. */
  _queued = 0;
  /** @internal */ _scratch: Uint8Array | null = null;
  /** @internal */ _flow: WriteFlowControl;

  /**
   * Makes the transport; `connectionMade()` and the first read are
   * scheduled with `callSoon`.
   */
  constructor(
    loop: SelectorEventLoop,
    sock: Socket,
    protocol: BaseProtocol,
    options?: SelectorTransportOptions,
  ) {
    super(socketExtra(sock, options?.extra));
    this._loop = loop;
    this._sock = sock;
    this._fd = sock.fileno();
    this._protocol = protocol;
    this._buffered = protocol instanceof BufferedProtocol;
    this._server = options?.server ?? null;
    this._flow = new WriteFlowControl(loop, this);
    if (
      (sock.family === AF_INET || sock.family === AF_INET6) &&
      (sock.proto === 0 || sock.proto === IPPROTO_TCP)
    ) {
      // Small writes go out without waiting for the peer's ACK (as CPython).
      try {
        sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      } catch {
        // Not TCP after all, or already reset.
      }
    }
    this._server?._attach(this);
    loop._transports.set(this._fd, this);
    loop.callSoon(this._connectionMade);
    loop.callSoon(this._startReading);
    const waiter = options?.waiter;
    if (waiter != null) loop.callSoon(_setResultUnlessCancelled, waiter, null);
  }

  /** @internal */
  _connectionMade = (): void => {
    this._protocol.connectionMade(this);
  };

  /** @internal Registers the reader (unless paused or closing). */
  _startReading = (): void => {
    if (this._closing || this._paused) return;
    this._loop._addReader(this._fd, this._readReady, null);
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
    this._loop._removeReader(this._fd);
    if (this._loop.isClosed()) {
      // Nothing can run any more: just let the socket go.
      this._connLost++;
      this._clearQueue();
      this._release();
      return;
    }
    if (this._queued === 0) {
      this._connLost++;
      this._loop._removeWriter(this._fd);
      this._loop.callSoon(this._callConnectionLost, null);
    }
  }

  override abort(): void {
    this._forceClose(null);
  }

  // ---- reading ----

  override isReading(): boolean {
    return !this._closing && !this._paused;
  }

  override pauseReading(): void {
    if (!this.isReading()) return;
    this._paused = true;
    this._loop._removeReader(this._fd);
  }

  override resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    this._loop._addReader(this._fd, this._readReady, null);
  }

  /** @internal The socket is readable. */
  _readReady = (): void => {
    if (this._connLost > 0) return;
    if (this._buffered) this._readIntoBuffer();
    else this._readData();
  };

  /**
   * @internal One read for a `Protocol`. Small reads land in a scratch
   * buffer and are copied out; after a big read the next one goes straight
   * into the slab the bytes are handed out from (no copy).
   */
  _readData(): void {
    const big = this._bigReads;
    const n = this._sock._recvInto(
      big ? reserveRead(MAX_SIZE) : readScratch,
      MAX_SIZE,
    );
    if (n < 0) {
      if (n === -EAGAIN) return;
      this._fatalError(osError(-n), "Fatal read error on socket transport");
      return;
    }
    if (n === 0) {
      this._onEof();
      return;
    }
    const data = big ? commitRead(n) : ownedCopy(readScratch, 0, n);
    this._bigReads = n > BIG_READ;
    try {
      (this._protocol as Protocol).dataReceived(data);
    } catch (exc) {
      this._fatalError(
        exc,
        "Fatal error: protocol.dataReceived() call failed.",
      );
    }
  }

  /** @internal One read into a `BufferedProtocol`'s buffer. */
  _readIntoBuffer(): void {
    let buf: Uint8Array;
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
    const n = this._sock._recvInto(buf, Math.min(buf.length, 0x7fff_f000));
    if (n < 0) {
      if (n === -EAGAIN) return;
      this._fatalError(osError(-n), "Fatal read error on socket transport");
      return;
    }
    if (n === 0) {
      this._onEof();
      return;
    }
    try {
      (this._protocol as BufferedProtocol).bufferUpdated(n);
    } catch (exc) {
      this._fatalError(
        exc,
        "Fatal error: protocol.bufferUpdated() call failed.",
      );
    }
  }

  /** @internal The peer closed its side. */
  _onEof(): void {
    let keepOpen: unknown;
    try {
      keepOpen = (this._protocol as Protocol).eofReceived?.();
    } catch (exc) {
      this._fatalError(exc, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    if (keepOpen === true) {
      // Still writable, but nothing more to read.
      this._loop._removeReader(this._fd);
    } else {
      this.close();
    }
  }

  // ---- writing ----

  override setWriteBufferLimits(
    high?: number | null,
    low?: number | null,
  ): void {
    this._flow.setLimits(high, low, this._queued);
  }

  override getWriteBufferSize(): number {
    return this._queued;
  }

  override getWriteBufferLimits(): [number, number] {
    return this._flow.limits();
  }

  override write(data: Uint8Array): void {
    checkData(data);
    if (this._eof) {
      throw new RuntimeError("Cannot call write() after writeEof()");
    }
    if (data.length === 0) return;
    if (this._connLost > 0 || this._closing) {
      // After close() or a lost connection, writes are dropped (as the
      // default loop's transports do).
      if (++this._droppedWrites >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        console.warn("socket.send() raised exception.");
      }
      return;
    }
    if (this._queued === 0) {
      // Try to send now (CPython's "Optimization: try to send now").
      const sent = this._sock._send(data, data.length);
      if (sent >= 0) {
        if (sent === data.length) return;
        data = data.subarray(sent);
      } else if (sent !== -EAGAIN) {
        this._fatalError(
          osError(-sent),
          "Fatal write error on socket transport",
        );
        return;
      }
      this._loop._addWriter(this._fd, this._writeReady, null);
    }
    this._queue.push(data);
    this._queued += data.length;
    this._flow.update(this._queued);
  }

  override writelines(list: Iterable<Uint8Array>): void {
    for (const data of list) this.write(data);
  }

  /** @internal The socket has room: send what is queued. */
  _writeReady = (): void => {
    if (this._connLost > 0) return;
    while (this._queued > 0) {
      const out = this._peek();
      const sent = this._sock._send(out, out.length);
      if (sent < 0) {
        if (sent === -EAGAIN) break;
        this._loop._removeWriter(this._fd);
        this._clearQueue();
        this._fatalError(
          osError(-sent),
          "Fatal write error on socket transport",
        );
        return;
      }
      this._consume(sent);
      if (sent < out.length) break;
    }
    this._flow.update(this._queued);
    if (this._queued > 0) return;
    this._loop._removeWriter(this._fd);
    if (this._closing) {
      this._callConnectionLost(null);
    } else if (this._eof) {
      this._shutdownWrite();
    }
  };

  /** @internal The next bytes to send: a big chunk, or small ones coalesced. */
  _peek(): Uint8Array {
    const q = this._queue;
    const head = this._qHead;
    const first = q[head];
    if (head + 1 === q.length || first.length >= COALESCE_MAX) return first;
    let total = 0;
    let end = head;
    while (
      end < q.length && q[end].length < COALESCE_MAX &&
      total + q[end].length <= SCRATCH_MAX
    ) {
      total += q[end].length;
      end++;
    }
    if (end === head + 1) return first;
    let scratch = this._scratch;
    if (scratch === null || scratch.length < total) {
      scratch = this._scratch = new Uint8Array(Math.max(total, 64 * 1024));
    }
    let off = 0;
    for (let i = head; i < end; i++) {
      scratch.set(q[i], off);
      off += q[i].length;
    }
    return scratch.subarray(0, total);
  }

  /** @internal Drops `n` sent bytes from the front of the queue. */
  _consume(n: number): void {
    const q = this._queue;
    let head = this._qHead;
    this._queued -= n;
    while (n > 0) {
      const c = q[head];
      if (c.length <= n) {
        n -= c.length;
        head++;
      } else {
        q[head] = c.subarray(n);
        n = 0;
      }
    }
    if (head === q.length) {
      q.length = 0;
      head = 0;
    }
    this._qHead = head;
  }

  /** @internal */
  _clearQueue(): void {
    this._queue.length = 0;
    this._qHead = 0;
    this._queued = 0;
  }

  override writeEof(): void {
    if (this._closing || this._eof) return;
    this._eof = true;
    if (this._queued === 0) this._shutdownWrite();
  }

  /** @internal Half-closes: the peer sees EOF. */
  _shutdownWrite(): void {
    try {
      this._sock.shutdown(SHUT_WR);
    } catch (exc) {
      this._fatalError(exc, "Fatal write error on socket transport");
    }
  }

  override canWriteEof(): boolean {
    return true;
  }

  // ---- closing ----

  /** @internal Reports `exc` (unless it is an OS error) and closes at once. */
  _fatalError(exc: unknown, message: string): void {
    fatalError(this, exc, message);
  }

  /** @internal Drops the queue and schedules `connectionLost(exc)`. */
  _forceClose(exc: Error | null): void {
    if (this._connLost > 0) return;
    if (this._queued > 0) {
      this._clearQueue();
      this._loop._removeWriter(this._fd);
    }
    if (!this._closing) {
      this._closing = true;
      this._loop._removeReader(this._fd);
    }
    this._connLost++;
    if (this._loop.isClosed()) {
      this._release();
      return;
    }
    this._loop.callSoon(this._callConnectionLost, exc);
  }

  /** @internal */
  _callConnectionLost = (exc: Error | null): void => {
    if (this._sock.closed) return;
    try {
      this._protocol.connectionLost(exc);
    } finally {
      this._release();
    }
  };

  /** @internal Closes the socket and leaves the loop and the server. */
  _release(): void {
    const loop = this._loop;
    if (!loop.isClosed()) {
      loop._removeReader(this._fd);
      loop._removeWriter(this._fd);
    }
    if (loop._transports.get(this._fd) === this) {
      loop._transports.delete(this._fd);
    }
    this._sock.close();
    const server = this._server;
    this._server = null;
    server?._detach(this);
  }

  /** A description such as `<_SelectorSocketTransport fd=7 read=polling write=<idle, bufsize=0>>`. */
  override toString(): string {
    const info = [this.constructor.name];
    if (this._sock.closed) info.push("closed");
    else if (this._closing) info.push("closing");
    info.push(`fd=${this._fd}`);
    if (!this._sock.closed) {
      info.push(`read=${this.isReading() ? "polling" : "idle"}`);
      info.push(
        `write=<${
          this._queued > 0 ? "polling" : "idle"
        }, bufsize=${this._queued}>`,
      );
    }
    return `<${info.join(" ")}>`;
  }
}

function sameAddress(a: unknown, b: SocketAddress): boolean {
  if (Array.isArray(a)) {
    return "hostname" in b && a[0] === b.hostname && a[1] === b.port;
  }
  if (a !== null && typeof a === "object") {
    if ("path" in a) return "path" in b && a.path === b.path;
    if ("hostname" in a) {
      const x = a as { hostname: string; port: number };
      return "hostname" in b && x.hostname === b.hostname && x.port === b.port;
    }
  }
  if (typeof a === "string") return "path" in b && a === b.path;
  return false;
}

function describeAddress(a: SocketAddress): string {
  return "path" in a ? a.path : `${a.hostname}:${a.port}`;
}

/** A datagram transport over a non-blocking `Socket`; see the module notes. */
export class _SelectorDatagramTransport extends DatagramTransport {
  /** @internal */ _loop: SelectorEventLoop;
  /** @internal */ _sock: Socket;
  /** @internal */ _fd: number;
  /** @internal */ _protocol: BaseProtocol;
  /** @internal The connected peer (`remoteAddr`), or `null`. */
  _address: SocketAddress | null;
  /** @internal */ _closing = false;
  /** @internal */ _paused = false;
  /** @internal */ _connLost = 0;
  /** @internal Unsent datagrams and where they go. */
  _buffer: [Uint8Array, SocketAddressLike | null][] = [];
  /** @internal What `_buffer` counts for (bytes plus a header each). */
  _bufferSize = 0;
  /** @internal Datagrams dropped after `close()` (logged from the fifth). */
  _droppedSends = 0;
  /** @internal */ _flow: WriteFlowControl;

  /** Makes the transport; `connectionMade()` and reading are scheduled. */
  constructor(
    loop: SelectorEventLoop,
    sock: Socket,
    protocol: BaseProtocol,
    address: SocketAddress | null,
    options?: SelectorTransportOptions,
  ) {
    super(socketExtra(sock, options?.extra));
    this._loop = loop;
    this._sock = sock;
    this._fd = sock.fileno();
    this._protocol = protocol;
    this._address = address;
    this._flow = new WriteFlowControl(loop, this);
    loop._transports.set(this._fd, this);
    loop.callSoon(this._connectionMade);
    loop.callSoon(this._startReading);
    const waiter = options?.waiter;
    if (waiter != null) loop.callSoon(_setResultUnlessCancelled, waiter, null);
  }

  /** @internal */
  _connectionMade = (): void => {
    this._protocol.connectionMade(this);
  };

  /** @internal */
  _startReading = (): void => {
    if (this._closing || this._paused) return;
    this._loop._addReader(this._fd, this._readReady, null);
  };

  override isClosing(): boolean {
    return this._closing;
  }

  override setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
  }

  override getProtocol(): BaseProtocol {
    return this._protocol;
  }

  /** Whether datagrams are read (not paused, not closing). */
  isReading(): boolean {
    return !this._closing && !this._paused;
  }

  /** Stops reading datagrams until `resumeReading()`. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this._paused = true;
    this._loop._removeReader(this._fd);
  }

  /** Reads datagrams again after `pauseReading()`. */
  resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    this._loop._addReader(this._fd, this._readReady, null);
  }

  /** The bytes (plus a header each) of the datagrams not yet sent. */
  override getWriteBufferSize(): number {
    return this._bufferSize;
  }

  /**
   * Sets the water marks of the send buffer (see `WriteTransport`).
   *
   * @param high The high-water mark.
   * @param low The low-water mark.
   */
  override setWriteBufferLimits(
    high?: number | null,
    low?: number | null,
  ): void {
    this._flow.setLimits(high, low, this._bufferSize);
  }

  /** The water marks, as `[low, high]`. */
  override getWriteBufferLimits(): [number, number] {
    return this._flow.limits();
  }

  /** @internal The socket is readable: one datagram. */
  _readReady = (): void => {
    if (this._connLost > 0) return;
    const r = this._sock._recvfromInto(readScratch, MAX_SIZE);
    if (typeof r === "number") {
      if (r === EAGAIN) return;
      this._errorReceived(osError(r));
      return;
    }
    const [n, addr] = r;
    try {
      (this._protocol as DatagramProtocol).datagramReceived(
        ownedCopy(readScratch, 0, n),
        addr,
      );
    } catch (exc) {
      this._fatalError(
        exc,
        "Fatal error: protocol.datagramReceived() call failed.",
      );
    }
  };

  /** @internal An OS error of a send or receive goes to the protocol. */
  _errorReceived(exc: Error): void {
    try {
      (this._protocol as DatagramProtocol).errorReceived(exc);
    } catch (e) {
      this._fatalError(e, "Fatal error: protocol.errorReceived() call failed.");
    }
  }

  /**
   * Sends `data` to `addr`, or to the connected peer (`remoteAddr`) when
   * `addr` is omitted; what the socket cannot take now is queued. OS
   * errors go to the protocol's `errorReceived()`.
   *
   * @param data The datagram (copied if queued).
   * @param addr The destination (a host name that does not resolve goes to
   *   `errorReceived()`).
   * @throws {TypeError} If `data` is not a Uint8Array or `addr` is malformed.
   * @throws {RangeError} If connected and `addr` is another address, or its
   *   port is out of range.
   */
  override sendto(
    data: Uint8Array,
    addr?: SocketAddressLike | Deno.NetAddr | [string, number] | null,
  ): void {
    checkData(data);
    let dest: SocketAddressLike | null = addr ?? null;
    if (this._address !== null) {
      if (dest !== null && !sameAddress(dest, this._address)) {
        throw new RangeError(
          `Invalid address: must be null or ${describeAddress(this._address)}`,
        );
      }
      // Connected: send(); not connected (a broadcast endpoint): sendto().
      dest = this._extra.peername != null ? null : this._address;
    } else if (dest === null && this._extra.peername == null) {
      throw new RangeError(
        "Cannot send as 'addr' must be given: the transport is not connected",
      );
    }
    if (this._connLost > 0 || this._closing) {
      // After close() or abort(), datagrams are dropped (as the default
      // loop's endpoints do; CPython still sends those of an unconnected
      // endpoint, and reports EBADF to errorReceived() after connectionLost()).
      if (++this._droppedSends >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        console.warn("socket.sendto() raised exception.");
      }
      return;
    }
    if (this._buffer.length === 0) {
      let sent: number;
      try {
        sent = dest === null
          ? this._sock._send(data, data.length)
          : this._sock._sendto(data, 0, dest);
      } catch (exc) {
        this._badAddress(exc);
        return;
      }
      if (sent >= 0) return;
      if (sent !== -EAGAIN) {
        this._errorReceived(osError(-sent));
        return;
      }
      this._loop._addWriter(this._fd, this._sendtoReady, null);
    } else if (dest !== null) {
      // Checked now: it would fail the transport when its turn comes.
      try {
        packAddress(this._sock.family, this._sock.type, dest, addressScratch);
      } catch (exc) {
        this._badAddress(exc);
        return;
      }
    }
    this._buffer.push([data.slice(), dest]);
    this._bufferSize += data.length + DATAGRAM_HEADER;
    this._flow.update(this._bufferSize);
  }

  /**
   * @internal `sendto()`'s address could not be used: a malformed one is
   * the caller's error (thrown), one that does not resolve goes to
   * `errorReceived()` (as CPython's `OSError`s); the transport goes on.
   */
  _badAddress(exc: unknown): void {
    if (exc instanceof TypeError || exc instanceof RangeError) throw exc;
    if (_isOSError(exc)) {
      this._errorReceived(exc as Error);
      return;
    }
    this._fatalError(exc, "Fatal write error on datagram transport");
  }

  /** @internal The socket has room: send the queued datagrams. */
  _sendtoReady = (): void => {
    while (this._buffer.length > 0) {
      const [data, dest] = this._buffer[0];
      let sent: number;
      try {
        sent = dest === null
          ? this._sock._send(data, data.length)
          : this._sock._sendto(data, 0, dest);
      } catch (exc) {
        this._fatalError(exc, "Fatal write error on datagram transport");
        return;
      }
      if (sent === -EAGAIN) break;
      this._buffer.shift();
      this._bufferSize -= data.length + DATAGRAM_HEADER;
      if (sent < 0) {
        this._errorReceived(osError(-sent));
        return;
      }
    }
    this._flow.update(this._bufferSize);
    if (this._buffer.length > 0) return;
    this._loop._removeWriter(this._fd);
    if (this._closing) this._callConnectionLost(null);
  };

  override close(): void {
    if (this._closing) return;
    this._closing = true;
    this._loop._removeReader(this._fd);
    if (this._loop.isClosed()) {
      this._connLost++;
      this._buffer.length = 0;
      this._bufferSize = 0;
      this._release();
      return;
    }
    if (this._buffer.length === 0) {
      this._connLost++;
      this._loop._removeWriter(this._fd);
      this._loop.callSoon(this._callConnectionLost, null);
    }
  }

  override abort(): void {
    this._forceClose(null);
  }

  /** @internal */
  _fatalError(exc: unknown, message: string): void {
    fatalError(this, exc, message);
  }

  /** @internal */
  _forceClose(exc: Error | null): void {
    if (this._connLost > 0) return;
    if (this._buffer.length > 0) {
      this._buffer.length = 0;
      this._bufferSize = 0;
      this._loop._removeWriter(this._fd);
    }
    if (!this._closing) {
      this._closing = true;
      this._loop._removeReader(this._fd);
    }
    this._connLost++;
    if (this._loop.isClosed()) {
      this._release();
      return;
    }
    this._loop.callSoon(this._callConnectionLost, exc);
  }

  /** @internal */
  _callConnectionLost = (exc: Error | null): void => {
    if (this._sock.closed) return;
    try {
      this._protocol.connectionLost(exc);
    } finally {
      this._release();
    }
  };

  /** @internal */
  _release(): void {
    const loop = this._loop;
    if (!loop.isClosed()) {
      loop._removeReader(this._fd);
      loop._removeWriter(this._fd);
    }
    if (loop._transports.get(this._fd) === this) {
      loop._transports.delete(this._fd);
    }
    this._sock.close();
  }

  /** A description such as `<_SelectorDatagramTransport fd=7>`. */
  override toString(): string {
    const state = this._sock.closed
      ? " closed"
      : this._closing
      ? " closing"
      : "";
    return `<${this.constructor.name}${state} fd=${this._fd}>`;
  }
}
