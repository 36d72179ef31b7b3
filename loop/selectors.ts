/**
 * I/O multiplexing on file descriptors: Python's `selectors` module over
 * libc (`Deno.dlopen`). `EpollSelector` (Linux's epoll) and
 * `PollSelector` (`poll(2)`), `DefaultSelector` (epoll), `SelectorKey`,
 * `EVENT_READ` and `EVENT_WRITE`. `SelectorEventLoop` is built on them.
 *
 * Waiting never blocks the JavaScript thread: `select(timeout)` returns a
 * Promise, and the wait runs on a thread of its own (a `nonblocking` FFI
 * call), so Deno's timers and I/O go on meanwhile. The buffer that thread
 * fills is the selector's own, allocated off the V8 heap (so a garbage
 * collection cannot move it) and not touched until the wait returns. `wakeup()` makes a wait
 * in flight return at once: each selector has an `eventfd` of its own in
 * its kernel set (hidden from `getMap()`), written to wake it. A
 * `select()` that has something ready at once returns without the thread
 * round trip; `selectNow()` checks without waiting, synchronously.
 *
 * As in Python, a key's `events` are `EVENT_READ | EVENT_WRITE` bits; a
 * hang-up or an error reports the descriptor as both readable and
 * writable (masked by what it was registered for), so that the next
 * read or write sees the condition. Level-triggered: a descriptor is
 * reported as long as it is ready.
 *
 * Needs `--allow-ffi` and Linux; creating a selector elsewhere throws.
 *
 * @module
 */
import { RuntimeError } from "../futures/exceptions.ts";
import { describe } from "./_describe.ts";
import {
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLIN,
  EPOLLOUT,
  libc,
  pinned,
  POLLIN,
  POLLOUT,
} from "./_libc.ts";
import { _osError } from "../transports/os_errors.ts";

/**
 * The event bit of a descriptor ready to read (or at EOF, or in error).
 *
 * @example
 * ```ts
 * import { EVENT_READ, EVENT_WRITE } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.equal(EVENT_READ | EVENT_WRITE, 3);
 * ```
 */
export const EVENT_READ = 1;

/**
 * The event bit of a descriptor ready to write.
 *
 * @example
 * ```ts
 * import { EVENT_READ, EVENT_WRITE } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.equal(EVENT_WRITE & EVENT_READ, 0);
 * ```
 */
export const EVENT_WRITE = 2;

/** Something with a descriptor: a number, or an object with `fileno()`. */
export type FileObject = number | { fileno(): number };

/**
 * What a selector knows of a registered descriptor (Python's namedtuple):
 * the object given, its descriptor, the events watched and the data
 * attached.
 *
 * @example
 * ```ts
 * import { DefaultSelector, EVENT_READ, SelectorKey, socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * using sel = new DefaultSelector();
 * const key = sel.register(a, EVENT_READ, "a's data");
 * assert.ok(key instanceof SelectorKey);
 * assert.equal(key.fd, a.fileno());
 * assert.equal(key.data, "a's data");
 * a.close();
 * b.close();
 * ```
 */
export class SelectorKey<D = unknown> {
  /** The object that was registered (a number or an object with `fileno()`). */
  readonly fileobj: FileObject;
  /** Its descriptor. */
  readonly fd: number;
  /** The events watched: `EVENT_READ`, `EVENT_WRITE` or both. */
  readonly events: number;
  /** The data attached by `register()`/`modify()`. */
  readonly data: D;

  /**
   * Made by selectors; user code does not construct keys.
   *
   * @param fileobj The object.
   * @param fd Its descriptor.
   * @param events The events.
   * @param data The data.
   */
  constructor(fileobj: FileObject, fd: number, events: number, data: D) {
    this.fileobj = fileobj;
    this.fd = fd;
    this.events = events;
    this.data = data;
  }

  /** A description such as `SelectorKey(fd=5, events=1)`. */
  toString(): string {
    return `SelectorKey(fd=${this.fd}, events=${this.events})`;
  }
}

/** A ready descriptor: its key and the events that are ready. */
export type SelectorEvent<D = unknown> = [SelectorKey<D>, number];

/**
 * @internal The descriptor of `fileobj` (Python's `_fileobj_to_fd`);
 * `name` is the argument's name in the error messages.
 */
