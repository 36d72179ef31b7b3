/**
 * The transport classes of asyncio (`transports.py`): the interfaces a
 * protocol talks to. Their methods throw `NotImplementedError`; the loop's
 * concrete transports (a socket, a TLS connection, a pipe, ...) implement
 * them.
 *
 * Writes follow asyncio: `write()` never blocks; what the OS cannot take at
 * once is buffered, and the protocol's `pauseWriting()`/`resumeWriting()`
 * are called when the buffer crosses the high and low water marks
 * (`setWriteBufferLimits(high, low)`, 64 KiB and 16 KiB by default).
 *
 * @module
 */
import { NotImplementedError } from "../futures/exceptions.ts";
import type { BaseProtocol } from "./protocol.ts";

function notImplemented(what: string): never {
  throw new NotImplementedError(`${what} is not implemented by this transport`);
}

/**
 * The base of all transports: extra information, closing, and the protocol.
 *
 * Extra information (`getExtraInfo(name)`) on a socket: `"peername"` and
 * `"sockname"` (Deno's `Deno.NetAddr`/`Deno.UnixAddr`), `"socket"` (the
 * `Deno.Conn`); on TLS also `"sslcontext"` (the options given),
 * `"sslObject"` (the `Deno.TlsConn`), `"alpnProtocol"`, and `"peercert"`,
 * `"cipher"`, `"compression"` (`null`: Deno does not expose them).
 *
 * @example
 * ```ts
 * import { BaseTransport } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const t = new BaseTransport({ answer: 42 });
 * assert.equal(t.getExtraInfo("answer"), 42);
 * assert.equal(t.getExtraInfo("missing", "default"), "default");
 * ```
 */
export class BaseTransport {
  /** @internal */ _extra: Record<string, unknown>;

  /**
   * Creates a transport with the given extra information.
   *
   * @param extra Values for `getExtraInfo()`.
   */
  constructor(extra?: Record<string, unknown> | null) {
    this._extra = extra ?? {};
  }

  /**
   * Information about the transport or the resource under it.
   *
   * @param name The key, such as `"peername"`.
   * @param defaultValue What to return when the key is unknown (default `null`).
   * @returns The value, or `defaultValue`.
   */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return name in this._extra ? this._extra[name] : defaultValue;
  }

  /** Whether the transport is closing or closed. */
  isClosing(): boolean {
    return notImplemented("isClosing()");
  }

  /**
   * Closes the transport: buffered data is flushed, then the protocol's
   * `connectionLost(null)` is called.
   */
  close(): void {
    notImplemented("close()");
  }

  /**
   * Sets the protocol that gets the transport's callbacks.
   *
   * @param _protocol The new protocol.
   */
  setProtocol(_protocol: BaseProtocol): void {
    notImplemented("setProtocol()");
  }

  /** The protocol that gets the transport's callbacks. */
  getProtocol(): BaseProtocol {
    return notImplemented("getProtocol()");
  }
}

/**
 * The read side of a transport: pausing and resuming reading.
 *
 * `pauseReading()` stops the transport from reading, so the peer's writes
 * back up in the OS buffers and the peer slows down; `resumeReading()`
 * starts again. Both are no-ops when already in that state.
 *
 * @example
 * ```ts
 * import { ReadTransport, NotImplementedError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new ReadTransport().isReading(), NotImplementedError);
 * ```
 */
export class ReadTransport extends BaseTransport {
  /** Whether the transport is reading (not paused, not closed). */
  isReading(): boolean {
    return notImplemented("isReading()");
  }

  /** Stops reading until `resumeReading()`. */
  pauseReading(): void {
    notImplemented("pauseReading()");
  }

  /** Starts reading again after `pauseReading()`. */
  resumeReading(): void {
    notImplemented("resumeReading()");
  }
}

