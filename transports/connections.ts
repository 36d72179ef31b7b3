/**
 * The network methods of `DenoEventLoop` (CPython's `base_events.py`
 * `create_connection`/`create_server` and `proactor_events.py` `sock_*`),
 * written as functions of the loop so the loop file stays a list of
 * declarations.
 *
 * @module
 */
import {
  NotImplementedError,
  RuntimeError,
  SendfileNotAvailableError,
} from "../futures/exceptions.ts";
import { Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { describe } from "../loop/_describe.ts";
import { BaseProtocol, type ProtocolFactory } from "./protocol.ts";
import type { Transport } from "./transport.ts";
import { _StreamTransport } from "./_stream_transport.ts";
import { _SocketTransport } from "./socket_transport.ts";
import { Server } from "./server.ts";
import { _lookupFailed } from "./os_errors.ts";
import {
  checkHandshakeTimeout,
  clientTlsOptions,
  handshake,
  serverTlsOptions,
  type SSLArg,
  sslOptions,
  startTlsOver,
  tlsError,
} from "./tls.ts";
import { checkBacklog, checkFactory, checkPort } from "./_checks.ts";

/** An address given to the module: `[host, port]`, or Deno's address object. */
export type AddressLike =
  | [string, number]
  | Deno.NetAddr
  | Deno.UnixAddr
  | { hostname: string; port: number }
  | { path: string };

/** Options of `loop.createConnection()`. */
export interface CreateConnectionOptions {
  /** TLS: `true` (verified, system roots) or `SSLOptions`. */
  ssl?: SSLArg;
  /** The name to verify and send as SNI (default: `host`). */
  serverHostname?: string | null;
  /** Address family: `4`, `6`, or `0` for any (default). */
  family?: 0 | 4 | 6;
  /**
   * A local address to bind first. Deno cannot bind a socket before
   * connecting: any value but `null`/`undefined` is a `NotImplementedError`.
   */
  localAddr?: AddressLike | null;
  /**
   * Happy Eyeballs (RFC 8305): seconds to wait before trying the next
   * address. Given, Deno's `autoSelectFamily` is on with this delay.
   */
  happyEyeballsDelay?: number | null;
  /** An already connected `Deno.Conn` to use instead of `host`/`port`. */
  sock?: Deno.Conn | null;
  /** Seconds the TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
}

/** Options of `loop.createServer()`. */
export interface CreateServerOptions {
  /** TLS: `SSLOptions` with `cert` and `key`. */
  ssl?: SSLArg;
  /**
   * The listen backlog (default 100). Deno does not let it be set: it is
   * checked and otherwise ignored.
   */
  backlog?: number;
  /** Set `SO_REUSEPORT` (Linux): several servers share the port. */
  reusePort?: boolean | null;
  /** Start accepting at once (default true). */
  startServing?: boolean;
  /** Seconds a TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
  /** Listeners to serve instead of `host`/`port`. */
  sock?: Deno.Listener | Deno.Listener[] | null;
}

/** Options of `loop.createUnixConnection()`. */
export interface CreateUnixConnectionOptions {
  /** TLS over the Unix socket (runs through a loopback relay, see `tls.ts`). */
  ssl?: SSLArg;
  /** The name to verify (required with `ssl`). */
  serverHostname?: string | null;
  /** An already connected `Deno.UnixConn` to use instead of `path`. */
  sock?: Deno.Conn | null;
  /** Seconds the TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
}

/** Options of `loop.createUnixServer()`. */
export interface CreateUnixServerOptions {
  /** TLS: `SSLOptions` with `cert` and `key`. */
  ssl?: SSLArg;
  /** The listen backlog (checked, then ignored: Deno does not take it). */
  backlog?: number;
  /** Start accepting at once (default true). */
  startServing?: boolean;
  /** Seconds a TLS handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
  /** Remove the socket file when the server closes (default true, as CPython 3.13). */
  cleanupSocket?: boolean;
  /** A listener to serve instead of `path`. */
  sock?: Deno.Listener | null;
}

/** Options of `loop.startTls()`. */
export interface StartTlsOptions {
  /** Act as the TLS server (`ssl` then needs `cert` and `key`). */
  serverSide?: boolean;
  /** The name to verify and send as SNI (client side; default: the peer's address). */
  serverHostname?: string | null;
  /** Seconds the handshake may take (default 60). */
  sslHandshakeTimeout?: number | null;
}

/** Options of `loop.sockSendfile()`. */
export interface SockSendfileOptions {
  /**
   * Fall back to reading and writing when the OS cannot send the file
   * itself (default true). Deno has no `sendfile`: without the fallback,
   * `SendfileNotAvailableError`.
   */
  fallback?: boolean;
}

/**
 * A Future of `loop` settled by `body()`; if the future is done (cancelled)
 * before `body()` settles, `dispose(value)` gets the value.
 */
export function futureFrom<T>(
  loop: AbstractEventLoop,
  body: (signal: AbortSignal) => Promise<T>,
  dispose?: (value: T) => void,
): Future<T> {
  const fut = new Future<T>({ loop });
  const abort = new AbortController();
  fut.addDoneCallback(() => {
    if (fut.cancelled()) abort.abort();
  });
  let p: Promise<T>;
  try {
    p = body(abort.signal);
  } catch (e) {
    p = Promise.reject(e);
  }
  p.then(
    (value) => {
      if (fut.done() || loop.isClosed()) dispose?.(value);
      else fut.setResult(value);
    },
    (error) => {
      if (!fut.done() && !loop.isClosed()) fut.setException(error);
    },
  );
  return fut;
}

/**
 * A closed loop takes no new connection, server or socket operation: a
 * `RuntimeError` at the call, as `callSoon()` (asyncio's `_check_closed()`).
 */
function checkOpen(loop: AbstractEventLoop): void {
  if (loop.isClosed()) throw new RuntimeError("Event loop is closed");
}

function checkHost(host: unknown, what: string): void {
  if (typeof host !== "string") {
    throw new TypeError(
      `Cannot ${what} as 'host' must be a host name or an address: current value is ${
        describe(host)
      }`,
    );
  }
}

/** Picks the address to connect to for `host` and `family`. */
async function resolveHost(host: string, family: number): Promise<string> {
  if (family === 0) return host;
  const isV6 = host.includes(":");
  const isV4 = /^\d+\.\d+\.\d+\.\d+$/.test(host);
  if (isV6 || isV4) {
    if ((family === 6) !== isV6) {
      throw new Deno.errors.NotFound(
        `[Errno -9] Address family for hostname not supported: ${host}`,
      );
    }
    return host;
  }
  if (host === "localhost") return family === 6 ? "::1" : "127.0.0.1";
  const records = await Deno.resolveDns(host, family === 6 ? "AAAA" : "A");
  if (records.length === 0) {
    throw new Deno.errors.NotFound(
      `getaddrinfo() returned empty list for ${host}`,
    );
  }
  return records[0];
}

/** Makes the transport for `conn`, waits for `connectionMade()`. */
async function makeTransport<P extends BaseProtocol>(
  loop: AbstractEventLoop,
  conn: Deno.Conn,
  factory: ProtocolFactory<P>,
  tls: { ssl: unknown; alpn: string | null } | null,
): Promise<[Transport, P]> {
  let protocol: P;
  try {
    protocol = factory();
  } catch (e) {
    conn.close();
    throw e;
  }
  const waiter = new Future<unknown>({ loop });
  const transport = new _SocketTransport(loop, conn, protocol, {
    waiter,
    tls: tls !== null,
    sslcontext: tls?.ssl,
    alpnProtocol: tls?.alpn ?? null,
  });
  try {
    await waiter;
  } catch (e) {
    transport.close();
    throw e;
  }
  return [transport, protocol];
}

/** Upgrades a plain `conn` to TLS as a client and completes the handshake. */
async function clientTls(
  conn: Deno.Conn,
  ssl: ReturnType<typeof sslOptions> & object,
  hostname: string,
  timeout: number,
): Promise<{ conn: Deno.TlsConn; alpn: string | null }> {
  let tls: Deno.TlsConn;
  try {
    tls = await Deno.startTls(
      conn as Deno.TcpConn,
      clientTlsOptions(ssl, hostname),
    );
  } catch (e) {
    try {
      conn.close();
    } catch { /* consumed */ }
    throw tlsError(e, hostname);
  }
  const alpn = await handshake(tls, timeout, hostname);
  return { conn: tls, alpn };
}

/** `loop.createConnection()`. */
export function createConnection<P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  host?: string | null,
  port?: number | null,
  options?: CreateConnectionOptions,
): Future<[Transport, P]> {
  checkOpen(loop);
  return futureFrom(loop, async (signal) => {
    const what = "create connection";
    checkFactory(protocolFactory, what);
    const ssl = sslOptions(options?.ssl, what);
    const timeout = checkHandshakeTimeout(options?.sslHandshakeTimeout, what);
    if (options?.serverHostname != null && ssl === null) {
      throw new RangeError(
        "Cannot create connection as 'serverHostname' is only meaningful with 'ssl'",
      );
    }
    if (options?.localAddr != null) {
      throw new NotImplementedError(
        "createConnection() cannot bind 'localAddr': Deno.connect() does not bind before connecting",
      );
    }
    let conn: Deno.Conn;
    let name: string;
    const sock = options?.sock ?? null;
    if (sock !== null) {
      if (host != null || port != null) {
        throw new RangeError(
          "Cannot create connection as 'host' and 'port' may not be given with 'sock'",
        );
      }
      conn = sock;
      const peer = sock.remoteAddr;
      name = "hostname" in peer ? peer.hostname : "localhost";
    } else {
      if (host == null || port == null) {
        throw new RangeError(
          "Cannot create connection as 'host' and 'port' must be given when 'sock' is not",
        );
      }
      checkHost(host, what);
      checkPort(port, what);
      const family = options?.family ?? 0;
      if (family !== 0 && family !== 4 && family !== 6) {
        throw new RangeError(
          `Cannot create connection as 'family' must be 0, 4 or 6: current value is ${
            describe(family)
          }`,
        );
      }
      const hostname = await resolveHost(host, family);
      const delay = options?.happyEyeballsDelay;
      const connectOptions: Deno.ConnectOptions & {
        autoSelectFamilyAttemptDelay?: number;
      } = { hostname, port, signal };
      if (delay != null) {
        connectOptions.autoSelectFamily = true;
        connectOptions.autoSelectFamilyAttemptDelay = Math.max(
          10,
          Math.round(delay * 1000),
        );
      }
      try {
        conn = await Deno.connect(connectOptions);
      } catch (e) {
        throw _lookupFailed(e, host);
      }
      name = host;
    }
    if (ssl === null) {
      return await makeTransport(loop, conn, protocolFactory, null);
    }
    const hostname = options?.serverHostname ?? name;
    const tls = await clientTls(conn, ssl, hostname, timeout);
    return await makeTransport(loop, tls.conn, protocolFactory, {
      ssl,
      alpn: tls.alpn,
    });
  }, ([transport]) => transport.close());
}

function listenAll(
  hosts: string[],
  port: number,
  ssl: ReturnType<typeof sslOptions>,
  reusePort: boolean,
): Deno.Listener[] {
  const listeners: Deno.Listener[] = [];
  try {
    for (const hostname of hosts) {
      const base = { hostname, port, reusePort } as Deno.TcpListenOptions;
      try {
        listeners.push(
          ssl === null
            ? Deno.listen(base)
            : Deno.listenTls({ ...base, ...serverTlsOptions(ssl) }),
        );
      } catch (e) {
        // "::" after "0.0.0.0" on a dual-stack host with a fixed port.
        if (
          hosts.length > 1 && hostname === "::" &&
          e instanceof Deno.errors.AddrInUse
        ) continue;
        throw _lookupFailed(e, hostname);
      }
    }
  } catch (e) {
    for (const l of listeners) l.close();
    throw e;
  }
  return listeners;
}

const serverCo = coroutine(function* (
  server: Server,
  startServing: boolean,
): Coroutine<Server> {
  if (startServing) {
    server._startServing();
    yield;
  }
  return server;
});

function startServer(
  loop: AbstractEventLoop,
  make: () => Server,
  startServing: boolean | undefined,
): Awaitable<Server> {
  let server: Server;
  try {
    server = make();
  } catch (e) {
    const fut = new Future<Server>({ loop });
    fut.setException(e);
    return fut;
  }
  return serverCo(server, startServing ?? true);
}

/** `loop.createServer()`. */
export function createServer(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory,
  host?: string | string[] | null,
  port?: number | null,
  options?: CreateServerOptions,
): Awaitable<Server> {
  checkOpen(loop);
  return startServer(loop, () => {
    const what = "create server";
    checkFactory(protocolFactory, what);
    checkBacklog(options?.backlog, what, 0);
    const ssl = sslOptions(options?.ssl, what);
    if (ssl !== null) serverTlsOptions(ssl);
    const timeout = checkHandshakeTimeout(options?.sslHandshakeTimeout, what);
    let listeners: Deno.Listener[];
    const sock = options?.sock ?? null;
    if (sock !== null) {
      if (host != null || port != null) {
        throw new RangeError(
          "Cannot create server as 'host' and 'port' may not be given with 'sock'",
        );
      }
      listeners = Array.isArray(sock) ? [...sock] : [sock];
    } else {
      const p = checkPort(port ?? 0, what);
      if (host != null && !Array.isArray(host)) checkHost(host, what);
      if (Array.isArray(host)) host.forEach((h) => checkHost(h, what));
      const hosts = host == null || host === ""
        ? ["0.0.0.0", "::"]
        : typeof host === "string"
        ? [host]
        : [...new Set(host)];
      listeners = listenAll(hosts, p, ssl, options?.reusePort ?? false);
    }
    return new Server(loop, listeners, {
      protocolFactory,
      ssl,
      sslHandshakeTimeout: timeout,
    });
  }, options?.startServing);
}

/** `loop.createUnixConnection()`. */
export function createUnixConnection<P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  path?: string | null,
  options?: CreateUnixConnectionOptions,
): Future<[Transport, P]> {
  checkOpen(loop);
  return futureFrom(loop, async () => {
    const what = "create Unix connection";
    checkFactory(protocolFactory, what);
    const ssl = sslOptions(options?.ssl, what);
    const timeout = checkHandshakeTimeout(options?.sslHandshakeTimeout, what);
    if (ssl !== null && options?.serverHostname == null) {
      throw new RangeError(
        "Cannot create Unix connection as 'serverHostname' must be given with 'ssl'",
      );
    }
    let conn: Deno.Conn;
    if (options?.sock != null) {
      if (path != null) {
        throw new RangeError(
          "Cannot create Unix connection as 'path' and 'sock' are mutually exclusive",
        );
      }
      conn = options.sock;
    } else {
      if (typeof path !== "string") {
        throw new TypeError(
          `Cannot create Unix connection as 'path' must be a string: current value is ${
            describe(path)
          }`,
        );
      }
      conn = await Deno.connect({ transport: "unix", path });
    }
    if (ssl === null) {
      return await makeTransport(loop, conn, protocolFactory, null);
    }
    const [plain] = await makeTransport(
      loop,
      conn,
      () => new BaseProtocol(),
      null,
    );
    const protocol = protocolFactory();
    const upgraded = await startTlsOver(
      loop,
      plain as _StreamTransport,
      protocol,
      ssl,
      { serverHostname: options?.serverHostname, sslHandshakeTimeout: timeout },
    );
    return [upgraded, protocol] as [Transport, P];
  }, ([transport]) => transport.close());
}

/** `loop.createUnixServer()`. */
export function createUnixServer(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory,
  path?: string | null,
  options?: CreateUnixServerOptions,
): Awaitable<Server> {
  checkOpen(loop);
  return startServer(loop, () => {
    const what = "create Unix server";
    checkFactory(protocolFactory, what);
    checkBacklog(options?.backlog, what, 0);
    const ssl = sslOptions(options?.ssl, what);
    if (ssl !== null) {
      throw new NotImplementedError(
        "createUnixServer() with 'ssl' is not supported: Deno has no TLS listener on Unix sockets; accept plain and use loop.startTls(transport, protocol, ssl, { serverSide: true })",
      );
    }
    const timeout = checkHandshakeTimeout(options?.sslHandshakeTimeout, what);
    let listener: Deno.Listener;
    const unlink: string[] = [];
    if (options?.sock != null) {
      if (path != null) {
        throw new RangeError(
          "Cannot create Unix server as 'path' and 'sock' are mutually exclusive",
        );
      }
      listener = options.sock;
    } else {
      if (typeof path !== "string") {
        throw new TypeError(
          `Cannot create Unix server as 'path' must be a string: current value is ${
            describe(path)
          }`,
        );
      }
      if (!path.startsWith("\0")) {
        try {
          if (Deno.statSync(path).isSocket) Deno.removeSync(path);
        } catch {
          // no stale socket
        }
      }
      listener = Deno.listen({ transport: "unix", path });
      if ((options?.cleanupSocket ?? true) && !path.startsWith("\0")) {
        unlink.push(path);
      }
    }
    return new Server(loop, [listener], {
      protocolFactory,
      ssl: null,
      sslHandshakeTimeout: timeout,
      unlinkOnClose: unlink,
    });
  }, options?.startServing);
}

/** `loop.startTls()`. */
export function startTls(
  loop: AbstractEventLoop,
  transport: Transport,
  protocol: BaseProtocol,
  sslcontext: SSLArg,
  options?: StartTlsOptions,
): Future<Transport> {
  checkOpen(loop);
  return futureFrom(loop, async () => {
    const what = "start TLS";
    const ssl = sslOptions(sslcontext === undefined ? true : sslcontext, what);
    if (ssl === null) {
      throw new TypeError(
        `Cannot start TLS as 'sslcontext' must be true or an SSLOptions object: current value is ${
          describe(sslcontext)
        }`,
      );
    }
    if (!(transport instanceof _StreamTransport)) {
      throw new TypeError(
        `Cannot start TLS as 'transport' must be a stream transport of this loop: current value is ${
          describe(transport)
        }`,
      );
    }
    if (transport._closing) {
      throw new TypeError("Cannot start TLS as the transport is closing");
    }
    const timeout = checkHandshakeTimeout(options?.sslHandshakeTimeout, what);
    return await startTlsOver(loop, transport, protocol, ssl, {
      serverSide: options?.serverSide,
      serverHostname: options?.serverHostname,
      sslHandshakeTimeout: timeout,
      connectionMade: false,
    });
  }, (t) => t.close());
}

// ---- low-level socket operations ----

interface SockState {
  reading: Promise<unknown> | null;
  leftover: Uint8Array | null;
  accepting: Promise<unknown> | null;
  accepted: Deno.Conn[];
}

const sockStates = new WeakMap<object, SockState>();

function stateOf(x: object): SockState {
  let s = sockStates.get(x);
  if (s === undefined) {
    s = { reading: null, leftover: null, accepting: null, accepted: [] };
    sockStates.set(x, s);
  }
  return s;
}

const EMPTY = new Uint8Array(0);

function checkConn(conn: unknown, what: string): void {
  if (
    conn === null || typeof conn !== "object" ||
    typeof (conn as Deno.Conn).read !== "function" ||
    typeof (conn as Deno.Conn).write !== "function"
  ) {
    throw new TypeError(
      `Cannot ${what} as 'sock' must be a Deno.Conn: current value is ${
        describe(conn)
      }`,
    );
  }
}

function takeLeftover(state: SockState, max: number): Uint8Array | null {
  const left = state.leftover;
  if (left === null) return null;
  if (left.length <= max) {
    state.leftover = null;
    return left;
  }
  state.leftover = left.subarray(max);
  return left.subarray(0, max);
}

function keepLeftover(state: SockState, data: Uint8Array): void {
  const left = state.leftover;
  if (left === null) {
    state.leftover = data;
    return;
  }
  const both = new Uint8Array(left.length + data.length);
  both.set(left);
  both.set(data, left.length);
  state.leftover = both;
}

/**
 * Reads from `conn` into `buf`, cancellation-safe: bytes that arrive for a
 * cancelled call are kept for the next one. `finish(n)` turns the count
 * into the result.
 */
function recvInto<T>(
  loop: AbstractEventLoop,
  conn: Deno.Conn,
  buf: Uint8Array,
  finish: (n: number) => T,
): Future<T> {
  const fut = new Future<T>({ loop });
  const state = stateOf(conn);
  const attempt = (): void => {
    if (fut.done()) return;
    const left = takeLeftover(state, buf.length);
    if (left !== null) {
      buf.set(left);
      fut.setResult(finish(left.length));
      return;
    }
    if (state.reading !== null) {
      state.reading.then(attempt, attempt);
      return;
    }
    const p = conn.read(buf);
    state.reading = p;
    p.then((n) => {
      state.reading = null;
      if (loop.isClosed()) return;
      if (fut.done()) {
        if (n !== null && n > 0) keepLeftover(state, buf.slice(0, n));
        return;
      }
      fut.setResult(finish(n ?? 0));
    }, (e) => {
      state.reading = null;
      if (!fut.done() && !loop.isClosed()) fut.setException(e);
    });
  };
  attempt();
  return fut;
}

/** `loop.sockRecv()`. */
export function sockRecv(
  loop: AbstractEventLoop,
  conn: Deno.Conn,
  nbytes: number,
): Future<Uint8Array> {
  checkOpen(loop);
  try {
    checkConn(conn, "receive");
    if (!Number.isInteger(nbytes) || nbytes < 0) {
      throw new RangeError(
        `Cannot receive as 'nbytes' must be an integer >= 0: current value is ${
          describe(nbytes)
        }`,
      );
    }
  } catch (e) {
    const fut = new Future<Uint8Array>({ loop });
    fut.setException(e);
    return fut;
  }
  if (nbytes === 0) {
    const fut = new Future<Uint8Array>({ loop });
    fut.setResult(EMPTY);
    return fut;
  }
  const buf = new Uint8Array(nbytes);
  return recvInto(loop, conn, buf, (n) => {
    if (n === 0) return EMPTY;
    return n === nbytes
      ? buf
      : n < nbytes / 2
      ? buf.slice(0, n)
      : buf.subarray(0, n);
  });
}

/** `loop.sockRecvInto()`. */
export function sockRecvInto(
  loop: AbstractEventLoop,
  conn: Deno.Conn,
  buf: Uint8Array,
): Future<number> {
  checkOpen(loop);
  try {
    checkConn(conn, "receive");
    if (!(buf instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot receive as 'buf' must be a Uint8Array: current value is ${
          describe(buf)
        }`,
      );
    }
  } catch (e) {
    const fut = new Future<number>({ loop });
    fut.setException(e);
    return fut;
  }
  if (buf.length === 0) {
    const fut = new Future<number>({ loop });
    fut.setResult(0);
    return fut;
  }
  return recvInto(loop, conn, buf, (n) => n);
}

/** `loop.sockSendall()`. */
export function sockSendall(
  loop: AbstractEventLoop,
  conn: Deno.Conn,
  data: Uint8Array,
): Future<void> {
  checkOpen(loop);
  return futureFrom(loop, async () => {
    checkConn(conn, "send");
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot send as 'data' must be a Uint8Array: current value is ${
          describe(data)
        }`,
      );
    }
    let off = 0;
    while (off < data.length) {
      off += await conn.write(off === 0 ? data : data.subarray(off));
    }
  });
}

