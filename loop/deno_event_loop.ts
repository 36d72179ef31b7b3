/**
 * `DenoEventLoop`: the default loop, a proactor on Deno's APIs (CPython's
 * `proactor_events.py` in spirit: Deno completes reads and writes, it does
 * not report readiness). File-descriptor callbacks (`addReader` and
 * friends) need a selector loop, so they throw `NotImplementedError`.
 *
 * @module
 */
import { BaseEventLoop } from "./base_event_loop.ts";
import { NotImplementedError } from "../futures/exceptions.ts";
import { Handle } from "./handle.ts";
import { describe } from "./_describe.ts";
import { MAX_HOST_TIMER_SECONDS } from "./_host.ts";
import {
  _checkSignal,
  _getSignalHandler,
  _setSignalHandler,
} from "./signals.ts";

/** A signal handler of a loop: its handle and the listener installed. */
interface SignalEntry {
  handle: Handle;
  listener: () => void;
}

function isCoroutineFunction(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: string } })?.constructor?.name;
  return name === "AsyncFunction" || name === "GeneratorFunction" ||
    name === "AsyncGeneratorFunction";
}

function needsSelector(method: string): never {
  throw new NotImplementedError(
    `${method} is not supported by DenoEventLoop: Deno hides file descriptors. ` +
      "Use SelectorEventLoop for it: run(main, { loopFactory: () => new SelectorEventLoop() })",
  );
}

/**
 * The default event loop of this module: the shared scheduler of
 * `BaseEventLoop` plus I/O on Deno's APIs (`Deno.listen`, `Deno.connect`,
 * `Deno.Command`, ...). `newEventLoop()` returns one.
 *
 * @example
 * ```ts
 * import { DenoEventLoop, newEventLoop, NotImplementedError } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * assert.ok(loop instanceof DenoEventLoop);
 * assert.throws(() => loop.addReader(0, () => {}), NotImplementedError);
 * loop.close();
 * ```
 */
export class DenoEventLoop extends BaseEventLoop {
  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override addReader<A extends unknown[]>(
    _fd: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): void {
    needsSelector("addReader()");
  }

  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override removeReader(_fd: number): boolean {
    return needsSelector("removeReader()");
  }

  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override addWriter<A extends unknown[]>(
    _fd: number,
    _callback: (...args: A) => unknown,
    ..._args: A
  ): void {
    needsSelector("addWriter()");
  }

  /**
   * Not supported: Deno hides file descriptors.
   *
   * @throws {NotImplementedError} Always; the message names SelectorEventLoop.
   */
  override removeWriter(_fd: number): boolean {
    return needsSelector("removeWriter()");
  }

  // ---- signals (issue 5; CPython's unix_events.py) ----

  /** @internal This loop's signal handlers, by signal name. */
  _signalHandlers: Map<string, SignalEntry> = new Map();

  /**
   * Calls `callback(...args)` as a callback of this loop whenever the
   * process receives `sig`, a signal name such as `"SIGINT"` or
   * `"SIGTERM"` (CPython's `add_signal_handler`, on
   * `Deno.addSignalListener`). The callback runs in a loop iteration, as
   * if scheduled with `callSoonThreadsafe` when the signal arrived; an
   * error it throws goes to the exception handler. Adding a handler for a
   * signal that has one replaces it. The handler is the realm's handler
   * of `sig`: it displaces `run()`'s Ctrl-C handling for SIGINT, and
   * another loop's handler of the same signal. `close()` removes the
   * loop's handlers. Signals need no permission. Unlike CPython, which
   * allows signal handlers only on the main thread, a loop in a Worker may
   * have them too (Deno delivers a signal to every realm that listens).
   *
   * To run a coroutine on a signal, start it from the callback:
   * `loop.addSignalHandler("SIGTERM", () => void createTask(shutdown()))`.
   *
   * @param sig The signal's name.
   * @param callback What to call.
   * @param args Its arguments.
   * @throws {TypeError} If `sig` is not a string, or `callback` is not a
   *   function or is a coroutine function.
   * @throws {RangeError} If `sig` names no signal of this platform.
   * @throws {RuntimeError} If the signal cannot be caught (SIGKILL,
   *   SIGSTOP, ...) or the loop is closed.
   *
   * @example Handling a signal sent to the program itself
   * ```ts
   * import { newEventLoop } from "@asyncio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const loop = newEventLoop();
   * const got: string[] = [];
   * loop.addSignalHandler("SIGWINCH", (what: string) => {
   *   got.push(what);
   *   loop.stop();
   * }, "resized");
   * Deno.kill(Deno.pid, "SIGWINCH");
   * await loop.runForever();
   * assert.deepEqual(got, ["resized"]);
   * assert.equal(loop.removeSignalHandler("SIGWINCH"), true);
   * loop.close();
   * ```
   */
  override addSignalHandler<A extends unknown[]>(
    sig: string,
    callback: (...args: A) => unknown,
    ...args: A
  ): void {
    if (typeof callback !== "function") {
      throw new TypeError(
        `a callable object was expected by addSignalHandler(), got ${
          describe(callback)
        }`,
      );
    }
    if (isCoroutineFunction(callback)) {
      throw new TypeError("coroutines cannot be used with addSignalHandler()");
    }
    const name = _checkSignal(sig, "add signal handler");
    this._checkClosed();
    const entry: SignalEntry = {
      handle: new Handle(callback, args.length === 0 ? null : args, this),
      listener: () => this._handleSignal(name),
    };
    _setSignalHandler(name, entry.listener);
    this._signalHandlers.set(name, entry);
  }

  /**
   * Removes the handler of `sig` (CPython's `remove_signal_handler`);
   * the signal's default action is back (for SIGINT: Ctrl-C ends the
   * program). Returns true if the loop had a handler for it.
   *
   * @param sig The signal's name.
   * @returns Whether a handler was removed.
   * @throws {TypeError} If `sig` is not a string.
   * @throws {RangeError} If `sig` names no signal of this platform.
   */
  override removeSignalHandler(sig: string): boolean {
    const name = _checkSignal(sig, "remove signal handler");
    const entry = this._signalHandlers.get(name);
    if (entry === undefined) return false;
    this._signalHandlers.delete(name);
    if (_getSignalHandler(name) === entry.listener) {
      _setSignalHandler(name, null);
    }
    return true;
  }

  /** @internal A signal arrived: queue its handle (signal-safe). */
  _handleSignal(sig: string): void {
    const entry = this._signalHandlers.get(sig);
    if (entry === undefined || this._closed) return;
    if (entry.handle._cancelled) {
      this.removeSignalHandler(sig);
      return;
    }
    this._ready.push(entry.handle);
    if (this._idleResolve !== null) this._wake();
  }

  /**
   * @internal Deno's signal listeners do not keep the process alive; a loop
   * waiting for nothing but signals must, so it waits on a (long) host timer.
   */
  override _idle(timeout: number): Promise<void> {
    if (timeout === Infinity && this._signalHandlers.size > 0) {
      timeout = MAX_HOST_TIMER_SECONDS;
    }
    return super._idle(timeout);
  }

  /**
   * Closes the loop (see `BaseEventLoop.close()`) and removes its signal
   * handlers.
   *
   * @throws {RuntimeError} If the loop is running.
   */
  override close(): void {
    super.close();
    for (const sig of [...this._signalHandlers.keys()]) {
      this.removeSignalHandler(sig);
    }
  }
}
