/**
 * `Socket`: Python's `socket.socket` on a file descriptor, through libc
 * (`Deno.dlopen`), for IPv4, IPv6 and Unix stream and datagram sockets.
 * It is what `SelectorEventLoop` works on: `addReader(sock.fileno(), ...)`,
 * `loop.sockAccept(sock)`, the `sockets` of its servers.
 *
 * As in Python, a new socket is blocking: `accept()`, `recv()` and
 * `connect()` wait, and here that blocks the JavaScript thread (and Deno's
 * event loop with it), which is what the seed's first, synchronous echo
 * server does. `setBlocking(false)` makes every call return at once or
 * throw `BlockingIOError`; that is how the loop uses sockets. Calls
 * interrupted by a signal are retried (PEP 475). Failures are `OSError`s
 * of the class of their errno (`ConnectionRefusedError`, ...).
 *
 * Addresses go in as `[host, port]` (`[host, port, flowinfo, scopeId]` for
 * IPv6), Deno address objects or Unix paths, and come out as Deno's
 * objects (`{ transport: "tcp", hostname, port }`, `{ transport: "unix",
 * path }`). Host names are resolved by the system resolver (blocking, as in
 * Python); `""` is any address and `"<broadcast>"` the IPv4 broadcast
 * address.
 *
 * Needs `--allow-ffi` (and Linux): sockets made this way are outside
 * Deno's `--allow-net` checks, as anything done through FFI.
 *
 * @module
 */
import * as L from "../loop/_libc.ts";
import {
  F_GETFL,
  F_SETFL,
  libc,
  MSG_NOSIGNAL,
  O_NONBLOCK,
  SOCK_CLOEXEC,
} from "../loop/_libc.ts";
import { describe } from "../loop/_describe.ts";
import { ownedCopy } from "./_slab.ts";
import { _osError, errno as E } from "./os_errors.ts";
import {
  type AddrInfo,
  type GetaddrinfoOptions,
  getaddrinfoSync,
  packAddress,
  SOCKADDR_MAX,
  type SocketAddress,
  type SocketAddressLike,
  unpackAddress,
} from "./_sockaddr.ts";

/**
 * IPv4 (Python's `socket.AF_INET`): `[host, port]` addresses.
 *
 * @example
 * ```ts
 * import { AF_INET, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket(AF_INET);
 * assert.equal(s.family, AF_INET);
 * ```
 */
export const AF_INET: number = L.AF_INET;

/**
 * IPv6: `[host, port]` or `[host, port, flowinfo, scopeId]` addresses.
 *
 * @example
 * ```ts
 * import { AF_INET6, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket(AF_INET6);
 * s.bind(["::1", 0]);
 * assert.equal((s.getsockname() as Deno.NetAddr).hostname, "::1");
 * ```
 */
export const AF_INET6: number = L.AF_INET6;

/**
 * Unix domain sockets: paths as addresses (a leading NUL: Linux's abstract namespace).
 *
 * @example
 * ```ts
 * import { AF_UNIX, socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair(AF_UNIX);
 * assert.equal(a.family, AF_UNIX);
 * a.close();
 * b.close();
 * ```
 */
export const AF_UNIX: number = L.AF_UNIX;

/**
 * Stream sockets (TCP, Unix streams).
 *
 * @example
 * ```ts
 * import { AF_INET, SOCK_STREAM, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket(AF_INET, SOCK_STREAM);
 * assert.equal(s.type, SOCK_STREAM);
 * ```
 */
export const SOCK_STREAM: number = L.SOCK_STREAM;

/**
 * Datagram sockets (UDP, Unix datagrams).
 *
 * @example
 * ```ts
 * import { AF_INET, SOCK_DGRAM, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket(AF_INET, SOCK_DGRAM);
 * assert.equal(s.type, SOCK_DGRAM);
 * ```
 */
export const SOCK_DGRAM: number = L.SOCK_DGRAM;

/**
 * A flag for `type`: the socket starts non-blocking.
 *
 * @example
 * ```ts
 * import { AF_INET, SOCK_NONBLOCK, SOCK_STREAM, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
 * assert.equal(s.getBlocking(), false);
 * assert.equal(s.type, SOCK_STREAM);
 * ```
 */
export const SOCK_NONBLOCK: number = L.SOCK_NONBLOCK;

/**
 * The level of socket options that belong to the socket itself.
 *
 * @example
 * ```ts
 * import { SOL_SOCKET, SO_REUSEADDR, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket();
 * s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
 * assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
 * ```
 */
export const SOL_SOCKET: number = L.SOL_SOCKET;

