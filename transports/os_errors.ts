/**
 * Python's `OSError` and its subclasses (PEP 3151), raised by `Socket`, the
 * selectors and `SelectorEventLoop` when a system call fails: each carries
 * the `errno` and its message (`strerror`), and `errno` names the codes.
 *
 * Where Deno has an error class for the same condition, the Python class
 * extends it: a `ConnectionResetError` is also a
 * `Deno.errors.ConnectionReset`, a `BlockingIOError` a
 * `Deno.errors.WouldBlock`, so code that catches Deno's errors works on both
 * loops. `instanceof OSError` and `instanceof ConnectionError` hold for
 * every error of their family whatever its JavaScript base. An errno with
 * no class of its own (`EADDRINUSE`, `EBADF`, ...) is a plain `OSError`,
 * but one of Deno's class when Deno has one (`EADDRINUSE` is also a
 * `Deno.errors.AddrInUse`). `ETIMEDOUT` is the module's `TimeoutError`
 * (Python 3.11 made `asyncio.TimeoutError` the built-in one, an `OSError`).
 *
 * @module
 */
import { TimeoutError } from "../futures/exceptions.ts";

/** The errno values of Linux, by name (Python's `errno` module). */
export const errno: Readonly<{
  EPERM: 1;
  ENOENT: 2;
  ESRCH: 3;
  EINTR: 4;
  EIO: 5;
  EBADF: 9;
  ECHILD: 10;
  EAGAIN: 11;
  EWOULDBLOCK: 11;
  ENOMEM: 12;
  EACCES: 13;
  EFAULT: 14;
  EEXIST: 17;
  ENOTDIR: 20;
  EISDIR: 21;
  EINVAL: 22;
  ENFILE: 23;
  EMFILE: 24;
  ENOSPC: 28;
  EPIPE: 32;
  ENAMETOOLONG: 36;
  ENOSYS: 38;
  ENOTSOCK: 88;
  EDESTADDRREQ: 89;
  EMSGSIZE: 90;
  EPROTOTYPE: 91;
  ENOPROTOOPT: 92;
  EPROTONOSUPPORT: 93;
  EOPNOTSUPP: 95;
  EAFNOSUPPORT: 97;
  EADDRINUSE: 98;
  EADDRNOTAVAIL: 99;
  ENETDOWN: 100;
  ENETUNREACH: 101;
  ECONNABORTED: 103;
  ECONNRESET: 104;
  ENOBUFS: 105;
  EISCONN: 106;
  ENOTCONN: 107;
  ESHUTDOWN: 108;
  ETIMEDOUT: 110;
  ECONNREFUSED: 111;
  EHOSTUNREACH: 113;
  EALREADY: 114;
  EINPROGRESS: 115;
}> = Object.freeze(
  {
    EPERM: 1,
    ENOENT: 2,
    ESRCH: 3,
    EINTR: 4,
    EIO: 5,
    EBADF: 9,
    ECHILD: 10,
    EAGAIN: 11,
    EWOULDBLOCK: 11,
    ENOMEM: 12,
    EACCES: 13,
    EFAULT: 14,
    EEXIST: 17,
    ENOTDIR: 20,
    EISDIR: 21,
    EINVAL: 22,
    ENFILE: 23,
    EMFILE: 24,
    ENOSPC: 28,
    EPIPE: 32,
    ENAMETOOLONG: 36,
    ENOSYS: 38,
    ENOTSOCK: 88,
    EDESTADDRREQ: 89,
    EMSGSIZE: 90,
    EPROTOTYPE: 91,
    ENOPROTOOPT: 92,
    EPROTONOSUPPORT: 93,
    EOPNOTSUPP: 95,
    EAFNOSUPPORT: 97,
    EADDRINUSE: 98,
    EADDRNOTAVAIL: 99,
    ENETDOWN: 100,
    ENETUNREACH: 101,
    ECONNABORTED: 103,
    ECONNRESET: 104,
    ENOBUFS: 105,
    EISCONN: 106,
    ENOTCONN: 107,
    ESHUTDOWN: 108,
    ETIMEDOUT: 110,
    ECONNREFUSED: 111,
    EHOSTUNREACH: 113,
    EALREADY: 114,
    EINPROGRESS: 115,
  } as const,
);

/** The classes an error counts as an instance of, beside its prototype chain. */
const LINEAGE = Symbol("OSError lineage");

// deno-lint-ignore no-explicit-any
type AnyClass = abstract new (...args: any[]) => unknown;

interface Branded {
  [LINEAGE]?: AnyClass[];
}

/** Fills in the fields every error of the OSError family has. */
function init(
  err: Error,
  name: string,
  code: number | null,
  strerror: string | null,
  lineage: AnyClass[],
): void {
  err.name = name;
  Object.defineProperty(err, LINEAGE, { value: lineage });
  const fields = err as unknown as {
    errno: number | null;
    strerror: string | null;
  };
  fields.errno = code;
  fields.strerror = strerror;
}

