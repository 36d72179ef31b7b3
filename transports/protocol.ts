/**
 * The protocol classes of asyncio (`protocols.py`): plain base classes
 * whose methods do nothing. Subclass one and override the callbacks you
 * need; a transport calls them.
 *
 * Call order, as in asyncio:
 *
 * - `BaseProtocol`: `connectionMade` once, then maybe `pauseWriting` and
 *   `resumeWriting` pairs, then `connectionLost` once.
 * - `Protocol`: `connectionMade dataReceived* [eofReceived] connectionLost`.
 * - `BufferedProtocol`: `connectionMade (getBuffer bufferUpdated)*
 *   [eofReceived] connectionLost`.
 * - `DatagramProtocol`: `connectionMade (datagramReceived | errorReceived)*
 *   connectionLost`.
 * - `SubprocessProtocol`: `connectionMade (pipeDataReceived |
 *   pipeConnectionLost)* processExited connectionLost` (in any order after
 *   `connectionMade`, `connectionLost` last).
 *
 * @module
 */
import { NotImplementedError } from "../futures/exceptions.ts";
import type {
  BaseTransport,
  DatagramTransport,
  SubprocessTransport,
} from "./transport.ts";

/**
 * The callbacks every protocol has: connection made and lost, and write
 * flow control. The methods do nothing; override the ones you need.
 *
 * `pauseWriting()` is called when the transport's write buffer goes over
 * its high-water mark, `resumeWriting()` when it drains to the low-water
 * mark; a protocol that writes a lot should stop writing in between (a
 * `StreamWriter`'s `drain()` waits for it).
 *
 * @example A protocol that records its callbacks
 * ```ts
 * import { BaseProtocol } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class Recorder extends BaseProtocol {
 *   seen: string[] = [];
 *   override connectionLost(exc: Error | null) {
 *     this.seen.push(`lost ${exc}`);
 *   }
 * }
 * const p = new Recorder();
 * p.connectionLost(null);
 * assert.deepEqual(p.seen, ["lost null"]);
 * ```
 */
export class BaseProtocol {
  /**
   * Called once, when the connection is made, with its transport.
   *
   * @param _transport The transport of the connection.
   */
  connectionMade(_transport: BaseTransport): void {}

  /**
   * Called once, when the connection is lost or closed: `exc` is `null`
   * after a clean close or EOF, else the error (a reset, a broken pipe, ...).
   *
   * @param _exc The error that ended the connection, or `null`.
   */
  connectionLost(_exc: Error | null): void {}

  /** The transport's write buffer went over its high-water mark. */
  pauseWriting(): void {}

  /** The transport's write buffer drained to its low-water mark. */
  resumeWriting(): void {}
}

/**
 * A stream protocol: the transport hands it the bytes it reads.
 *
 * `dataReceived(data)` gets a `Uint8Array` that the protocol owns: the
 * transport never writes into it again, so the protocol may keep it (as
 * asyncio delivers immutable `bytes`). This costs one allocation and copy
 * per read; `BufferedProtocol` is the zero-copy way.
 *
 * `eofReceived()` is called when the peer closes its side; return `true` to
 * keep the connection open for writing (half-close), anything else closes
 * the transport.
 *
 * @example An echo protocol over a real connection
 * ```ts
 * import { Protocol, run, getRunningLoop, type Transport } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class Echo extends Protocol {
 *   transport!: Transport;
 *   override connectionMade(t: Transport) { this.transport = t; }
 *   override dataReceived(data: Uint8Array) { this.transport.write(data); }
 * }
 * await run(async () => {
 *   const loop = getRunningLoop();
 *   await using server = await loop.createServer(() => new Echo(), "127.0.0.1", 0);
 *   const { port } = server.sockets[0].addr as Deno.NetAddr;
 *   const conn = await Deno.connect({ hostname: "127.0.0.1", port });
 *   await conn.write(new TextEncoder().encode("hi"));
 *   const buf = new Uint8Array(2);
 *   await conn.read(buf);
 *   assert.equal(new TextDecoder().decode(buf), "hi");
 *   conn.close();
 * });
 * ```
 */
export class Protocol extends BaseProtocol {
  /**
   * Called with the bytes read from the connection (owned by the protocol).
   *
   * @param _data The bytes read.
   */
  dataReceived(_data: Uint8Array): void {}

  /**
   * Called when the peer closed its side. Return `true` to keep the
   * transport open for writing; anything else closes it.
   *
   * @returns Whether to keep the write side open.
   */
  eofReceived(): boolean | void {
    return false;
  }
}

