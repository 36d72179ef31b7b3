/**
 * Adapters between this module's streams and Web Streams, both ways, so a
 * `StreamReader`/`StreamWriter` plugs into `fetch()`, `CompressionStream`,
 * `TextDecoderStream`, `Deno.FsFile.readable` and friends:
 *
 * - `toReadableStream(reader)`: a `ReadableStream<Uint8Array>` that reads
 *   from a `StreamReader` (it pulls only when asked, so flow control
 *   reaches the transport).
 * - `toWritableStream(writer)`: a `WritableStream<Uint8Array>` whose writes
 *   go to a `StreamWriter` and wait for `drain()`; closing it closes the
 *   writer.
 * - `fromReadableStream(stream)`: a `StreamReader` fed from a
 *   `ReadableStream` (reading pauses above twice the reader's limit).
 * - `fromWritableStream(stream)`: a `StreamWriter` that writes into a
 *   `WritableStream`, with `drain()` waiting while more than the high-water
 *   mark is in flight.
 *
 * The loop must be running while data flows.
 *
 * @module
 */
import { _getEventLoop } from "../loop/_current.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { describe } from "../loop/_describe.ts";
import { RuntimeError } from "../futures/exceptions.ts";
import { WriteFlowControl } from "./_flow_control.ts";
import type { BaseProtocol } from "./protocol.ts";
import { Transport } from "./transport.ts";
import { StreamReader } from "./stream_reader.ts";
import { StreamWriter } from "./stream_writer.ts";
import { _StreamReaderProtocol } from "./streams.ts";

/** Options of `toReadableStream()`. */
export interface ToReadableStreamOptions {
  /** The most bytes per chunk (default 64 KiB). */
  chunkSize?: number;
}

/**
 * A `ReadableStream` of the bytes `reader` reads, until EOF. Cancelling
 * the stream closes the reader's transport.
 *
 * @param reader The reader.
 * @param options `chunkSize`.
 * @returns The stream.
 *
 * @example Decompressing what a reader reads
 * ```ts
 * import { StreamReader, run, toReadableStream } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const gz = new Uint8Array(await new Response(
 *     new Blob(["hello"]).stream().pipeThrough(new CompressionStream("gzip")),
 *   ).arrayBuffer());
 *   const reader = new StreamReader();
 *   reader.feedData(gz);
 *   reader.feedEof();
 *   const text = await new Response(
 *     toReadableStream(reader).pipeThrough(new DecompressionStream("gzip")),
 *   ).text();
 *   assert.equal(text, "hello");
 * });
 * ```
 */
export function toReadableStream(
  reader: StreamReader,
  options?: ToReadableStreamOptions,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  if (!(reader instanceof StreamReader)) {
    throw new TypeError(
      `Cannot make ReadableStream as 'reader' must be a StreamReader: current value is ${
        describe(reader)
      }`,
    );
  }
  const chunkSize = options?.chunkSize ?? 65536;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      const data = await reader.read(chunkSize);
      if (data.length === 0) controller.close();
      else controller.enqueue(data as Uint8Array<ArrayBuffer>);
    },
    cancel() {
      reader._transport?.close();
    },
  }, { highWaterMark: 0 });
}

/**
 * A `WritableStream` that writes to `writer`: each write waits for
 * `writer.drain()`; closing the stream closes the writer and waits for it;
 * aborting it aborts the transport.
 *
 * @param writer The writer.
 * @returns The stream.
 *
 * @example Piping a Web stream into a connection
 * ```ts
 * import { openConnection, run, startServer, toWritableStream } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   let got = "";
 *   await using server = await startServer(async (r, w) => {
 *     got = new TextDecoder().decode(await r.read());
 *     w.close();
 *   }, "127.0.0.1", 0);
 *   const { port } = server.sockets[0].addr as Deno.NetAddr;
 *   const [, writer] = await openConnection("127.0.0.1", port);
 *   await new Blob(["via pipeTo"]).stream().pipeTo(toWritableStream(writer));
 *   server.close();
 *   await server.waitClosed();
 *   assert.equal(got, "via pipeTo");
 * });
 * ```
 */
export function toWritableStream(
  writer: StreamWriter,
): WritableStream<Uint8Array> {
  if (!(writer instanceof StreamWriter)) {
    throw new TypeError(
      `Cannot make WritableStream as 'writer' must be a StreamWriter: current value is ${
        describe(writer)
      }`,
    );
  }
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      writer.write(chunk);
      await writer.drain();
    },
    async close() {
      writer.close();
      await writer.waitClosed();
    },
    abort() {
      writer.transport.abort();
    },
  });
}

/** Options of `fromReadableStream()` and `fromWritableStream()`. */
export interface FromWebStreamOptions {
  /** The reader's buffer limit (default 64 KiB). */
  limit?: number;
  /** The loop (default: `getEventLoop()`). */
  loop?: AbstractEventLoop | null;
}

/**
 * A `StreamReader` fed from `stream`. Reading from `stream` pauses while
 * the reader holds more than twice its limit; an error of the stream
 * becomes the reader's exception.
 *
 * @param stream The Web stream.
 * @param options `limit`, `loop`.
 * @returns The reader.
 *
 * @example Reading lines from a Web stream
 * ```ts
 * import { fromReadableStream, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const reader = fromReadableStream(new Blob(["a\nb\n"]).stream());
 *   assert.equal(new TextDecoder().decode(await reader.readline()), "a\n");
 *   assert.equal(new TextDecoder().decode(await reader.readline()), "b\n");
 *   assert.equal((await reader.readline()).length, 0);
 * });
 * ```
 */
