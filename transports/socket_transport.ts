/**
 * The transport of a connected socket: a `Deno.Conn` (TCP or Unix) or a
 * `Deno.TlsConn`, on the shared read loop and write buffer of
 * `_stream_transport.ts` (CPython's `_ProactorSocketTransport`).
 *
 * @module
 */
import type { Future } from "../futures/future.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import type { BaseProtocol } from "./protocol.ts";
import { _StreamTransport, type TransportOwner } from "./_stream_transport.ts";

/** Options of `_SocketTransport`. */
export interface SocketTransportOptions {
  /** Resolved once `connectionMade()` was called. */
  waiter?: Future<unknown> | null;
  /** The server the connection belongs to. */
  server?: TransportOwner | null;
  /** TLS: the options the connection was made with. */
  sslcontext?: unknown;
  /** TLS: the protocol chosen by ALPN. */
  alpnProtocol?: string | null;
  /** TLS: the connection is TLS (default: false). */
  tls?: boolean;
  /** Extra information to add (or override). */
  extra?: Record<string, unknown>;
  /** Call `connectionMade()` (default true). */
  connectionMade?: boolean;
}

/** A transport over a connected `Deno.Conn` or `Deno.TlsConn`. */
export class _SocketTransport extends _StreamTransport {
  /** @internal */ _conn: Deno.Conn;

  constructor(
    loop: AbstractEventLoop,
    conn: Deno.Conn,
    protocol: BaseProtocol,
    options?: SocketTransportOptions,
  ) {
    const tls = options?.tls ?? false;
    const extra: Record<string, unknown> = {
      socket: conn,
      peername: conn.remoteAddr,
      sockname: conn.localAddr,
    };
    if (tls) {
      extra.sslcontext = options?.sslcontext ?? null;
      extra.sslObject = conn;
      extra.alpnProtocol = options?.alpnProtocol ?? null;
      extra.peercert = null;
      extra.cipher = null;
      extra.compression = null;
    }
    Object.assign(extra, options?.extra);
    if (conn.remoteAddr.transport === "tcp") {
      try {
        (conn as Deno.TcpConn).setNoDelay?.(true);
      } catch {
        // The connection may already be closed by the peer.
      }
    }
    super(loop, conn, protocol, {
      extra,
      waiter: options?.waiter,
      server: options?.server,
      canWriteEof: !tls,
      kind: tls ? "SSL" : "socket",
      connectionMade: options?.connectionMade,
    });
    this._conn = conn;
  }
}
