/**
 * The network methods of `SelectorEventLoop` (CPython's `base_events.py`
 * `create_connection`/`create_server`/`create_datagram_endpoint` and
 * `unix_events.py`), on `Socket`s and the selector transports, written as
 * coroutines of the loop so the loop file stays a list of declarations.
 * `_SelectorServer` is the `Server` of this loop: its `sockets` are the
 * listening `Socket`s, accepted from in the loop's reader callbacks.
 *
 * @module
 */
import type { DatagramConnLike } from "./datagram_transport.ts";
import { CancelledError, NotImplementedError } from "../futures/exceptions.ts";
import { Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import { describe } from "../loop/_describe.ts";
import { AI_PASSIVE, libc } from "../loop/_libc.ts";
import type { SelectorEventLoop } from "../loop/selector_event_loop.ts";
import type { AddrInfo, SocketAddressLike } from "./_sockaddr.ts";
import { _osError, errno as E, OSError } from "./os_errors.ts";
import type { BaseProtocol, ProtocolFactory } from "./protocol.ts";
import { Server, type ServerSetup } from "./server.ts";
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  SO_BROADCAST,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_DGRAM,
  SOCK_STREAM,
  Socket,
  SOL_SOCKET,
} from "./socket.ts";
import {
  _SelectorDatagramTransport,
  _SelectorSocketTransport,
} from "./selector_transports.ts";
import type { DatagramTransport, Transport } from "./transport.ts";
import { checkBacklog, checkFactory, checkPort } from "./_checks.ts";

/** Options of `SelectorEventLoop.createConnection()`. */
export interface SelectorConnectionOptions {
  /** TLS is not supported by this loop: any value but `null`/`undefined`/`false` is a `NotImplementedError`. */
  ssl?: unknown;
  /** Only meaningful with `ssl`. */
  serverHostname?: string | null;
  /** `AF_INET` (or 4), `AF_INET6` (or 6), or 0 for any (default). */
  family?: number;
  /** The protocol for `getaddrinfo` (default 0). */
  proto?: number;
  /** `AI_*` flags for `getaddrinfo` (default 0). */
  flags?: number;
  /** A local address to bind before connecting. */
  localAddr?: SocketAddressLike | null;
  /**
   * Accepted for compatibility; the addresses are tried one after the
   * other.
   */
  happyEyeballsDelay?: number | null;
  /** A connected `Socket` to use instead of `host`/`port`. */
  sock?: Socket | Deno.Conn | null;
  /** Accepted for compatibility (no TLS). */
  sslHandshakeTimeout?: number | null;
}

/** Options of `SelectorEventLoop.createServer()`. */
export interface SelectorServerOptions {
  /** TLS is not supported by this loop (`NotImplementedError`). */
  ssl?: unknown;
  /** `AF_INET` (or 4), `AF_INET6` (or 6), or 0 for any (default). */
  family?: number;
  /** `AI_*` flags for `getaddrinfo` (default `AI_PASSIVE`). */
  flags?: number;
  /** The listen backlog (default 100). */
  backlog?: number;
  /** Set `SO_REUSEADDR` (default true, as CPython on Unix). */
  reuseAddress?: boolean | null;
  /** Set `SO_REUSEPORT`: several servers share the port. */
  reusePort?: boolean | null;
  /** Start accepting at once (default true). */
  startServing?: boolean;
  /** Accepted for compatibility (no TLS). */
  sslHandshakeTimeout?: number | null;
  /** Listening `Socket`s to serve instead of `host`/`port`. */
  sock?: Socket | Socket[] | Deno.Listener | Deno.Listener[] | null;
}

/** Options of `SelectorEventLoop.createUnixConnection()`. */
export interface SelectorUnixConnectionOptions {
  /** TLS is not supported by this loop (`NotImplementedError`). */
  ssl?: unknown;
  /** Only meaningful with `ssl`. */
  serverHostname?: string | null;
  /** A connected Unix `Socket` to use instead of `path`. */
  sock?: Socket | Deno.Conn | null;
  /** Accepted for compatibility (no TLS). */
  sslHandshakeTimeout?: number | null;
}

