/**
 * Load scenarios over loopback, shared by `tests/load_test.ts` (CI sizes)
 * and `bench/soak.ts` (`deno task soak`, full sizes and longer runs). Each
 * runs inside a running loop and returns its figures; a wrong byte, a leak
 * or a broken bound throws.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  Event,
  gather,
  getRunningLoop,
  openConnection,
  sleep,
  startServer,
  type StreamReader,
  type StreamWriter,
  type Transport,
} from "../mod.ts";
import { prng } from "./_helpers.ts";

/** The number of open file descriptors of this process (Linux). */
export function openFds(): number {
  let n = 0;
  for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
  return n;
}

/**
 * The number of entries in Deno's resource table: what `Deno.resources()`
 * gave before Deno 2 removed it (read from Deno's internal core, as the
 * test sanitizer does); `null` if this Deno does not expose it.
 */
export function openResources(): number | null {
  const core = (Deno as unknown as Record<symbol, unknown>)[
    (Deno as unknown as { internal: symbol }).internal
  ] as { core?: { resources?: () => Record<string, string> } } | undefined;
  const resources = core?.core?.resources;
  return typeof resources === "function"
    ? Object.keys(resources()).length
    : null;
}

/** Random bytes from a seeded generator. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const rand = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const r = (rand() * 0x100000000) >>> 0;
    out[i] = r;
    if (i + 1 < n) out[i + 1] = r >>> 8;
    if (i + 2 < n) out[i + 2] = r >>> 16;
    if (i + 3 < n) out[i + 3] = r >>> 24;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The streams echo handler: read, write back, drain, until EOF. */
async function echo(reader: StreamReader, writer: StreamWriter) {
  for (;;) {
    const data = await reader.read(65536);
    if (data.length === 0) break;
    writer.write(data);
    await writer.drain();
  }
  writer.close();
  await writer.waitClosed();
}

/** Figures of `echoLoad`. */
export interface EchoFigures {
  /** Connections opened. */
  connections: number;
  /** The most connections the server held at once. */
  peakConcurrent: number;
  /** Bytes sent and received back (each way). */
  bytesEachWay: number;
  /** Wall time, in seconds. */
  seconds: number;
}

/**
 * `connections` clients connect to a streams echo server; once the server
 * holds them all at once, each sends a random message of 1 to
 * `maxMessage` bytes, half-closes, and checks that it gets back exactly
 * those bytes.
 */