export function _fdOf(
  fileobj: FileObject,
  what: string,
  name = "fileobj",
): number {
  let fd: unknown = fileobj;
  if (typeof fileobj === "object" && fileobj !== null) {
    const fileno = (fileobj as { fileno?: unknown }).fileno;
    if (typeof fileno !== "function") {
      throw new TypeError(
        `Cannot ${what} as '${name}' must be a descriptor or have fileno(): current value is ${
          describe(fileobj)
        }`,
      );
    }
    fd = fileno.call(fileobj);
  }
  if (typeof fd !== "number") {
    throw new TypeError(
      `Cannot ${what} as '${name}' must be a descriptor or have fileno(): current value is ${
        describe(fd)
      }`,
    );
  }
  if (!Number.isInteger(fd) || fd < 0) {
    throw new RangeError(
      `Cannot ${what} as '${name}' must be a descriptor >= 0: current value is ${
        describe(fd)
      }`,
    );
  }
  return fd;
}

function checkEvents(events: unknown, what: string): number {
  if (
    typeof events !== "number" || !Number.isInteger(events) || events === 0 ||
    (events & ~(EVENT_READ | EVENT_WRITE)) !== 0
  ) {
    throw new (typeof events !== "number" ? TypeError : RangeError)(
      `Cannot ${what} as 'events' must be EVENT_READ, EVENT_WRITE or both: current value is ${
        describe(events)
      }`,
    );
  }
  return events;
}

/** The timeout of a wait in milliseconds, rounded up (-1: no limit). */
function timeoutMs(timeout: number | null | undefined): number {
  if (timeout == null || timeout === Infinity) return -1;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new (typeof timeout !== "number" ? TypeError : RangeError)(
      `Cannot select as 'timeout' must be a number of seconds or null: current value is ${
        describe(timeout)
      }`,
    );
  }
  if (timeout <= 0) return 0;
  // As CPython: round up, so that the wait does not end before the deadline.
  return Math.min(Math.ceil(timeout * 1e3), 0x7fffffff);
}

/** Visits one ready descriptor (the loop's allocation-free path). */
export type SelectVisitor<D> = (key: SelectorKey<D>, events: number) => void;

/**
 * The interface of every selector (Python's `BaseSelector`), and the
 * bookkeeping they share: the map of keys by descriptor, argument checks,
 * the one-wait-at-a-time rule and the wake-up descriptor. Subclasses
 * implement the kernel calls.
 *
 * @example Registering, modifying and unregistering
 * ```ts
 * import { BaseSelector, EVENT_READ, EVENT_WRITE, PollSelector, socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * const sel: BaseSelector = new PollSelector();
 * sel.register(a, EVENT_READ);
 * sel.modify(a, EVENT_READ | EVENT_WRITE, "both");
 * assert.equal(sel.getKey(a).data, "both");
 * assert.equal(sel.getMap().size, 1);
 * sel.unregister(a);
 * assert.equal(sel.getMap().size, 0);
 * sel.close();
 * a.close();
 * b.close();
 * ```
 */
export abstract class BaseSelector<D = unknown> implements Disposable {
  /** @internal The keys, by descriptor. */
  _keys: Map<number, SelectorKey<D>> = new Map();
  /** @internal A wait is in flight on another thread. */
  _waiting = false;
  /** @internal `close()` was called. */
  _closed = false;
  /** @internal The eventfd that wakes a wait. */
  _wakeFd: number;
  /** @internal The 8 bytes written to (and read from) the eventfd. */
  _wakeBuf: BigUint64Array = new BigUint64Array([1n]);
  /** @internal The last check or wait drained a wake-up. */
  _woke = false;