/**
 * The write side of a transport: writing, flow control, half-close, abort.
 *
 * `write(data)` may keep a reference to `data` until it is written out (as
 * `Deno.Conn.write()` and CPython 3.12's transports do with a `bytearray`):
 * do not modify a buffer after passing it to `write()`.
 *
 * @example
 * ```ts
 * import { WriteTransport, Transport, NotImplementedError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new WriteTransport().write(new Uint8Array(1)), NotImplementedError);
 * assert.ok(Object.create(Transport.prototype) instanceof WriteTransport);
 * ```
 */
export class WriteTransport extends BaseTransport {
  /**
   * Sets the water marks of the write buffer: `pauseWriting()` is called
   * above `high` bytes, `resumeWriting()` at `low` bytes or below. With only
   * `high`, `low` is `high / 4`; with only `low`, `high` is `4 * low`;
   * with neither, 64 KiB and 16 KiB.
   *
   * @param _high The high-water mark in bytes.
   * @param _low The low-water mark in bytes.
   * @throws {RangeError} If `high` is below `low`, or either is negative.
   */
  setWriteBufferLimits(_high?: number | null, _low?: number | null): void {
    notImplemented("setWriteBufferLimits()");
  }

  /** The number of bytes buffered and not yet written to the OS. */
  getWriteBufferSize(): number {
    return notImplemented("getWriteBufferSize()");
  }

  /** The water marks, as `[low, high]`. */
  getWriteBufferLimits(): [number, number] {
    return notImplemented("getWriteBufferLimits()");
  }

  /**
   * Writes `data` without blocking; what the OS cannot take now is
   * buffered.
   *
   * @param _data The bytes to write.
   */
  write(_data: Uint8Array): void {
    notImplemented("write()");
  }

  /**
   * Writes the buffers one after the other (as one coalesced write when
   * they are small).
   *
   * @param list The buffers.
   */
  writelines(list: Iterable<Uint8Array>): void {
    for (const data of list) this.write(data);
  }

  /** Closes the write side after the buffered data is flushed (half-close). */
  writeEof(): void {
    notImplemented("writeEof()");
  }

  /** Whether `writeEof()` is supported. */
  canWriteEof(): boolean {
    return notImplemented("canWriteEof()");
  }

  /**
   * Closes the transport at once: buffered data is dropped, and the
   * protocol's `connectionLost(null)` is called.
   */
  abort(): void {
    notImplemented("abort()");
  }

  /** @internal Lets `instanceof WriteTransport` accept a `Transport`. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) ||
      (this === WriteTransport &&
        Function.prototype[Symbol.hasInstance].call(Transport, value));
  }
}

/**
 * A bidirectional stream transport (TCP, TLS, Unix sockets): a
 * `ReadTransport` and a `WriteTransport` (both `instanceof` checks hold).
 *
 * @example A transport from `createConnection()`
 * ```ts
 * import { Protocol, run, getRunningLoop, Transport } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const loop = getRunningLoop();
 *   await using server = await loop.createServer(() => new Protocol(), "127.0.0.1", 0);
 *   const { port } = server.sockets[0].addr as Deno.NetAddr;
 *   const [transport] = await loop.createConnection(() => new Protocol(), "127.0.0.1", port);
 *   assert.ok(transport instanceof Transport);
 *   assert.equal((transport.getExtraInfo("peername") as Deno.NetAddr).port, port);
 *   transport.close();
 * });
 * ```
 */
export class Transport extends ReadTransport {
  /**
   * Sets the water marks of the write buffer (see `WriteTransport`).
   *
   * @param _high The high-water mark in bytes.
   * @param _low The low-water mark in bytes.
   * @throws {RangeError} If `high` is below `low`, or either is negative.
   */
  setWriteBufferLimits(_high?: number | null, _low?: number | null): void {
    notImplemented("setWriteBufferLimits()");
  }

  /** The number of bytes buffered and not yet written to the OS. */
  getWriteBufferSize(): number {
    return notImplemented("getWriteBufferSize()");
  }

  /** The water marks, as `[low, high]`. */
  getWriteBufferLimits(): [number, number] {
    return notImplemented("getWriteBufferLimits()");
  }