/** Options of `SelectorEventLoop.createUnixServer()`. */
export interface SelectorUnixServerOptions {
  /** TLS is not supported by this loop (`NotImplementedError`). */
  ssl?: unknown;
  /** The listen backlog (default 100). */
  backlog?: number;
  /** Start accepting at once (default true). */
  startServing?: boolean;
  /** Remove the socket file when the server closes (default true). */
  cleanupSocket?: boolean;
  /** Accepted for compatibility (no TLS). */
  sslHandshakeTimeout?: number | null;
  /** A listening Unix `Socket` to serve instead of `path`. */
  sock?: Socket | Deno.Listener | null;
}

/** Options of `SelectorEventLoop.createDatagramEndpoint()`. */
export interface DatagramEndpointOptions {
  /** The address to bind: `[host, port]`, or a path for `AF_UNIX`. */
  localAddr?: SocketAddressLike | null;
  /** The peer to connect to (datagrams without an address go there). */
  remoteAddr?: SocketAddressLike | null;
  /** `AF_INET` (or 4), `AF_INET6` (or 6), `AF_UNIX`, or 0 (default). */
  family?: number;
  /** The protocol (default 0). */
  proto?: number;
  /** `AI_*` flags for `getaddrinfo` (default 0). */
  flags?: number;
  /** Set `SO_REUSEPORT`. */
  reusePort?: boolean | null;
  /** Set `SO_BROADCAST` (then `remoteAddr` is not connected to). */
  allowBroadcast?: boolean | null;
  /**
   * Not supported, as in CPython 3.11+: `true` is a `RangeError`
   * (`SO_REUSEADDR` on UDP lets another process steal the port).
   */
  reuseAddress?: boolean | null;
  /**
   * A datagram `Socket` to use instead (a `Deno.DatagramConn`, which the
   * default loop takes, is refused here with a `TypeError`).
   */
  sock?: Socket | DatagramConnLike | null;
}

/** Python's default `backlog` of servers. */
const DEFAULT_BACKLOG = 100;
/** Seconds before accepting again after running out of descriptors. */
const ACCEPT_RETRY_DELAY = 1;

function osError(code: number, detail?: string): Error {
  return _osError(code, libc().strerror(code), detail);
}

function familyOf(family: number | undefined, what: string): number {
  if (family === undefined || family === 0) return 0;
  if (family === 4 || family === AF_INET) return AF_INET;
  if (family === 6 || family === AF_INET6) return AF_INET6;
  if (family === AF_UNIX) return AF_UNIX;
  throw new RangeError(
    `Cannot ${what} as 'family' must be 0, AF_INET (4), AF_INET6 (6) or AF_UNIX: current value is ${
      describe(family)
    }`,
  );
}

function noTls(ssl: unknown, what: string): void {
  if (ssl != null && ssl !== false) {
    throw new NotImplementedError(
      `${what} with 'ssl' is not supported by SelectorEventLoop: it has no TLS; use the default loop (DenoEventLoop)`,
    );
  }
}

function checkSock(sock: unknown, what: string): Socket {
  if (!(sock instanceof Socket)) {
    throw new TypeError(
      `Cannot ${what} as 'sock' must be a Socket on this loop: current value is ${
        describe(sock)
      }`,
    );
  }
  return sock;
}

/** The host and port of an IP address argument, or `null` for a path. */
function hostPortOf(address: SocketAddressLike): [string, number] | null {
  if (Array.isArray(address)) return [address[0], address[1]];
  if (
    address !== null && typeof address === "object" &&
    !(address instanceof Uint8Array) && "hostname" in address
  ) {
    return [address.hostname, address.port];
  }
  return null;
}

/**
 * The host and port of the datagram address `addr` given as `name`, or
 * the error that says what is wrong with it (a port may also be a service
 * name, as `getaddrinfo()` takes).
 */
function checkHostPort(
  addr: unknown,
  what: string,
  name: string,
): [string, number | string] {
  let host: unknown = null;
  let port: unknown = null;
  if (Array.isArray(addr) && (addr.length === 2 || addr.length === 4)) {
    [host, port] = addr;
  } else if (
    addr !== null && typeof addr === "object" &&
    !(addr instanceof Uint8Array) && "hostname" in addr
  ) {
    const a = addr as { hostname: unknown; port?: unknown };
    host = a.hostname;
    port = a.port;
  }
  if (typeof host !== "string") {
    throw new TypeError(
      `Cannot ${what} as '${name}' must be [host, port] or { hostname, port }: current value is ${
        describe(addr)
      }`,
    );
  }
  if (typeof port === "string") return [host, port];
  return [host, checkPort(port, what, `the port of '${name}'`)];
}

