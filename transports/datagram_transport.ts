/**
 * UDP: `loop.createDatagramEndpoint()` and its transport (CPython's
 * `_ProactorDatagramTransport` and `create_datagram_endpoint`), on
 * `Deno.listenDatagram`.
 *
 * `Deno.listenDatagram` is an unstable Deno API: run with `--unstable-net`
 * (and `--allow-net`). Without the flag, `createDatagramEndpoint()` fails
 * with a `NotImplementedError` that says so. This module does not need the
 * unstable type declarations: it type-checks without the flag.
 *
 * Deno's UDP sockets differ from Python's in ways the transport bridges:
 *
 * - **No `connect()`**: an endpoint with `remoteAddr` is emulated. The
 *   address is resolved once; `sendto(data)` goes there, `sendto(data, other)`
 *   is a `RangeError` (asyncio's `ValueError`), and datagrams from anyone
 *   else are dropped, as the kernel does for a connected socket.
 * - **ICMP errors** (such as "port unreachable" after sending to a closed
 *   port) are reported by the kernel only to connected sockets, so Deno never
 *   surfaces them. `errorReceived()` is called for the errors Deno does
 *   report: a failed send (`Message too long`, an address of the other
 *   family, a name that does not resolve, ...) or receive.
 * - **Broadcast**: Deno's sockets always have `SO_BROADCAST`. Without
 *   `allowBroadcast`, a datagram to the limited broadcast address
 *   `255.255.255.255` fails with `Deno.errors.PermissionDenied` (to
 *   `errorReceived()`), as it does on Linux without the option; a subnet's
 *   broadcast address cannot be told apart and is sent.
 * - **`reusePort`** sets Deno's `reuseAddress`, which sets `SO_REUSEADDR`
 *   and `SO_REUSEPORT`.
 *
 * Sends follow the proactor transport: one send in flight, the others
 * queued in order; the queue counts each datagram's size plus 8 bytes of
 * header (as CPython 3.13 does) toward the write-buffer water marks
 * (`pauseWriting()`/`resumeWriting()`). `sendto()` keeps a reference to
 * `data` until it is sent: do not modify it afterwards. Each received
 * datagram is a new `Uint8Array` the protocol owns.
 *
 * @module
 */
import { NotImplementedError } from "../futures/exceptions.ts";
import { _setResultUnlessCancelled, Future } from "../futures/future.ts";
import { coroutine } from "../futures/_coroutine.ts";
import type { Awaitable, Coroutine } from "../futures/types.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { describe } from "../loop/_describe.ts";
import type {
  BaseProtocol,
  DatagramProtocol,
  ProtocolFactory,
} from "./protocol.ts";
import { DatagramTransport } from "./transport.ts";
import { WriteFlowControl } from "./_flow_control.ts";
import { fatalError } from "./_fatal.ts";
import { ownedCopy } from "./_slab.ts";
import { track, untrack } from "./_abandon.ts";
import { checkFactory, checkPort } from "./_checks.ts";
import { _isOSError, _lookupFailed } from "./os_errors.ts";

/**
 * A UDP socket as Deno gives it (`Deno.DatagramConn`, an unstable API):
 * what the transport needs of it. Pass one as `sock`.
 */
export interface DatagramConnLike {
  /** Receives one datagram into `p`: the bytes (a view of `p`) and the sender. */
  receive(p?: Uint8Array): Promise<[Uint8Array, Deno.Addr]>;
  /** Sends `p` to `addr`; the number of bytes sent. */
  send(p: Uint8Array, addr: Deno.Addr): Promise<number>;
  /** Closes the socket. */
  close(): void;
  /** The local address. */
  readonly addr: Deno.Addr;
}

/** A UDP address given to the module: `[host, port]` or Deno's object. */
export type DatagramAddress =
  | [string, number]
  | Deno.NetAddr
  | { hostname: string; port: number };

