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
  /** @internal */ _args: readonly unknown[] | null;
  /** @internal */ _cancelled = false;
  /** @internal */ _loop: HandleLoop;
  /** @internal */ _context: Context | null;
  /** @internal */ _sourceTraceback: string | null = null;
  /** @internal */ _repr: string | null = null;

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
    if (this._loop._debug) this._sourceTraceback = captureStack(3);
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
      if (this._loop._debug) this._repr = this.toString();
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
    const args = this._args;
    try {
      if (this._context !== null) {
        if (args === null) this._context.run(cb);
        else this._context.run(cb, ...args);
      } else if (args === null) cb();
      else cb(...args);
    } catch (exception) {
      const context: Record<string, unknown> = {
        message: `Exception in callback ${describe(cb)}`,
        exception,
        handle: this,
      };
      if (this._sourceTraceback !== null) {
        context.sourceTraceback = this._sourceTraceback;
      }
      this._loop.callExceptionHandler(context);
    }
  }

  /** A description such as `<Handle tick() cancelled>`. */
  toString(): string {
    if (this._repr !== null) return this._repr;
    const parts = [this.constructor.name];
    if (this._cancelled) parts.push("cancelled");
    if (this._callback !== null) parts.push(describe(this._callback));
    return `<${parts.join(" ")}>`;
  }
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

  /** A description such as `<TimerHandle when=12.5 tick()>`. */
  override toString(): string {
    if (this._repr !== null) return this._repr;
    const parts = [this.constructor.name, `when=${this._when}`];
    if (this._cancelled) parts.push("cancelled");
    if (this._callback !== null) parts.push(describe(this._callback));
    return `<${parts.join(" ")}>`;
  }
}
