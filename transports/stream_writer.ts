/**
 * `StreamWriter`: writes to a connection, as asyncio's
 * `streams.StreamWriter`, with `drain()` for flow control.
 *
 * @module
 */
import type { Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import { sleep } from "../futures/sleep.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { BaseProtocol } from "./protocol.ts";
import type { Transport } from "./transport.ts";
import type { StreamReader } from "./stream_reader.ts";
import type { SSLArg } from "./tls.ts";

/** What a writer needs of its protocol: flow control and the close waiter. */
export interface DrainableProtocol extends BaseProtocol {
  /** @internal Resolves when writing may go on; rejects if the connection is lost. */
  _drainHelper(): Awaitable<void>;
  /** @internal Resolved when the connection is lost. */
  _getCloseWaiter(writer: StreamWriter): Future<void>;
  /** @internal Whether writing is paused. */
  _paused: boolean;
  /** @internal Whether the connection is lost. */
  _connectionLost: boolean;
  /** @internal Swaps in the TLS transport after `startTls()`. */
  _replaceTransport?(transport: Transport): void;
  /** @internal Whether the protocol serves a server's connection. */
  _isServerSide?: boolean;
}

/** Options of `writer.startTls()`. */
export interface StreamWriterStartTlsOptions {
  /** The name to verify and send as SNI (client side). */
  serverHostname?: string | null;
  /** Seconds the handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
}

const RESOLVED: Awaitable<void> = {
  then(onFulfilled, onRejected) {
    // As a done Future: `await` (both callbacks) is answered at once.
    if (typeof onFulfilled === "function" && typeof onRejected === "function") {
      try {
        return Promise.resolve(onFulfilled(undefined));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return Promise.resolve(undefined).then(onFulfilled, onRejected);
  },
  [Symbol.iterator]() {
    return { next: () => ({ done: true, value: undefined }) };
  },
};

/**
 * Writes to a stream connection: what `openConnection()` and
 * `startServer()` hand out.
 *
 * `write()` never blocks: data the OS cannot take is buffered. Call
 * `drain()` after writing a lot: it waits while the transport's buffer is
 * above its high-water mark (the peer reads slower than you write), and
 * throws the connection's error if it was lost. `close()` then
 * `waitClosed()` ends the connection.
 *
 * Do not modify a buffer after passing it to `write()`: it may be sent
 * later (see `WriteTransport`).
 *
 * @example An echo server with streams
 * ```ts
 * import { openConnection, run, startServer, type StreamReader, type StreamWriter } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * async function echo(reader: StreamReader, writer: StreamWriter) {
 *   const line = await reader.readline();
 *   writer.write(line);
 *   await writer.drain();
 *   writer.close();
 *   await writer.waitClosed();
 * }
 * await run(async () => {
 *   await using server = await startServer(echo, "127.0.0.1", 0);
 *   const { port } = server.sockets[0].addr as Deno.NetAddr;
 *   const [reader, writer] = await openConnection("127.0.0.1", port);
 *   writer.write(new TextEncoder().encode("ping\n"));
 *   assert.equal(new TextDecoder().decode(await reader.readline()), "ping\n");
 *   writer.close();
 *   await writer.waitClosed();
 * });
 * ```
 */
export class StreamWriter {
  /** @internal */ _transport: Transport;
  /** @internal */ _protocol: DrainableProtocol;
  /** @internal */ _reader: StreamReader | null;
  /** @internal */ _loop: AbstractEventLoop;

  /**
   * Creates a writer (usually made by `openConnection()` or `startServer()`).
   *
   * @param transport The transport to write to.
   * @param protocol The protocol that gives flow control (a stream protocol).
   * @param reader The reader of the same connection, if any.
   * @param loop The loop.
   */
  constructor(
    transport: Transport,
    protocol: DrainableProtocol,
    reader: StreamReader | null,
    loop: AbstractEventLoop,
  ) {
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader;
    this._loop = loop;
  }

  /** The transport under the writer. */
  get transport(): Transport {
    return this._transport;
  }

  /**
   * Writes `data` (buffered if the OS cannot take it now). After `close()`
   * or the loss of the connection the bytes are dropped, as in asyncio;
   * `drain()` then reports the connection's error.
   *
   * @param data The bytes.
   * @throws {TypeError} If `data` is not a Uint8Array.
   * @throws {RuntimeError} After `writeEof()`.
   */
  write(data: Uint8Array): void {
    this._transport.write(data);
  }

  /**
   * Writes the buffers one after the other.
   *
   * @param data The buffers.
   */
  writelines(data: Iterable<Uint8Array>): void {
    this._transport.writelines(data);
  }

  /** Closes the write side after the buffered data (half-close). */
  writeEof(): void {
    this._transport.writeEof();
  }

  /** Whether `writeEof()` is supported (not over TLS). */
  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  /** Closes the connection after the buffered data is sent. */
  close(): void {
    this._transport.close();
  }

  /** Whether the connection is closing or closed. */
  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /** Waits until the connection is closed (after `close()`). */
  waitClosed(): Awaitable<void> {
    return this._protocol._getCloseWaiter(this);
  }

  /**
   * Information about the connection (see `BaseTransport.getExtraInfo`).
   *
   * @param name The key, such as `"peername"`.
   * @param defaultValue What to return for an unknown key.
   * @returns The value.
   */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return this._transport.getExtraInfo(name, defaultValue);
  }

  /**
   * Waits until the transport's write buffer is below its high-water mark.
   * Returns at once when it is.
   *
   * @throws The reader's exception, or `Deno.errors.ConnectionReset` if the
   *   connection was lost.
   */
  drain(): Awaitable<void> {
    const exc = this._reader?._exception ?? null;
    if (
      exc === null && !this._protocol._paused &&
      !this._protocol._connectionLost && !this._transport.isClosing()
    ) {
      return RESOLVED;
    }
    return drainCo(this);
  }

  /**
   * Upgrades the connection to TLS (STARTTLS): the writer and its reader
   * go on over the encrypted connection. A server's writer acts as the TLS
   * server (`sslcontext` needs `cert` and `key`).
   *
   * @param sslcontext `true` or `SSLOptions`.
   * @param options `serverHostname`, `sslHandshakeTimeout`.
   * @throws {SSLCertVerificationError} If the peer's certificate is rejected.
   */
  startTls(
    sslcontext: SSLArg,
    options?: StreamWriterStartTlsOptions,
  ): Awaitable<void> {
    return startTlsCo(this, sslcontext, options);
  }

  /** A description such as `<StreamWriter transport=...>`. */
  toString(): string {
    return `<StreamWriter transport=${this._transport}${
      this._reader === null ? "" : ` reader=${this._reader}`
    }>`;
  }
}

const drainCo = coroutine(function* (w: StreamWriter): Coroutine<void> {
  const exc = w._reader?._exception ?? null;
  if (exc !== null) throw exc;
  if (w._transport.isClosing()) {
    // Let connectionLost() run, so a lost connection is reported below.
    yield* sleep(0);
  }
  yield* w._protocol._drainHelper();
});

const startTlsCo = coroutine(function* (
  w: StreamWriter,
  sslcontext: SSLArg,
  options?: StreamWriterStartTlsOptions,
): Coroutine<void> {
  const protocol = w._protocol;
  yield* w.drain();
  const transport = yield* w._loop.startTls(
    w._transport,
    protocol,
    sslcontext,
    {
      serverSide: protocol._isServerSide ?? false,
      serverHostname: options?.serverHostname,
      sslHandshakeTimeout: options?.sslHandshakeTimeout,
    },
  );
  w._transport = transport;
  protocol._replaceTransport?.(transport);
});