const IPV4_LITERAL = /^\d+\.\d+\.\d+\.\d+$/;

/** Whether `host` needs the resolver (not a literal, not localhost). */
function needsResolve(host: string): boolean {
  return host !== "" && host !== "localhost" && host !== "<broadcast>" &&
    !IPV4_LITERAL.test(host) && !host.includes(":");
}

/** The error of several failed connection attempts (CPython's wording). */
function combine(errors: unknown[]): unknown {
  if (errors.length === 1) return errors[0];
  const first = String((errors[0] as Error)?.message);
  if (errors.every((e) => String((e as Error)?.message) === first)) {
    return errors[0];
  }
  return new OSError(
    null,
    `Multiple exceptions: ${
      errors.map((e) => String((e as Error)?.message)).join(", ")
    }`,
  );
}

// ---- the server ----

/** The `Server` of `SelectorEventLoop`: listening `Socket`s. */
export class _SelectorServer extends Server {
  /** @internal */ _socks: Socket[];
  /** @internal */ _backlog: number;
  /** @internal */ _selectorLoop: SelectorEventLoop;

  /** @internal Use `loop.createServer()`. */
  constructor(
    loop: SelectorEventLoop,
    socks: Socket[],
    setup: ServerSetup,
    backlog: number,
  ) {
    super(loop, [], setup);
    this._selectorLoop = loop;
    this._socks = socks;
    this._backlog = backlog;
  }

  /** The listening `Socket`s; empty once closed. */
  override get sockets(): Socket[] {
    return this._listeners === null ? [] : [...this._socks];
  }

  /** @internal Starts accepting (a reader per listening socket). */
  override _startServing(): void {
    if (this._serving || this._listeners === null) return;
    this._serving = true;
    for (const sock of this._socks) this._watch(sock);
  }

  /** @internal */
  _watch = (sock: Socket): void => {
    if (this._listeners === null || sock.closed) return;
    this._selectorLoop._addReader(sock.fileno(), this._acceptConnection, [
      sock,
    ]);
  };

  /**
   * @internal Accepts the connections waiting on `sock` (up to the
   * backlog per readiness report, as CPython).
   */
  _acceptConnection = (sock: Socket): void => {
    const loop = this._selectorLoop;
    for (let i = 0; i < this._backlog; i++) {
      const r = sock._accept();
      if (typeof r === "number") {
        if (r === E.EAGAIN || r === E.ECONNABORTED || r === E.EINTR) return;
        const exc = osError(r);
        loop.callExceptionHandler({
          message: "socket.accept() out of system resource",
          exception: exc,
          socket: sock,
        });
        if (
          r === E.EMFILE || r === E.ENFILE || r === E.ENOBUFS ||
          r === E.ENOMEM
        ) {
          // Linux keeps reporting the socket ready: try again later.
          loop._removeReader(sock.fileno());
          loop.callLater(ACCEPT_RETRY_DELAY, this._watch, sock);
        }
        return;
      }
      const [conn, addr] = r;
      let protocol: BaseProtocol;
      try {
        conn.setBlocking(false);
        protocol = this._setup.protocolFactory();
      } catch (exc) {
        conn.close();
        loop.callExceptionHandler({
          message: "Error on transport creation for incoming connection",
          exception: exc,
          socket: conn,
        });
        continue;
      }
      new _SelectorSocketTransport(loop, conn, protocol, {
        server: this,
        extra: { peername: addr },
      });
    }
  };

  /**
   * Stops listening: the listening sockets are closed; accepted
   * connections stay open (see `closeClients()`).
   */
  override close(): void {
    if (this._listeners === null) return;
    const loop = this._selectorLoop;
    for (const sock of this._socks) {
      if (!loop.isClosed()) loop._removeReader(sock.fileno());
      sock.close();
    }
    super.close();
  }
}

const serveCo = coroutine(function* (
  server: Server,
  startServing: boolean,
): Coroutine<Server> {
  if (startServing) {
    server._startServing();
    yield;
  }
  return server;
});

// ---- connections ----

