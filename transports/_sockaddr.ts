/**
 * `struct sockaddr` packed and unpacked by hand (Linux layouts), and
 * `getaddrinfo` through libc. Addresses come in as `[host, port]`,
 * `[host, port, flowinfo, scopeId]`, Deno address objects or Unix paths, and
 * go out as Deno's objects (`Deno.NetAddr`, `Deno.UnixAddr`), as the module's
 * convention says.
 *
 * - `sockaddr_in` (16 bytes): family (host order), port (big-endian), the
 *   4 address bytes, 8 zero bytes.
 * - `sockaddr_in6` (28 bytes): family, port, flowinfo (big-endian), the 16
 *   address bytes, scope id (host order).
 * - `sockaddr_un` (110 bytes): family, then the path; a path starting with
 *   NUL is Linux's abstract namespace (its length is the address length).
 *
 * @module
 */
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  AF_UNSPEC,
  AI_NUMERICHOST,
  EAI_SYSTEM,
  libc,
  pinned,
  SOCK_DGRAM,
  SOCK_STREAM,
} from "../loop/_libc.ts";
import { describe } from "../loop/_describe.ts";
import { gaierror, OSError } from "./os_errors.ts";

/** An address given to a `Socket`: a tuple, a Deno address, or a Unix path. */
export type SocketAddressLike =
  | [string, number]
  | [string, number, number, number]
  | string
  | Uint8Array
  | Deno.NetAddr
  | Deno.UnixAddr
  | { hostname: string; port: number }
  | { path: string };

/** An address handed out by a `Socket`: one of Deno's address objects. */
export type SocketAddress = Deno.NetAddr | Deno.UnixAddr;

/** `sizeof(struct sockaddr_storage)`. */
export const SOCKADDR_MAX = 128;
const SUN_PATH_MAX = 108;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---- IPv4 and IPv6 text ----

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The 4 bytes of a dotted IPv4 address, or `null`. */
export function parseIPv4(host: string): Uint8Array | null {
  const m = IPV4.exec(host);
  if (m === null) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const v = Number(m[i + 1]);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** The text of 16 IPv6 address bytes (RFC 5952: lowercase, longest zero run as `::`). */
export function formatIPv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1]);
  // An IPv4-mapped address keeps its dotted tail (::ffff:1.2.3.4).
  if (
    words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff
  ) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart === -1) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLen).join(":");
  return `${head}::${tail}`;
}

// ---- getaddrinfo ----

/** One result of `getaddrinfo`: `[family, type, proto, canonname, address]`. */
export type AddrInfo = [number, number, number, string, SocketAddress];

/** Options of `getaddrinfo()` (Python's keyword arguments). */
export interface GetaddrinfoOptions {
  /** `AF_INET`, `AF_INET6` or 0 for any (default). */
  family?: number;
  /** `SOCK_STREAM`, `SOCK_DGRAM` or 0 for any (default). */
  type?: number;
  /** The protocol, or 0 (default). */
  proto?: number;
  /** `AI_*` flags (default 0). */
  flags?: number;
}