function toConnectOptions(
  address: AddressLike | string,
): Deno.ConnectOptions | Deno.UnixConnectOptions {
  if (typeof address === "string") return { transport: "unix", path: address };
  if (Array.isArray(address)) {
    return { hostname: address[0], port: checkPort(address[1], "connect") };
  }
  if (address !== null && typeof address === "object") {
    if ("path" in address && typeof address.path === "string") {
      return { transport: "unix", path: address.path };
    }
    if ("port" in address) {
      return {
        hostname: (address as Deno.NetAddr).hostname,
        port: checkPort((address as Deno.NetAddr).port, "connect"),
      };
    }
  }
  throw new TypeError(
    `Cannot connect as 'address' must be [host, port], a Deno address or a Unix socket path: current value is ${
      describe(address)
    }`,
  );
}

/** `loop.sockConnect()`. */
export function sockConnect(
  loop: AbstractEventLoop,
  address: AddressLike | string,
): Future<Deno.Conn> {
  checkOpen(loop);
  return futureFrom(loop, async () => {
    const opts = toConnectOptions(address);
    try {
      return await Deno.connect(opts as Deno.ConnectOptions);
    } catch (e) {
      throw _lookupFailed(e, (opts as { hostname?: string }).hostname ?? "");
    }
  }, (conn) => conn.close());
}