/** Makes the transport for `sock` and waits for `connectionMade()`. */
function* makeTransport<P extends BaseProtocol>(
  loop: SelectorEventLoop,
  sock: Socket,
  factory: ProtocolFactory<P>,
): Coroutine<[Transport, P]> {
  let protocol: P;
  try {
    protocol = factory();
  } catch (e) {
    sock.close();
    throw e;
  }
  const waiter = new Future<unknown>({ loop });
  const transport = new _SelectorSocketTransport(loop, sock, protocol, {
    waiter,
  });
  try {
    yield* waiter;
  } catch (e) {
    transport.close();
    throw e;
  }
  return [transport, protocol];
}

/** Resolves a host name in `address` (numeric ones are left to `Socket`). */
function* resolved(
  loop: SelectorEventLoop,
  address: SocketAddressLike,
  family: number,
  type: number,
): Coroutine<SocketAddressLike> {
  const hp = hostPortOf(address);
  if (hp === null || !needsResolve(hp[0])) return address;
  const infos: AddrInfo[] = yield* loop.getaddrinfo(hp[0], hp[1], {
    family,
    type,
  });
  if (infos.length === 0) {
    throw new OSError(null, "getaddrinfo() returned empty list");
  }
  return infos[0][4];
}

/** `loop.sockConnect()`: resolves the address if needed, then connects. */
export const sockConnect: (
  loop: SelectorEventLoop,
  sock: Socket,
  address: SocketAddressLike,
) => Awaitable<void> = coroutine(function* (
  loop: SelectorEventLoop,
  sock: Socket,
  address: SocketAddressLike,
): Coroutine<void> {
  let target = address;
  if (sock.family === AF_INET || sock.family === AF_INET6) {
    target = yield* resolved(loop, address, sock.family, sock.type);
  }
  yield* loop._sockConnect(sock, target);
});

/** `loop.createConnection()`. */
export const createConnection: <P extends BaseProtocol>(
  loop: SelectorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  host?: string | null,
  port?: number | null,
  options?: SelectorConnectionOptions,
) => Awaitable<[Transport, P]> = coroutine(function* <P extends BaseProtocol>(
  loop: SelectorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  host?: string | null,
  port?: number | null,
  options?: SelectorConnectionOptions,
): Coroutine<[Transport, P]> {
  const what = "create connection";
  checkFactory(protocolFactory, what);
  noTls(options?.ssl, "createConnection()");
  if (options?.serverHostname != null) {
    throw new RangeError(
      "Cannot create connection as 'serverHostname' is only meaningful with 'ssl'",
    );
  }
  const family = familyOf(options?.family, what);
  if (options?.sock != null) {
    if (host != null || port != null) {
      throw new RangeError(
        "Cannot create connection as 'host' and 'port' may not be given with 'sock'",
      );
    }
    const sock = checkSock(options.sock, what);
    sock.setBlocking(false);
    return yield* makeTransport(loop, sock, protocolFactory);
  }
  if (host == null || port == null) {
    throw new RangeError(
      "Cannot create connection as 'host' and 'port' must be given when 'sock' is not",
    );
  }
  checkPort(port, what);
  const infos: AddrInfo[] = yield* loop.getaddrinfo(host, port, {
    family,
    type: SOCK_STREAM,
    proto: options?.proto ?? 0,
    flags: options?.flags ?? 0,
  });
  if (infos.length === 0) {
    throw new OSError(null, "getaddrinfo() returned empty list");
  }
  const errors: unknown[] = [];
  for (const [fam, , proto, , address] of infos) {
    let sock: Socket | null = null;
    try {
      sock = new Socket(fam, SOCK_STREAM, proto);
      sock.setBlocking(false);
      const local = options?.localAddr ?? null;
      if (local !== null) {
        try {
          sock.bind(local);
        } catch (e) {
          const code = (e as OSError).errno;
          throw typeof code === "number"
            ? osError(
              code,
              `error while attempting to bind on address ${describe(local)}: ${
                libc().strerror(code).toLowerCase()
              }`,
            )
            : e;
        }
      }
      yield* loop._sockConnect(sock, address);
    } catch (e) {
      sock?.close();
      if (e instanceof CancelledError || !(e instanceof OSError)) throw e;
      errors.push(e);
      continue;
    }
    return yield* makeTransport(loop, sock, protocolFactory);
  }
  throw combine(errors);
});