function message(code: number | null, strerror: string | null): string {
  if (code === null) return strerror ?? "";
  return `[Errno ${code}] ${strerror ?? ""}`.trimEnd();
}

/**
 * Python's `OSError`: a system call failed. `errno` is the error code (or
 * `null`), `strerror` its message; the message reads as Python's:
 * `[Errno 98] Address already in use`.
 *
 * `instanceof OSError` holds for every error of the family
 * (`ConnectionResetError`, `BlockingIOError`, ... and a `TimeoutError` from
 * `ETIMEDOUT`), although some of them extend one of `Deno.errors`.
 *
 * @example Catching any system error of a socket
 * ```ts
 * import { ConnectionResetError, errno, OSError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new ConnectionResetError(errno.ECONNRESET, "Connection reset by peer");
 * assert.ok(err instanceof OSError);
 * assert.ok(err instanceof Deno.errors.ConnectionReset);
 * assert.equal(err.errno, 104);
 * assert.equal(err.message, "[Errno 104] Connection reset by peer");
 * ```
 */
export class OSError extends Error {
  /** The error code (Linux errno), or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, new.target.name, code, strerror, []);
  }

  /** @internal Counts the family's errors on Deno's bases as instances. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const lineage = (value as Branded | null)?.[LINEAGE];
    return lineage !== undefined && lineage.includes(this);
  }
}

/**
 * Python's `ConnectionError`: the base of `BrokenPipeError`,
 * `ConnectionAbortedError`, `ConnectionRefusedError` and
 * `ConnectionResetError` (`instanceof ConnectionError` holds for all four).
 *
 * @example
 * ```ts
 * import { BrokenPipeError, ConnectionError, errno } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new BrokenPipeError(errno.EPIPE, "Broken pipe") instanceof ConnectionError);
 * ```
 */
export class ConnectionError extends OSError {}

/**
 * Python's `ChildProcessError` (`ECHILD`).
 *
 * @example
 * ```ts
 * import { ChildProcessError, errno, OSError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new ChildProcessError(errno.ECHILD, "No child processes") instanceof OSError);
 * ```
 */
export class ChildProcessError extends OSError {}

/**
 * Python's `ProcessLookupError` (`ESRCH`).
 *
 * @example
 * ```ts
 * import { errno, OSError, ProcessLookupError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new ProcessLookupError(errno.ESRCH, "No such process") instanceof OSError);
 * ```
 */
export class ProcessLookupError extends OSError {}

/**
 * Python's `BlockingIOError` (`EAGAIN`, `EWOULDBLOCK`, `EINPROGRESS`,
 * `EALREADY`): an operation on a non-blocking socket would block. Also a
 * `Deno.errors.WouldBlock`.
 *
 * @example A non-blocking accept with nobody connecting
 * ```ts
 * import { BlockingIOError, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using server = socket();
 * server.bind(["127.0.0.1", 0]);
 * server.listen();
 * server.setBlocking(false);
 * assert.throws(() => server.accept(), BlockingIOError);
 * ```
 */
export class BlockingIOError extends Deno.errors.WouldBlock {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "BlockingIOError", code, strerror, [OSError]);
  }
}

/**
 * Python's `InterruptedError` (`EINTR`): a system call was interrupted by a
 * signal. The module retries such calls itself (PEP 475). Also a
 * `Deno.errors.Interrupted`.
 *
 * @example
 * ```ts
 * import { errno, InterruptedError, OSError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new InterruptedError(errno.EINTR, "Interrupted system call");
 * assert.ok(err instanceof OSError && err instanceof Deno.errors.Interrupted);
 * ```
 */
export class InterruptedError extends Deno.errors.Interrupted {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "InterruptedError", code, strerror, [OSError]);
  }
}

/**
 * Python's `BrokenPipeError` (`EPIPE`, `ESHUTDOWN`): writing to a
 * connection the peer closed. A `ConnectionError`, and a
 * `Deno.errors.BrokenPipe`.
 *
 * @example
 * ```ts
 * import { BrokenPipeError, errno } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new BrokenPipeError(errno.EPIPE, "Broken pipe");
 * assert.ok(err instanceof Deno.errors.BrokenPipe);
 * assert.equal(err.name, "BrokenPipeError");
 * ```
 */
export class BrokenPipeError extends Deno.errors.BrokenPipe {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "BrokenPipeError", code, strerror, [OSError, ConnectionError]);
  }
}

/**
 * Python's `ConnectionAbortedError` (`ECONNABORTED`). A `ConnectionError`,
 * and a `Deno.errors.ConnectionAborted`.
 *
 * @example
 * ```ts
 * import { ConnectionAbortedError, ConnectionError, errno } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(
 *   new ConnectionAbortedError(errno.ECONNABORTED, "Software caused connection abort") instanceof ConnectionError,
 * );
 * ```
 */