  /**
   * Creates the selector's kernel objects.
   *
   * @throws {NotImplementedError} On a platform without a backend.
   * @throws {Deno.errors.NotCapable} Without `--allow-ffi`.
   */
  constructor() {
    const lib = libc();
    const fd = lib.fn.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) raiseErrno();
    this._wakeFd = fd;
  }

  /**
   * Watches `fileobj` for `events` and attaches `data`.
   *
   * @param fileobj A descriptor, or an object with `fileno()` (a `Socket`).
   * @param events `EVENT_READ`, `EVENT_WRITE` or both.
   * @param data Anything; it comes back in the key.
   * @returns The new key.
   * @throws {RangeError} If `events` is not valid, or `fileobj` is already
   *   registered (Python's `KeyError`).
   * @throws {OSError} If the kernel refuses the descriptor (`EBADF`, ...).
   * @throws {RuntimeError} If the selector is closed.
   */
  register(
    fileobj: FileObject,
    events: number,
    data: D = null as D,
  ): SelectorKey<D> {
    this._checkOpen();
    const fd = _fdOf(fileobj, "register");
    checkEvents(events, "register");
    if (this._keys.has(fd)) {
      throw new RangeError(
        `Cannot register as ${
          describe(fileobj)
        } (FD ${fd}) is already registered`,
      );
    }
    const key = new SelectorKey(fileobj, fd, events, data);
    this._add(fd, events);
    this._keys.set(fd, key);
    return key;
  }

  /**
   * Stops watching `fileobj`; returns its key. Unregister a descriptor
   * before closing it.
   *
   * @param fileobj The registered object or descriptor.
   * @returns The key it had.
   * @throws {RangeError} If it is not registered (Python's `KeyError`).
   */
  unregister(fileobj: FileObject): SelectorKey<D> {
    this._checkOpen();
    const key = this.getKey(fileobj);
    this._keys.delete(key.fd);
    this._remove(key.fd);
    return key;
  }

  /**
   * Changes the events watched for `fileobj`, or its data.
   *
   * @param fileobj The registered object or descriptor.
   * @param events The new events.
   * @param data The new data.
   * @returns The new key.
   * @throws {RangeError} If it is not registered, or `events` is not valid.
   */
  modify(
    fileobj: FileObject,
    events: number,
    data: D = null as D,
  ): SelectorKey<D> {
    this._checkOpen();
    const old = this.getKey(fileobj);
    checkEvents(events, "modify");
    const key = new SelectorKey(old.fileobj, old.fd, events, data);
    if (events !== old.events) this._change(old.fd, events);
    this._keys.set(old.fd, key);
    return key;
  }

  /**
   * Waits until a registered descriptor is ready, `timeout` seconds pass
   * (`null` or omitted: no limit; 0: just check), or `wakeup()` is called,
   * on a thread of its own; resolves to the ready `[key, events]` pairs
   * (empty on timeout or wake-up). Only one `select()` may wait at a time.
   *
   * Rejects with `RuntimeError` if the selector is closed or already
   * waiting, `TypeError` if `timeout` is not a number.
   *
   * @param timeout Seconds, or `null`.
   * @returns The ready descriptors.
   */
  select(timeout?: number | null): Promise<SelectorEvent<D>[]> {
    const out: SelectorEvent<D>[] = [];
    let ms: number;
    try {
      this._checkOpen();
      if (this._waiting) {
        throw new RuntimeError("select() is already waiting on this selector");
      }
      ms = timeoutMs(timeout);
    } catch (e) {
      return Promise.reject(e);
    }
    const push = (key: SelectorKey<D>, events: number) => {
      out.push([key, events]);
    };
    this._woke = false;
    if (this._pollNow(push) > 0 || this._woke || ms === 0) {
      return Promise.resolve(out);
    }
    return this._wait(ms, push).then(() => out);
  }

  /**
   * Checks, without waiting and synchronously, which registered
   * descriptors are ready.
   *
   * @returns The ready `[key, events]` pairs.
   * @throws {RuntimeError} If the selector is closed.
   */
  selectNow(): SelectorEvent<D>[] {
    this._checkOpen();
    const out: SelectorEvent<D>[] = [];
    this._pollNow((key, events) => out.push([key, events]));
    return out;
  }

  /**
   * Makes a `select()` in flight return now (with what is ready, maybe
   * nothing); if none is in flight, the next one returns at once.
   */
  wakeup(): void {
    if (this._wakeFd < 0) return;
    libc().fn.write(this._wakeFd, this._wakeBuf, 8);
  }

  /**
   * The key of `fileobj`.
   *
   * @param fileobj The registered object or descriptor.
   * @returns Its key.
   * @throws {RangeError} If it is not registered (Python's `KeyError`).
   */
  getKey(fileobj: FileObject): SelectorKey<D> {
    const fd = _fdOf(fileobj, "get key");
    const key = this._keys.get(fd);
    if (key === undefined) {
      throw new RangeError(
        `Cannot get key as ${describe(fileobj)} is not registered`,
      );
    }
    return key;
  }

  /**
   * The registered keys, by descriptor (a live, read-only view).
   *
   * @returns The map.
   */
  getMap(): ReadonlyMap<number, SelectorKey<D>> {
    return this._keys;
  }

  /**
   * Closes the selector's kernel objects (a wait in flight is woken and
   * they close when it returns). The registered descriptors are not
   * closed. Closing twice does nothing.
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._keys.clear();
    if (this._waiting) {
      this.wakeup();
      return;
    }
    this._release();
  }

  /** Closes the selector (`using sel = new DefaultSelector()`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  _checkOpen(): void {
    if (this._closed) throw new RuntimeError("Selector is closed");
  }

  /** @internal Empties the eventfd after it woke a wait. */
  _drainWake(): void {
    libc().fn.read(this._wakeFd, this._wakeBuf, 8);
    this._wakeBuf[0] = 1n;
    this._woke = true;
  }

  /** @internal Closes the kernel objects. */
  _release(): void {
    const fn = libc().fn;
    if (this._wakeFd >= 0) fn.close(this._wakeFd);
    this._wakeFd = -1;
  }

  /**
   * @internal Waits (on another thread) up to `ms` milliseconds, then
   * visits what is ready. Resolves when done; never rejects (EINTR and
   * other failures of the wait are an empty result, as CPython retries).
   */
  _wait(ms: number, visit: SelectVisitor<D>): Promise<void> {
    this._waiting = true;
    const done = (n: number) => {
      this._waiting = false;
      if (this._closed) {
        this._release();
        return;
      }
      if (n > 0) this._visitWaited(n, visit);
    };
    return this._waitAsync(ms).then(done, () => done(0));
  }

  /** @internal Visits what is ready now (no waiting); the count of events. */
  abstract _pollNow(visit: SelectVisitor<D>): number;
  /** @internal Starts the kernel wait on another thread; its result. */
  abstract _waitAsync(ms: number): Promise<number>;
  /** @internal Visits the `n` events a finished wait left in its buffer. */
  abstract _visitWaited(n: number, visit: SelectVisitor<D>): void;
  /** @internal Adds `fd` to the kernel set. */
  abstract _add(fd: number, events: number): void;
  /** @internal Changes the events of `fd` in the kernel set. */
  abstract _change(fd: number, events: number): void;
  /** @internal Removes `fd` from the kernel set. */
  abstract _remove(fd: number): void;
}

