/**
 * `Handle` and `TimerHandle`: the objects `callSoon`, `callLater` and
 * `callAt` return, and the items of the loop's ready queue and timer heap.
 *
 * @module
 */
import type { AbstractEventLoop, Context } from "./events.ts";
import { captureStack, describe } from "./_describe.ts";

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => unknown;

/** The loop internals a handle talks to. */
interface HandleLoop {
  callExceptionHandler(context: Record<string, unknown>): void;
  _debug: boolean;
  _timerHandleCancelled(handle: TimerHandle): void;
}

/**
 * A callback scheduled on a loop by `callSoon()`: it can be cancelled until
 * it runs.
 *
 * @example Cancelling a callback before it runs
 * ```ts
 * import { newEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const calls: string[] = [];
 * const h = loop.callSoon(() => calls.push("never"));
 * h.cancel();
 * assert.ok(h.cancelled());
 * loop.callSoon(() => loop.stop());
 * await loop.runForever();
 * assert.deepEqual(calls, []);
 * loop.close();
 * ```
 */
export class Handle {
  /** @internal */ _callback: AnyFn | null;
  /**
   * @internal The arguments, or `null` for none; for a one-argument handle
   * made by the loop itself (`_callSoon1`), the argument itself.
   */
  _args: unknown;
  /** @internal */ _cancelled = false;
  /** @internal */ _loop: HandleLoop;
  /** @internal */ _context: Context | null;

  /**
   * Handles are made by the loop; user code does not construct them.
   *
   * @param callback What to call.
   * @param args Its arguments, or `null` for none.
   * @param loop The loop that runs it.
   * @param context A context to run the callback in, or `null`.
   */
  constructor(
    callback: AnyFn,
    args: readonly unknown[] | null,
    loop: AbstractEventLoop,
    context: Context | null = null,
  ) {
    this._callback = callback;
    this._args = args;
    this._loop = loop as unknown as HandleLoop;
    this._context = context;
    if (this._loop._debug) debugInfo(this).source = captureStack(3);
  }

  /** @internal Where the handle was created (debug mode), or `null`. */
  get _sourceTraceback(): string | null {
    return debugData.get(this)?.source ?? null;
  }

  /** The context the callback runs in, or `null`. */
  getContext(): Context | null {
    return this._context;
  }

  /**
   * Cancels the callback: it will not run. Does nothing if it already ran
   * or was cancelled.
   */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      if (this._loop._debug) debugInfo(this).repr = this.toString();
      this._callback = null;
      this._args = null;
    }
  }

  /** Whether the handle was cancelled. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** Runs the callback; an exception goes to the loop's exception handler. */
  _run(): void {
    const cb = this._callback as AnyFn;
    const args = this._args as unknown[] | null;
    try {
      if (this._context !== null) {
        if (args === null) this._context.run(cb);
        else this._context.run(cb, ...args);
      } else if (args === null) cb();
      else cb(...args);
    } catch (exception) {
      this._reportError(exception);
    }
  }

  /** @internal Sends an exception of the callback to the loop. */
  _reportError(exception: unknown): void {
    const context: Record<string, unknown> = {
      message: `Exception in callback ${this._describeCallback()}`,
      exception,
      handle: this,
    };
    const source = this._sourceTraceback;
    if (source !== null) context.sourceTraceback = source;
    this._loop.callExceptionHandler(context);
  }

  /** @internal */
  _describeCallback(): string {
    return describe(this._callback);
  }

  /** A description such as `<Handle cancelled tick()>`. */
  toString(): string {
    const repr = debugData.get(this)?.repr;
    if (repr != null) return repr;
    return `<${this._reprInfo().join(" ")}>`;
  }

  /** @internal The parts of `toString()`. */
  _reprInfo(): string[] {
    const parts = ["Handle"];
    if (this._cancelled) parts.push("cancelled");
    if (this._callback !== null) parts.push(this._describeCallback());
    return parts;
  }
}

/**
 * @internal A handle the loop makes for its own one-argument calls (future
 * callbacks, task steps): `callback.call(target, arg)`, with the argument
 * kept in `_args` itself, so no arguments array is allocated.
 */
export class Handle1 extends Handle {
  /** @internal The `this` of the call (a task for its steps). */
  _target: unknown;

  constructor(
    callback: AnyFn,
    arg: unknown,
    target: unknown,
    loop: AbstractEventLoop,
    context: Context | null,
  ) {
    super(callback, null, loop, context);
    this._args = arg;
    this._target = target;
  }

  override _run(): void {
    const cb = this._callback as AnyFn;
    try {
      if (this._context !== null) {
        this._context.run(() => cb.call(this._target, this._args));
      } else {
        cb.call(this._target, this._args);
      }
    } catch (exception) {
      this._reportError(exception);
    }
  }

  override _describeCallback(): string {
    const target = this._target;
    if (target !== undefined && target !== null) {
      return `${this._callback?.name ?? "<anonymous>"}() of ${target}`;
    }
    return describe(this._callback);
  }
}

interface DebugInfo {
  source: string | null;
  repr: string | null;
}

/** Debug-mode data of handles, kept aside so handles stay small. */
const debugData = new WeakMap<Handle, DebugInfo>();

function debugInfo(h: Handle): DebugInfo {
  let info = debugData.get(h);
  if (info === undefined) {
    info = { source: null, repr: null };
    debugData.set(h, info);
  }
  return info;
}

/**
 * A callback scheduled at a point in time by `callLater()` or `callAt()`.
 *
 * @example Reading the deadline of a timer
 * ```ts
 * import { newEventLoop } from "@asyncio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const when = loop.time() + 60;
 * const timer = loop.callAt(when, () => {});
 * assert.equal(timer.when(), when);
 * timer.cancel();
 * loop.close();
 * ```
 */
export class TimerHandle extends Handle {
  /** @internal */ _when: number;
  /** @internal */ _seq: number;
  /** @internal */ _scheduled = false;

  /**
   * Timer handles are made by the loop; user code does not construct them.
   *
   * @param when The deadline, in the loop's `time()` seconds.
   * @param seq The order of scheduling (breaks ties between equal deadlines).
   * @param callback What to call.
   * @param args Its arguments, or `null` for none.
   * @param loop The loop that runs it.
   * @param context A context to run the callback in, or `null`.
   */
  constructor(
    when: number,
    seq: number,
    callback: AnyFn,
    args: readonly unknown[] | null,
    loop: AbstractEventLoop,
    context: Context | null = null,
  ) {
    super(callback, args, loop, context);
    this._when = when;
    this._seq = seq;
  }

  /** The deadline, in the loop's `time()` seconds. */
  when(): number {
    return this._when;
  }

  /** Cancels the timer; it is dropped from the loop's heap lazily. */
  override cancel(): void {
    if (!this._cancelled) this._loop._timerHandleCancelled(this);
    super.cancel();
  }

  /** @internal The parts of `toString()`: `TimerHandle when=12.5 tick()`. */
  override _reprInfo(): string[] {
    const parts = super._reprInfo();
    parts.splice(0, 1, "TimerHandle", `when=${this._when}`);
    return parts;
  }
}