export class ConnectionAbortedError extends Deno.errors.ConnectionAborted {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "ConnectionAbortedError", code, strerror, [
      OSError,
      ConnectionError,
    ]);
  }
}

/**
 * Python's `ConnectionRefusedError` (`ECONNREFUSED`): nothing listens at
 * the address. A `ConnectionError`, and a `Deno.errors.ConnectionRefused`.
 *
 * @example Connecting to a port nobody listens on
 * ```ts
 * import { ConnectionRefusedError, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using probe = socket();
 * probe.bind(["127.0.0.1", 0]);
 * const { port } = probe.getsockname() as Deno.NetAddr;
 * using client = socket();
 * assert.throws(() => client.connect(["127.0.0.1", port]), ConnectionRefusedError);
 * ```
 */
export class ConnectionRefusedError extends Deno.errors.ConnectionRefused {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "ConnectionRefusedError", code, strerror, [
      OSError,
      ConnectionError,
    ]);
  }
}

/**
 * Python's `ConnectionResetError` (`ECONNRESET`): the peer reset the
 * connection. A `ConnectionError`, and a `Deno.errors.ConnectionReset`.
 *
 * @example
 * ```ts
 * import { ConnectionError, ConnectionResetError, errno } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new ConnectionResetError(errno.ECONNRESET, "Connection reset by peer");
 * assert.ok(err instanceof ConnectionError);
 * assert.ok(err instanceof Deno.errors.ConnectionReset);
 * ```
 */
export class ConnectionResetError extends Deno.errors.ConnectionReset {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "ConnectionResetError", code, strerror, [
      OSError,
      ConnectionError,
    ]);
  }
}

/**
 * Python's `FileExistsError` (`EEXIST`). Also a `Deno.errors.AlreadyExists`.
 *
 * @example
 * ```ts
 * import { errno, FileExistsError, OSError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new FileExistsError(errno.EEXIST, "File exists") instanceof OSError);
 * ```
 */
export class FileExistsError extends Deno.errors.AlreadyExists {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "FileExistsError", code, strerror, [OSError]);
  }
}

/**
 * Python's `FileNotFoundError` (`ENOENT`): connecting to a Unix socket path
 * that does not exist, for one. Also a `Deno.errors.NotFound`.
 *
 * @example
 * ```ts
 * import { AF_UNIX, FileNotFoundError, socket } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using s = socket(AF_UNIX);
 * assert.throws(() => s.connect("/nonexistent/dir/s.sock"), FileNotFoundError);
 * ```
 */
export class FileNotFoundError extends Deno.errors.NotFound {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "FileNotFoundError", code, strerror, [OSError]);
  }
}

/**
 * Python's `IsADirectoryError` (`EISDIR`). Also a
 * `Deno.errors.IsADirectory`.
 *
 * @example
 * ```ts
 * import { errno, IsADirectoryError, OSError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new IsADirectoryError(errno.EISDIR, "Is a directory") instanceof OSError);
 * ```
 */
export class IsADirectoryError extends Deno.errors.IsADirectory {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "IsADirectoryError", code, strerror, [OSError]);
  }
}

/**
 * Python's `NotADirectoryError` (`ENOTDIR`). Also a
 * `Deno.errors.NotADirectory`.
 *
 * @example
 * ```ts
 * import { errno, NotADirectoryError, OSError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new NotADirectoryError(errno.ENOTDIR, "Not a directory") instanceof OSError);
 * ```
 */
export class NotADirectoryError extends Deno.errors.NotADirectory {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "NotADirectoryError", code, strerror, [OSError]);
  }
}

/**
 * Python's `PermissionError` (`EACCES`, `EPERM`): binding a port below
 * 1024 without the privilege, for one. Also a
 * `Deno.errors.PermissionDenied`.
 *
 * @example
 * ```ts
 * import { errno, OSError, PermissionError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const err = new PermissionError(errno.EACCES, "Permission denied");
 * assert.ok(err instanceof OSError && err instanceof Deno.errors.PermissionDenied);
 * ```
 */
export class PermissionError extends Deno.errors.PermissionDenied {
  /** The error code, or `null`. */
  declare readonly errno: number | null;
  /** The message of the error code, or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The errno value, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "PermissionError", code, strerror, [OSError]);
  }
}

/**
 * Python's `socket.gaierror`: a host name or service could not be resolved
 * (`getaddrinfo` failed). `errno` is the `EAI_*` code (negative), as in
 * Python. An `OSError`, and a `Deno.errors.NotFound`.
 *
 * @example Resolving a name that cannot exist
 * ```ts
 * import { gaierror, getaddrinfo, OSError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => getaddrinfo("no-such-host.invalid", 80),
 *   (e) => e instanceof gaierror && e instanceof OSError && (e.errno ?? 0) < 0,
 * );
 * ```
 */
// deno-lint-ignore camelcase -- Python's name
export class gaierror extends Deno.errors.NotFound {
  /** The `EAI_*` code (negative), or `null`. */
  declare readonly errno: number | null;
  /** The message of the code (`gai_strerror`), or `null`. */
  declare readonly strerror: string | null;