/** `loop.sockAccept()`. */
export function sockAccept(
  loop: AbstractEventLoop,
  listener: Deno.Listener,
): Future<[Deno.Conn, Deno.Addr]> {
  checkOpen(loop);
  const fut = new Future<[Deno.Conn, Deno.Addr]>({ loop });
  if (
    listener === null || typeof listener !== "object" ||
    typeof (listener as Deno.Listener).accept !== "function"
  ) {
    fut.setException(
      new TypeError(
        `Cannot accept as 'sock' must be a Deno.Listener: current value is ${
          describe(listener)
        }`,
      ),
    );
    return fut;
  }
  const state = stateOf(listener);
  const attempt = (): void => {
    if (fut.done()) return;
    const waiting = state.accepted.shift();
    if (waiting !== undefined) {
      fut.setResult([waiting, waiting.remoteAddr]);
      return;
    }
    if (state.accepting !== null) {
      state.accepting.then(attempt, attempt);
      return;
    }
    const p = listener.accept();
    state.accepting = p;
    p.then((conn) => {
      state.accepting = null;
      if (loop.isClosed()) {
        conn.close();
        return;
      }
      if (fut.done()) {
        state.accepted.push(conn);
        return;
      }
      fut.setResult([conn, conn.remoteAddr]);
    }, (e) => {
      state.accepting = null;
      if (!fut.done() && !loop.isClosed()) fut.setException(e);
    });
  };
  attempt();
  return fut;
}