/** Options of `loop.createDatagramEndpoint()`. */
export interface CreateDatagramEndpointOptions {
  /** Where to bind (default: all interfaces, any port). */
  localAddr?: DatagramAddress | null;
  /** The peer: sends go there and only its datagrams are received. */
  remoteAddr?: DatagramAddress | null;
  /** Address family: `4`, `6`, or `0` for the addresses' own (default). */
  family?: 0 | 4 | 6;
  /** Share the port with other sockets that set it (`SO_REUSEPORT`). */
  reusePort?: boolean | null;
  /** Allow sending to the broadcast address (see the module notes). */
  allowBroadcast?: boolean | null;
  /**
   * Not supported, as in CPython 3.11+: `true` is a `RangeError`
   * (`SO_REUSEADDR` on UDP lets another process steal the port).
   */
  reuseAddress?: boolean | null;
  /** A socket from `Deno.listenDatagram()` to use as it is. */
  sock?: DatagramConnLike | null;
}

/** The receive buffer: the largest UDP payload fits. */
const RECV_SIZE = 65536;
/** What each queued datagram adds to the buffer size besides its bytes. */
const HEADER_SIZE = 8;
/** Sends after closing are logged from this count on. */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** Whether `e` is what Python would raise as an `OSError`. */
function isOSErrorLike(e: unknown): boolean {
  return _isOSError(e) ||
    (e instanceof Error && e.constructor === Error &&
      (/\(os error \d+\)$/.test(e.message) ||
        /lookup address/.test(e.message)));
}

/** `addr` as `{ hostname, port }`, or a TypeError. */
function parseAddress(
  addr: unknown,
  what: string,
  name: string,
): { hostname: string; port: number } {
  if (Array.isArray(addr) && addr.length === 2 && typeof addr[0] === "string") {
    return {
      hostname: addr[0],
      port: checkPort(addr[1], what, `the port of '${name}'`),
    };
  }
  const a = addr as { hostname?: unknown; port?: unknown } | null;
  if (a !== null && typeof a === "object" && typeof a.hostname === "string") {
    return {
      hostname: a.hostname,
      port: checkPort(a.port, what, `the port of '${name}'`),
    };
  }
  throw new TypeError(
    `Cannot ${what} as '${name}' must be [host, port] or a Deno.NetAddr: current value is ${
      describe(addr)
    }`,
  );
}

/** The family of an IP literal (4 or 6), or 0 for a name. */
function familyOf(host: string): 0 | 4 | 6 {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return 4;
  if (host.includes(":")) return 6;
  return 0;
}

/** The canonical text of an IP literal (as Deno reports addresses). */
function canonicalIp(host: string): string {
  try {
    if (familyOf(host) === 6) {
      return new URL(`http://[${host}]/`).hostname.slice(1, -1);
    }
    if (familyOf(host) === 4) return new URL(`http://${host}/`).hostname;
  } catch {
    // A zone id or another form URL does not take: keep it as given.
  }
  return host;
}

/** Resolves `host` to an IP literal of `family` (0: any). */
async function resolveIp(host: string, family: 0 | 4 | 6): Promise<string> {
  const own = familyOf(host);
  if (own !== 0) {
    if (family !== 0 && family !== own) {
      throw new Deno.errors.NotFound(
        `[Errno -9] Address family for hostname not supported: ${host}`,
      );
    }
    return canonicalIp(host);
  }
  if (host === "localhost") return family === 6 ? "::1" : "127.0.0.1";
  const kinds: ("A" | "AAAA")[] = family === 6
    ? ["AAAA"]
    : family === 4
    ? ["A"]
    : ["A", "AAAA"];
  for (const kind of kinds) {
    try {
      const records = await Deno.resolveDns(host, kind);
      if (records.length > 0) return records[0];
    } catch (e) {
      if (kind === kinds[kinds.length - 1]) throw e;
    }
  }
  throw new Deno.errors.NotFound(
    `getaddrinfo() returned empty list for ${host}`,
  );
}

/** Options of `_DatagramTransport`. */
export interface DatagramTransportOptions {
  /** The peer of an endpoint made with `remoteAddr`. */
  address?: Deno.NetAddr | null;
  /** Receive from anyone even with `address` (allowBroadcast). */
  acceptAny?: boolean;
  /** Allow sends to 255.255.255.255. */
  allowBroadcast?: boolean;
  /** Resolved once `connectionMade()` was called. */
  waiter?: Future<unknown> | null;
}