function raiseErrno(): never {
  const lib = libc();
  const code = lib.errno();
  throw _osError(code, lib.strerror(code));
}

function epollMask(events: number): number {
  return ((events & EVENT_READ) !== 0 ? EPOLLIN : 0) |
    ((events & EVENT_WRITE) !== 0 ? EPOLLOUT : 0);
}

/**
 * A selector on Linux's epoll (Python's `selectors.EpollSelector`): the
 * kernel keeps the set, so a wait costs the same for 10 or 10,000
 * descriptors. Registering or unregistering while a `select()` waits takes
 * effect at once.
 *
 * @example Waiting until a socket has data
 * ```ts
 * import { EpollSelector, EVENT_READ, socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * using sel = new EpollSelector();
 * sel.register(a, EVENT_READ, "reader");
 * assert.deepEqual(await sel.select(0), []);
 * setTimeout(() => b.send(new Uint8Array([1])), 5);
 * const [[key, events]] = await sel.select(1);
 * assert.equal(key.data, "reader");
 * assert.equal(events, EVENT_READ);
 * sel.unregister(a);
 * a.close();
 * b.close();
 * ```
 */
export class EpollSelector<D = unknown> extends BaseSelector<D> {
  /** @internal */ _epfd: number;
  /** @internal The `struct epoll_event` of `epoll_ctl` calls. */
  _ctlBuf: Uint8Array = new Uint8Array(16);
  /** @internal */ _ctlView: DataView;
  /** @internal Events of non-waiting checks. */
  _nowBuf: Uint8Array;
  /** @internal Events of the wait in flight (kept alive while it runs). */
  _waitBuf: Uint8Array;
  /** @internal */ _maxEvents = 256;
  /** @internal */ _evSize: number;
  /** @internal Offset of `data` in an epoll_event. */
  _dataOff: number;