/** `loop.createUnixConnection()`. */
export const createUnixConnection: <P extends BaseProtocol>(
  loop: SelectorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  path?: string | null,
  options?: SelectorUnixConnectionOptions,
) => Awaitable<[Transport, P]> = coroutine(function* <P extends BaseProtocol>(
  loop: SelectorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  path?: string | null,
  options?: SelectorUnixConnectionOptions,
): Coroutine<[Transport, P]> {
  const what = "create Unix connection";
  checkFactory(protocolFactory, what);
  noTls(options?.ssl, "createUnixConnection()");
  let sock: Socket;
  if (options?.sock != null) {
    if (path != null) {
      throw new RangeError(
        "Cannot create Unix connection as 'path' and 'sock' are mutually exclusive",
      );
    }
    sock = checkSock(options.sock, what);
    sock.setBlocking(false);
  } else {
    if (typeof path !== "string") {
      throw new TypeError(
        `Cannot create Unix connection as 'path' must be a string: current value is ${
          describe(path)
        }`,
      );
    }
    sock = new Socket(AF_UNIX, SOCK_STREAM);
    try {
      sock.setBlocking(false);
      yield* loop._sockConnect(sock, path);
    } catch (e) {
      sock.close();
      throw e;
    }
  }
  return yield* makeTransport(loop, sock, protocolFactory);
});

// ---- servers ----

function startServer(
  make: () => Server | Coroutine<Server>,
  startServing: boolean | undefined,
): Awaitable<Server> {
  return coroutine(function* (): Coroutine<Server> {
    const made = make();
    const server = made instanceof Server ? made : yield* made;
    return yield* serveCo(server, startServing ?? true);
  })();
}

/** Binds and listens on every address of `hosts`; the sockets. */
function* listenAll(
  loop: SelectorEventLoop,
  hosts: (string | null)[],
  port: number,
  options: SelectorServerOptions | undefined,
  backlog: number,
): Coroutine<Socket[]> {
  const family = familyOf(options?.family, "create server");
  const seen = new Set<string>();
  const targets: AddrInfo[] = [];
  for (const host of hosts) {
    const infos: AddrInfo[] = yield* loop.getaddrinfo(host, port, {
      family,
      type: SOCK_STREAM,
      flags: options?.flags ?? AI_PASSIVE,
    });
    if (infos.length === 0) {
      throw new OSError(null, `getaddrinfo(${host}) returned empty list`);
    }
    for (const info of infos) {
      const a = info[4] as Deno.NetAddr;
      const id = `${info[0]}/${info[2]}/${a.hostname}/${a.port}`;
      if (seen.has(id)) continue;
      seen.add(id);
      targets.push(info);
    }
  }
  const socks: Socket[] = [];
  try {
    for (const [fam, , proto, , address] of targets) {
      let sock: Socket;
      try {
        sock = new Socket(fam, SOCK_STREAM, proto);
      } catch (e) {
        // An address family the system has no support for (no IPv6).
        if ((e as OSError).errno === E.EAFNOSUPPORT) continue;
        throw e;
      }
      socks.push(sock);
      if (options?.reuseAddress ?? true) {
        sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      }
      if (options?.reusePort) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
      if (fam === AF_INET6) {
        // Listen on IPv6 only, so that 0.0.0.0 and :: can share a port.
        sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
      }
      try {
        sock.bind(address);
      } catch (e) {
        const code = (e as OSError).errno;
        if (typeof code !== "number") throw e;
        const a = address as Deno.NetAddr;
        throw osError(
          code,
          `error while attempting to bind on address ('${a.hostname}', ${a.port}): ${
            libc().strerror(code).toLowerCase()
          }`,
        );
      }
      sock.listen(backlog);
      sock.setBlocking(false);
    }
  } catch (e) {
    for (const s of socks) s.close();
    throw e;
  }
  return socks;
}