/** A UDP transport on a Deno datagram socket; see the module notes. */
export class _DatagramTransport extends DatagramTransport {
  /** @internal */ _loop: AbstractEventLoop;
  /** @internal */ _conn: DatagramConnLike;
  /** @internal */ _protocol: BaseProtocol;
  /** @internal The peer, or `null`. */
  _address: Deno.NetAddr | null;
  /** @internal */ _acceptAny: boolean;
  /** @internal */ _allowBroadcast: boolean;
  /** @internal */ _closing = false;
  /** @internal */ _connLost = 0;
  /** @internal */ _lostScheduled = false;
  /** @internal */ _closed = false;
  /** @internal */ _readInFlight = false;
  /** @internal */ _buf: Uint8Array | null = null;
  /** @internal A send is in flight. */
  _sending = false;
  /** @internal */ _queue: [Uint8Array, Deno.NetAddr][] = [];
  /** @internal */ _qHead = 0;
  /** @internal Queued bytes, headers included. */
  _queued = 0;
  /** @internal */ _flow: WriteFlowControl;

  /**
   * Makes the transport; `connectionMade()` and the first receive are
   * scheduled with `callSoon`.
   */
  constructor(
    loop: AbstractEventLoop,
    conn: DatagramConnLike,
    protocol: BaseProtocol,
    options?: DatagramTransportOptions,
  ) {
    const address = options?.address ?? null;
    super({ socket: conn, sockname: conn.addr, peername: address });
    this._loop = loop;
    this._conn = conn;
    this._protocol = protocol;
    this._address = address;
    this._acceptAny = options?.acceptAny ?? false;
    this._allowBroadcast = options?.allowBroadcast ?? false;
    this._flow = new WriteFlowControl(loop, this);
    track(loop, this);
    loop.callSoon(this._connectionMade);
    loop.callSoon(this._readMore);
    const waiter = options?.waiter;
    if (waiter != null) loop.callSoon(_setResultUnlessCancelled, waiter, null);
  }

  /** @internal */
  _connectionMade = (): void => {
    this._protocol.connectionMade(this);
  };

  override isClosing(): boolean {
    return this._closing;
  }

  override getProtocol(): BaseProtocol {
    return this._protocol;
  }