  /**
   * Creates the epoll instance.
   *
   * @throws {OSError} If the system refuses (`EMFILE`, ...).
   * @throws {NotImplementedError} On a platform without a backend.
   * @throws {Deno.errors.NotCapable} Without `--allow-ffi`.
   */
  constructor() {
    super();
    const lib = libc();
    this._evSize = lib.epollEventSize;
    this._dataOff = this._evSize === 12 ? 4 : 8;
    this._nowBuf = new Uint8Array(this._evSize * this._maxEvents);
    this._waitBuf = pinned(this._evSize * this._maxEvents);
    this._ctlView = new DataView(this._ctlBuf.buffer);
    const epfd = lib.fn.epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
      const code = lib.errno();
      super._release();
      throw _osError(code, lib.strerror(code));
    }
    this._epfd = epfd;
    this._ctl(EPOLL_CTL_ADD, this._wakeFd, EPOLLIN);
  }

  /** The epoll descriptor (Python's `fileno()`). */
  fileno(): number {
    return this._epfd;
  }

  /** @internal */
  _ctl(op: number, fd: number, mask: number): void {
    const v = this._ctlView;
    v.setUint32(0, mask, true);
    v.setInt32(this._dataOff, fd, true);
    v.setInt32(this._dataOff + 4, 0, true);
    if (libc().fn.epoll_ctl(this._epfd, op, fd, this._ctlBuf) < 0) {
      raiseErrno();
    }
  }

  /** @internal */
  override _add(fd: number, events: number): void {
    this._ctl(EPOLL_CTL_ADD, fd, epollMask(events));
    this._grow();
  }

  /** @internal */
  override _change(fd: number, events: number): void {
    this._ctl(EPOLL_CTL_MOD, fd, epollMask(events));
  }

  /** @internal */
  override _remove(fd: number): void {
    try {
      this._ctl(EPOLL_CTL_DEL, fd, 0);
    } catch {
      // A descriptor closed before it was unregistered left the set by
      // itself (EBADF), as CPython ignores.
    }
  }

  /** @internal Keeps room for an event per descriptor (up to a cap). */
  _grow(): void {
    const want = this._keys.size + 2;
    if (want <= this._maxEvents || this._maxEvents >= 8192) return;
    this._maxEvents = Math.min(8192, this._maxEvents * 2);
    this._nowBuf = new Uint8Array(this._evSize * this._maxEvents);
    // The wait buffer is replaced when no wait uses it.
    if (!this._waiting) {
      this._waitBuf = pinned(this._evSize * this._maxEvents);
    }
  }

  /** @internal */
  override _pollNow(visit: SelectVisitor<D>): number {
    const buf = this._nowBuf;
    const n = libc().fn.epoll_wait(
      this._epfd,
      buf,
      buf.length / this._evSize,
      0,
    );
    if (n <= 0) return 0;
    return this._visit(buf, n, visit);
  }

  /** @internal */
  override _waitAsync(ms: number): Promise<number> {
    if (this._waitBuf.length < this._nowBuf.length) {
      this._waitBuf = pinned(this._nowBuf.length);
    }
    const buf = this._waitBuf;
    return libc().fn.epoll_wait_async(
      this._epfd,
      buf,
      buf.length / this._evSize,
      ms,
    );
  }

  /** @internal */
  override _visitWaited(n: number, visit: SelectVisitor<D>): void {
    this._visit(this._waitBuf, n, visit);
  }

  /** @internal Visits `n` events of `buf`; the count visited. */
  _visit(buf: Uint8Array, n: number, visit: SelectVisitor<D>): number {
    const size = this._evSize;
    const off = this._dataOff;
    const keys = this._keys;
    const wake = this._wakeFd;
    let count = 0;
    for (let i = 0, p = 0; i < n; i++, p += size) {
      const mask = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) |
        (buf[p + 3] << 24);
      const fd = buf[p + off] | (buf[p + off + 1] << 8) |
        (buf[p + off + 2] << 16) | (buf[p + off + 3] << 24);
      if (fd === wake) {
        this._drainWake();
        continue;
      }
      const key = keys.get(fd);
      if (key === undefined) continue;
      let events = 0;
      if ((mask & ~EPOLLIN) !== 0) events |= EVENT_WRITE;
      if ((mask & ~EPOLLOUT) !== 0) events |= EVENT_READ;
      events &= key.events;
      if (events === 0) continue;
      count++;
      visit(key, events);
    }
    return count;
  }

  /** @internal */
  override _release(): void {
    super._release();
    if (this._epfd >= 0) libc().fn.close(this._epfd);
    this._epfd = -1;
  }
}

/**
 * A selector on `poll(2)` (Python's `selectors.PollSelector`): portable
 * across Unix systems, with a cost per wait that grows with the number of
 * descriptors. A change of the set while a `select()` waits wakes the wait
 * so that the next one sees it.
 *
 * @example
 * ```ts
 * import { EVENT_WRITE, PollSelector, socketpair } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = socketpair();
 * using sel = new PollSelector();
 * sel.register(a.fileno(), EVENT_WRITE);
 * const ready = await sel.select(0);
 * assert.deepEqual(ready.map(([key, events]) => [key.fd, events]), [[a.fileno(), EVENT_WRITE]]);
 * a.close();
 * b.close();
 * ```
 */