function cString(s: string): Uint8Array {
  const bytes = encoder.encode(s);
  const out = pinned(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** The buffers of one `getaddrinfo` call (kept alive while it runs). */
export interface GaiCall {
  node: Uint8Array | null;
  service: Uint8Array | null;
  hints: Uint8Array;
  result: BigUint64Array;
}

/** Prepares the arguments of a `getaddrinfo` call. */
export function gaiCall(
  host: string | null,
  port: number | string | null,
  options?: GetaddrinfoOptions,
): GaiCall {
  const hints = pinned(48);
  const dv = new DataView(hints.buffer);
  dv.setInt32(0, options?.flags ?? 0, true);
  dv.setInt32(4, options?.family ?? AF_UNSPEC, true);
  dv.setInt32(8, options?.type ?? 0, true);
  dv.setInt32(12, options?.proto ?? 0, true);
  return {
    node: host === null ? null : cString(host),
    service: port === null ? null : cString(String(port)),
    hints,
    result: new BigUint64Array(new ArrayBuffer(8)),
  };
}

/** Turns the result of a `getaddrinfo` call into `AddrInfo`s (and frees it). */
export function gaiResult(
  call: GaiCall,
  rc: number,
  host: string | null,
): AddrInfo[] {
  const lib = libc();
  if (rc !== 0) {
    let msg = rc === EAI_SYSTEM ? "System error" : "";
    if (msg === "") {
      const p = lib.fn.gai_strerror(rc);
      msg = p === null ? `Unknown error ${rc}` : Deno.UnsafePointerView
        .getCString(p);
    }
    const err = new gaierror(rc, msg);
    if (host !== null) err.message += ` (${JSON.stringify(host)})`;
    throw err;
  }
  const out: AddrInfo[] = [];
  const head = Deno.UnsafePointer.create(call.result[0]);
  let p = head;
  try {
    while (p !== null) {
      const v = new Deno.UnsafePointerView(p);
      const family = v.getInt32(4);
      const type = v.getInt32(8);
      const proto = v.getInt32(12);
      const addrlen = v.getUint32(16);
      const addrPtr = v.getPointer(24);
      const canonPtr = v.getPointer(32);
      if (addrPtr !== null && (family === AF_INET || family === AF_INET6)) {
        const raw = new Uint8Array(
          Deno.UnsafePointerView.getArrayBuffer(addrPtr, addrlen),
        ).slice();
        out.push([
          family,
          type,
          proto,
          canonPtr === null ? "" : Deno.UnsafePointerView.getCString(canonPtr),
          unpackAddress(raw, addrlen, type),
        ]);
      }
      p = v.getPointer(40);
    }
  } finally {
    if (head !== null) lib.fn.freeaddrinfo(head);
  }
  return out;
}

/** Python's `socket.getaddrinfo`, blocking (see `getaddrinfo` in socket.ts). */
export function getaddrinfoSync(
  host: string | null,
  port: number | string | null,
  options?: GetaddrinfoOptions,
): AddrInfo[] {
  const call = gaiCall(host, port, options);
  const rc = libc().fn.getaddrinfo(
    call.node,
    call.service,
    call.hints,
    call.result,
  );
  return gaiResult(call, rc, host);
}

// ---- packing and unpacking ----

function transportOf(family: number, type: number): string {
  if (family === AF_UNIX) return type === SOCK_DGRAM ? "unixpacket" : "unix";
  return type === SOCK_DGRAM ? "udp" : "tcp";
}

/** Unpacks `len` bytes of a `sockaddr` into one of Deno's address objects. */
export function unpackAddress(
  buf: Uint8Array,
  len: number,
  type: number,
): SocketAddress {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const family = len >= 2 ? dv.getUint16(0, true) : AF_UNSPEC;
  if (family === AF_INET) {
    return {
      transport: transportOf(family, type) as "tcp" | "udp",
      hostname: `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`,
      port: dv.getUint16(2, false),
    };
  }
  if (family === AF_INET6) {
    return {
      transport: transportOf(family, type) as "tcp" | "udp",
      hostname: formatIPv6(buf.subarray(8, 24)),
      port: dv.getUint16(2, false),
    };
  }
  if (family === AF_UNIX || family === AF_UNSPEC) {
    let path = "";
    if (len > 2) {
      if (buf[2] === 0) {
        path = decoder.decode(buf.subarray(2, len));
      } else {
        let end = 2;
        while (end < len && buf[end] !== 0) end++;
        path = decoder.decode(buf.subarray(2, end));
      }
    }
    return {
      transport: transportOf(AF_UNIX, type) as "unix" | "unixpacket",
      path,
    };
  }
  throw new OSError(null, `Unsupported address family ${family}`);
}

function badAddress(family: number, address: unknown): TypeError {
  const want = family === AF_UNIX
    ? "a path (string), a Uint8Array or { path }"
    : family === AF_INET6
    ? "[host, port], [host, port, flowinfo, scopeId] or { hostname, port }"
    : "[host, port] or { hostname, port }";
  return new TypeError(
    `Cannot use address as it must be ${want} for this socket family: current value is ${
      describe(address)
    }`,
  );
}

/** Checks a port number (Python's `OverflowError` is a RangeError here). */
export function checkSocketPort(port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port)) {
    throw new TypeError(
      `Cannot use address as 'port' must be an integer: current value is ${
        describe(port)
      }`,
    );
  }
  if (port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot use address as 'port' must be from 0 to 65535: current value is ${port}`,
    );
  }
  return port;
}

/** The host, port, flowinfo and scope id of an IP address argument. */
function ipParts(
  family: number,
  address: SocketAddressLike,
): [string, number, number, number] {
  if (Array.isArray(address)) {
    const [host, port, flow, scope] = address as unknown[];
    if (typeof host !== "string") throw badAddress(family, address);
    if (family === AF_INET && address.length !== 2) {
      throw badAddress(family, address);
    }
    return [
      host,
      checkSocketPort(port),
      (flow as number | undefined) ?? 0,
      (scope as number | undefined) ?? 0,
    ];
  }
  if (
    address !== null && typeof address === "object" &&
    "hostname" in address && typeof address.hostname === "string"
  ) {
    return [address.hostname, checkSocketPort(address.port), 0, 0];
  }
  throw badAddress(family, address);
}

/**
 * Packs `address` for a socket of `family` into `out` (at least
 * `SOCKADDR_MAX` bytes); returns the address length. Host names are
 * resolved with the (blocking) system resolver, as Python's socket does.
 */
export function packAddress(
  family: number,
  type: number,
  address: SocketAddressLike,
  out: Uint8Array,
): number {
  out.fill(0, 0, SOCKADDR_MAX);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (family === AF_UNIX) {
    let path: Uint8Array;
    if (typeof address === "string") path = encoder.encode(address);
    else if (address instanceof Uint8Array) path = address;
    else if (
      address !== null && typeof address === "object" &&
      "path" in address && typeof address.path === "string"
    ) {
      path = encoder.encode(address.path);
    } else throw badAddress(family, address);
    const abstract = path.length > 0 && path[0] === 0;
    if (path.length > (abstract ? SUN_PATH_MAX : SUN_PATH_MAX - 1)) {
      throw new OSError(null, "AF_UNIX path too long");
    }
    dv.setUint16(0, AF_UNIX, true);
    out.set(path, 2);
    return 2 + path.length + (abstract ? 0 : 1);
  }
  if (family !== AF_INET && family !== AF_INET6) {
    throw new OSError(null, `Unsupported address family ${family}`);
  }
  const [host, port, flow, scope] = ipParts(family, address);
  if (family === AF_INET) {
    let bytes: Uint8Array | null;
    if (host === "" || host === "0.0.0.0") bytes = new Uint8Array(4);
    else if (host === "<broadcast>") {
      bytes = new Uint8Array([255, 255, 255, 255]);
    } else if (host === "localhost") bytes = new Uint8Array([127, 0, 0, 1]);
    else bytes = parseIPv4(host);
    if (bytes === null) {
      const found = resolveOne(host, AF_INET, type);
      return packAddress(family, type, [found, port], out);
    }
    dv.setUint16(0, AF_INET, true);
    dv.setUint16(2, port, false);
    out.set(bytes, 4);
    return 16;
  }
  // IPv6: numeric parsing (scope ids included) by getaddrinfo itself.
  const text = host === "" ? "::" : host === "localhost" ? "::1" : host;
  const raw = numericSockaddr(text, AF_INET6);
  if (raw === null) {
    const found = resolveOne(host, AF_INET6, type);
    return packAddress(family, type, [found, port, flow, scope], out);
  }
  out.set(raw);
  dv.setUint16(2, port, false);
  dv.setUint32(4, flow, false);
  if (scope !== 0) dv.setUint32(24, scope, true);
  return 28;
}

/** The raw `sockaddr` of a numeric address of `family`, or `null`. */
function numericSockaddr(text: string, family: number): Uint8Array | null {
  const call = gaiCall(text, null, {
    family,
    type: SOCK_STREAM,
    flags: AI_NUMERICHOST,
  });
  const lib = libc();
  const rc = lib.fn.getaddrinfo(
    call.node,
    call.service,
    call.hints,
    call.result,
  );
  if (rc !== 0) return null;
  const head = Deno.UnsafePointer.create(call.result[0]);
  if (head === null) return null;
  try {
    const v = new Deno.UnsafePointerView(head);
    const len = v.getUint32(16);
    const addrPtr = v.getPointer(24);
    if (addrPtr === null) return null;
    return new Uint8Array(
      Deno.UnsafePointerView.getArrayBuffer(addrPtr, len),
    ).slice();
  } finally {
    lib.fn.freeaddrinfo(head);
  }
}

function resolveOne(host: string, family: number, type: number): string {
  const infos = getaddrinfoSync(host, null, {
    family,
    type: type === SOCK_DGRAM ? SOCK_DGRAM : SOCK_STREAM,
  });
  if (infos.length === 0) {
    throw new gaierror(-2, `Name or service not known (${host})`);
  }
  return (infos[0][4] as Deno.NetAddr).hostname;
}
