/**
 * libc through `Deno.dlopen`: the system calls the selectors and `Socket`
 * need (epoll, poll, eventfd, sockets, fcntl), their Linux constants, and
 * errno. Private: `libc()` opens the library (at import when FFI is
 * granted, else on first use) and throws a clear error when this platform
 * or this process cannot (no `--allow-ffi`, not Linux, an unknown CPU).
 *
 * Calls that wait (`epoll_wait`, `poll`, `getaddrinfo`) also exist as
 * `nonblocking` symbols: Deno runs them on a thread of its own and returns a
 * Promise, so the JavaScript thread never blocks. errno is thread-local, so
 * it is read (through `__errno_location()`) only after a synchronous call,
 * right after it returns; a nonblocking call reports failure by its result
 * alone.
 *
 * Results of `ssize_t` functions are declared `i32` (a number, and V8's
 * fast call path): lengths passed to them are capped below 2 GiB.
 *
 * @module
 */
import { NotImplementedError } from "../futures/exceptions.ts";

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  socketpair: {
    parameters: ["i32", "i32", "i32", "buffer"],
    result: "i32",
  },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: {
    parameters: ["i32", "buffer", "buffer", "i32"],
    result: "i32",
  },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "i32",
  },
  sendto: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
    result: "i32",
  },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  setsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "u32"],
    result: "i32",
  },
  getsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "buffer"],
    result: "i32",
  },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: {
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
  },
  epoll_wait_async: {
    name: "epoll_wait",
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  poll_async: {
    name: "poll",
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
    nonblocking: true,
  },
  getaddrinfo: {
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  getaddrinfo_async: {
    name: "getaddrinfo",
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  freeaddrinfo: { parameters: ["pointer"], result: "void" },
  gai_strerror: { parameters: ["i32"], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Buf = ArrayBufferView<ArrayBufferLike> | null;
type Ptr = Deno.PointerValue;

/**
 * The libc functions this module calls, typed by hand: sizes are plain
 * numbers (Deno accepts a number for a `usize` parameter), results of
 * `ssize_t` functions are `i32`.
 */
export interface LibcSymbols {
  socket(domain: number, type: number, protocol: number): number;
  socketpair(domain: number, type: number, protocol: number, sv: Buf): number;
  bind(fd: number, addr: Buf, len: number): number;
  connect(fd: number, addr: Buf, len: number): number;
  listen(fd: number, backlog: number): number;
  accept4(fd: number, addr: Buf, len: Buf, flags: number): number;
  recv(fd: number, buf: Buf, n: number, flags: number): number;
  send(fd: number, buf: Buf, n: number, flags: number): number;
  recvfrom(
    fd: number,
    buf: Buf,
    n: number,
    flags: number,
    addr: Buf,
    len: Buf,
  ): number;
  sendto(
    fd: number,
    buf: Buf,
    n: number,
    flags: number,
    addr: Buf,
    len: number,
  ): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  setsockopt(
    fd: number,
    level: number,
    name: number,
    value: Buf,
    len: number,
  ): number;
  getsockopt(
    fd: number,
    level: number,
    name: number,
    value: Buf,
    len: Buf,
  ): number;
  getsockname(fd: number, addr: Buf, len: Buf): number;
  getpeername(fd: number, addr: Buf, len: Buf): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  read(fd: number, buf: Buf, n: number): number;
  write(fd: number, buf: Buf, n: number): number;
  eventfd(initval: number, flags: number): number;
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, event: Buf): number;
  epoll_wait(epfd: number, events: Buf, max: number, timeout: number): number;
  epoll_wait_async(
    epfd: number,
    events: Buf,
    max: number,
    timeout: number,
  ): Promise<number>;
  poll(fds: Buf, n: number, timeout: number): number;
  poll_async(fds: Buf, n: number, timeout: number): Promise<number>;
  getaddrinfo(node: Buf, service: Buf, hints: Buf, res: Buf): number;
  getaddrinfo_async(
    node: Buf,
    service: Buf,
    hints: Buf,
    res: Buf,
  ): Promise<number>;
  freeaddrinfo(res: Ptr): void;
  gai_strerror(code: number): Ptr;
  strerror(code: number): Ptr;
  __errno_location(): Ptr;
}

/** The opened library, errno, and the layouts of this CPU. */
export interface Libc {
  /** The functions. */
  readonly fn: LibcSymbols;
  /** errno of this thread, as left by the last failed synchronous call. */
  errno(): number;
  /** The message of an errno value (`strerror`). */
  strerror(code: number): string;
  /** `sizeof(struct epoll_event)`: 12 on x86-64 (packed), 16 on arm64. */
  readonly epollEventSize: number;
}

let opened: Libc | null = null;
let failure: Error | null = null;

const LIBRARIES = ["libc.so.6", `libc.musl-${Deno.build.arch}.so.1`];

/** Why libc cannot be used here, or `null` if it can (opens it). */
export function libcUnavailable(): Error | null {
  if (opened !== null) return null;
  try {
    libc();
    return null;
  } catch (e) {
    return e as Error;
  }
}

/**
 * The opened libc (opened on first call).
 *
 * @throws {NotImplementedError} If the platform has no backend (not Linux,
 *   or a CPU whose layouts are not known).
 * @throws {Deno.errors.NotCapable} Without `--allow-ffi`.
 */
export function libc(): Libc {
  if (opened !== null) return opened;
  if (failure !== null) throw failure;
  const what = "SelectorEventLoop, selectors and Socket";
  if (Deno.build.os !== "linux") {
    throw failure = new NotImplementedError(
      `${what} need Linux (epoll and sockets through libc); this is ${Deno.build.os}. ` +
        "Use the default loop (DenoEventLoop) here.",
    );
  }
  const arch = Deno.build.arch as string;
  if (arch !== "x86_64" && arch !== "aarch64") {
    throw failure = new NotImplementedError(
      `${what} know the struct layouts of x86_64 and aarch64 only; this is ${arch}`,
    );
  }
  if (typeof Deno.dlopen !== "function") {
    throw failure = new NotImplementedError(
      `${what} need Deno.dlopen (FFI), which this runtime does not have`,
    );
  }
  let lib: Deno.DynamicLibrary<typeof SYMBOLS> | null = null;
  let lastError: unknown = null;
  for (const name of LIBRARIES) {
    try {
      lib = Deno.dlopen(name, SYMBOLS);
      break;
    } catch (e) {
      if (
        e instanceof Deno.errors.NotCapable ||
        e instanceof Deno.errors.PermissionDenied
      ) {
        // Not cached: the permission may be granted later.
        throw new Deno.errors.NotCapable(
          `${what} call libc through FFI: run with --allow-ffi (or -A)`,
          { cause: e },
        );
      }
      lastError = e;
    }
  }
  if (lib === null) {
    throw failure = new NotImplementedError(
      `${what} could not open libc (tried ${LIBRARIES.join(", ")})`,
      { cause: lastError },
    );
  }
  const fn = lib.symbols as unknown as LibcSymbols;
  const errnoPtr = fn.__errno_location();
  if (errnoPtr === null) {
    throw failure = new NotImplementedError(
      `${what} could not locate errno in libc`,
    );
  }
  const errnoView = new Deno.UnsafePointerView(errnoPtr);
  const messages = new Map<number, string>();
  opened = {
    fn,
    errno: () => errnoView.getInt32(),
    strerror(code: number): string {
      let m = messages.get(code);
      if (m === undefined) {
        const p = fn.strerror(code);
        m = p === null
          ? `Unknown error ${code}`
          : Deno.UnsafePointerView.getCString(p);
        messages.set(code, m);
      }
      return m;
    },
    epollEventSize: arch === "x86_64" ? 12 : 16,
  };
  return opened;
}

/**
 * A zero-filled byte array whose memory V8 never moves: a typed array
 * made from its own `ArrayBuffer` lives off the V8 heap (a small one made
 * with a length may live on it, and move during a GC). Buffers handed to a
 * `nonblocking` FFI call, which another thread writes to, must be these.
 */
export function pinned(n: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(n));
}

// libc is opened at import when FFI is already granted (cheap: libc is
// mapped in every process), so that a library handle never appears in the
// middle of a test; otherwise on first use, which may ask for the
// permission.
try {
  if (
    Deno.build.os === "linux" &&
    Deno.permissions.querySync({ name: "ffi" }).state === "granted"
  ) {
    libc();
  }
} catch {
  // Reported on first use.
}

// ---- Linux constants (the same on x86-64 and arm64) ----

// Address families
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
// Socket types
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
// Socket option levels and names
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_REUSEPORT = 15;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const TCP_NODELAY = 1;
export const IPV6_V6ONLY = 26;
// `shutdown()` directions
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;
export const MSG_PEEK = 2;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
// `fcntl` commands and flags
export const F_GETFL = 3;
export const F_SETFL = 4;
export const O_NONBLOCK = 0o4000;
// epoll
export const EPOLLIN = 0x001;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
// `epoll_ctl` operations
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLL_CLOEXEC = 0o2000000;
// poll
export const POLLIN = 0x001;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
// eventfd flags
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;
// getaddrinfo flags
export const AI_PASSIVE = 0x1;
export const AI_CANONNAME = 0x2;
export const AI_NUMERICHOST = 0x4;
export const EAI_SYSTEM = -11;