/**
 * Bind a port still in `TIME_WAIT` (servers set it; `createServer()` does).
 *
 * @example
 * ```ts
 * import { SOL_SOCKET, SO_REUSEADDR, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket();
 * s.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
 * assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
 * ```
 */
export const SO_REUSEADDR: number = L.SO_REUSEADDR;

/**
 * Let several sockets bind the same port (the kernel spreads connections).
 *
 * @example
 * ```ts
 * import { SOL_SOCKET, SO_REUSEPORT, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket();
 * s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
 * assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEPORT), 1);
 * ```
 */
export const SO_REUSEPORT: number = L.SO_REUSEPORT;

/**
 * Allow datagrams to broadcast addresses.
 *
 * @example
 * ```ts
 * import { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_BROADCAST, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket(AF_INET, SOCK_DGRAM);
 * s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
 * assert.equal(s.getsockopt(SOL_SOCKET, SO_BROADCAST), 1);
 * ```
 */
export const SO_BROADCAST: number = L.SO_BROADCAST;

/**
 * Read-only: the pending error of the socket (how a non-blocking `connect()` reports its result).
 *
 * @example
 * ```ts
 * import { SOL_SOCKET, SO_ERROR, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket();
 * assert.equal(s.getsockopt(SOL_SOCKET, SO_ERROR), 0);
 * ```
 */
export const SO_ERROR: number = L.SO_ERROR;

/**
 * Send TCP keep-alive probes on an idle connection.
 *
 * @example
 * ```ts
 * import { SOL_SOCKET, SO_KEEPALIVE, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket();
 * s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
 * assert.equal(s.getsockopt(SOL_SOCKET, SO_KEEPALIVE), 1);
 * ```
 */
export const SO_KEEPALIVE: number = L.SO_KEEPALIVE;

/**
 * The size of the receive buffer, in bytes (the kernel doubles what is set).
 *
 * @example
 * ```ts
 * import { SOL_SOCKET, SO_RCVBUF, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket();
 * assert.ok((s.getsockopt(SOL_SOCKET, SO_RCVBUF) as number) > 0);
 * ```
 */
export const SO_RCVBUF: number = L.SO_RCVBUF;

/**
 * The size of the send buffer, in bytes (the kernel doubles what is set).
 *
 * @example
 * ```ts
 * import { SOL_SOCKET, SO_SNDBUF, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket();
 * assert.ok((s.getsockopt(SOL_SOCKET, SO_SNDBUF) as number) > 0);
 * ```
 */
export const SO_SNDBUF: number = L.SO_SNDBUF;

/**
 * The level of TCP options (`TCP_NODELAY`).
 *
 * @example
 * ```ts
 * import { IPPROTO_TCP, TCP_NODELAY, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket();
 * s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
 * assert.equal(s.getsockopt(IPPROTO_TCP, TCP_NODELAY), 1);
 * ```
 */
export const IPPROTO_TCP: number = L.IPPROTO_TCP;

/**
 * Send small segments at once (no Nagle delay); the loop's TCP transports set it.
 *
 * @example
 * ```ts
 * import { IPPROTO_TCP, TCP_NODELAY, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket();
 * s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
 * assert.equal(s.getsockopt(IPPROTO_TCP, TCP_NODELAY), 1);
 * ```
 */
export const TCP_NODELAY: number = L.TCP_NODELAY;

/**
 * The level of IPv6 options (`IPV6_V6ONLY`).
 *
 * @example
 * ```ts
 * import { AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket(AF_INET6);
 * s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
 * assert.equal(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY), 1);
 * ```
 */
export const IPPROTO_IPV6: number = L.IPPROTO_IPV6;

/**
 * An IPv6 socket takes IPv6 only (not IPv4-mapped addresses).
 *
 * @example
 * ```ts
 * import { AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket(AF_INET6);
 * s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
 * assert.equal(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY), 1);
 * ```
 */
export const IPV6_V6ONLY: number = L.IPV6_V6ONLY;

/**
 * `shutdown()`: no more receiving.
 *
 * @example
 * ```ts
 * import { SHUT_RD, socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * a.shutdown(SHUT_RD);
 * assert.equal(a.recv(10).length, 0);
 * a.close();
 * b.close();
 * ```
 */
export const SHUT_RD: number = L.SHUT_RD;

/**
 * `shutdown()`: no more sending; the peer sees EOF (a half-close).
 *
 * @example
 * ```ts
 * import { SHUT_WR, socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * a.shutdown(SHUT_WR);
 * assert.equal(b.recv(10).length, 0);
 * a.close();
 * b.close();
 * ```
 */
export const SHUT_WR: number = L.SHUT_WR;

/**
 * `shutdown()`: both directions.
 *
 * @example
 * ```ts
 * import { SHUT_RDWR, socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * a.shutdown(SHUT_RDWR);
 * assert.equal(b.recv(10).length, 0);
 * a.close();
 * b.close();
 * ```
 */