/** `loop.createServer()`. */
export function createServer(
  loop: SelectorEventLoop,
  protocolFactory: ProtocolFactory,
  host?: string | string[] | null,
  port?: number | null,
  options?: SelectorServerOptions,
): Awaitable<Server> {
  return startServer(function* (): Coroutine<Server> {
    const what = "create server";
    checkFactory(protocolFactory, what);
    const backlog = checkBacklog(options?.backlog, what, DEFAULT_BACKLOG);
    noTls(options?.ssl, "createServer()");
    const setup: ServerSetup = {
      protocolFactory,
      ssl: null,
      sslHandshakeTimeout: 60,
    };
    const sock = options?.sock ?? null;
    if (sock !== null) {
      if (host != null || port != null) {
        throw new RangeError(
          "Cannot create server as 'host' and 'port' may not be given with 'sock'",
        );
      }
      const socks = (Array.isArray(sock) ? [...sock] : [sock]).map((s) =>
        checkSock(s, what)
      );
      for (const s of socks) s.setBlocking(false);
      return new _SelectorServer(loop, socks, setup, backlog);
    }
    const p = checkPort(port ?? 0, what);
    const hosts = host == null || host === ""
      ? [null]
      : typeof host === "string"
      ? [host]
      : [...new Set(host)];
    const socks = yield* listenAll(loop, hosts, p, options, backlog);
    return new _SelectorServer(loop, socks, setup, backlog);
  }, options?.startServing);
}

/** `loop.createUnixServer()`. */
export function createUnixServer(
  loop: SelectorEventLoop,
  protocolFactory: ProtocolFactory,
  path?: string | null,
  options?: SelectorUnixServerOptions,
): Awaitable<Server> {
  return startServer(() => {
    const what = "create Unix server";
    checkFactory(protocolFactory, what);
    const backlog = checkBacklog(options?.backlog, what, DEFAULT_BACKLOG);
    noTls(options?.ssl, "createUnixServer()");
    const unlink: string[] = [];
    let sock: Socket;
    if (options?.sock != null) {
      if (path != null) {
        throw new RangeError(
          "Cannot create Unix server as 'path' and 'sock' are mutually exclusive",
        );
      }
      sock = checkSock(options.sock, what);
    } else {
      if (typeof path !== "string") {
        throw new TypeError(
          `Cannot create Unix server as 'path' must be a string: current value is ${
            describe(path)
          }`,
        );
      }
      const abstract = path.startsWith("\0");
      if (!abstract) removeStaleSocket(path);
      sock = new Socket(AF_UNIX, SOCK_STREAM);
      try {
        sock.bind(path);
        sock.listen(backlog);
      } catch (e) {
        sock.close();
        if ((e as OSError).errno === E.EADDRINUSE) {
          throw osError(
            E.EADDRINUSE,
            `Address ${JSON.stringify(path)} is already in use`,
          );
        }
        throw e;
      }
      if ((options?.cleanupSocket ?? true) && !abstract) unlink.push(path);
    }
    sock.setBlocking(false);
    return new _SelectorServer(loop, [sock], {
      protocolFactory,
      ssl: null,
      sslHandshakeTimeout: 60,
      unlinkOnClose: unlink,
    }, backlog);
  }, options?.startServing);
}

/** Removes a socket file left at `path` by an earlier server (as CPython). */
function removeStaleSocket(path: string): void {
  try {
    if (Deno.statSync(path).isSocket) Deno.removeSync(path);
  } catch {
    // Nothing there, or no permission to look: bind() will tell.
  }
}

// ---- datagrams ----

