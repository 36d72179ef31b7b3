/**
 * Helpers for the network tests: TLS fixtures, a protocol that records its
 * callbacks and checks their order (CPython's `MyProto`), raw peers.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type AbstractEventLoop,
  type Future,
  Protocol,
  type Server,
  type Transport,
} from "../mod.ts";

const TLS_DIR = new URL("./fixtures/tls/", import.meta.url);

/** The text of a TLS fixture, such as `"server.pem"`. */
export function tlsFixture(name: string): string {
  return Deno.readTextFileSync(new URL(name, TLS_DIR));
}

/** The port of a server's first listener. */
export function portOf(server: Server): number {
  return (server.sockets[0].addr as Deno.NetAddr).port;
}

/** Bytes of a string. */
export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A string of bytes. */
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * Records callbacks and asserts asyncio's order:
 * `connectionMade dataReceived* [eofReceived] connectionLost`.
 */
export class RecordingProtocol extends Protocol {
  state = "INITIAL";
  events: string[] = [];
  chunks: Uint8Array[] = [];
  nbytes = 0;
  transport: Transport | null = null;
  lostExc: Error | null | undefined = undefined;
  keepOpenOnEof = false;
  done: Future<void>;
  made: Future<void>;

  constructor(loop: AbstractEventLoop) {
    super();
    this.done = loop.createFuture<void>();
    this.made = loop.createFuture<void>();
  }
  override connectionMade(t: Transport): void {
    assert.equal(this.state, "INITIAL");
    this.state = "CONNECTED";
    this.transport = t;
    this.events.push("made");
    this.made.setResult(undefined);
  }
  override dataReceived(data: Uint8Array): void {
    assert.equal(this.state, "CONNECTED");
    this.chunks.push(data);
    this.nbytes += data.length;
    this.events.push("data");
  }
  override eofReceived(): boolean {
    assert.equal(this.state, "CONNECTED");
    this.state = "EOF";
    this.events.push("eof");
    return this.keepOpenOnEof;
  }
  override connectionLost(exc: Error | null): void {
    assert.ok(this.state === "CONNECTED" || this.state === "EOF");
    this.state = "CLOSED";
    this.lostExc = exc;
    this.events.push(exc === null ? "lost" : `lost:${exc.name}`);
    this.done.setResult(undefined);
  }
  /** All received bytes, concatenated. */
  received(): Uint8Array {
    const out = new Uint8Array(this.nbytes);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
  /** Events with runs of "data" collapsed. */
  order(): string[] {
    return this.events.filter((e, i, a) =>
      !(e === "data" && a[i - 1] === "data")
    );
  }
}

/** Reads `conn` to EOF (without closing it). */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(256 * 1024);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Reads exactly `n` bytes from `conn`. */
export async function readN(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const r = await conn.read(out.subarray(off));
    if (r === null) throw new Error(`EOF after ${off} of ${n} bytes`);
    off += r;
  }
  return out;
}

/** Writes all of `data` to `conn`. */
export async function writeAll(
  conn: Deno.Conn,
  data: Uint8Array,
): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/** A simple checksum (FNV-1a over all bytes). */
export function checksum(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
