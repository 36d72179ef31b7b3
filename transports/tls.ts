/**
 * TLS for transports, streams and servers, on Deno's `Deno.connectTls`,
 * `Deno.startTls` and `Deno.listenTls` (rustls). Secure by default:
 * `ssl: true` verifies the peer's certificate against the system's roots
 * (plus `caCerts`) and its host name.
 *
 * What Deno does not offer, and what we do instead:
 *
 * - No server-side `startTls`, and no `startTls` on a connection with a
 *   read in flight or on a Unix socket: `loop.startTls()` runs the TLS
 *   connection over a private loopback TCP pair and relays its encrypted
 *   bytes to and from the original transport (as CPython's `sslproto` runs
 *   TLS over any transport). It needs `--allow-net` for `127.0.0.1`.
 * - No peer certificate, cipher or compression details: `getExtraInfo()`
 *   gives `null` for `"peercert"`, `"cipher"` and `"compression"`.
 * - No request for client certificates on the server side.
 * - No way to close the socket of a handshake in progress: when a handshake
 *   fails or times out (`sslHandshakeTimeout`), the error is reported at
 *   once and nothing is delivered, but Deno keeps the socket open until
 *   the peer sends something or hangs up.
 *
 * @module
 */
import { Future } from "../futures/future.ts";
import type { AbstractEventLoop } from "../loop/events.ts";
import { clearHostTimer, setHostTimer } from "../loop/_host.ts";
import { describe } from "../loop/_describe.ts";
import { type BaseProtocol, Protocol } from "./protocol.ts";
import type { Transport } from "./transport.ts";
import type { _StreamTransport } from "./_stream_transport.ts";
import { _SocketTransport } from "./socket_transport.ts";

/**
 * TLS settings: the `ssl` option of `createConnection()`, `createServer()`,
 * `openConnection()`, `startServer()` and `startTls()` (Python's
 * `ssl.SSLContext`, as a plain object). `ssl: true` is `{}`: the system's
 * root certificates, host names checked.
 *
 * @example Trusting a private CA
 * ```ts
 * import type { SSLOptions } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const ssl: SSLOptions = { caCerts: ["-----BEGIN CERTIFICATE-----\n..."], alpnProtocols: ["h2"] };
 * assert.equal(ssl.checkHostname, undefined); // checked by default
 * ```
 */
export interface SSLOptions {
  /** Extra root certificates (PEM) to trust, besides the system's. */
  caCerts?: string[];
  /**
   * The certificate chain (PEM): the server's own, or a client certificate
   * for mutual TLS (with `key`).
   */
  cert?: string;
  /** The private key (PEM) for `cert`. */
  key?: string;
  /** Protocols to offer or accept by ALPN, in order of preference. */
  alpnProtocols?: string[];
  /**
   * Check that the certificate matches the host name (default `true`).
   * The chain is verified either way.
   */
  checkHostname?: boolean;
}

/**
 * What the `ssl` option accepts: `true` for the defaults, an
 * `SSLOptions` object, or `false`/`null`/`undefined` for no TLS.
 */
export type SSLArg = boolean | SSLOptions | null | undefined;

/**
 * A TLS failure (Python's `ssl.SSLError`): a handshake that could not
 * complete, or a protocol error.
 *
 * @example
 * ```ts
 * import { SSLError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new SSLError("handshake failed").name, "SSLError");
 * ```
 */