/** `loop.createDatagramEndpoint()`. */
export const createDatagramEndpoint: <P extends BaseProtocol>(
  loop: SelectorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  options?: DatagramEndpointOptions,
) => Awaitable<[DatagramTransport, P]> = coroutine(function* <
  P extends BaseProtocol,
>(
  loop: SelectorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  options?: DatagramEndpointOptions,
): Coroutine<[DatagramTransport, P]> {
  const what = "create datagram endpoint";
  checkFactory(protocolFactory, what);
  if (options != null && typeof options !== "object") {
    throw new TypeError(
      `Cannot ${what} as 'options' must be an object: current value is ${
        describe(options)
      }`,
    );
  }
  if (options?.reuseAddress) {
    throw new RangeError(
      "Passing 'reuseAddress: true' is no longer supported, as the usage of SO_REUSEPORT in UDP poses a significant security concern.",
    );
  }
  const local = options?.localAddr ?? null;
  const remote = options?.remoteAddr ?? null;
  let family = familyOf(options?.family, what);
  const proto = options?.proto ?? 0;
  let sock: Socket | null = null;
  let rAddr: SocketAddressLike | null = null;
  if (options?.sock != null) {
    if (local !== null || remote !== null || family !== 0) {
      throw new RangeError(
        "Cannot create datagram endpoint as 'sock' may not be given with addresses or 'family'",
      );
    }
    sock = checkSock(options.sock, what);
    sock.setBlocking(false);
  } else {
    let pairs: [
      number,
      number,
      SocketAddressLike | null,
      SocketAddressLike | null,
    ][];
    if (local === null && remote === null) {
      if (family === 0) {
        throw new RangeError(
          "Cannot create datagram endpoint as an address, 'family' or 'sock' must be given",
        );
      }
      pairs = [[family, proto, null, null]];
    } else if (
      family === AF_UNIX || typeof local === "string" ||
      typeof remote === "string"
    ) {
      for (const a of [local, remote]) {
        if (a !== null && typeof a !== "string") {
          throw new TypeError(
            `Cannot create datagram endpoint as Unix addresses must be paths: current value is ${
              describe(a)
            }`,
          );
        }
      }
      family = AF_UNIX;
      if (typeof local === "string" && !local.startsWith("\0")) {
        removeStaleSocket(local);
      }
      pairs = [[AF_UNIX, proto, local, remote]];
    } else {
      const byKey = new Map<
        string,
        [number, number, SocketAddressLike | null, SocketAddressLike | null]
      >();
      const named = [[2, local, "localAddr"], [
        3,
        remote,
        "remoteAddr",
      ]] as const;
      for (const [idx, addr, name] of named) {
        if (addr === null) continue;
        const hp = checkHostPort(addr, what, name);
        const infos: AddrInfo[] = yield* loop.getaddrinfo(hp[0], hp[1], {
          family,
          type: SOCK_DGRAM,
          proto,
          flags: options?.flags ?? 0,
        });
        if (infos.length === 0) {
          throw new OSError(null, "getaddrinfo() returned empty list");
        }
        for (const [fam, , pro, , address] of infos) {
          const key = `${fam}/${pro}`;
          let entry = byKey.get(key);
          if (entry === undefined) {
            entry = [fam, pro, null, null];
            byKey.set(key, entry);
          }
          if (entry[idx] === null) entry[idx] = address;
        }
      }
      pairs = [...byKey.values()].filter((p) =>
        !((local !== null && p[2] === null) ||
          (remote !== null && p[3] === null))
      );
      if (pairs.length === 0) {
        throw new RangeError(
          "Cannot create datagram endpoint as no address family fits both addresses",
        );
      }
    }
    const errors: unknown[] = [];
    for (const [fam, pro, localAddress, remoteAddress] of pairs) {
      let s: Socket | null = null;
      try {
        s = new Socket(fam, SOCK_DGRAM, pro);
        if (options?.reusePort) s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
        if (options?.allowBroadcast) s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
        s.setBlocking(false);
        if (localAddress !== null) s.bind(localAddress);
        if (remoteAddress !== null) {
          if (!options?.allowBroadcast) {
            yield* loop._sockConnect(s, remoteAddress);
          }
          rAddr = remoteAddress;
        }
      } catch (e) {
        s?.close();
        if (e instanceof CancelledError || !(e instanceof OSError)) throw e;
        errors.push(e);
        continue;
      }
      sock = s;
      break;
    }
    if (sock === null) throw combine(errors);
  }
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (e) {
    sock.close();
    throw e;
  }
  const waiter = new Future<unknown>({ loop });
  let peer = null;
  if (rAddr !== null) {
    try {
      peer = sock.getpeername();
    } catch {
      // Not connected (a broadcast endpoint): send to the packed address.
      peer = null;
    }
  }
  const transport = new _SelectorDatagramTransport(
    loop,
    sock,
    protocol,
    rAddr === null ? null : peer ?? normalize(rAddr, sock),
    { waiter },
  );
  try {
    yield* waiter;
  } catch (e) {
    transport.close();
    throw e;
  }
  return [transport, protocol];
});

/** A Deno address for `addr` (the remote address of a broadcast endpoint). */
function normalize(
  addr: SocketAddressLike,
  sock: Socket,
): Deno.NetAddr | Deno.UnixAddr {
  if (typeof addr === "string") return { transport: "unixpacket", path: addr };
  const hp = hostPortOf(addr);
  if (hp !== null) {
    return {
      transport: sock.type === SOCK_DGRAM ? "udp" : "tcp",
      hostname: hp[0],
      port: hp[1],
    };
  }
  return addr as Deno.UnixAddr;
}