export const SHUT_RDWR: number = L.SHUT_RDWR;

/**
 * A `recv()` flag: look at the data without taking it.
 *
 * @example
 * ```ts
 * import { MSG_PEEK, socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * b.send(new Uint8Array([1]));
 * assert.equal(a.recv(1, MSG_PEEK)[0], 1);
 * assert.equal(a.recv(1)[0], 1);
 * a.close();
 * b.close();
 * ```
 */
export const MSG_PEEK: number = L.MSG_PEEK;
export type { AddrInfo, GetaddrinfoOptions, SocketAddress, SocketAddressLike };

const SO_PROTOCOL = 38;
const SO_DOMAIN = 39;
/** Python's default backlog: `min(SOMAXCONN, 128)`. */
const DEFAULT_BACKLOG = 128;
/** The most bytes one call moves (results are declared i32). */
const MAX_IO = 0x7fff_f000;

// Scratch buffers for the calls that return an address (synchronous
// calls only, so one set serves every socket).
const addrBuf = new Uint8Array(SOCKADDR_MAX);
const addrLen = new Uint32Array(1);
const optBuf = new Int32Array(1);
const optLen = new Uint32Array(1);
/** Set while `_adopt()` constructs: the new socket's blocking mode. */
let adopting: boolean | null = null;
/** Scratch for `recv()`: received bytes are copied out of it. */
const recvScratch = new Uint8Array(64 * 1024);

function fail(detail?: string): never {
  raise(libc().errno(), detail);
}

/** Throws the error of `code` (an errno). */
function raise(code: number, detail?: string): never {
  throw _osError(code, libc().strerror(code), detail);
}