  /**
   * Creates the error.
   *
   * @param code The `EAI_*` code, or `null`.
   * @param strerror Its message.
   * @param options The cause.
   */
  constructor(
    code: number | null = null,
    strerror: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message(code, strerror), options);
    init(this, "gaierror", code, strerror, [OSError]);
  }
}

type ErrorClass = new (
  code: number | null,
  strerror: string | null,
) => Error;

/** The class of each errno that has one (PEP 3151). */
const CLASSES = new Map<number, ErrorClass>([
  [errno.EAGAIN, BlockingIOError],
  [errno.EALREADY, BlockingIOError],
  [errno.EINPROGRESS, BlockingIOError],
  [errno.ECHILD, ChildProcessError],
  [errno.EPIPE, BrokenPipeError],
  [errno.ESHUTDOWN, BrokenPipeError],
  [errno.ECONNABORTED, ConnectionAbortedError],
  [errno.ECONNREFUSED, ConnectionRefusedError],
  [errno.ECONNRESET, ConnectionResetError],
  [errno.EEXIST, FileExistsError],
  [errno.ENOENT, FileNotFoundError],
  [errno.EINTR, InterruptedError],
  [errno.EISDIR, IsADirectoryError],
  [errno.ENOTDIR, NotADirectoryError],
  [errno.EACCES, PermissionError],
  [errno.EPERM, PermissionError],
  [errno.ESRCH, ProcessLookupError],
]);

/** Plain `OSError`s that are also one of Deno's errors. */
type ErrorBase = new (message?: string, options?: ErrorOptions) => Error;
const DENO_BASES = new Map<number, ErrorBase>([
  [errno.EADDRINUSE, Deno.errors.AddrInUse],
  [errno.EADDRNOTAVAIL, Deno.errors.AddrNotAvailable],
  [errno.ENOTCONN, Deno.errors.NotConnected],
  [errno.ENETUNREACH, Deno.errors.NetworkUnreachable],
  [errno.EBADF, Deno.errors.BadResource],
]);

const plainClasses = new Map<ErrorBase, ErrorClass>();

function plainOSErrorOn(base: ErrorBase): ErrorClass {
  let cls = plainClasses.get(base);
  if (cls === undefined) {
    cls = class extends base {
      constructor(code: number | null, strerror: string | null) {
        super(message(code, strerror));
        init(this, "OSError", code, strerror, [OSError]);
      }
    };
    Object.defineProperty(cls, "name", { value: "OSError" });
    plainClasses.set(base, cls);
  }
  return cls;
}

/**
 * @internal The error for a failed system call: the class of `code`
 * (PEP 3151), with `strerror` as its message, and `detail` (such as
 * "Connect call failed ('127.0.0.1', 1)") in place of it when given.
 */
export function _osError(
  code: number,
  strerror: string,
  detail?: string,
): Error {
  const text = detail ?? strerror;
  if (code === errno.ETIMEDOUT) {
    const err = new TimeoutError(message(code, text));
    init(err, "TimeoutError", code, text, [OSError]);
    return err;
  }
  const cls = CLASSES.get(code);
  if (cls !== undefined) return new cls(code, text);
  const base = DENO_BASES.get(code);
  if (base !== undefined) return new (plainOSErrorOn(base))(code, text);
  return new OSError(code, text);
}

/**
 * @internal Deno's failed name lookup (a plain `Error`, "failed to lookup
 * address information", which does not say for what) as Python's
 * `socket.gaierror` naming `host`; any other error as it is.
 */
export function _lookupFailed(e: unknown, host: string): unknown {
  if (
    e instanceof Error && e.constructor === Error &&
    /failed to lookup address information/.test(e.message)
  ) {
    const detail = e.message.replace(
      /^failed to lookup address information: /,
      "",
    );
    return new gaierror(-2, `${detail} (${JSON.stringify(host)})`, {
      cause: e,
    });
  }
  return e;
}

/**
 * @internal Whether `e` is an OS-level error: one of the `OSError` family
 * or of `Deno.errors` (asyncio's `isinstance(exc, OSError)`).
 */
export function _isOSError(e: unknown): boolean {
  if (e instanceof OSError) return true;
  if (!(e instanceof Error)) return false;
  for (const cls of Object.values(Deno.errors)) {
    if (e instanceof (cls as typeof Error)) return true;
  }
  return false;
}