/**
 * A stream protocol that lends its own buffer: the transport reads straight
 * into the buffer `getBuffer()` returns, then calls `bufferUpdated(n)` with
 * the number of bytes it wrote there. No copy and no allocation per read:
 * the zero-copy path.
 *
 * The buffer belongs to the protocol; the transport writes into it only
 * between a `getBuffer()` call and the next `bufferUpdated()`. A protocol
 * that passes part of it to `transport.write()` must not let it be read
 * into again until that write is done (return a different buffer, or
 * reuse it only when `transport.getWriteBufferSize()` is 0: a write in
 * flight counts until the OS took it), as with `Deno.Conn.write()`.
 *
 * @example Counting bytes without copying them
 * ```ts
 * import { BufferedProtocol } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class Counter extends BufferedProtocol {
 *   buf = new Uint8Array(65536);
 *   total = 0;
 *   override getBuffer(_sizeHint: number) { return this.buf; }
 *   override bufferUpdated(n: number) { this.total += n; }
 * }
 * const p = new Counter();
 * p.getBuffer(-1).set([1, 2, 3]);
 * p.bufferUpdated(3);
 * assert.equal(p.total, 3);
 * ```
 */
export class BufferedProtocol extends BaseProtocol {
  /**
   * Returns the buffer to read into next (not empty).
   *
   * @param _sizeHint The size the transport would like, or -1 for any.
   * @returns A buffer the transport may fill.
   * @throws {NotImplementedError} Unless a subclass overrides it.
   */
  getBuffer(_sizeHint: number): Uint8Array {
    throw new NotImplementedError(
      "BufferedProtocol.getBuffer() must be overridden",
    );
  }

  /**
   * Called after the transport wrote `nbytes` bytes at the start of the
   * buffer that `getBuffer()` returned.
   *
   * @param _nbytes The number of bytes written.
   */
  bufferUpdated(_nbytes: number): void {}

  /**
   * Called when the peer closed its side. Return `true` to keep the
   * transport open for writing; anything else closes it.
   *
   * @returns Whether to keep the write side open.
   */
  eofReceived(): boolean | void {
    return false;
  }
}

/**
 * A datagram (UDP) protocol.
 *
 * @example
 * ```ts
 * import { DatagramProtocol } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class Collect extends DatagramProtocol {
 *   got: Uint8Array[] = [];
 *   override datagramReceived(data: Uint8Array, _addr: Deno.Addr) { this.got.push(data); }
 * }
 * const p = new Collect();
 * p.datagramReceived(new Uint8Array([1]), { transport: "udp", hostname: "127.0.0.1", port: 9 });
 * assert.equal(p.got.length, 1);
 * ```
 */
export class DatagramProtocol extends BaseProtocol {
  /**
   * Called once with the transport, when the endpoint is ready.
   *
   * @param _transport The datagram transport.
   */
  override connectionMade(
    _transport: DatagramTransport | BaseTransport,
  ): void {}

  /**
   * Called with a datagram and the address it came from.
   *
   * @param _data The datagram.
   * @param _addr The sender's address.
   */
  datagramReceived(_data: Uint8Array, _addr: Deno.Addr): void {}

  /**
   * Called when a send or receive operation fails (rare for UDP).
   *
   * @param _exc The error.
   */
  errorReceived(_exc: Error): void {}
}

/**
 * A protocol for a subprocess and its pipes.
 *
 * @example
 * ```ts
 * import { SubprocessProtocol } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class Out extends SubprocessProtocol {
 *   out = "";
 *   override pipeDataReceived(fd: number, data: Uint8Array) {
 *     if (fd === 1) this.out += new TextDecoder().decode(data);
 *   }
 * }
 * const p = new Out();
 * p.pipeDataReceived(1, new TextEncoder().encode("hi"));
 * assert.equal(p.out, "hi");
 * ```
 */
export class SubprocessProtocol extends BaseProtocol {
  /**
   * Called once with the transport, when the process started.
   *
   * @param _transport The subprocess transport.
   */
  override connectionMade(
    _transport: SubprocessTransport | BaseTransport,
  ): void {}

  /**
   * Called with bytes the child wrote to its stdout (`fd` 1) or stderr (2).
   *
   * @param _fd The child's file descriptor number.
   * @param _data The bytes.
   */
  pipeDataReceived(_fd: number, _data: Uint8Array): void {}

  /**
   * Called when one of the child's pipes is closed.
   *
   * @param _fd The child's file descriptor number.
   * @param _exc The error, or `null` on a clean close.
   */
  pipeConnectionLost(_fd: number, _exc: Error | null): void {}

  /** Called when the child process exited. */
  processExited(): void {}
}

/**
 * A function that makes a protocol: what `createConnection()` and friends
 * take.
 */
export type ProtocolFactory<P extends BaseProtocol = BaseProtocol> = () => P;