export function fromReadableStream(
  stream: ReadableStream<Uint8Array>,
  options?: FromWebStreamOptions,
): StreamReader {
  if (!(stream instanceof ReadableStream)) {
    throw new TypeError(
      `Cannot make StreamReader as 'stream' must be a ReadableStream: current value is ${
        describe(stream)
      }`,
    );
  }
  const reader = new StreamReader(options);
  const source = stream.getReader();
  let resume: (() => void) | null = null;
  let paused = false;
  const pump = {
    pauseReading() {
      paused = true;
    },
    resumeReading() {
      paused = false;
      const r = resume;
      resume = null;
      r?.();
    },
    close() {
      source.cancel().catch(() => {});
    },
  };
  reader.setTransport(pump as unknown as Transport);
  (async () => {
    try {
      for (;;) {
        if (paused) await new Promise<void>((r) => (resume = r));
        const { done, value } = await source.read();
        if (done) break;
        if (value.length > 0) reader.feedData(value);
      }
      reader.feedEof();
    } catch (e) {
      reader.setException(e);
    } finally {
      source.releaseLock();
    }
  })();
  return reader;
}

/** A write transport over a `WritableStream`. */
class WritableStreamTransport extends Transport {
  #loop: AbstractEventLoop;
  #sink: WritableStreamDefaultWriter<Uint8Array>;
  #protocol: BaseProtocol;
  #flow: WriteFlowControl;
  #pending = 0;
  #closing = false;
  #eof = false;
  #lost = false;

  constructor(
    loop: AbstractEventLoop,
    stream: WritableStream<Uint8Array>,
    protocol: BaseProtocol,
  ) {
    super({ stream });
    this.#loop = loop;
    this.#sink = stream.getWriter();
    this.#protocol = protocol;
    this.#flow = new WriteFlowControl(loop, this);
  }

  override getProtocol(): BaseProtocol {
    return this.#protocol;
  }
  override setProtocol(protocol: BaseProtocol): void {
    this.#protocol = protocol;
  }
  override isClosing(): boolean {
    return this.#closing;
  }
  override isReading(): boolean {
    return false;
  }
  override pauseReading(): void {}
  override resumeReading(): void {}
  override setWriteBufferLimits(high?: number | null, low?: number | null) {
    this.#flow.setLimits(high, low, this.#pending);
  }
  override getWriteBufferSize(): number {
    return this.#pending;
  }
  override getWriteBufferLimits(): [number, number] {
    return this.#flow.limits();
  }
  override write(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot write to transport as 'data' must be a Uint8Array: current value is ${
          describe(data)
        }`,
      );
    }
    if (this.#eof) {
      throw new RuntimeError("Cannot call write() after writeEof()");
    }
    if (this.#lost || data.length === 0) return;
    this.#pending += data.length;
    this.#sink.write(data).then(() => {
      this.#pending -= data.length;
      if (this.#lost) return;
      this.#flow.update(this.#pending);
    }, (e) => this.#lose(e));
    this.#flow.update(this.#pending);
  }
  override writeEof(): void {
    if (this.#eof) return;
    this.#eof = true;
    this.#sink.close().then(() => this.#lose(null), (e) => this.#lose(e));
  }
  override canWriteEof(): boolean {
    return true;
  }
  override close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.writeEof();
  }
  override abort(): void {
    this.#closing = true;
    this.#eof = true;
    this.#sink.abort().catch(() => {});
    this.#lose(null);
  }
  #lose(exc: unknown): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#closing = true;
    const err = exc === null
      ? null
      : exc instanceof Error
      ? exc
      : new Error(String(exc));
    if (!this.#loop.isClosed()) {
      this.#loop.callSoon(() => this.#protocol.connectionLost(err));
    }
  }
}

/**
 * A `StreamWriter` that writes into `stream`. `drain()` waits while more
 * than the high-water mark (64 KiB) is queued in the stream; `writeEof()`
 * and `close()` close the stream; `waitClosed()` waits for that.
 *
 * @param stream The Web stream.
 * @param options `loop`.
 * @returns The writer.
 *
 * @example Compressing with a StreamWriter
 * ```ts
 * import { fromWritableStream, run } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const cs = new CompressionStream("gzip");
 *   const out = new Response(cs.readable.pipeThrough(new DecompressionStream("gzip"))).text();
 *   const writer = fromWritableStream(cs.writable);
 *   writer.write(new TextEncoder().encode("round trip"));
 *   await writer.drain();
 *   writer.close();
 *   await writer.waitClosed();
 *   assert.equal(await out, "round trip");
 * });
 * ```
 */
export function fromWritableStream(
  stream: WritableStream<Uint8Array> | WritableStream<BufferSource>,
  options?: FromWebStreamOptions,
): StreamWriter {
  if (!(stream instanceof WritableStream)) {
    throw new TypeError(
      `Cannot make StreamWriter as 'stream' must be a WritableStream: current value is ${
        describe(stream)
      }`,
    );
  }
  const loop = options?.loop ?? _getEventLoop();
  const protocol = new _StreamReaderProtocol(
    new StreamReader({ loop, limit: options?.limit }),
    null,
    loop,
  );
  const transport = new WritableStreamTransport(
    loop,
    stream as WritableStream<Uint8Array>,
    protocol,
  );
  protocol.connectionMade(transport);
  return new StreamWriter(transport, protocol, null, loop);
}