  override setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
  }

  // ---- receiving ----

  /** @internal */
  _readMore = (): void => {
    if (this._readInFlight || this._closing) return;
    this._readInFlight = true;
    const buf = this._buf ??= new Uint8Array(RECV_SIZE);
    this._conn.receive(buf).then(this._onDatagram, this._onReceiveError);
  };

  /** @internal */
  _onDatagram = (res: [Uint8Array, Deno.Addr]): void => {
    this._readInFlight = false;
    if (this._closing) return;
    const [view, addr] = res;
    const data = ownedCopy(view, 0, view.length);
    if (!this._loop.isRunning()) {
      this._defer(() => this._deliver(data, addr));
      return;
    }
    this._deliver(data, addr);
  };

  /** @internal */
  _deliver(data: Uint8Array, addr: Deno.Addr): void {
    if (this._closing) return;
    this._readMore();
    const peer = this._address;
    if (peer !== null && !this._acceptAny) {
      const a = addr as Deno.NetAddr;
      if (a.port !== peer.port || a.hostname !== peer.hostname) return;
    }
    try {
      (this._protocol as DatagramProtocol).datagramReceived(data, addr);
    } catch (exception) {
      this._loop.callExceptionHandler({
        message: "protocol.datagramReceived() call failed",
        exception,
        transport: this,
        protocol: this._protocol,
      });
    }
  }

  /** @internal */
  _onReceiveError = (exc: unknown): void => {
    this._readInFlight = false;
    if (this._closing) return;
    if (!isOSErrorLike(exc)) {
      this._defer(() =>
        this._fatalError(exc, "Fatal read error on datagram transport")
      );
      return;
    }
    this._defer(() => {
      if (this._closing) return;
      this._errorReceived(exc as Error);
      this._loop.callSoon(this._readMore);
    });
  };

  /** @internal Calls `errorReceived(exc)`; its failure goes to the handler. */
  _errorReceived(exc: Error): void {
    try {
      (this._protocol as DatagramProtocol).errorReceived(exc);
    } catch (exception) {
      this._loop.callExceptionHandler({
        message: "protocol.errorReceived() call failed",
        exception,
        transport: this,
        protocol: this._protocol,
      });
    }
  }

  // ---- sending ----

  /**
   * Sends `data` to `addr`, or to the peer of an endpoint made with
   * `remoteAddr` (then `addr` must be omitted or the peer). Does not block:
   * while a send is in flight, datagrams are queued (see the module notes).
   * Errors of the send go to the protocol's `errorReceived()`.
   *
   * @param data The datagram (may be empty).
   * @param addr Where to send it: `[host, port]` or a `Deno.NetAddr`.
   * @throws {TypeError} If `data` is not a Uint8Array or `addr` is malformed.
   * @throws {RangeError} If `addr` is not the peer of a connected endpoint,
   *   or is missing on an endpoint without a peer.
   */
  override sendto(
    data: Uint8Array,
    addr?: DatagramAddress | null,
  ): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot send datagram as 'data' must be a Uint8Array: current value is ${
          describe(data)
        }`,
      );
    }
    let dest: Deno.NetAddr;
    const peer = this._address;
    if (peer !== null) {
      if (addr != null) {
        const a = parseAddress(addr, "send datagram", "addr");
        if (canonicalIp(a.hostname) !== peer.hostname || a.port !== peer.port) {
          throw new RangeError(
            `Invalid address: must be null or ${peer.hostname}:${peer.port}`,
          );
        }
      }
      dest = peer;
    } else {
      if (addr == null) {
        throw new RangeError(
          "Cannot send datagram as 'addr' is required: the endpoint has no remoteAddr",
        );
      }
      const a = parseAddress(addr, "send datagram", "addr");
      dest = { transport: "udp", hostname: a.hostname, port: a.port };
    }
    if (this._connLost > 0) {
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        console.warn("socket.sendto() raised exception.");
      }
      this._connLost++;
      return;
    }
    if (!this._sending) {
      this._sendNow(data, dest);
      return;
    }
    this._queue.push([data, dest]);
    this._queued += data.length + HEADER_SIZE;
    this._flow.update(this._queued);
  }

  /** @internal Hands a datagram to Deno (or reports why it cannot go). */
  _sendNow(data: Uint8Array, dest: Deno.NetAddr): void {
    if (!this._allowBroadcast && dest.hostname === "255.255.255.255") {
      this._errorReceived(
        new Deno.errors.PermissionDenied(
          "Permission denied (os error 13): sending to the broadcast address needs allowBroadcast",
        ),
      );
      this._sendNext();
      return;
    }
    this._sending = true;
    let p: Promise<number>;
    try {
      p = this._conn.send(data, dest);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(this._onSent, this._onSendError);
  }

  /** @internal */
  _onSent = (): void => {
    if (this._lostScheduled) return;
    if (!this._loop.isRunning()) {
      this._defer(this._sent);
      return;
    }
    this._sent();
  };

  /** @internal */
  _sent = (): void => {
    this._sending = false;
    if (this._lostScheduled) return;
    this._sendNext();
  };

  /** @internal Sends the next queued datagram, or finishes a close. */
  _sendNext(): void {
    if (this._lostScheduled) return;
    if (this._qHead < this._queue.length) {
      const [data, dest] = this._queue[this._qHead];
      this._queue[this._qHead++] = undefined as never;
      if (this._qHead === this._queue.length) {
        this._queue.length = 0;
        this._qHead = 0;
      }
      this._queued -= data.length + HEADER_SIZE;
      this._flow.update(this._queued);
      this._sendNow(data, dest);
      return;
    }
    if (!this._sending && this._closing) this._scheduleLost(null);
  }

  /** @internal */
  _onSendError = (exc: unknown): void => {
    if (this._lostScheduled) return;
    this._defer(() => {
      this._sending = false;
      if (this._lostScheduled) return;
      if (!isOSErrorLike(exc)) {
        this._fatalError(exc, "Fatal write error on datagram transport");
        return;
      }
      this._errorReceived(exc as Error);
      this._sendNext();
    });
  };

  override setWriteBufferLimits(
    high?: number | null,
    low?: number | null,
  ): void {
    this._flow.setLimits(high, low, this._queued);
  }

  override getWriteBufferSize(): number {
    return this._queued;
  }

  override getWriteBufferLimits(): [number, number] {
    return this._flow.limits();
  }

  // ---- closing ----

  /**
   * Closes the endpoint once the queued datagrams are sent; then the
   * protocol's `connectionLost(null)` is called. Datagrams that arrive
   * meanwhile are dropped.
   */
  override close(): void {
    if (this._closing) return;
    this._closing = true;
    this._connLost++;
    if (!this._sending && this._qHead === this._queue.length) {
      this._scheduleLost(null);
    }
  }

  /** Closes the endpoint at once, dropping queued datagrams. */
  override abort(): void {
    this._forceClose(null);
  }

  /** @internal */
  _fatalError(exc: unknown, message: string): void {
    fatalError(this, exc, message, isOSErrorLike);
  }

  /** @internal */
  _forceClose(exc: Error | null): void {
    if (this._lostScheduled) return;
    this._closing = true;
    this._connLost++;
    this._queue.length = 0;
    this._qHead = 0;
    this._queued = 0;
    this._scheduleLost(exc);
  }

  /** @internal */
  _scheduleLost(exc: Error | null): void {
    if (this._lostScheduled) return;
    this._lostScheduled = true;
    if (this._loop.isClosed()) {
      this._closeConn();
      return;
    }
    this._loop.callSoon(this._callConnectionLost, exc);
  }

  /** @internal */
  _callConnectionLost = (exc: Error | null): void => {
    this._closeConn();
    this._protocol.connectionLost(exc);
  };

  /** @internal The loop closed: drop the socket without callbacks. */
  _abandon(): void {
    this._closing = true;
    this._lostScheduled = true;
    this._closeConn();
  }

  /** @internal */
  _closeConn(): void {
    if (this._closed) return;
    this._closed = true;
    untrack(this._loop, this);
    try {
      this._conn.close();
    } catch {
      // Already closed.
    }
  }

  /** @internal Runs `fn` in the loop's next iteration; a closed loop drops the socket. */
  _defer(fn: () => void): void {
    if (this._loop.isClosed()) {
      this._lostScheduled = true;
      this._closing = true;
      this._closeConn();
      return;
    }
    this._loop.callSoon(fn);
  }

  /** A description such as `<_DatagramTransport 127.0.0.1:5353 open>`. */
  override toString(): string {
    const a = this._conn.addr as Deno.NetAddr;
    const state = this._closed ? "closed" : this._closing ? "closing" : "open";
    return `<${this.constructor.name} ${a.hostname}:${a.port} ${state}>`;
  }
}

type ListenDatagram = (options: {
  transport: "udp";
  hostname: string;
  port: number;
  reuseAddress?: boolean;
}) => DatagramConnLike;

const createCo = coroutine(function* <P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  options: CreateDatagramEndpointOptions | undefined,
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
  const o = options ?? {};
  const family = o.family ?? 0;
  if (family !== 0 && family !== 4 && family !== 6) {
    throw new RangeError(
      `Cannot ${what} as 'family' must be 0, 4 or 6: current value is ${
        describe(family)
      }`,
    );
  }
  let conn: DatagramConnLike;
  let peer: Deno.NetAddr | null = null;
  if (o.sock != null) {
    const given: string[] = ([
      "localAddr",
      "remoteAddr",
      "reusePort",
      "allowBroadcast",
      "reuseAddress",
    ] as const).filter((k) => o[k] != null && o[k] !== false);
    if (family !== 0) given.push("family");
    if (given.length > 0) {
      throw new RangeError(
        `Cannot ${what} as socket modifier options can not be used when 'sock' is specified: ${
          given.join(", ")
        }`,
      );
    }
    const s = o.sock as Partial<DatagramConnLike>;
    if (
      typeof s.receive !== "function" || typeof s.send !== "function" ||
      typeof s.close !== "function"
    ) {
      throw new TypeError(
        `Cannot ${what} as 'sock' must be a Deno.DatagramConn: current value is ${
          describe(o.sock)
        }`,
      );
    }
    conn = o.sock;
  } else {
    if (o.reuseAddress) {
      throw new RangeError(
        "Passing 'reuseAddress: true' is no longer supported, as the usage of SO_REUSEPORT in UDP poses a significant security concern.",
      );
    }
    const local = o.localAddr != null
      ? parseAddress(o.localAddr, what, "localAddr")
      : null;
    const remote = o.remoteAddr != null
      ? parseAddress(o.remoteAddr, what, "remoteAddr")
      : null;
    if (local === null && remote === null && family === 0) {
      throw new RangeError(
        `Cannot ${what} as 'family' is needed without 'localAddr' and 'remoteAddr': unexpected address family`,
      );
    }
    let fam: 0 | 4 | 6 = family;
    if (remote !== null) {
      const ip: string = yield* futureOf(
        loop,
        resolveIp(
          remote.hostname,
          local !== null && fam === 0 ? familyOf(local.hostname) : fam,
        ),
      );
      fam = familyOf(ip);
      peer = { transport: "udp", hostname: ip, port: remote.port };
    }
    let bindHost: string;
    if (local !== null) {
      bindHost = local.hostname === "localhost"
        ? (fam === 6 ? "::1" : "127.0.0.1")
        : local.hostname;
      const lf = familyOf(bindHost);
      if (fam !== 0 && lf !== 0 && lf !== fam) {
        throw new RangeError(
          `Cannot ${what} as 'localAddr' and 'remoteAddr' (or 'family') are of different address families`,
        );
      }
    } else {
      bindHost = fam === 6 ? "::" : "0.0.0.0";
    }
    const listen = (Deno as unknown as { listenDatagram?: ListenDatagram })
      .listenDatagram;
    if (typeof listen !== "function") {
      throw new NotImplementedError(
        "createDatagramEndpoint() needs Deno.listenDatagram, an unstable API: run Deno with --unstable-net",
      );
    }
    try {
      conn = listen({
        transport: "udp",
        hostname: bindHost,
        port: local?.port ?? 0,
        reuseAddress: o.reusePort ?? false,
      });
    } catch (e) {
      throw _lookupFailed(e, bindHost);
    }
  }
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (e) {
    conn.close();
    throw e;
  }
  const waiter = new Future<unknown>({ loop });
  const transport = new _DatagramTransport(loop, conn, protocol, {
    address: peer,
    acceptAny: o.allowBroadcast ?? false,
    allowBroadcast: o.allowBroadcast ?? false,
    waiter,
  });
  try {
    yield* waiter;
  } catch (e) {
    transport.abort();
    throw e;
  }
  return [transport, protocol];
});

/** A Future of `loop` settled by `promise`. */
function futureOf<T>(loop: AbstractEventLoop, promise: Promise<T>): Future<T> {
  const fut = new Future<T>({ loop });
  promise.then(
    (v) => {
      if (!fut.done() && !loop.isClosed()) fut.setResult(v);
    },
    (e) => {
      if (!fut.done() && !loop.isClosed()) fut.setException(e);
    },
  );
  return fut;
}

/** `loop.createDatagramEndpoint()`. */
export function createDatagramEndpoint<P extends BaseProtocol>(
  loop: AbstractEventLoop,
  protocolFactory: ProtocolFactory<P>,
  options?: CreateDatagramEndpointOptions,
): Awaitable<[DatagramTransport, P]> {
  return createCo(loop, protocolFactory, options) as Awaitable<
    [DatagramTransport, P]
  >;
}