export class SSLError extends Error {
  /** Creates the error with a message and optional cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SSLError";
  }
}

/**
 * The peer's certificate was rejected (Python's
 * `ssl.SSLCertVerificationError`): an unknown issuer, a host name that does
 * not match, an expired certificate. `reason` is rustls' reason, such as
 * `"UnknownIssuer"` or `"NotValidForName"`.
 *
 * @example
 * ```ts
 * import { SSLCertVerificationError, SSLError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const e = new SSLCertVerificationError("certificate verify failed: UnknownIssuer", "UnknownIssuer");
 * assert.ok(e instanceof SSLError);
 * assert.equal(e.reason, "UnknownIssuer");
 * ```
 */
export class SSLCertVerificationError extends SSLError {
  /** Why the certificate was rejected. */
  readonly reason: string;
  /**
   * Creates the error.
   *
   * @param message What happened.
   * @param reason Why the certificate was rejected.
   * @param options The cause.
   */
  constructor(message: string, reason: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SSLCertVerificationError";
    this.reason = reason;
  }
}

/** The options object for an `ssl` argument, or `null` for no TLS. */
export function sslOptions(ssl: SSLArg, what: string): SSLOptions | null {
  if (ssl === undefined || ssl === null || ssl === false) return null;
  if (ssl === true) return {};
  if (typeof ssl !== "object") {
    throw new TypeError(
      `Cannot ${what} as 'ssl' must be a boolean or an SSLOptions object: current value is ${
        describe(ssl)
      }`,
    );
  }
  return ssl;
}

/** Translates a Deno TLS error into `SSLCertVerificationError`/`SSLError`. */
export function tlsError(e: unknown, hostname?: string): unknown {
  if (!(e instanceof Error) || e instanceof SSLError) return e;
  const m = /invalid peer certificate: (.*)$/s.exec(e.message);
  if (m !== null) {
    const detail = m[1];
    const reason = /not valid for name/i.test(detail)
      ? "NotValidForName"
      : /expired/i.test(detail)
      ? "Expired"
      : /^\w+$/.test(detail)
      ? detail
      : detail.split(/[:;]/)[0];
    const why: Record<string, string> = {
      UnknownIssuer: "unable to get local issuer certificate (unknown CA)",
      NotValidForName: `host name mismatch, certificate is not valid for '${
        hostname ?? "?"
      }'`,
      Expired: "certificate has expired",
      BadSignature: "bad certificate signature",
    };
    return new SSLCertVerificationError(
      `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${
        why[reason] ?? reason
      }`,
      reason,
      { cause: e },
    );
  }
  if (
    e instanceof Deno.errors.InvalidData ||
    /tls|handshake|certificate|alert/i.test(e.message)
  ) {
    return new SSLError(`[SSL] ${e.message}`, { cause: e });
  }
  return e;
}

/** Deno's client options for `ssl` and the name to verify. */
export function clientTlsOptions(
  ssl: SSLOptions,
  hostname: string,
): Deno.StartTlsOptions & { cert?: string; key?: string } {
  const opts: Deno.StartTlsOptions & { cert?: string; key?: string } = {
    hostname,
  };
  if (ssl.caCerts !== undefined) opts.caCerts = ssl.caCerts;
  if (ssl.alpnProtocols !== undefined) opts.alpnProtocols = ssl.alpnProtocols;
  if (ssl.checkHostname === false) {
    opts.unsafelyDisableHostnameVerification = true;
  }
  if (ssl.cert !== undefined && ssl.key !== undefined) {
    opts.cert = ssl.cert;
    opts.key = ssl.key;
  }
  return opts;
}

/** Deno's `listenTls` options for a server's `ssl`. */
export function serverTlsOptions(ssl: SSLOptions): {
  cert: string;
  key: string;
  alpnProtocols?: string[];
} {
  if (typeof ssl.cert !== "string" || typeof ssl.key !== "string") {
    throw new TypeError(
      "Cannot create server as 'ssl' must have 'cert' and 'key' (PEM strings) on the server side",
    );
  }
  const opts: { cert: string; key: string; alpnProtocols?: string[] } = {
    cert: ssl.cert,
    key: ssl.key,
  };
  if (ssl.alpnProtocols !== undefined) opts.alpnProtocols = ssl.alpnProtocols;
  return opts;
}

/**
 * Runs the handshake of `conn` within `timeout` seconds; resolves to the
 * ALPN protocol. Rejects with `SSLCertVerificationError`, `SSLError` or
 * `TimeoutError`-like `SSLError`; closes `conn` on failure.
 */
export async function handshake(
  conn: Deno.TlsConn,
  timeout: number,
  hostname?: string,
): Promise<string | null> {
  let timer: ReturnType<typeof setHostTimer> | undefined;
  try {
    const expired = new Promise<never>((_, reject) => {
      timer = setHostTimer(
        () =>
          reject(
            new SSLError(
              `SSL handshake is taking longer than ${timeout} seconds: aborting the connection`,
            ),
          ),
        timeout,
      );
    });
    const info = await Promise.race([conn.handshake(), expired]);
    return info.alpnProtocol;
  } catch (e) {
    try {
      conn.close();
    } catch {
      // already closed
    }
    throw tlsError(e, hostname);
  } finally {
    if (timer !== undefined) clearHostTimer(timer);
  }
}

// ---- TLS over an existing transport (the relay) ----

/** Relays what one transport reads into another. */
class Pipe extends Protocol {
  other: Transport | null = null;
  own: Transport | null = null;
  partner: Pipe | null = null;
  gotEof = false;
  onLost: (exc: Error | null) => void;
  constructor(onLost: (exc: Error | null) => void) {
    super();
    this.onLost = onLost;
  }
  override dataReceived(data: Uint8Array): void {
    this.other?.write(data);
  }
  override eofReceived(): boolean {
    this.gotEof = true;
    const other = this.other;
    if (other !== null && other.canWriteEof()) other.writeEof();
    else other?.close();
    if (this.partner?.gotEof) {
      // Both directions are done: close both transports.
      this.own?.close();
      other?.close();
    }
    return true;
  }
  override pauseWriting(): void {
    this.other?.pauseReading();
  }
  override resumeWriting(): void {
    this.other?.resumeReading();
  }
  override connectionLost(exc: Error | null): void {
    this.other?.close();
    this.onLost(exc);
  }
}

/** Options of `startTlsOver`. */
export interface StartTlsOverOptions {
  /** Act as the TLS server (needs `cert` and `key` in `ssl`). */
  serverSide?: boolean;
  /** The name to verify and send as SNI (client side). */
  serverHostname?: string | null;
  /** Seconds the handshake may take (default 60). */
  sslHandshakeTimeout?: number;
  /** Call `protocol.connectionMade()` on the new transport (default true). */
  connectionMade?: boolean;
}

/**
 * Upgrades the live `transport` to TLS and returns the new transport, which
 * `protocol` gets (asyncio's `loop.start_tls()`). The old transport must not
 * be used afterwards.
 */
export async function startTlsOver(
  loop: AbstractEventLoop,
  transport: _StreamTransport,
  protocol: BaseProtocol,
  ssl: SSLOptions,
  options: StartTlsOverOptions,
): Promise<_SocketTransport> {
  const timeout = options.sslHandshakeTimeout ?? 60;
  const serverSide = options.serverSide ?? false;
  transport.pauseReading();
  const outer = new Pipe(() => {});
  transport.setProtocol(outer);
  let tlsConn: Deno.TlsConn;
  let plain: Deno.Conn;
  if (serverSide) {
    const opts = serverTlsOptions(ssl);
    const listener = Deno.listenTls({
      hostname: "127.0.0.1",
      port: 0,
      ...opts,
    });
    try {
      const accepted = listener.accept();
      plain = await Deno.connect({
        hostname: "127.0.0.1",
        port: (listener.addr as Deno.NetAddr).port,
      });
      tlsConn = await accepted;
    } finally {
      listener.close();
    }
  } else {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    let inner: Deno.TcpConn;
    try {
      const accepted = listener.accept();
      inner = await Deno.connect({
        hostname: "127.0.0.1",
        port: (listener.addr as Deno.NetAddr).port,
      });
      plain = await accepted;
    } finally {
      listener.close();
    }
    const peer = transport.getExtraInfo("peername") as Deno.Addr | null;
    const hostname = options.serverHostname ??
      (peer !== null && "hostname" in peer ? peer.hostname : "localhost");
    tlsConn = await Deno.startTls(inner, clientTlsOptions(ssl, hostname));
  }
  // Wire: transport <-> relay (plain) ; tlsConn speaks TLS through them.
  const relayProto = new Pipe(() => {});
  const relay = new _SocketTransport(loop, plain, relayProto);
  relayProto.other = transport;
  relayProto.own = relay;
  outer.other = relay;
  outer.own = transport;
  outer.partner = relayProto;
  relayProto.partner = outer;
  transport.resumeReading();
  let alpn: string | null;
  try {
    alpn = await handshake(
      tlsConn,
      timeout,
      serverSide ? undefined : options.serverHostname ?? undefined,
    );
  } catch (e) {
    relay.abort();
    transport.abort();
    throw e;
  }
  const waiter = new Future<unknown>({ loop });
  const upgraded = new _SocketTransport(loop, tlsConn, protocol, {
    waiter,
    connectionMade: options.connectionMade ?? true,
    tls: true,
    sslcontext: ssl,
    alpnProtocol: alpn,
    extra: {
      peername: transport.getExtraInfo("peername"),
      sockname: transport.getExtraInfo("sockname"),
      socket: transport.getExtraInfo("socket"),
    },
  });
  // Closing the TLS transport tears the relay down with it.
  outer.onLost = (exc) => {
    if (exc !== null) upgraded._forceClose(exc);
  };
  await waiter;
  return upgraded;
}

/** Checks the `sslHandshakeTimeout` option. */
export function checkHandshakeTimeout(
  value: unknown,
  what: string,
): number {
  if (value === undefined || value === null) return 60;
  if (typeof value !== "number" || !(value > 0)) {
    const err = typeof value !== "number" ? TypeError : RangeError;
    throw new err(
      `Cannot ${what} as 'sslHandshakeTimeout' must be a positive number of seconds: current value is ${
        describe(value)
      }`,
    );
  }
  return value;
}