export class PollSelector<D = unknown> extends BaseSelector<D> {
  /** @internal The `struct pollfd` array (the eventfd first). */
  _fds: Uint8Array = new Uint8Array(8 * 16);
  /** @internal */ _count = 0;
  /** @internal `_fds` must be rebuilt from the keys. */
  _dirty = true;
  /** @internal The array of the wait in flight. */
  _waitFds: Uint8Array | null = null;

  /**
   * Creates the selector.
   *
   * @throws {NotImplementedError} On a platform without a backend.
   * @throws {Deno.errors.NotCapable} Without `--allow-ffi`.
   */
  constructor() {
    super();
  }

  /** @internal */
  override _add(_fd: number, _events: number): void {
    this._changed();
  }

  /** @internal */
  override _change(_fd: number, _events: number): void {
    this._changed();
  }

  /** @internal */
  override _remove(_fd: number): void {
    this._changed();
  }

  /** @internal The set changed: rebuild before the next wait. */
  _changed(): void {
    this._dirty = true;
    if (this._waiting) this.wakeup();
  }

  /** @internal Writes the pollfd array from the keys. */
  _build(): void {
    const n = this._keys.size + 1;
    if (this._fds.length < 8 * n) this._fds = new Uint8Array(16 * n);
    const dv = new DataView(this._fds.buffer);
    dv.setInt32(0, this._wakeFd, true);
    dv.setInt16(4, POLLIN, true);
    dv.setInt16(6, 0, true);
    let p = 8;
    for (const key of this._keys.values()) {
      dv.setInt32(p, key.fd, true);
      dv.setInt16(
        p + 4,
        ((key.events & EVENT_READ) !== 0 ? POLLIN : 0) |
          ((key.events & EVENT_WRITE) !== 0 ? POLLOUT : 0),
        true,
      );
      dv.setInt16(p + 6, 0, true);
      p += 8;
    }
    this._count = n;
    this._dirty = false;
  }

  /** @internal */
  override _pollNow(visit: SelectVisitor<D>): number {
    if (this._dirty) this._build();
    const n = libc().fn.poll(this._fds, this._count, 0);
    if (n <= 0) return 0;
    return this._visit(this._fds, this._count, visit);
  }

  /** @internal */
  override _waitAsync(ms: number): Promise<number> {
    if (this._dirty) this._build();
    // A copy the waiting thread owns (changes to the set rebuild `_fds`).
    const fds = pinned(8 * this._count);
    fds.set(this._fds.subarray(0, 8 * this._count));
    this._waitFds = fds;
    return libc().fn.poll_async(fds, this._count, ms);
  }

  /** @internal */
  override _visitWaited(_n: number, visit: SelectVisitor<D>): void {
    const fds = this._waitFds as Uint8Array;
    this._waitFds = null;
    this._visit(fds, fds.length / 8, visit);
  }

  /** @internal Visits the entries of `fds` with events; the count visited. */
  _visit(fds: Uint8Array, count: number, visit: SelectVisitor<D>): number {
    const keys = this._keys;
    let visited = 0;
    for (let i = 0, p = 0; i < count; i++, p += 8) {
      const revents = fds[p + 6] | (fds[p + 7] << 8);
      if (revents === 0) continue;
      const fd = fds[p] | (fds[p + 1] << 8) | (fds[p + 2] << 16) |
        (fds[p + 3] << 24);
      if (fd === this._wakeFd) {
        this._drainWake();
        continue;
      }
      const key = keys.get(fd);
      if (key === undefined) continue;
      let events = 0;
      if ((revents & ~POLLIN) !== 0) events |= EVENT_WRITE;
      if ((revents & ~POLLOUT) !== 0) events |= EVENT_READ;
      events &= key.events;
      if (events === 0) continue;
      visited++;
      visit(key, events);
    }
    return visited;
  }
}

/**
 * The best selector of this platform: `EpollSelector` on Linux (the only
 * platform with a backend here).
 *
 * @example
 * ```ts
 * import { DefaultSelector, EpollSelector } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * using sel = new DefaultSelector();
 * assert.ok(sel instanceof EpollSelector);
 * ```
 */
export const DefaultSelector: typeof EpollSelector = EpollSelector;

/** The type of `DefaultSelector`'s instances. */
export type DefaultSelector<D = unknown> = EpollSelector<D>;