function checkData(data: unknown, what: string): Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot ${what} as 'data' must be a Uint8Array: current value is ${
        describe(data)
      }`,
    );
  }
  return data;
}

function checkSize(n: unknown, what: string, name: string): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new (typeof n !== "number" ? TypeError : RangeError)(
      `Cannot ${what} as '${name}' must be an integer >= 0: current value is ${
        describe(n)
      }`,
    );
  }
  return Math.min(n, MAX_IO);
}

/** Checks an integer argument of a system call (a TypeError otherwise). */
function checkInt(n: unknown, what: string, name: string): void {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new TypeError(
      `Cannot ${what} as '${name}' must be an integer: current value is ${
        describe(n)
      }`,
    );
  }
}

function familyName(family: number): string {
  return family === AF_INET
    ? "AF_INET"
    : family === AF_INET6
    ? "AF_INET6"
    : family === AF_UNIX
    ? "AF_UNIX"
    : String(family);
}

/**
 * A socket on a file descriptor (Python's `socket.socket`): see the module
 * notes. Blocking when made; `setBlocking(false)` for use with a loop.
 * `using sock = socket()` closes it at the end of the block (`with` in
 * Python).
 *
 * @example The seed's first server: blocking calls, one client
 * ```ts
 * import { AF_INET, SOCK_STREAM, Socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using server = new Socket(AF_INET, SOCK_STREAM);
 * server.bind(["127.0.0.1", 0]);
 * server.listen(128);
 * using client = new Socket(AF_INET, SOCK_STREAM);
 * client.connect(server.getsockname());
 * const [conn, addr] = server.accept();
 * assert.equal((addr as Deno.NetAddr).hostname, "127.0.0.1");
 * client.sendall(new TextEncoder().encode("hello"));
 * const data = conn.recv(4096);
 * conn.send(data);
 * assert.equal(new TextDecoder().decode(client.recv(4096)), "hello");
 * conn.close();
 * assert.equal(client.recv(4096).length, 0); // EOF
 * ```
 */
export class Socket implements Disposable {
  /** The address family: `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  readonly family: number;
  /** The socket type: `SOCK_STREAM` or `SOCK_DGRAM`. */
  readonly type: number;
  /** The protocol (0 for the family's default). */
  readonly proto: number;
  #fd: number;
  #blocking: boolean;
  /**
   * @internal What to call when the socket closes, while its descriptor is
   * still open: the loop calls (`sockRecv()`, ...) waiting on it, which
   * unregister it and fail.
   */
  _onClose: Set<() => void> | null = null;

  /**
   * Creates a socket (Python's `socket.socket(family, type, proto,
   * fileno)`). With `fileno`, wraps that open descriptor instead; its
   * family, type and protocol are read from the system.
   *
   * @param family `AF_INET` (default), `AF_INET6` or `AF_UNIX`.
   * @param type `SOCK_STREAM` (default) or `SOCK_DGRAM`, optionally `| SOCK_NONBLOCK`.
   * @param proto The protocol (default 0).
   * @param fileno An open socket descriptor to wrap.
   * @throws {OSError} If the system refuses (`EAFNOSUPPORT`, `EMFILE`, ...).
   * @throws {NotImplementedError} On a platform without a backend.
   * @throws {Deno.errors.NotCapable} Without `--allow-ffi`.
   */
  constructor(
    family: number = AF_INET,
    type: number = SOCK_STREAM,
    proto: number = 0,
    fileno: number | null = null,
  ) {
    const lib = libc();
    if (adopting !== null) {
      this.#fd = fileno as number;
      this.family = family;
      this.type = type;
      this.proto = proto;
      this.#blocking = adopting;
      return;
    }
    if (fileno !== null) {
      if (!Number.isInteger(fileno) || fileno < 0) {
        throw new RangeError(
          `Cannot create Socket as 'fileno' must be an integer >= 0: current value is ${
            describe(fileno)
          }`,
        );
      }
      this.#fd = fileno;
      this.family = this.#intOption(SOL_SOCKET, SO_DOMAIN);
      this.type = this.#intOption(SOL_SOCKET, 3 /* SO_TYPE */);
      this.proto = this.#intOption(SOL_SOCKET, SO_PROTOCOL);
      this.#blocking = (lib.fn.fcntl(fileno, F_GETFL, 0) & O_NONBLOCK) === 0;
      return;
    }
    checkInt(family, "create Socket", "family");
    checkInt(type, "create Socket", "type");
    checkInt(proto, "create Socket", "proto");
    const nonblocking = (type & SOCK_NONBLOCK) !== 0;
    const base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    const fd = lib.fn.socket(family, base | SOCK_CLOEXEC, proto);
    if (fd < 0) fail();
    this.#fd = fd;
    this.family = family;
    this.type = base;
    this.proto = proto;
    this.#blocking = true;
    if (nonblocking) this.setBlocking(false);
  }

  /** @internal A socket made by `accept()`, for a known descriptor. */
  static _adopt(
    fd: number,
    family: number,
    type: number,
    proto: number,
    blocking: boolean,
  ): Socket {
    adopting = blocking;
    try {
      return new Socket(family, type, proto, fd);
    } finally {
      adopting = null;
    }
  }

  /** The file descriptor, or -1 once closed. */
  fileno(): number {
    return this.#fd;
  }

  /** @internal The descriptor, or an EBADF error if closed. */
  _fd(): number {
    if (this.#fd < 0) {
      throw _osError(E.EBADF, "Bad file descriptor");
    }
    return this.#fd;
  }

  /** Whether `close()` (or `detach()`) was called. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /**
   * Whether calls wait (`true`, the default) or throw `BlockingIOError`
   * when they cannot complete at once.
   */
  getBlocking(): boolean {
    return this.#blocking;
  }

  /**
   * Makes the socket blocking or not (Python's `setblocking`).
   *
   * @param flag `false` for non-blocking.
   * @throws {OSError} If the socket is closed.
   */
  setBlocking(flag: boolean): void {
    const fd = this._fd();
    const fn = libc().fn;
    const flags = fn.fcntl(fd, F_GETFL, 0);
    if (flags < 0) fail();
    const next = flag ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
    if (next !== flags && fn.fcntl(fd, F_SETFL, next) < 0) fail();
    this.#blocking = Boolean(flag);
  }

  /**
   * Binds the socket to `address`.
   *
   * @param address `[host, port]` (`""`: any address; port 0: any free
   *   port), a Deno address, or a path for `AF_UNIX`.
   * @throws {OSError} If the address is taken (`EADDRINUSE`, also a
   *   `Deno.errors.AddrInUse`) or not available.
   */
  bind(address: SocketAddressLike): void {
    const fd = this._fd();
    const len = packAddress(this.family, this.type, address, addrBuf);
    if (libc().fn.bind(fd, addrBuf, len) < 0) fail();
  }

  /**
   * Starts listening for connections.
   *
   * @param backlog The queue length (default 128).
   * @throws {OSError} If the socket cannot listen.
   */
  listen(backlog: number = DEFAULT_BACKLOG): void {
    const fd = this._fd();
    if (!Number.isInteger(backlog)) {
      throw new TypeError(
        `Cannot listen as 'backlog' must be an integer: current value is ${
          describe(backlog)
        }`,
      );
    }
    if (libc().fn.listen(fd, Math.max(0, backlog)) < 0) fail();
  }

  /**
   * Accepts a connection: `[conn, address]`. The new socket is blocking
   * (as in Python).
   *
   * @returns The connected socket and the peer's address.
   * @throws {BlockingIOError} If non-blocking and nobody is waiting.
   */
  accept(): [Socket, SocketAddress] {
    this._fd();
    const r = this._accept();
    if (typeof r === "number") raise(r);
    return r;
  }

  /**
   * @internal `accept4(2)`, retried on EINTR: `[conn, address]`, or the
   * errno (no exception).
   */
  _accept(): [Socket, SocketAddress] | number {
    const fn = libc().fn;
    for (;;) {
      addrLen[0] = SOCKADDR_MAX;
      const conn = fn.accept4(this.#fd, addrBuf, addrLen, SOCK_CLOEXEC);
      if (conn >= 0) {
        const sock = Socket._adopt(
          conn,
          this.family,
          this.type,
          this.proto,
          true,
        );
        return [sock, unpackAddress(addrBuf, addrLen[0], this.type)];
      }
      const code = libc().errno();
      if (code !== E.EINTR) return code;
    }
  }

  /**
   * Connects to `address`. A non-blocking socket throws `BlockingIOError`
   * (`EINPROGRESS`) while the connection is being made: wait until it is
   * writable, then read `SO_ERROR` (or use `loop.sockConnect()`).
   *
   * @param address Where to connect.
   * @throws {ConnectionRefusedError} If nothing listens there.
   * @throws {BlockingIOError} If non-blocking (`EINPROGRESS`).
   */
  connect(address: SocketAddressLike): void {
    const code = this.connectEx(address);
    if (code !== 0) raise(code);
  }

  /**
   * Connects to `address` and returns the errno (0 on success) instead of
   * throwing (Python's `connect_ex`).
   *
   * @param address Where to connect.
   * @returns 0, or the error code.
   */
  connectEx(address: SocketAddressLike): number {
    const fd = this._fd();
    const len = packAddress(this.family, this.type, address, addrBuf);
    const lib = libc();
    if (lib.fn.connect(fd, addrBuf, len) === 0) return 0;
    let code = lib.errno();
    if (code === E.EINTR && this.#blocking) {
      // PEP 475: the connection goes on; wait for its result.
      code = this.#waitConnected();
    }
    return code;
  }

  /** Waits (blocking) until a connection in progress completes; its errno. */
  #waitConnected(): number {
    const fn = libc().fn;
    const pfd = new Uint8Array(8);
    const dv = new DataView(pfd.buffer);
    dv.setInt32(0, this.#fd, true);
    dv.setInt16(4, 0x004, /* POLLOUT */ true);
    while (fn.poll(pfd, 1, -1) < 0 && libc().errno() === E.EINTR) {
      // retry
    }
    return this.getsockopt(SOL_SOCKET, SO_ERROR) as number;
  }

  /**
   * Receives up to `bufsize` bytes; an empty array at EOF.
   *
   * @param bufsize The most bytes to return.
   * @param flags `MSG_*` flags (default 0).
   * @returns The bytes (the caller owns them).
   * @throws {BlockingIOError} If non-blocking and nothing is there.
   * @throws {ConnectionResetError} If the peer reset the connection.
   */
  recv(bufsize: number, flags = 0): Uint8Array {
    const n0 = checkSize(bufsize, "receive", "bufsize");
    if (n0 > recvScratch.length) {
      const buf = new Uint8Array(n0);
      const n = this.recvInto(buf, n0, flags);
      return n === n0 ? buf : buf.slice(0, n);
    }
    const n = this.recvInto(recvScratch, n0, flags);
    return ownedCopy(recvScratch, 0, n);
  }

  /**
   * Receives into `buffer` (up to `nbytes`, default its length); returns
   * the number of bytes (0 at EOF).
   *
   * @param buffer Where to put the bytes.
   * @param nbytes The most bytes (default: `buffer.length`).
   * @param flags `MSG_*` flags (default 0).
   * @returns The number of bytes received.
   * @throws {BlockingIOError} If non-blocking and nothing is there.
   */
  recvInto(buffer: Uint8Array, nbytes = 0, flags = 0): number {
    this._fd();
    if (!(buffer instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot receive as 'buffer' must be a Uint8Array: current value is ${
          describe(buffer)
        }`,
      );
    }
    let n = checkSize(nbytes, "receive", "nbytes");
    if (n === 0 || n > buffer.length) n = Math.min(buffer.length, MAX_IO);
    const got = this._recvInto(buffer, n, flags);
    if (got < 0) raise(-got);
    return got;
  }

  /**
   * @internal `recv(2)` into `buffer[0, n)`, retried on EINTR: the count,
   * or minus the errno (no exception: the loop's hot path).
   */
  _recvInto(buffer: Uint8Array, n: number, flags = 0): number {
    const fn = libc().fn;
    for (;;) {
      const got = fn.recv(this.#fd, buffer, n, flags);
      if (got >= 0) return got;
      const code = libc().errno();
      if (code !== E.EINTR) return -code;
    }
  }

  /**
   * Receives a datagram: `[data, address]`.
   *
   * @param bufsize The most bytes (a longer datagram is truncated).
   * @param flags `MSG_*` flags (default 0).
   * @returns The datagram and the sender's address.
   */
  recvfrom(bufsize: number, flags = 0): [Uint8Array, SocketAddress] {
    const n0 = checkSize(bufsize, "receive", "bufsize");
    const big = n0 > recvScratch.length;
    const buf = big ? new Uint8Array(n0) : recvScratch;
    const [n, addr] = this.recvfromInto(buf, n0, flags);
    return [big ? buf.slice(0, n) : ownedCopy(buf, 0, n), addr];
  }

  /**
   * Receives a datagram into `buffer`: `[nbytes, address]`.
   *
   * @param buffer Where to put the bytes.
   * @param nbytes The most bytes (default: `buffer.length`).
   * @param flags `MSG_*` flags (default 0).
   * @returns The number of bytes and the sender's address.
   */
  recvfromInto(
    buffer: Uint8Array,
    nbytes = 0,
    flags = 0,
  ): [number, SocketAddress] {
    this._fd();
    let n = checkSize(nbytes, "receive", "nbytes");
    if (n === 0 || n > buffer.length) n = Math.min(buffer.length, MAX_IO);
    const r = this._recvfromInto(buffer, n, flags);
    if (typeof r === "number") raise(r);
    return r;
  }

  /**
   * @internal `recvfrom(2)` into `buffer[0, n)`, retried on EINTR:
   * `[nbytes, address]`, or the errno.
   */
  _recvfromInto(
    buffer: Uint8Array,
    n: number,
    flags = 0,
  ): [number, SocketAddress] | number {
    const fn = libc().fn;
    for (;;) {
      addrLen[0] = SOCKADDR_MAX;
      const got = fn.recvfrom(this.#fd, buffer, n, flags, addrBuf, addrLen);
      if (got >= 0) {
        return [got, unpackAddress(addrBuf, addrLen[0], this.type)];
      }
      const code = libc().errno();
      if (code !== E.EINTR) return code;
    }
  }

  /**
   * Sends `data`; returns how many bytes were sent (maybe fewer).
   * Never raises SIGPIPE: a closed peer is a `BrokenPipeError`.
   *
   * @param data The bytes.
   * @param flags `MSG_*` flags (default 0).
   * @returns The number of bytes sent.
   * @throws {BlockingIOError} If non-blocking and the send buffer is full.
   * @throws {BrokenPipeError} If the peer closed the connection.
   */
  send(data: Uint8Array, flags = 0): number {
    this._fd();
    checkData(data, "send");
    const sent = this._send(data, Math.min(data.length, MAX_IO), flags);
    if (sent < 0) raise(-sent);
    return sent;
  }

  /**
   * @internal `send(2)` of `data[0, n)` (no SIGPIPE), retried on EINTR:
   * the count, or minus the errno.
   */
  _send(data: Uint8Array, n: number, flags = 0): number {
    const fn = libc().fn;
    for (;;) {
      const sent = fn.send(this.#fd, data, n, flags | MSG_NOSIGNAL);
      if (sent >= 0) return sent;
      const code = libc().errno();
      if (code !== E.EINTR) return -code;
    }
  }

  /**
   * Sends all of `data`. On a non-blocking socket this throws
   * `BlockingIOError` when the send buffer fills up (use
   * `loop.sockSendall()`).
   *
   * @param data The bytes.
   * @param flags `MSG_*` flags (default 0).
   */
  sendall(data: Uint8Array, flags = 0): void {
    checkData(data, "send");
    let off = 0;
    while (off < data.length) {
      off += this.send(off === 0 ? data : data.subarray(off), flags);
    }
  }

  /**
   * Sends a datagram to `address`: `sendto(data, address)` or
   * `sendto(data, flags, address)`; returns the number of bytes sent.
   *
   * @param data The datagram.
   * @param flagsOrAddress The destination, or `MSG_*` flags followed by it.
   * @param maybeAddress The destination, after flags.
   * @returns The number of bytes sent.
   */
  sendto(
    data: Uint8Array,
    flagsOrAddress: number | SocketAddressLike,
    maybeAddress?: SocketAddressLike,
  ): number {
    this._fd();
    checkData(data, "send");
    const flags = typeof flagsOrAddress === "number" ? flagsOrAddress : 0;
    const address = typeof flagsOrAddress === "number"
      ? maybeAddress as SocketAddressLike
      : flagsOrAddress;
    const sent = this._sendto(data, flags, address);
    if (sent < 0) raise(-sent);
    return sent;
  }

  /**
   * @internal `sendto(2)` (no SIGPIPE), retried on EINTR: the count, or
   * minus the errno. Address errors still throw.
   */
  _sendto(data: Uint8Array, flags: number, address: SocketAddressLike): number {
    const len = packAddress(this.family, this.type, address, addrBuf);
    const fn = libc().fn;
    const n = Math.min(data.length, MAX_IO);
    for (;;) {
      const sent = fn.sendto(
        this.#fd,
        data,
        n,
        flags | MSG_NOSIGNAL,
        addrBuf,
        len,
      );
      if (sent >= 0) return sent;
      const code = libc().errno();
      if (code !== E.EINTR) return -code;
    }
  }

  /**
   * Sets a socket option: an integer (or boolean) value, or raw bytes.
   *
   * @param level `SOL_SOCKET`, `IPPROTO_TCP`, `IPPROTO_IPV6`, ...
   * @param optname `SO_REUSEADDR`, `TCP_NODELAY`, ...
   * @param value The value.
   * @throws {OSError} If the option is not valid here.
   */
  setsockopt(
    level: number,
    optname: number,
    value: number | boolean | Uint8Array,
  ): void {
    const fd = this._fd();
    checkInt(level, "set socket option", "level");
    checkInt(optname, "set socket option", "optname");
    if (
      typeof value !== "number" && typeof value !== "boolean" &&
      !(value instanceof Uint8Array)
    ) {
      throw new TypeError(
        `Cannot set socket option as 'value' must be a number, a boolean or a Uint8Array: current value is ${
          describe(value)
        }`,
      );
    }
    const fn = libc().fn;
    let rc: number;
    if (value instanceof Uint8Array) {
      rc = fn.setsockopt(fd, level, optname, value, value.length);
    } else {
      optBuf[0] = Number(value);
      rc = fn.setsockopt(fd, level, optname, optBuf, 4);
    }
    if (rc < 0) fail();
  }

  /**
   * Reads a socket option: an integer, or `buflen` raw bytes.
   *
   * @param level The option's level.
   * @param optname The option.
   * @param buflen Read this many raw bytes instead of an integer.
   * @returns The value.
   */
  getsockopt(
    level: number,
    optname: number,
    buflen?: number,
  ): number | Uint8Array {
    this._fd();
    if (buflen === undefined) return this.#intOption(level, optname);
    const buf = new Uint8Array(checkSize(buflen, "get option", "buflen"));
    const len = new Uint32Array([buf.length]);
    if (libc().fn.getsockopt(this.#fd, level, optname, buf, len) < 0) fail();
    return buf.slice(0, len[0]);
  }

  #intOption(level: number, optname: number): number {
    optLen[0] = 4;
    if (libc().fn.getsockopt(this.#fd, level, optname, optBuf, optLen) < 0) {
      fail();
    }
    return optBuf[0];
  }

  /**
   * The socket's own address (`getsockname`), as a Deno address object.
   *
   * @returns The address.
   */
  getsockname(): SocketAddress {
    const fd = this._fd();
    addrLen[0] = SOCKADDR_MAX;
    if (libc().fn.getsockname(fd, addrBuf, addrLen) < 0) fail();
    return unpackAddress(addrBuf, addrLen[0], this.type);
  }

  /**
   * The peer's address (`getpeername`), as a Deno address object.
   *
   * @returns The address.
   * @throws {OSError} If not connected (`ENOTCONN`).
   */
  getpeername(): SocketAddress {
    const fd = this._fd();
    addrLen[0] = SOCKADDR_MAX;
    if (libc().fn.getpeername(fd, addrBuf, addrLen) < 0) fail();
    return unpackAddress(addrBuf, addrLen[0], this.type);
  }

  /**
   * The bound address, as `Deno.Listener.addr` has it (so that
   * `server.sockets[0].addr` reads the same on both loops).
   */
  get addr(): SocketAddress {
    return this.getsockname();
  }

  /**
   * Shuts down one or both directions: `SHUT_RD`, `SHUT_WR` (half-close:
   * the peer sees EOF) or `SHUT_RDWR`.
   *
   * @param how The direction.
   * @throws {OSError} If not connected.
   */
  shutdown(how: number): void {
    const fd = this._fd();
    if (libc().fn.shutdown(fd, how) < 0) fail();
  }

  /** Closes the socket; closing twice does nothing. */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#closing();
    this.#fd = -1;
    // Linux closes the descriptor even when close() reports EINTR.
    libc().fn.close(fd);
  }

  /**
   * Gives up the descriptor without closing it; the socket is then
   * closed. Returns the descriptor.
   *
   * @returns The descriptor (-1 if already closed).
   */
  detach(): number {
    const fd = this.#fd;
    if (fd >= 0) this.#closing();
    this.#fd = -1;
    return fd;
  }

  /** Tells what waits on the socket that it is closing. */
  #closing(): void {
    const watchers = this._onClose;
    if (watchers === null) return;
    this._onClose = null;
    for (const watcher of watchers) {
      try {
        watcher();
      } catch {
        // A closed loop: nothing waits there any more.
      }
    }
  }

  /** Closes the socket (`using sock = socket()`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A description such as `<Socket fd=5, family=AF_INET, type=SOCK_STREAM, laddr=127.0.0.1:8888>`. */
  toString(): string {
    if (this.#fd < 0) return "<Socket [closed]>";
    const kind = this.type === SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_STREAM";
    let laddr = "";
    try {
      const a = this.getsockname();
      laddr = "path" in a
        ? `, laddr=${a.path}`
        : `, laddr=${a.hostname}:${a.port}`;
    } catch {
      // not bound
    }
    return `<Socket fd=${this.#fd}, family=${
      familyName(this.family)
    }, type=${kind}${laddr}>`;
  }
}

/**
 * Creates a socket (Python's `socket.socket()`): `AF_INET` and
 * `SOCK_STREAM` by default. Blocking; see `Socket`.
 *
 * @param family `AF_INET` (default), `AF_INET6` or `AF_UNIX`.
 * @param type `SOCK_STREAM` (default) or `SOCK_DGRAM`.
 * @param proto The protocol (default 0).
 * @returns The socket.
 * @throws {OSError} If the system refuses.
 *
 * @example A UDP round trip
 * ```ts
 * import { AF_INET, SOCK_DGRAM, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using a = socket(AF_INET, SOCK_DGRAM);
 * a.bind(["127.0.0.1", 0]);
 * using b = socket(AF_INET, SOCK_DGRAM);
 * b.sendto(new Uint8Array([1, 2, 3]), a.getsockname());
 * const [data, from] = a.recvfrom(100);
 * assert.deepEqual([...data], [1, 2, 3]);
 * assert.equal((from as Deno.NetAddr).transport, "udp");
 * ```
 */
export function socket(
  family: number = AF_INET,
  type: number = SOCK_STREAM,
  proto: number = 0,
): Socket {
  return new Socket(family, type, proto);
}

/**
 * A pair of connected sockets (Python's `socket.socketpair()`): Unix
 * stream sockets by default.
 *
 * @param family `AF_UNIX` (default).
 * @param type `SOCK_STREAM` (default) or `SOCK_DGRAM`.
 * @param proto The protocol (default 0).
 * @returns The two sockets.
 * @throws {OSError} If the system refuses.
 *
 * @example
 * ```ts
 * import { socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * a.send(new Uint8Array([42]));
 * assert.deepEqual([...b.recv(1)], [42]);
 * a.close();
 * b.close();
 * ```
 */
export function socketpair(
  family: number = AF_UNIX,
  type: number = SOCK_STREAM,
  proto: number = 0,
): [Socket, Socket] {
  const lib = libc();
  const fds = new Int32Array(2);
  const base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (lib.fn.socketpair(family, base | SOCK_CLOEXEC, proto, fds) < 0) fail();
  const a = Socket._adopt(fds[0], family, base, proto, true);
  const b = Socket._adopt(fds[1], family, base, proto, true);
  if ((type & SOCK_NONBLOCK) !== 0) {
    a.setBlocking(false);
    b.setBlocking(false);
  }
  return [a, b];
}

/**
 * Resolves `host` and `port` (Python's `socket.getaddrinfo`), blocking the
 * thread while the system resolver works (instant for numeric addresses
 * and names in `/etc/hosts`). `loop.getaddrinfo()` of `SelectorEventLoop`
 * does the same on a thread of its own.
 *
 * @param host A host name or address, or `null`.
 * @param port A port number or service name, or `null`.
 * @param options `family`, `type`, `proto`, `flags`.
 * @returns `[family, type, proto, canonname, address]` entries.
 * @throws {gaierror} If the name cannot be resolved.
 *
 * @example
 * ```ts
 * import { AF_INET, getaddrinfo, SOCK_STREAM } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [[family, type, , , addr]] = getaddrinfo("127.0.0.1", 80, { type: SOCK_STREAM });
 * assert.equal(family, AF_INET);
 * assert.equal(type, SOCK_STREAM);
 * assert.deepEqual(addr, { transport: "tcp", hostname: "127.0.0.1", port: 80 });
 * ```
 */
export function getaddrinfo(
  host: string | null,
  port: number | string | null,
  options?: GetaddrinfoOptions,
): AddrInfo[] {
  return getaddrinfoSync(host, port, options);
}