export async function echoLoad(
  options: { connections: number; maxMessage: number; seed: number },
): Promise<EchoFigures> {
  const { connections, maxMessage, seed } = options;
  const t0 = performance.now();
  let active = 0;
  let peak = 0;
  const allIn = new Event();
  const server = await startServer(
    async (reader, writer) => {
      active++;
      peak = Math.max(peak, active);
      if (active === connections) allIn.set();
      try {
        await echo(reader, writer);
      } finally {
        active--;
      }
    },
    "127.0.0.1",
    0,
  );
  const port = (server.sockets[0].addr as Deno.NetAddr).port;
  try {
    const rand = prng(seed);
    const sizes = Array.from(
      { length: connections },
      () => 1 + Math.floor(rand() * maxMessage),
    );
    // Connect in batches (the listen backlog), keeping every one open.
    const pairs: [StreamReader, StreamWriter][] = [];
    for (let i = 0; i < connections; i += 100) {
      const batch = Math.min(100, connections - i);
      pairs.push(
        ...await gather(
          ...Array.from(
            { length: batch },
            () => openConnection("127.0.0.1", port),
          ),
        ),
      );
    }
    await allIn.wait();
    let bytes = 0;
    await gather(...pairs.map(async ([reader, writer], i) => {
      const message = randomBytes(sizes[i], seed * 7919 + i);
      writer.write(message);
      await writer.drain();
      writer.writeEof();
      const back = await reader.read();
      assert.ok(
        equalBytes(back, message),
        `connection ${i}: ${back.length} bytes back of ${message.length}, or different bytes`,
      );
      bytes += message.length;
      writer.close();
      await writer.waitClosed();
    }));
    return {
      connections,
      peakConcurrent: peak,
      bytesEachWay: bytes,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    server.close();
    await server.waitClosed();
  }
}

/** Figures of `connectCloseCycles`. */
export interface CycleFigures {
  /** Connections opened and closed. */
  cycles: number;
  /** Open descriptors before and after (`/proc/self/fd`). */
  fdsBefore: number;
  fdsAfter: number;
  /** Deno resource-table entries before and after (`null`: not exposed). */
  resourcesBefore: number | null;
  resourcesAfter: number | null;
  /** Wall time, in seconds. */
  seconds: number;
}

/**
 * `cycles` connections opened and closed (`parallel` at a time) through
 * `openConnection` and a streams server that closes first (so the
 * TIME_WAIT sockets are the server's and the client's ports stay free).
 * The descriptor and resource counts must be back where they started.
 */
export async function connectCloseCycles(
  options: { cycles: number; parallel: number },
): Promise<CycleFigures> {
  const { cycles, parallel } = options;
  const server = await startServer(
    async (reader, writer) => {
      writer.close();
      await writer.waitClosed();
      assert.equal((await reader.read()).length, 0);
    },
    "127.0.0.1",
    0,
  );
  const port = (server.sockets[0].addr as Deno.NetAddr).port;
  const cycle = async () => {
    const [reader, writer] = await openConnection("127.0.0.1", port);
    assert.equal((await reader.read()).length, 0, "EOF from the server");
    writer.close();
    await writer.waitClosed();
  };
  let before: [number, number | null] = [0, null];
  let after: [number, number | null] = [0, null];
  let t0 = 0;
  try {
    // Warm up: Deno opens some descriptors on first use of a feature.
    for (let i = 0; i < 50; i++) await cycle();
    await sleep(0.05);
    before = [openFds(), openResources()];
    t0 = performance.now();
    let next = 0;
    await gather(
      ...Array.from({ length: parallel }, async () => {
        while (next < cycles) {
          next++;
          await cycle();
        }
      }),
    );
  } finally {
    server.close();
    await server.waitClosed();
  }
  const seconds = (performance.now() - t0) / 1000;
  // The server's listener is gone too: take it out of the count.
  after = [openFds() + 1, openResources()];
  if (after[1] !== null) after[1] += 1;
  return {
    cycles,
    fdsBefore: before[0],
    fdsAfter: after[0],
    resourcesBefore: before[1],
    resourcesAfter: after[1],
    seconds,
  };
}

/** Figures of `slowReader`. */
export interface SlowReaderFigures {
  /** Bytes the server meant to write, and bytes it did write. */
  total: number;
  written: number;
  /** Bytes the client read (after its pause), checked byte for byte. */
  read: number;
  /** The high-water mark and the writer's chunk size. */
  high: number;
  chunk: number;
  /** The most the server's transport held (queued plus in flight). */
  maxBuffered: number;
  /** The most `getWriteBufferSize()` reported. */
  maxReported: number;
  /** Bytes written before the client began to read: the pause held. */
  writtenWhileNotRead: number;
  /** Wall time, in seconds. */
  seconds: number;
}

/**
 * A server writes `total` bytes in `chunk`-byte writes, with `drain()`
 * after each, to a client that does not read for `holdSeconds`, then
 * reads it all. The server's transport never holds more than the
 * high-water mark plus one chunk.
 */
export async function slowReader(
  options: { total: number; chunk: number; holdSeconds: number },
): Promise<SlowReaderFigures> {
  const { total, chunk, holdSeconds } = options;
  const t0 = performance.now();
  const pattern = randomBytes(chunk, 4242);
  let written = 0;
  let maxBuffered = 0;
  let maxReported = 0;
  let high = 0;
  const done = getRunningLoop().createFuture<void>();
  const server = await startServer(
    async (_reader, writer) => {
      const t = writer.transport as Transport & {
        _queued: number;
        _writing: Uint8Array | null;
      };
      high = t.getWriteBufferLimits()[1];
      const sample = () => {
        maxBuffered = Math.max(
          maxBuffered,
          t._queued + (t._writing?.length ?? 0),
        );
        maxReported = Math.max(maxReported, t.getWriteBufferSize());
      };
      try {
        while (written < total) {
          const n = Math.min(chunk, total - written);
          writer.write(n === chunk ? pattern : pattern.subarray(0, n));
          written += n;
          sample();
          await writer.drain();
          sample();
        }
        writer.close();
        await writer.waitClosed();
        done.setResult(undefined);
      } catch (e) {
        done.setException(e);
      }
    },
    "127.0.0.1",
    0,
  );
  try {
    const port = (server.sockets[0].addr as Deno.NetAddr).port;
    const [reader, writer] = await openConnection("127.0.0.1", port);
    await sleep(holdSeconds);
    const writtenWhileNotRead = written;
    let read = 0;
    for (;;) {
      const data = await reader.read(1 << 20);
      if (data.length === 0) break;
      for (let i = 0; i < data.length; i++) {
        if (data[i] !== pattern[(read + i) % chunk]) {
          throw new Error(`byte ${read + i} differs`);
        }
      }
      read += data.length;
    }
    writer.close();
    await writer.waitClosed();
    await done;
    return {
      total,
      written,
      read,
      high,
      chunk,
      maxBuffered,
      maxReported,
      writtenWhileNotRead,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    server.close();
    await server.waitClosed();
  }
}