/** `loop.sockSendfile()`. */
export function sockSendfile(
  loop: AbstractEventLoop,
  conn: Deno.Conn,
  file: Deno.FsFile,
  offset = 0,
  count: number | null = null,
  options?: SockSendfileOptions,
): Future<number> {
  checkOpen(loop);
  return futureFrom(loop, async () => {
    checkConn(conn, "send file");
    if (!Number.isInteger(offset) || offset < 0) {
      throw new RangeError(
        `Cannot send file as 'offset' must be a non-negative integer: current value is ${
          describe(offset)
        }`,
      );
    }
    if (count !== null && (!Number.isInteger(count) || count <= 0)) {
      throw new RangeError(
        `Cannot send file as 'count' must be a positive integer: current value is ${
          describe(count)
        }`,
      );
    }
    if (options?.fallback === false) {
      throw new SendfileNotAvailableError(
        "sendfile is not available on Deno: use fallback",
      );
    }
    await file.seek(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(Math.min(count ?? 256 * 1024, 256 * 1024));
    let total = 0;
    while (count === null || total < count) {
      const want = count === null
        ? buf.length
        : Math.min(buf.length, count - total);
      const n = await file.read(buf.subarray(0, want));
      if (n === null || n === 0) break;
      let off = 0;
      while (off < n) off += await conn.write(buf.subarray(off, n));
      total += n;
    }
    await file.seek(offset + total, Deno.SeekMode.Start);
    return total;
  });
}