  /**
   * Writes `data` without blocking; what the OS cannot take now is
   * buffered. Do not modify `data` afterwards (see `WriteTransport`).
   * After `close()`, `abort()` or the loss of the connection, writes are
   * dropped without an error, as in asyncio (which logs a warning from the
   * fifth on); after `writeEof()` they are a `RuntimeError`.
   *
   * @param _data The bytes to write.
   * @throws {TypeError} If `data` is not a Uint8Array.
   * @throws {RuntimeError} After `writeEof()`.
   */
  write(_data: Uint8Array): void {
    notImplemented("write()");
  }

  /**
   * Writes the buffers one after the other.
   *
   * @param list The buffers.
   */
  writelines(list: Iterable<Uint8Array>): void {
    for (const data of list) this.write(data);
  }

  /** Closes the write side after the buffered data is flushed (half-close). */
  writeEof(): void {
    notImplemented("writeEof()");
  }

  /** Whether `writeEof()` is supported. */
  canWriteEof(): boolean {
    return notImplemented("canWriteEof()");
  }

  /** Closes the transport at once, dropping buffered data. */
  abort(): void {
    notImplemented("abort()");
  }
}

/**
 * A datagram (UDP) transport.
 *
 * @example
 * ```ts
 * import { DatagramTransport, NotImplementedError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new DatagramTransport().abort(), NotImplementedError);
 * ```
 */
export class DatagramTransport extends BaseTransport {
  /**
   * Sends `data` to `addr` (or to the connected peer when `addr` is
   * omitted). After `close()` or `abort()`, datagrams are dropped without
   * an error (asyncio logs a warning from the fifth on).
   *
   * @param _data The datagram.
   * @param _addr The destination.
   */
  sendto(
    _data: Uint8Array,
    _addr?:
      | Deno.NetAddr
      | [string, number]
      | { hostname: string; port: number }
      | null,
  ): void {
    notImplemented("sendto()");
  }

  /** Closes the transport at once, dropping buffered datagrams. */
  abort(): void {
    notImplemented("abort()");
  }

  /**
   * Sets the water marks of the send queue (see `WriteTransport`).
   *
   * @param _high The high-water mark in bytes.
   * @param _low The low-water mark in bytes.
   * @throws {RangeError} If `high` is below `low`, or either is negative.
   */
  setWriteBufferLimits(_high?: number | null, _low?: number | null): void {
    notImplemented("setWriteBufferLimits()");
  }

  /** The number of bytes queued and not yet sent. */
  getWriteBufferSize(): number {
    return notImplemented("getWriteBufferSize()");
  }

  /** The water marks, as `[low, high]`. */
  getWriteBufferLimits(): [number, number] {
    return notImplemented("getWriteBufferLimits()");
  }
}

/**
 * A subprocess transport: the child process and its pipes.
 *
 * @example
 * ```ts
 * import { SubprocessTransport, NotImplementedError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new SubprocessTransport().getPid(), NotImplementedError);
 * ```
 */
export class SubprocessTransport extends BaseTransport {
  /** The child's process id. */
  getPid(): number {
    return notImplemented("getPid()");
  }

  /** The child's exit code, or `null` while it runs. */
  getReturncode(): number | null {
    return notImplemented("getReturncode()");
  }

  /**
   * The transport of the child's pipe `fd` (0, 1 or 2), or `null`.
   *
   * @param _fd The child's file descriptor number.
   */
  getPipeTransport(_fd: number): BaseTransport | null {
    return notImplemented("getPipeTransport()");
  }

  /**
   * Sends a signal to the child.
   *
   * @param _signal The signal, such as `"SIGTERM"`.
   */
  sendSignal(_signal: Deno.Signal): void {
    notImplemented("sendSignal()");
  }

  /** Asks the child to stop (`SIGTERM`). */
  terminate(): void {
    notImplemented("terminate()");
  }

  /** Kills the child (`SIGKILL`). */
  kill(): void {
    notImplemented("kill()");
  }
}
